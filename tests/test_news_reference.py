"""Every /news answer against a plain reference, on random stores (hypothesis).

The store answers /news with speed-ups: an id window found from the publication time, sources
named in the full-text match (or not, past FEW_SOURCES: both ways are drawn), index hints,
walking the time index, counting in the database.
Here random stores (several sources and servers; random fetch and publication times, some in
the future; polls stored in random order, each poll's articles in random order; stories across
sources; a store younger and older than the window; sometimes pruned, sometimes a source
removed) are asked every /news question, and each answer must be exactly what a plain
reference gives: the same rows read without any speed-up (the whole tables, and the full-text
index asked for every match, with no window, no source words and no hints), filtered, ordered
and counted here in Python by the commands' documented rules.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.articles import Article
from bot.charts import DayCount
from bot.errors import UserFacingError
from bot.news import MAX_PAGES, PAGE_SIZE, STORY_DAYS, Coverage, News, Scope
from bot.quotes import Quotation
from bot.sources import Source
from bot.storage.fulltext import FEW_SOURCES, _relevance
from bot.storage.ingest import PollSuccess
from bot.storage.queries import SEARCH_CANDIDATES
from bot.storage.repositories import Repositories
from bot.storage.schema import articles, guild_sources, metadata, quotes, sources
from bot.stories import Placement, Reason
from bot.topics import Topic, parse_topic
from tests.factories import make_quotation

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SOURCES = 3
GUILDS = (501, 502)
WORDS = ("nato", "russia", "summit", "rates", "storm", "vilnius", "harbour", "reopens", "s2")
SPEAKERS = ("Jens Stoltenberg", "Kaja Kallas", "Elvira Nabiullina")
TOPICS = (
    "nato",
    "russia",
    "nato russia",
    '"nato summit"',
    "title:nato",
    "nato -russia",
    "storm OR rates",
    "source:news1.test",
    "source:news2.test nato",
    '"harbour reopens" OR vilnius',
    "s2",
    "s2 OR nato",
)
HOURS = (1, 6, 24, 168)
DAYS = (1, 7, 30)


@dataclass(frozen=True, slots=True)
class Drawn:
    title: tuple[str, ...]
    text: tuple[str, ...]
    delay_s: float
    """Seconds after the poll began that the article was fetched."""
    age_h: float
    """Hours before its fetch that it was published (negative: a date in the future)."""
    story: int | None
    """Articles drawn with the same number are copies of one story."""
    said: tuple[tuple[str | None, bool], ...]
    """(speaker, key) of each quotation."""


@dataclass(frozen=True, slots=True)
class Poll:
    source: int
    hours_ago: float
    found: tuple[Drawn, ...]
    """In the order the poll stores them (not their fetch order)."""


@dataclass(frozen=True, slots=True)
class World:
    watched: dict[int, frozenset[int]]
    polls: tuple[Poll, ...]
    """In the order they are stored (concurrent workers store polls out of time order)."""
    prune_days: float | None
    removed: tuple[int, int] | None
    """(server, source) a server stopped watching, if any."""


drawn_articles = st.builds(
    Drawn,
    title=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(tuple),
    text=st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(tuple),
    delay_s=st.floats(0, 600),
    age_h=st.one_of(
        st.floats(0, 30), st.floats(0, 24 * 40), st.floats(-3, 0), st.sampled_from([0.0, 24.0])
    ),
    story=st.one_of(st.none(), st.integers(0, 3)),
    said=st.lists(
        st.tuples(st.one_of(st.none(), st.sampled_from(SPEAKERS)), st.booleans()), max_size=3
    ).map(tuple),
)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    # A store a few hours old (a new install), a few days old, or older than every window.
    span = draw(st.sampled_from([2.0, 20.0, 24.0 * 3, 24.0 * 40]))
    polls = draw(
        st.lists(
            st.builds(
                Poll,
                source=st.integers(0, SOURCES - 1),
                hours_ago=st.floats(0.02, span),
                found=st.lists(drawn_articles, min_size=1, max_size=5).map(tuple),
            ),
            min_size=1,
            max_size=8,
        )
    )
    if draw(st.booleans()):
        polls = sorted(polls, key=lambda poll: -poll.hours_ago)
    watched = {
        guild: frozenset(
            draw(st.lists(st.integers(0, SOURCES - 1), min_size=1, max_size=SOURCES, unique=True))
        )
        for guild in GUILDS
    }
    removed = draw(
        st.one_of(st.none(), st.tuples(st.sampled_from(GUILDS), st.integers(0, SOURCES - 1)))
    )
    prune = draw(st.one_of(st.none(), st.sampled_from([0.5, 2.0, 20.0])))
    return World(watched, tuple(polls), prune, removed)


class Copies:
    """Files the drawn copies of a story in one story (the store's StoryPlacer)."""

    def __init__(self, groups: dict[str, int | None]) -> None:
        self._groups = groups
        self._stories: dict[int, int] = {}

    def place(self, article: Article, article_id: int) -> Placement:
        group = self._groups[article.item_key]
        if group is None:
            return Placement(article_id, Reason.NEW)
        if group in self._stories:
            return Placement(self._stories[group], Reason.SIMILAR)
        self._stories[group] = article_id
        return Placement(article_id, Reason.NEW)

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        return None

    def forget(self, article_ids: Sequence[int]) -> None:
        return None


def quotation(n: int, speaker: str | None, key: bool) -> Quotation:
    return make_quotation(f"We will hold the line number {n}", speaker, key=key)


async def build(store: Repositories, world: World) -> None:
    async with store.database.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "counters":
                await conn.execute(table.delete())
    made: list[Source] = []
    for i in range(SOURCES):
        url = f"https://news{i}.test/feed"
        source, _ = await store.sources.add_source(url, added_url=url, now=NOW - timedelta(days=50))
        made.append(source)
    for guild, watched in world.watched.items():
        for i in sorted(watched):
            await store.guilds.add_guild_source(guild, made[i].id, user_id=1, now=NOW)
    groups: dict[str, int | None] = {}
    placer = Copies(groups)
    count = 0
    for poll in world.polls:
        source = made[poll.source]
        began = NOW - timedelta(hours=poll.hours_ago)
        batch = []
        for drawn in poll.found:
            count += 1
            key = f"k{count}"
            groups[key] = drawn.story
            fetched = min(NOW, began + timedelta(seconds=drawn.delay_s))
            batch.append(
                Article(
                    source_id=source.id,
                    item_key=key,
                    url=f"https://news{poll.source}.test/{key}",
                    canonical_url=None,
                    title=" ".join(drawn.title).capitalize() + f" {count}",
                    published=fetched - timedelta(hours=drawn.age_h),
                    author=None,
                    site_name=None,
                    lead="Lead.",
                    text=" ".join(drawn.text) + ".",
                    image=None,
                    from_page=True,
                    fetched_at=fetched,
                    quotes=tuple(
                        quotation(count * 10 + n, speaker, key)
                        for n, (speaker, key) in enumerate(drawn.said)
                    ),
                )
            )
        change = PollSuccess(f"News {poll.source}", None, None, None, None, NOW)
        await store.ingest.record_poll_success(
            source,
            change,
            seen_keys=[a.item_key for a in batch],
            new_articles=batch,
            now=began,
            stories=placer,
        )
    if world.removed is not None:
        guild, i = world.removed
        await store.guilds.remove_guild_source(guild, made[i].id)
    if world.prune_days is not None:
        await store.articles.prune_articles(NOW - timedelta(days=world.prune_days))


# ---- the reference: every row read plainly, the rules applied here ------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    source_id: int
    published: datetime
    story: int
    """The story id, or minus the article's id for an article in no story."""
    title: str


class Reference:
    def __init__(self, store: Repositories) -> None:
        self.store = store
        self.rows: dict[int, Row] = {}
        self.quotes: list[tuple[int, int, str | None, bool, str]] = []
        self.scopes: dict[int, set[int]] = defaultdict(set)
        self.names: dict[int, str] = {}

    async def load(self) -> None:
        async with self.store.database.engine.connect() as conn:
            for r in await conn.execute(select(articles)):
                story = r.story_id if r.story_id is not None else -r.id
                self.rows[r.id] = Row(r.id, r.source_id, r.published_at, story, r.title)
            for q in await conn.execute(select(quotes)):
                self.quotes.append(
                    (q.article_id, q.position, q.speaker, bool(q.is_key), str(q.text))
                )
            for g in await conn.execute(select(guild_sources)):
                self.scopes[g.guild_id].add(g.source_id)
            for s in await conn.execute(select(sources)):
                self.names[s.id] = s.title or s.url

    async def matching(self, topic: Topic) -> dict[int, float]:
        """Every article the full-text index matches, with its relevance: no window, no
        source words, no hints."""
        from bot.storage.fulltext import _ARTICLES_FTS, _fts5_match, _pg_match

        dialect = self.store.database.dialect
        relevance = _relevance(dialect, topic)
        if dialect == "sqlite":
            query = select(_ARTICLES_FTS.c.rowid, relevance).where(
                _ARTICLES_FTS.c.rowid.isnot(None),
                _match_sqlite(_fts5_match(topic.root, name_columns=True)),
            )
        else:
            query = select(articles.c.id, relevance).where(_pg_match(topic, name_columns=True))
        async with self.store.database.engine.connect() as conn:
            return {int(i): float(score) for i, score in await conn.execute(query)}

    def in_scope(self, scope: set[int], since: datetime | None = None) -> list[Row]:
        return [
            r
            for r in self.rows.values()
            if r.source_id in scope and (since is None or r.published >= since)
        ]

    async def latest(self, scope: set[int], since: datetime, topic: Topic | None) -> list[int]:
        first_copy: dict[int, int] = {}
        for r in self.in_scope(scope):
            first_copy[r.story] = min(first_copy.get(r.story, r.id), r.id)
        matched = await self.matching(topic) if topic else None
        found = [
            r
            for r in self.in_scope(scope, since)
            if (matched is None or r.id in matched) and first_copy[r.story] == r.id
        ]
        found.sort(key=lambda r: (r.published, r.id), reverse=True)
        return [r.id for r in found]

    async def search(self, scope: set[int], since: datetime, topic: Topic) -> list[int]:
        matched = await self.matching(topic)
        found = sorted(
            (r for r in self.in_scope(scope, since) if r.id in matched),
            key=lambda r: r.id,
            reverse=True,
        )[:SEARCH_CANDIDATES]

        def rank(r: Row) -> float:
            age_days = max(0.0, (NOW - r.published).total_seconds() / 86400)
            return matched[r.id] * math.pow(0.5, age_days / 7)

        return [r.id for r in sorted(found, key=rank, reverse=True)]

    async def key_quotes(
        self, scope: set[int], since: datetime, speaker: str | None, topic: Topic | None
    ) -> list[tuple[int, str]]:
        """(article id, quotation) of each key quote, newest article first."""
        matched = await self.matching(topic) if topic else None
        rows = {r.id: r for r in self.in_scope(scope, since)}
        found = [
            (rows[a], position, text)
            for a, position, said, key, text in self.quotes
            if a in rows
            and key
            and said is not None
            and (speaker is None or said == speaker)
            and (matched is None or a in matched)
        ]
        found.sort(key=lambda q: (-q[0].published.timestamp(), -q[0].id, q[1]))
        return [(r.id, text) for r, _, text in found]

    async def coverage(self, guild: int, topic: Topic, days: int) -> Coverage:
        first = (NOW - timedelta(days=days - 1)).date()
        since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
        matched = await self.matching(topic)
        rows = [r for r in self.in_scope(self.scopes[guild], since) if r.id in matched]
        earliest: dict[int, Row] = {}
        first_stored: dict[int, int] = {}
        copies: Counter[int] = Counter()
        for r in rows:
            copies[r.story] += 1
            first_stored[r.story] = min(first_stored.get(r.story, r.id), r.id)
            known = earliest.get(r.story)
            if known is None or (r.published, r.id) < (known.published, known.id):
                earliest[r.story] = r
        per_day = Counter(r.published.date() for r in earliest.values())
        per_source = Counter(r.source_id for r in rows)
        ids = {r.id for r in rows}
        said = Counter(q[2] for q in self.quotes if q[0] in ids and q[2] is not None)
        stories = sorted(
            (story for story, n in copies.items() if n > 1),
            key=lambda s: (-copies[s], earliest[s].published, s),
        )[:5]
        return Coverage(
            topic=topic.text,
            days=[
                DayCount(first + timedelta(days=i), per_day[first + timedelta(days=i)])
                for i in range(days)
            ],
            total=len(earliest),
            articles=len(rows),
            sources=len(per_source),
            top_sources=sorted(
                ((self.names[s], n) for s, n in per_source.items()),
                key=lambda pair: (-pair[1], pair[0]),
            )[:5],
            top_speakers=sorted(said.items(), key=lambda pair: (-pair[1], pair[0]))[:5],
            # Each under the headline of its first copy here (the first stored).
            top_stories=[(self.rows[first_stored[s]].title, copies[s]) for s in stories],
        )

    def headlines(self, scope: set[int], typed: str) -> list[tuple[int, str]]:
        since = NOW - timedelta(days=STORY_DAYS)
        needle = typed.strip().lower()
        found = sorted(
            (r for r in self.in_scope(scope, since) if needle in r.title.lower()),
            key=lambda r: r.id,
            reverse=True,
        )[: 25 * 4]
        seen: set[int] = set()
        listed = []
        for r in found:
            if r.story not in seen:
                seen.add(r.story)
                listed.append((r.id, r.title))
        return listed[:25]

    def copies(self, scope: set[int], article_id: int) -> list[int]:
        story = self.rows[article_id].story if article_id in self.rows else None
        found = [r for r in self.in_scope(scope) if r.story == story or r.id == article_id]
        return [r.id for r in sorted(found, key=lambda r: (r.published, r.id))]


def _match_sqlite(query: str) -> Any:
    from sqlalchemy import literal_column

    return literal_column("articles_fts").op("MATCH")(query)


# ---- the answers ---------------------------------------------------------------------------------


async def every_page(fetch: Any) -> list[Any]:
    """The items of every page of an answer (as the ◀ ▶ buttons show them)."""
    found: list[Any] = []
    for page in range(MAX_PAGES):
        answer = await fetch(page)
        found.extend(answer.items)
        if not answer.has_next:
            break
    return found


@dataclass(frozen=True, slots=True)
class Asked:
    news: News
    store: Repositories
    ref: Reference
    scope: Scope
    topics: list[Topic]
    hours: int
    days: int

    @property
    def ids(self) -> set[int]:
        return set(self.scope.sources)


async def check_latest(a: Asked, topic: Topic | None, source_id: int | None) -> None:
    source = a.scope.sources[source_id] if source_id is not None else None

    async def page(p: int) -> Any:
        return await a.news.latest(a.scope, topic=topic, hours=a.hours, source=source, page=p)

    listed = [item.id for item in await every_page(page)]
    since = NOW - timedelta(hours=a.hours)
    expected = await a.ref.latest({source_id} if source_id else a.ids, since, topic)
    assert listed == expected[: PAGE_SIZE * MAX_PAGES], ("latest", topic, source_id)


async def check_quotes(a: Asked, topic: Topic | None) -> None:
    since = NOW - timedelta(days=a.days)
    for speaker in (None, *SPEAKERS):
        listed = await a.store.coverage.key_quotes(
            list(a.ids),
            since,
            speakers=None if speaker is None else [speaker],
            topic=topic,
            limit=10_000,
        )
        expected = await a.ref.key_quotes(a.ids, since, speaker, topic)
        found = [(q.article.id, q.quote.text) for q in listed]
        assert found == expected, ("quotes", speaker, topic)

    async def page(p: int) -> Any:
        return await a.news.quotes(a.scope, speaker=None, topic=topic, days=a.days, page=p)

    pages = [(q.article.id, q.quote.text) for q in await every_page(page)]
    expected = await a.ref.key_quotes(a.ids, since, None, topic)
    assert pages == expected[: PAGE_SIZE * MAX_PAGES], ("quote pages", topic)


async def check_search(a: Asked, topic: Topic) -> None:
    since = NOW - timedelta(days=a.days)
    ranked = await a.store.queries.search(list(a.ids), since, topic, now=NOW)
    assert ranked == await a.ref.search(a.ids, since, topic), ("search", topic)
    page = await a.news.search(a.scope, topic, days=a.days)
    assert [item.id for item in page.items] == ranked[:PAGE_SIZE]
    assert page.has_next == (len(ranked) > PAGE_SIZE)


async def check_coverage(a: Asked, guild: int, topic: Topic) -> None:
    found = await a.news.coverage(a.scope, topic, days=a.days)
    assert found == await a.ref.coverage(guild, topic, a.days), ("coverage", topic)


async def check_stories(a: Asked) -> None:
    for typed in ("nato", "SUMMIT", "storm 1"):
        assert await a.news.headlines(a.scope, typed) == a.ref.headlines(a.ids, typed), typed
    listed = [i for i, row in sorted(a.ref.rows.items()) if row.source_id in a.ids]
    for article_id in listed[:: max(1, len(listed) // 6)]:  # six or so, first to last
        story = await a.news.story(a.scope, str(article_id))
        expected = a.ref.copies(a.ids, article_id)
        assert [c.id for c in story.copies] == expected, ("story", article_id)
    suggested = a.ref.headlines(a.ids, "nato")
    if not suggested:
        with pytest.raises(UserFacingError):
            await a.news.story(a.scope, "nato")
    else:
        story = await a.news.story(a.scope, "nato")
        assert [c.id for c in story.copies] == a.ref.copies(a.ids, suggested[0][0])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    world=worlds(),
    typed=st.lists(st.sampled_from(TOPICS), min_size=1, max_size=2, unique=True),
    window=st.tuples(st.sampled_from(HOURS), st.sampled_from(DAYS)),
    few=st.sampled_from([0, FEW_SOURCES]),
)
async def test_every_news_answer_is_what_a_plain_query_gives(
    store: Repositories, world: World, typed: list[str], window: tuple[int, int], few: int
) -> None:
    """``window``: (hours of /news latest, days of the other commands)."""
    hours, days = window
    # Servers watching few sources have them named in the full-text match, and many sources
    # walk the time index for the newest articles: each example takes one way or the other.
    with patch("bot.storage.fulltext.FEW_SOURCES", few):
        await ask_everything(store, world, typed, hours, days)


async def ask_everything(
    store: Repositories, world: World, typed: list[str], hours: int, days: int
) -> None:
    await build(store, world)
    ref = Reference(store)
    await ref.load()
    news = News(
        queries=store.queries,
        coverage=store.coverage,
        articles=store.articles,
        guilds=store.guilds,
        clock=lambda: NOW,
    )
    topics = [parse_topic(t) for t in typed]
    asked_any = False
    for guild in GUILDS:
        if not ref.scopes.get(guild):
            with pytest.raises(UserFacingError):
                await news.scope(guild)
            continue
        asked_any = True
        scope = await news.scope(guild)
        assert set(scope.sources) == ref.scopes[guild]
        a = Asked(news, store, ref, scope, topics, hours, days)
        for topic in (None, *topics):
            await check_latest(a, topic, None)
            for source_id in sorted(a.ids):
                await check_latest(a, topic, source_id)
            await check_quotes(a, topic)
        for topic in topics:
            await check_search(a, topic)
            await check_coverage(a, guild, topic)
        await check_stories(a)
    assert asked_any or world.removed is not None
