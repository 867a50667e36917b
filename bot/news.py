"""Asking newsbot about recent coverage: /news latest, search, quotes, coverage and story (core; no
discord imports). Every answer is drawn from the asking server's own sources only.

Each command checks its input first (``scope``, ``query``: quick, and raising a UserFacingError
with a clear message) and only then runs the query, so a mistake is answered privately even when
the answer itself would be public.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.charts import DayCount
from bot.errors import UserFacingError
from bot.messages import plain_text
from bot.sources import SourceName, source_matches
from bot.storage.articles import Articles
from bot.storage.coverage import Coverage as CoverageCounting
from bot.storage.fulltext import UnsearchableQuery
from bot.storage.guilds import Guilds
from bot.storage.queries import Listing, Queries, QuoteListing
from bot.topics import Topic, as_topic
from bot.urls import host_of

PAGE_SIZE = 5
MAX_PAGES = 50
MAX_SPEAKER_CHARS = 100
MAX_SOURCE_CHARS = 200
STORY_DAYS = 7
DEFAULT_DAYS = 7
"""How far back /news search, quotes and coverage look unless asked otherwise."""
MAX_DAYS = 30
"""The furthest back they may be asked to look."""


class NoSources(UserFacingError):
    """The server watches no sources yet."""

    def __init__(self) -> None:
        """Say how to add one."""
        super().__init__(
            "This server doesn't watch any news sources yet. An admin can add some with "
            "`/sources add` (a feed or site URL) or `/sources defaults` (a list of world news)."
        )


class NotSearchable(UserFacingError):
    """A query the full-text index can't run."""

    pass


@dataclass(frozen=True, slots=True)
class Scope:
    """The sources a server watches (what every answer is limited to)."""

    sources: dict[int, SourceName]

    def name_of(self, source_id: int, site_name: str | None = None) -> str:
        """What a source is called in answers (the article's site name first)."""
        source = self.sources.get(source_id)
        return site_name or (source.name if source else "?")


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One page of /news latest or /news search."""

    heading: str
    items: list[Listing]
    page: int
    has_next: bool
    scope: Scope


@dataclass(frozen=True, slots=True)
class QuotePage:
    """One page of /news quotes."""

    heading: str
    items: list[QuoteListing]
    page: int
    has_next: bool
    scope: Scope


@dataclass(frozen=True, slots=True)
class Coverage:
    """A topic's coverage by day, for /news coverage."""

    topic: str
    days: list[DayCount]
    total: int
    """Stories (copies of one story on several outlets count once)."""
    articles: int
    sources: int
    """How many of the server's sources carried it."""
    top_sources: list[tuple[str, int]]
    top_speakers: list[tuple[str, int]]
    top_stories: list[tuple[str, int]]
    """Headlines of the stories with the most copies here (only stories with several)."""

    @property
    def heading(self) -> str:
        """The title over the chart."""
        return f"Coverage of “{self.topic}”, last {len(self.days)} days"


class News:
    """The answers to /news, read from the server's own sources only."""

    def __init__(
        self,
        *,
        queries: Queries,
        coverage: CoverageCounting,
        articles: Articles,
        guilds: Guilds,
        clock: Callable[[], datetime],
    ) -> None:
        """Read from the /news queries, the coverage counts, the articles (to prune them) and
        the servers' sources, with the clock that says what "recent" means."""
        self._queries = queries
        self._coverage = coverage
        self._articles = articles
        self._guilds = guilds
        self._clock = clock

    async def sources_of(self, guild_id: int) -> Scope:
        """The server's sources, as the scope of its questions."""
        return Scope({s.id: s for s in await self._guilds.guild_source_names(guild_id)})

    async def scope(self, guild_id: int) -> Scope:
        """The server's sources, or NoSources (which says how to add some)."""
        scope = await self.sources_of(guild_id)
        if not scope.sources:
            raise NoSources
        return scope

    async def prune(self, *, retention_days: int) -> int:
        """Forget articles older than the retention period (daily, from the background)."""
        return await self._articles.prune_articles(self._clock() - timedelta(days=retention_days))

    @staticmethod
    def query(typed: str | Topic) -> Topic:
        """A topic or search query in the topic language (the same rules and messages), one
        the full-text index can search."""
        topic = as_topic(typed)
        try:
            Queries.check_searchable(topic)
        except UnsearchableQuery as exc:
            raise NotSearchable(f"That query can't be searched: {exc}.") from None
        return topic

    @staticmethod
    def pick_source(scope: Scope, typed: str) -> SourceName:
        """The server's source a /news latest `source` option names (its id from autocomplete,
        or part of its name or address)."""
        typed = typed.strip()[:MAX_SOURCE_CHARS]
        if typed.isdigit() and int(typed) in scope.sources:
            return scope.sources[int(typed)]
        for source in scope.sources.values():
            if typed and source_matches(typed, source.title, source.url):
                return source
        raise UserFacingError(
            f"None of this server's sources matches “{typed[:100]}”. `/sources list` shows them."
        )

    @staticmethod
    def source_choices(scope: Scope, typed: str) -> list[tuple[str, str]]:
        """(name, value) pairs for the `source` option's autocomplete."""
        found = [
            (plain_text(f"{s.title} ({host_of(s.url)})" if s.title else s.name)[:100], str(s.id))
            for s in scope.sources.values()
            if source_matches(typed, s.title, s.url)
        ]
        return sorted(found)[:25]

    async def latest(
        self,
        scope: Scope,
        *,
        topic: Topic | None,
        hours: int,
        source: SourceName | None = None,
        page: int = 0,
    ) -> ArticlePage:
        """The newest articles in scope, by topic or source if asked."""
        page = _page(page)
        since = self._clock() - timedelta(hours=hours)
        ids = [source.id] if source is not None else list(scope.sources)
        found = await self._queries.latest(
            ids, since, topic=topic, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE
        )
        about = f" about “{topic.text}”" if topic else ""
        where = f" from {source.name}" if source else ""
        heading = f"Latest{about}{where}, last {_hours(hours)}"
        return ArticlePage(heading, found[:PAGE_SIZE], page, len(found) > PAGE_SIZE, scope)

    async def search(self, scope: Scope, topic: Topic, *, days: int, page: int = 0) -> ArticlePage:
        """Stored articles that match a query, newest first."""
        page = _page(page)
        now = self._clock()
        ranked = await self._queries.search(
            list(scope.sources), now - timedelta(days=days), topic, now=now
        )
        shown = await self._queries.listings(ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
        items = await self._queries.snippets(topic, shown)
        heading = f"Search: “{topic.text}”, last {_days(days)}"
        return ArticlePage(heading, items, page, len(ranked) > (page + 1) * PAGE_SIZE, scope)

    async def speakers(self, scope: Scope, typed: str) -> list[str]:
        """Autocomplete: speakers whose name has words starting with what was typed."""
        return await self._coverage.speakers_named(list(scope.sources), typed[:MAX_SPEAKER_CHARS])

    async def quotes(
        self,
        scope: Scope,
        *,
        speaker: str | None,
        topic: Topic | None,
        days: int,
        page: int = 0,
    ) -> QuotePage:
        """Recent key quotes, by speaker or topic if asked."""
        page = _page(page)
        since = self._clock() - timedelta(days=days)
        names: list[str] | None = None
        if speaker is not None:
            speaker = speaker.strip()[:MAX_SPEAKER_CHARS]
            exact = await self._coverage.speakers_named(list(scope.sources), speaker, limit=200)
            # The autocomplete's own choice means that person; typed words, anyone they name.
            names = [n for n in exact if n == speaker] or exact
        found = await self._coverage.key_quotes(
            list(scope.sources),
            since,
            speakers=names,
            topic=topic,
            limit=PAGE_SIZE + 1,
            offset=page * PAGE_SIZE,
        )
        by = f" by {speaker}" if speaker else ""
        about = f" about “{topic.text}”" if topic else ""
        heading = f"Key quotes{by}{about}, last {_days(days)}"
        return QuotePage(heading, found[:PAGE_SIZE], page, len(found) > PAGE_SIZE, scope)

    async def headlines(self, scope: Scope, typed: str) -> list[tuple[int, str]]:
        """Autocomplete for /news story: recent stories whose headline contains the text."""
        since = self._clock() - timedelta(days=STORY_DAYS)
        return await self._queries.recent_headlines(list(scope.sources), since, typed)

    async def story(self, scope: Scope, article: str) -> StoryCopies:
        """Every copy of a story in the server's sources (an id from autocomplete, or words
        of a recent headline)."""
        typed = article.strip()[:MAX_SOURCE_CHARS]
        found = await self.headlines(scope, typed) if not typed.isdigit() else []
        article_id = int(typed) if typed.isdigit() else (found[0][0] if found else None)
        copies = (
            await self._queries.story_copies(list(scope.sources), article_id)
            if article_id is not None
            else []
        )
        if not copies:
            raise UserFacingError(
                f"No story from the last {STORY_DAYS} days in this server's sources matches "
                f"“{typed[:100]}”. Pick one of the suggestions as you type."
            )
        return StoryCopies(copies, scope)

    async def coverage(self, scope: Scope, topic: Topic, *, days: int) -> Coverage:
        """How many articles matched a topic each day."""
        now = self._clock()
        first = (now - timedelta(days=days - 1)).date()
        since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
        counts = await self._coverage.coverage(list(scope.sources), since, topic)
        return Coverage(
            topic=topic.text,
            days=[
                DayCount(day, counts.days.get(day, 0))
                for day in (first + timedelta(days=i) for i in range(days))
            ],
            total=sum(counts.days.values()),
            articles=counts.articles,
            sources=counts.sources,
            top_sources=[(scope.name_of(i), n) for i, n in counts.top_sources],
            top_speakers=counts.speakers,
            top_stories=counts.widest,
        )


@dataclass(frozen=True, slots=True)
class StoryCopies:
    """A story's copies across the server's sources, for /news story."""

    copies: list[Listing]
    scope: Scope


def _page(page: int) -> int:
    return max(0, min(page, MAX_PAGES - 1))


def _hours(hours: int) -> str:
    if hours % 24 == 0:
        return _days(hours // 24)
    return "hour" if hours == 1 else f"{hours} hours"


def _days(days: int) -> str:
    return "24 hours" if days == 1 else f"{days} days"
