"""Stories: the index on the corpus of tests/stories/ (the issue's targets), the traps, and the
store keeping one alert per story and destination."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.articles import Article
from bot.delivery import OutboxKind, Planned
from bot.routing import Router
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.stories import Placement, Reason, Stories, StoryIndex, StoryInput
from tests.factories import make_article
from tests.stories.corpus import CorpusArticle, build_corpus

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BODY = (
    "The harbour authority said on Tuesday that the Pyrmont bridge would reopen to cyclists "
    "on 14 December after 18 months of repairs costing $42.5 million.\n\n"
    "“We will reopen the bridge to cyclists on Monday,” said Clover Moore, the lord mayor, "
    "adding that 12,000 people crossed it every day before it closed in June 2025.\n\n"
    "Engineers from Sydney Water found corrosion in 37 of the 58 steel cables, according to "
    "a report published by the New South Wales transport department on Monday."
)


def story_input(
    number: int, text: str, *, source: int = 1, hours: float = 0, **extra: object
) -> StoryInput:
    base = StoryInput(
        article_id=number,
        source_id=source,
        url=f"https://site{source}.test/{number}",
        canonical_url=None,
        guid=None,
        text=text,
        published=NOW + timedelta(hours=hours),
    )
    return replace(base, **extra)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def corpus_run() -> list[tuple[CorpusArticle, str]]:
    """Every corpus article with the corpus story of the story it was placed in."""
    corpus = build_corpus()
    index = StoryIndex()
    story_of: dict[int, str] = {}
    placed = []
    for number, item in enumerate(corpus, start=1):
        story_of[number] = item.story
        placement = index.place(
            StoryInput(
                number,
                zlib.crc32(item.outlet.encode()),
                item.url,
                item.canonical_url,
                item.guid,
                item.text,
                item.published,
            )
        )
        placed.append((item, story_of[placement.story_id]))
    return placed


def test_no_distinct_article_joins_another_story(
    corpus_run: list[tuple[CorpusArticle, str]],
) -> None:
    wrong = [item.id for item, story in corpus_run if story != item.story]
    assert wrong == []


@pytest.mark.parametrize(
    ("kind", "target"), [("exact", 1.0), ("wrapped", 1.0), ("truncated", 0.95), ("edited", 0.70)]
)
def test_copies_join_their_original(
    corpus_run: list[tuple[CorpusArticle, str]], kind: str, target: float
) -> None:
    copies = [(item, story) for item, story in corpus_run if item.kind == kind]
    joined = sum(story == item.story for item, story in copies)
    assert copies and joined / len(copies) >= target


def test_the_negatives_are_many_and_stay_apart(corpus_run: list[tuple[CorpusArticle, str]]) -> None:
    kinds = Counter(item.kind for item, _ in corpus_run)
    assert kinds["negative"] + kinds["template"] + kinds["short"] >= 1000


def test_a_wrapped_copy_joins_and_a_short_item_never_joins_on_similarity() -> None:
    index = StoryIndex()
    assert index.place(story_input(1, BODY)).new
    wrapped = "Home | World | Sport\n\n" + BODY + "\n\nSource link. Read more on our app."
    copy = index.place(story_input(2, wrapped, source=2, hours=1))
    # The menu and the read-more line are page furniture: what is left is the same text.
    assert copy.story_id == 1 and copy.reason is Reason.TEXT
    annotated = BODY + "\n\nThe bridge was first opened to traffic in 1902 and carried trams."
    near = index.place(story_input(5, annotated, source=5, hours=2))
    assert near.story_id == 1 and near.reason is Reason.SIMILAR
    short = "Markets close higher. More to follow."
    assert index.place(story_input(3, short, source=3)).new
    assert index.place(story_input(4, short, source=4)).new  # equal, but too short to mean it


def test_the_same_url_updated_stays_one_story() -> None:
    index = StoryIndex()
    index.place(story_input(1, BODY, url="https://site.test/a"))
    updated = (
        BODY.replace("37 of the 58", "41 of the 58") + "\n\nUpdated with the minister's reply."
    )
    again = index.place(story_input(2, updated, url="https://site.test/a?utm_source=x", hours=5))
    assert again.story_id == 1 and again.reason is Reason.URL


def test_empty_and_template_text_and_time_window() -> None:
    index = StoryIndex()
    assert index.place(story_input(1, "")).new
    assert index.place(story_input(2, "", source=2)).new
    assert index.place(story_input(3, BODY)).new
    late = index.place(story_input(4, BODY + "\n\nLater.", source=5, hours=100))
    assert late.new  # beyond the 72-hour window


def test_a_failed_store_forgets_and_a_restart_remembers() -> None:
    index = StoryIndex()
    index.place(story_input(1, BODY))
    index.forget([1])
    assert index.place(story_input(2, BODY, source=2)).new
    rebuilt = Stories()
    article = replace(make_article(1, "g:abc", NOW), text=BODY, id=7)
    rebuilt.load([(article, 7)])
    copy = replace(make_article(2, "u:def", NOW), text=BODY + "\n\nSource link.")
    placed = rebuilt.place(copy, 8)
    assert (placed.story_id, placed.new) == (7, False)


async def test_a_copy_alerts_only_where_the_story_was_not_alerted(store: Repositories) -> None:
    """A server watching both outlets gets one alert; a server watching only the copy's outlet
    gets the copy's."""
    a, _ = await store.sources.add_source(
        "https://a.test/feed", added_url="https://a.test/feed", now=NOW
    )
    b, _ = await store.sources.add_source(
        "https://b.test/feed", added_url="https://b.test/feed", now=NOW
    )
    for guild, channel in ((1, 11), (2, 22)):
        await store.guilds.set_alerts_channel(guild, channel, user_id=5, now=NOW)
    await store.guilds.add_guild_source(1, a.id, user_id=5, now=NOW)
    await store.guilds.add_guild_source(1, b.id, user_id=5, now=NOW)
    await store.guilds.add_guild_source(2, b.id, user_id=5, now=NOW)
    stories = Stories()
    person = Planned(OutboxKind.DM, 1, 99, 99, None, "matched: bridge in text")
    original = replace(make_article(a.id, "g:one", NOW), text=BODY)
    await poll(store, a, original, stories, {"g:one": [person]})
    copy = replace(make_article(b.id, "u:two", NOW + timedelta(hours=1)), text="Sydney | " + BODY)
    await poll(store, b, copy, stories, {"u:two": [person]})
    queued = sorted((e.channel_id, e.article_id) for e in await store.outbox.outbox_entries())
    assert queued == [(11, 1), (22, 2), (99, 1)]
    behind = await store.outbox.story_alerts_behind(
        NOW, since=NOW - timedelta(days=2), edited_before=NOW
    )
    assert behind == []  # nothing sent yet
    for entry in await store.outbox.outbox_entries():
        await store.outbox.mark_sent([entry.id], 1000 + entry.id, now=NOW)
    behind = await store.outbox.story_alerts_behind(
        NOW, since=NOW - timedelta(days=2), edited_before=NOW
    )
    assert sorted(e.channel_id for e, outlets in behind if outlets == 2) == [11, 22, 99]
    assert await store.outbox.story_outlets(1, 1) == ["News Test"]  # guild 1 watches both outlets
    assert await store.outbox.story_outlets(2, 2) == []  # guild 2 doesn't watch the first one


async def poll(
    store: Repositories,
    source: Source,
    article: Article,
    stories: Stories,
    planned: dict[str, list[Planned]],
) -> None:
    change = PollSuccess(None, None, None, None, None, NOW)
    routed = await Router(store.topics).plan(source, [article])  # the servers' alerts channels
    for key, people in planned.items():
        routed[key] = [*routed.get(key, []), *people]
    await store.ingest.record_poll_success(
        source,
        change,
        seen_keys=[article.item_key],
        new_articles=[article],
        now=NOW,
        planned=routed,
        stories=stories,
    )


async def test_an_article_joining_two_stories_merges_them_and_drops_a_second_alert(
    store: Repositories,
) -> None:
    """Two halves of one report were published as two stories, each alerted in one channel;
    the whole report joins them: the second half's articles move to the first's story, the
    alert still waiting for the second is dropped, the whole isn't alerted there, and the
    store rebuilt after a restart places a copy of the second half in the merged story."""
    from sqlalchemy import select

    from bot.records import OutboxStatus
    from bot.storage.schema import stories as stories_table
    from tests.stories.test_index import article_text

    made = []
    for name in ("a", "b", "c", "d"):
        source, _ = await store.sources.add_source(
            f"https://{name}.test/feed", added_url=f"https://{name}.test/feed", now=NOW
        )
        made.append(source)
    a, b, c, d = made
    await store.guilds.set_alerts_channel(1, 11, user_id=5, now=NOW)
    for source in made:
        await store.guilds.add_guild_source(1, source.id, user_id=5, now=NOW)
    paragraphs = article_text(7, at_least=450)
    half = len(paragraphs) // 2
    first_half, second_half = "\n\n".join(paragraphs[:half]), "\n\n".join(paragraphs[half:])
    stories = Stories()
    person = Planned(OutboxKind.DM, 1, 99, 99, None, "matched: harbour in text")

    def article(source: Source, key: str, hours: int, text: str) -> Article:
        made = make_article(source.id, key, NOW + timedelta(hours=hours), site=source.url[8:9])
        return replace(made, text=text)

    await poll(store, a, article(a, "g:one", 0, first_half), stories, {"g:one": [person]})
    await poll(store, b, article(b, "g:two", 1, second_half), stories, {"g:two": [person]})
    entries = await store.outbox.outbox_entries()
    assert sorted((e.channel_id, e.article_id) for e in entries) == [
        (11, 1),
        (11, 2),
        (99, 1),
        (99, 2),
    ]
    await store.outbox.mark_sent([e.id for e in entries if e.article_id == 1], 500, now=NOW)
    await store.threads.begin_story_thread(1, 33, 2, now=NOW)  # a thread-mode channel's post for it

    whole = "\n\n".join(paragraphs)
    await poll(store, c, article(c, "g:three", 2, whole), stories, {"g:three": [person]})
    assert stories.index.story_of(2) == 1
    assert await store.threads.story_thread(33, 2) is None
    assert await store.threads.story_thread(33, 1) is not None  # the merged story goes on in it
    async with store.database.engine.connect() as conn:
        rows = (await conn.execute(select(stories_table))).all()
    assert [(r.id, r.articles, r.outlets) for r in rows] == [(1, 3, 3)]
    entries = await store.outbox.outbox_entries()
    assert not [e for e in entries if e.article_id == 3]  # both destinations had the story
    second = [e for e in entries if e.article_id == 2]
    assert {e.status for e in second} == {OutboxStatus.DROPPED}
    behind = await store.outbox.story_alerts_behind(
        NOW + timedelta(hours=3), since=NOW - timedelta(days=2), edited_before=NOW
    )
    assert sorted((e.channel_id, e.article_id, outlets) for e, outlets in behind) == [
        (11, 1, 3),
        (99, 1, 3),
    ]
    assert await store.outbox.story_outlets(1, 1) == ["b", "c"]

    restarted = Stories()
    restarted.load(await store.articles.articles_with_stories(NOW - timedelta(days=1)))
    assert restarted.index.story_of(2) == 1
    copy = article(d, "g:four", 3, "Harbour | " + second_half)
    await poll(store, d, copy, restarted, {"g:four": [person]})
    (stored,) = [
        a for a in await store.articles.recent_articles(limit=10) if a.item_key == "g:four"
    ]
    assert stored.id is not None
    assert not [e for e in await store.outbox.outbox_entries() if e.article_id == stored.id]


async def test_a_stale_index_files_a_copy_in_the_story_its_story_was_merged_into(
    store: Repositories,
) -> None:
    """Another process merged the stories: this one's index still has them apart, and the
    store files a copy of the absorbed story in the merged one (and tells the index)."""
    from tests.stories.test_index import article_text

    made = []
    for name in ("a", "b", "c", "d"):
        source, _ = await store.sources.add_source(
            f"https://{name}.test/feed", added_url=f"https://{name}.test/feed", now=NOW
        )
        made.append(source)
    a, b, c, d = made
    paragraphs = article_text(7, at_least=450)
    half = len(paragraphs) // 2
    first_half, second_half = "\n\n".join(paragraphs[:half]), "\n\n".join(paragraphs[half:])

    def article(source: Source, key: str, hours: int, text: str) -> Article:
        return replace(make_article(source.id, key, NOW + timedelta(hours=hours)), text=text)

    here, there = Stories(), Stories()
    await poll(store, a, article(a, "g:one", 0, first_half), here, {})
    await poll(store, b, article(b, "g:two", 1, second_half), here, {})
    there.load(await store.articles.articles_with_stories(NOW - timedelta(days=1)))
    await poll(store, c, article(c, "g:three", 2, "\n\n".join(paragraphs)), there, {})
    assert here.index.story_of(2) == 2  # this process hasn't heard
    await poll(store, d, article(d, "g:four", 3, "Harbour | " + second_half), here, {})
    stored = await store.articles.articles_with_stories(NOW - timedelta(days=1))
    assert sorted((a.id, story) for a, story in stored) == [(1, 1), (2, 1), (3, 1), (4, 1)]
    assert here.index.story_of(2) == 1


class Joins:
    """A story index that places the next article in ``story``, joining ``absorbed`` to it."""

    def __init__(self, story: int, absorbed: tuple[int, ...] = ()) -> None:
        self.placement = Placement(story, Reason.SIMILAR, absorbed=absorbed)

    def place(self, article: Article, article_id: int) -> Placement:
        return self.placement

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        pass

    def forget(self, article_ids: Sequence[int]) -> None:
        pass


async def test_after_a_merge_a_channel_alerted_to_the_absorbed_story_gets_no_second_alert(
    store: Repositories,
) -> None:
    """Channel 22 had the alert of story B; an article joins B into story A: neither it nor a
    later copy of A is alerted to 22 again (the merged story holds B's alert's key)."""
    sources = []
    for name in ("a", "b", "c", "d"):
        url = f"https://{name}.test/feed"
        source, _ = await store.sources.add_source(url, added_url=url, now=NOW)
        sources.append(source)
    a, b, c, d = sources
    await store.guilds.set_alerts_channel(2, 22, user_id=5, now=NOW)
    for source in (b, c, d):
        await store.guilds.add_guild_source(2, source.id, user_id=5, now=NOW)
    first = replace(make_article(a.id, "g:a", NOW), text=BODY)
    await poll(store, a, first, Stories(), {})
    second = replace(make_article(b.id, "g:b", NOW), title="Another headline")
    await poll(store, b, second, Stories(), {})
    ids = {e.article_id for e in await store.outbox.outbox_entries()}
    assert len(ids) == 1  # only b's article reached channel 22
    (b_id,) = ids
    articles = {x.item_key: x.id for x in await store.articles.recent_articles()}
    a_id = articles["g:a"]
    assert a_id is not None and b_id is not None
    joining = make_article(c.id, "g:c", NOW + timedelta(hours=1))
    await poll(store, c, joining, Joins(a_id, absorbed=(b_id,)), {})  # type: ignore[arg-type]
    copy = make_article(d.id, "g:d", NOW + timedelta(hours=2))
    await poll(store, d, copy, Joins(a_id), {})  # type: ignore[arg-type]
    assert [e.article_id for e in await store.outbox.outbox_entries()] == [b_id]
