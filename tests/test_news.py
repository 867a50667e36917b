"""/news in the core: the store's full-text queries on a real SQLite file and a real PostgreSQL
database, and the News service."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.articles import Article
from bot.errors import UserFacingError
from bot.news import PAGE_SIZE, News, NoSources, NotSearchable
from bot.quotes import Quotation
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.topics import TopicError, parse_topic
from tests.factories import make_article, make_quotation

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 100, 200


def quote(text: str, speaker: str | None, *, key: bool = True) -> Quotation:
    role = "NATO Secretary General" if speaker == "Jens Stoltenberg" else None
    return make_quotation(text, speaker, key=key, role=role)


def article(
    source: Source, key: str, hours_ago: float, title: str, text: str = "Text.", **extra: object
) -> tuple[Source, Article]:
    made = make_article(source.id, key, NOW - timedelta(hours=hours_ago), title=title)
    return source, replace(made, text=text, **extra)  # type: ignore[arg-type]


def move(connection: Any, revision: str) -> None:
    """Upgrade (to "head") or downgrade the schema on this connection."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    config.attributes["connection"] = connection
    if revision == "head":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


async def add_source(store: Repositories, url: str, guild: int = GUILD) -> Source:
    source, _ = await store.sources.add_source(url, added_url=url, now=NOW)
    await store.guilds.add_guild_source(guild, source.id, user_id=1, now=NOW)
    return source


async def store_articles(store: Repositories, *found: tuple[Source, Article]) -> None:
    """Each article stored by its own poll at the time it was fetched, oldest first (as the
    watcher stores them: ids follow fetch order)."""
    change = PollSuccess(None, None, None, None, None, NOW)
    for source, article in sorted(found, key=lambda pair: pair[1].fetched_at):
        await store.ingest.record_poll_success(
            source, change, seen_keys=[article.item_key], new_articles=[article], now=NOW
        )


@pytest.fixture
async def news(store: Repositories) -> News:
    bbc = await add_source(store, "https://feeds.bbc.co.uk/news/world/rss.xml")
    reuters = await add_source(store, "https://www.reuters.com/world/feed")
    elsewhere = await add_source(store, "https://other.test/feed", guild=OTHER_GUILD)
    await store_articles(
        store,
        article(bbc, "b1", 1, "NATO summit opens in Vilnius", "Leaders of NATO met in Vilnius."),
        article(
            bbc,
            "b2",
            30,
            "Russia’s economy slows",
            "Russia's central bank raised rates. Nothing about the alliance.",
            quotes=(quote("We will keep rates high", "Elvira Nabiullina"),),
        ),
        article(
            bbc,
            "b3",
            24 * 10,
            "Old NATO story",
            "NATO did something ten days ago.",
        ),
        article(
            reuters,
            "r1",
            2,
            "Stoltenberg warns Russia",
            "The NATO chief said the alliance would defend every inch. São Paulo noted it.",
            quotes=(
                quote("We will defend every inch of allied territory", "Jens Stoltenberg"),
                quote("not a key one", "Jens Stoltenberg", key=False),
            ),
        ),
        *[
            article(reuters, f"r{i}", 3 + i, f"Markets update {i}", "Stocks moved.")
            for i in range(2, 12)
        ],
        article(elsewhere, "o1", 1, "NATO secret from another server", "NATO NATO NATO."),
    )
    return News(
        queries=store.queries,
        coverage=store.coverage,
        articles=store.articles,
        guilds=store.guilds,
        clock=lambda: NOW,
    )


async def test_latest_lists_the_servers_newest_articles_in_pages(news: News) -> None:
    scope = await news.scope(GUILD)
    first = await news.latest(scope, topic=None, hours=24)
    assert [a.title for a in first.items][:2] == [
        "NATO summit opens in Vilnius",
        "Stoltenberg warns Russia",
    ]
    assert len(first.items) == PAGE_SIZE and first.has_next
    second = await news.latest(scope, topic=None, hours=24, page=1)
    assert not {a.id for a in first.items} & {a.id for a in second.items}
    every = [
        a.title
        for p in range(3)
        for a in (await news.latest(scope, topic=None, hours=24, page=p)).items
    ]
    assert "NATO secret from another server" not in every
    assert "Russia’s economy slows" not in every  # 30 hours old


async def test_latest_with_a_topic_and_a_source(news: News) -> None:
    scope = await news.scope(GUILD)
    about = await news.latest(scope, topic=parse_topic("nato"), hours=48)
    assert [a.title for a in about.items] == [
        "NATO summit opens in Vilnius",
        "Stoltenberg warns Russia",
    ]
    assert about.items[1].quote is not None and about.items[1].quote.speaker == "Jens Stoltenberg"
    bbc = news.pick_source(scope, "bbc")
    only = await news.latest(scope, topic=parse_topic("nato"), hours=48, source=bbc)
    assert [a.title for a in only.items] == ["NATO summit opens in Vilnius"]
    with pytest.raises(UserFacingError, match="None of this server's sources"):
        news.pick_source(scope, "other.test")


async def test_search_ranks_folds_accents_and_apostrophes_and_highlights(news: News) -> None:
    scope = await news.scope(GUILD)
    found = await news.search(scope, news.query("sao paulo"), days=30)
    assert [a.title for a in found.items] == ["Stoltenberg warns Russia"]
    snippet = found.items[0].snippet or ""
    assert "\x02São\x03 \x02Paulo\x03" in snippet
    russia = await news.search(scope, news.query("russia"), days=30)
    assert {a.title for a in russia.items} == {"Stoltenberg warns Russia", "Russia’s economy slows"}
    titled = await news.search(scope, news.query("title:nato"), days=30)
    assert [a.title for a in titled.items] == ["NATO summit opens in Vilnius", "Old NATO story"]
    recent = await news.search(scope, news.query("nato -stoltenberg"), days=3)
    assert [a.title for a in recent.items] == ["NATO summit opens in Vilnius"]
    source = await news.search(scope, news.query("source:bbc.co.uk nato"), days=30)
    assert {a.title for a in source.items} == {"NATO summit opens in Vilnius", "Old NATO story"}


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        "*",
        "NEAR",
        "nato NEAR russia",
        "OR OR",
        "title:",
        "text:nato",
        "a AND",
        "^nato",
        "nato*",
    ],
)
async def test_fts_syntax_in_a_query_is_only_words(news: News, typed: str) -> None:
    scope = await news.scope(GUILD)
    try:
        topic = news.query(typed)
    except UserFacingError as exc:
        assert exc.message  # a clear message, never an SQL error
        return
    page = await news.search(scope, topic, days=30)
    assert isinstance(page.items, list)


async def test_queries_that_cant_be_searched_say_why(news: News) -> None:
    with pytest.raises(TopicError):
        news.query("x" * 10_000)
    with pytest.raises(TopicError):
        news.query("-sports")
    with pytest.raises(TopicError):
        news.query("nato OR -russia")
    with pytest.raises(NotSearchable, match="exclusion"):
        news.query("(nato OR -russia) ukraine")


async def test_quotes_by_any_part_of_the_speakers_name(news: News) -> None:
    scope = await news.scope(GUILD)
    assert await news.speakers(scope, "stolt") == ["Jens Stoltenberg"]
    assert await news.speakers(scope, "jens sto") == ["Jens Stoltenberg"]
    assert await news.speakers(scope, "tenberg") == []
    assert await news.speakers(scope, "%") == []
    page = await news.quotes(scope, speaker="stolt", topic=None, days=7)
    assert [q.quote.text for q in page.items] == ["We will defend every inch of allied territory"]
    assert page.items[0].article.title == "Stoltenberg warns Russia"
    everyone = await news.quotes(scope, speaker=None, topic=None, days=7)
    assert [q.quote.speaker for q in everyone.items] == ["Jens Stoltenberg", "Elvira Nabiullina"]
    about = await news.quotes(scope, speaker=None, topic=parse_topic("rates"), days=7)
    assert [q.quote.speaker for q in about.items] == ["Elvira Nabiullina"]
    nobody = await news.quotes(scope, speaker="x" * 10_000, topic=None, days=7)
    assert nobody.items == []


async def test_coverage_counts_days_sources_and_speakers(news: News) -> None:
    scope = await news.scope(GUILD)
    found = await news.coverage(scope, parse_topic("nato"), days=7)
    assert len(found.days) == 7 and found.days[-1].day == NOW.date()
    assert found.total == 2 and sum(d.articles for d in found.days) == 2
    assert dict(found.top_sources) == {  # untitled: host and path, never the whole URL
        "feeds.bbc.co.uk/news/world/rss.xml": 1,
        "www.reuters.com/world/feed": 1,
    }
    assert found.top_speakers == [("Jens Stoltenberg", 2)]
    longer = await news.coverage(scope, parse_topic("nato"), days=30)
    assert longer.total == 3


async def test_a_server_without_sources_is_told_how_to_add_some(news: News) -> None:
    with pytest.raises(NoSources, match="/sources add"):
        await news.scope(999)


async def test_pruning_removes_old_articles_with_their_quotes_and_index_rows(
    news: News, store: Repositories
) -> None:
    scope = await news.scope(GUILD)
    assert (await news.search(scope, news.query("old"), days=30)).items
    removed = await store.articles.prune_articles(NOW - timedelta(days=5))
    assert removed == 1
    assert not (await news.search(scope, news.query("old"), days=30)).items
    assert (await news.search(scope, news.query("vilnius"), days=30)).items
    removed = await store.articles.prune_articles(NOW)
    assert removed > 10
    assert await news.speakers(scope, "stolt") == []
    assert (await store.articles.quotes_for([1, 2, 3, 4])) == {1: (), 2: (), 3: (), 4: ()}


async def test_upgrading_to_0011_fills_who_each_article_quotes_from_its_quotes(
    news: News, store: Repositories
) -> None:
    """Coverage counts speakers from one row per article; a database from before that table
    (revision 0010) gets those rows from its quotes when it is upgraded."""
    scope = await news.scope(GUILD)
    before = await news.coverage(scope, parse_topic("nato"), days=30)
    assert before.top_speakers

    async with store.database.engine.begin() as conn:
        await conn.run_sync(move, "0010")
    async with store.database.engine.begin() as conn:
        await conn.run_sync(move, "head")
    after = await news.coverage(scope, parse_topic("nato"), days=30)
    assert after.top_speakers == before.top_speakers


@pytest.mark.parametrize("query", ["nato", "title:nato", "nato -vilnius", "source:bbc.co.uk"])
async def test_naming_the_sources_in_the_match_changes_no_answer(
    news: News, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """Few sources are named in the full-text match, many aren't (and the newest articles are
    found by walking the time index): both ways give the same answers."""
    import bot.storage.fulltext

    scope = await news.scope(GUILD)
    topic = news.query(query)

    async def answers() -> tuple[object, ...]:
        found = await news.search(scope, topic, days=30)
        latest = await news.latest(scope, topic=topic, hours=168)
        newest = await news.latest(scope, topic=None, hours=168)
        coverage = await news.coverage(scope, topic, days=30)
        return (
            [item.id for item in found.items],
            [item.id for item in latest.items],
            [item.id for item in newest.items],
            coverage.total,
            coverage.top_speakers,
        )

    named = await answers()
    monkeypatch.setattr(bot.storage.fulltext, "FEW_SOURCES", 0)
    assert await answers() == named
    assert named[0] or named[1]


async def test_headlines_are_found_by_any_part_in_any_case(news: News) -> None:
    scope = await news.scope(GUILD)
    found = [title for _, title in await news.headlines(scope, "summit OPENS")]
    assert found == ["NATO summit opens in Vilnius"]
    assert await news.headlines(scope, "%") == []


async def test_a_title_match_outranks_a_text_match_of_the_same_age(store: Repositories) -> None:
    source = await add_source(store, "https://ranked.test/feed")
    await store_articles(
        store,
        article(source, "t1", 5, "Markets", "The harbour authority met."),
        article(source, "t2", 5, "Harbour reopens", "Boats returned."),
    )
    scope = [source.id]
    since = NOW - timedelta(days=1)
    ids = await store.queries.search(scope, since, parse_topic("harbour"), now=NOW)
    titles = [item.title for item in await store.queries.listings(ids)]
    assert titles == ["Harbour reopens", "Markets"]


async def test_words_only_underscores_match_nothing(news: News) -> None:
    scope = await news.scope(GUILD)
    page = await news.search(scope, news.query("nato _"), days=30)
    assert page.items == []


def test_a_postgresql_query_is_built_from_quoted_words_only() -> None:
    from bot.storage.fulltext import _pg_tsquery, _pg_words_query

    topic = parse_topic("\"São Paulo\" title:nato -russia o'brien's")
    # Words in any text column carry no weights (the index holds none: a weighted word has
    # every match read again), unless they could be a tag (s<id>, d<hash>), which only the
    # tags' weight D holds.
    assert _pg_tsquery(topic.root) == (
        "(('o' <-> 'brien') & ('sao' <-> 'paulo') & ('nato':A) & !('russia'))"
    )
    assert _pg_tsquery(parse_topic("s12 nato").root) == "(('nato') & ('s12':ABC))"
    assert _pg_tsquery(topic.root, name_columns=True) == (
        "(('o':ABC <-> 'brien':ABC) & ('sao':ABC <-> 'paulo':ABC) & ('nato':A) & !('russia':ABC))"
    )
    assert _pg_words_query(topic.root) == "('o' <-> 'brien') | ('sao' <-> 'paulo') | ('nato')"
    assert _pg_tsquery(parse_topic("東京").root) == "('東京':*)"
    assert _pg_tsquery(parse_topic("nato _").root) is None


async def test_words_split_at_punctuation_as_topics_split_them(store: Repositories) -> None:
    source = await add_source(store, "https://punct.test/feed")
    filler = " ".join(f"word{i}" for i in range(60))
    text = f"{filler} A NATO-led force reached the port; see bbc.co.uk, page 3.5. {filler}"
    await store_articles(store, article(source, "p1", 2, "Port news", text))
    since = NOW - timedelta(days=1)
    for typed in ('"led force"', "bbc", '"co uk"', '"3 5"', "nato", "port"):
        assert await store.queries.search([source.id], since, parse_topic(typed), now=NOW), typed
    assert not await store.queries.search([source.id], since, parse_topic('"force led"'), now=NOW)
    topic = parse_topic("nato")
    (shown,) = await store.queries.snippets(topic, await store.queries.listings([1]))
    assert shown.snippet is not None
    assert shown.snippet.startswith("…") and shown.snippet.endswith("…")
    assert "\x02NATO\x03" in shown.snippet


async def test_a_whole_short_text_is_its_own_passage(store: Repositories) -> None:
    source = await add_source(store, "https://short.test/feed")
    await store_articles(store, article(source, "s1", 1, "Brief", "“Only a short NATO text.”"))
    (shown,) = await store.queries.snippets(parse_topic("nato"), await store.queries.listings([1]))
    assert shown.snippet == "“Only a short \x02NATO\x03 text.”"


async def test_a_phrase_never_runs_from_one_column_into_the_next(store: Repositories) -> None:
    source = await add_source(store, "https://columns.test/feed")
    await store_articles(
        store, article(source, "c1", 1, "Harbour reopens", "Boats returned.", lead="Boats came.")
    )
    since = NOW - timedelta(days=1)
    assert await store.queries.search([source.id], since, parse_topic('"harbour reopens"'), now=NOW)
    assert not await store.queries.search(
        [source.id], since, parse_topic('"reopens boats"'), now=NOW
    )
    assert not await store.queries.search([source.id], since, parse_topic('"came boats"'), now=NOW)


async def test_a_polls_articles_are_all_listed_whatever_order_they_were_stored_in(
    store: Repositories,
) -> None:
    """A new install's first poll: its articles are not stored in the order they were fetched
    (the first fetched gets the last id). Every one is still in every window."""
    source = await add_source(store, "https://first.test/feed")
    fetched = [NOW - timedelta(minutes=m) for m in (1, 2, 3)]
    found = [
        replace(
            make_article(source.id, f"f{i}", at, title=f"NATO story {i}"),
            fetched_at=at,
            published=at - timedelta(minutes=5),
        )
        for i, at in enumerate(fetched)
    ]
    change = PollSuccess(None, None, None, None, None, NOW)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[a.item_key for a in found], new_articles=found, now=NOW
    )
    news = News(
        queries=store.queries,
        coverage=store.coverage,
        articles=store.articles,
        guilds=store.guilds,
        clock=lambda: NOW,
    )
    scope = await news.scope(GUILD)
    for hours in (1, 24):
        listed = await news.latest(scope, topic=None, hours=hours)
        assert [a.title for a in listed.items] == ["NATO story 0", "NATO story 1", "NATO story 2"]
    searched = await news.search(scope, news.query("nato"), days=1)
    assert len(searched.items) == 3
    assert (await news.coverage(scope, parse_topic("nato"), days=1)).total == 3
    assert len(await news.headlines(scope, "story")) == 3


async def test_upgrading_to_0015_keeps_every_window_of_the_stored_articles(
    news: News, store: Repositories
) -> None:
    """A database from before ``article_hours`` (the revision before 0015) gets each
    publication hour's first id from its articles when it is upgraded: every answer stays the
    same."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    scope = await news.scope(GUILD)

    async def answers() -> tuple[object, ...]:
        latest = await news.latest(scope, topic=None, hours=168)
        found = await news.search(scope, news.query("nato"), days=30)
        return [a.id for a in latest.items], [a.id for a in found.items]

    before = await answers()
    assert before[0] and before[1]

    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    revision = ScriptDirectory.from_config(config).get_revision("0015")
    assert revision is not None and isinstance(revision.down_revision, str)
    async with store.database.engine.begin() as conn:
        await conn.run_sync(move, revision.down_revision)
    async with store.database.engine.begin() as conn:
        await conn.run_sync(move, "head")
    assert await answers() == before


async def test_speakers_are_suggested_most_quoted_first_each_counted_once(
    store: Repositories,
) -> None:
    """The autocomplete ranks by key quotes in the server's sources, from the name-word index
    alone; a name with two words starting as typed ("Maria Martinez" for "mar") counts once."""
    first = await add_source(store, "https://one.test/feed")
    second = await add_source(store, "https://two.test/feed")
    elsewhere = await add_source(store, "https://three.test/feed", guild=OTHER_GUILD)

    def said(*names: str) -> tuple[Quotation, ...]:
        return tuple(quote(f"We said it {i} times over", n) for i, n in enumerate(names))

    await store_articles(
        store,
        article(first, "a1", 3, "One", quotes=said("Maria Martinez", "Mark Smith")),
        article(first, "a2", 2, "Two", quotes=said("Mark Smith", "Mark Smith")),
        article(second, "b1", 1, "Three", quotes=said("Maria Martinez", "Martin Jones")),
        article(elsewhere, "c1", 1, "Four", quotes=said(*["Martin Jones"] * 5)),
    )
    news = News(
        queries=store.queries,
        coverage=store.coverage,
        articles=store.articles,
        guilds=store.guilds,
        clock=lambda: NOW,
    )
    scope = await news.scope(GUILD)
    assert await news.speakers(scope, "mar") == ["Mark Smith", "Maria Martinez", "Martin Jones"]
    assert await news.speakers(scope, "MARIA mar") == ["Maria Martinez"]
    assert await news.speakers(scope, "jones") == ["Martin Jones"]
    assert await news.speakers(scope, "mark smi") == ["Mark Smith"]
    assert await news.speakers(scope, "smith mark") == []
