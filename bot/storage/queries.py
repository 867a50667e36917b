"""What /news reads: the latest articles of a server's sources, searches, counts, headlines,
snippets and story copies, each bounded to a window of publication hours."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    bindparam,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from bot.quotes import Quotation
from bot.storage import fulltext
from bot.storage.articles import load_quotes
from bot.storage.database import Repository, _like_any_case
from bot.storage.fulltext import (
    _best_snippet,
    _fts5_match,
    _full_text_match,
    _newest_match,
    _relevance,
    _snippet_query,
)
from bot.storage.rows import ARTICLES_KEYS, SQLITE_KEYS, Keys, _best_quote, hour_of
from bot.storage.schema import (
    article_hours,
    articles,
)
from bot.topics import (
    Topic,
)

log = logging.getLogger(__name__)


SEARCH_CANDIDATES = 300
"""A search ranks the newest this many matches (by relevance, then recency)."""


@dataclass(frozen=True, slots=True)
class Listing:
    """An article as a list shows it (no full text)."""

    id: int
    source_id: int
    title: str
    url: str
    site_name: str | None
    published: datetime
    lead: str
    image: str | None
    snippet: str | None = None
    """For searches: the best passage, the matched words between \x02 and \x03."""
    quote: Quotation | None = None
    """Its best key quote (with a speaker), if any."""
    story_id: int | None = None
    outlets: int = 1
    """How many outlets carry its story (where the query asked)."""


@dataclass(frozen=True, slots=True)
class QuoteListing:
    """A key quote and the article it is from."""

    quote: Quotation
    article: Listing


_LISTING_COLUMNS = (
    articles.c.id,
    articles.c.source_id,
    articles.c.title,
    articles.c.url,
    articles.c.site_name,
    articles.c.published_at,
    articles.c.lead,
    articles.c.image_url,
    articles.c.story_id,
)


def _listing(row: Any) -> Listing:
    m = row._mapping
    return Listing(
        id=m[articles.c.id],
        source_id=m[articles.c.source_id],
        title=m[articles.c.title],
        url=m[articles.c.url],
        site_name=m[articles.c.site_name],
        published=m[articles.c.published_at],
        lead=m[articles.c.lead],
        image=m[articles.c.image_url],
        story_id=m[articles.c.story_id],
        outlets=int(m["outlets"] or 1) if "outlets" in m else 1,
    )


def _outlets_among() -> Any:
    """How many of these sources (the query's ``scope``) carry the listed article's story: the
    one way an answer counts outlets. Never the story's count over every source
    (``stories.outlets``), which would tell a server how many sources other servers watch."""
    copy = articles.alias("outlet")
    return (
        select(func.count(copy.c.source_id.distinct()))
        .where(copy.c.story_id == articles.c.story_id, copy.c.source_id.in_(_SCOPE))
        .scalar_subquery()
        .label("outlets")
    )


def _containing(text: str) -> str:
    """A LIKE pattern (escape ``\\``) for values containing the text as typed."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_SCOPE = bindparam("scope", expanding=True, type_=Integer)
"""The sources a /news query is limited to: one parameter (a list) given when it is run, not a
thousand values made into a thousand expressions each time the query is built."""


def first_id_since(since: datetime) -> ColumnElement[Any]:
    """A lower bound on the id of every article published at or after ``since``: the least
    ``first_id`` of the publication hours from since's hour on (a scalar subquery, read in
    the same statement, so from the same snapshot, as the query it bounds; NULL, matching
    nothing, when no article is that recent).

    Why no article can fall below it, whatever order articles are stored in: the
    transaction that stores an article also leaves its publication hour's ``article_hours``
    row at or below its id (``mark_hours``: rows are created or lowered, never raised,
    and never deleted while an article may refer to them). An article published at or
    after ``since`` has an hour at or after since's hour, so its own hour's row is among
    those read, and their least ``first_id`` is at most its id. Nothing here assumes that
    ids follow fetch or publication order (they don't within a poll's batch, nor between
    workers storing at once). One index range of at most 24 rows a day."""
    return (
        select(func.min(article_hours.c.first_id))
        .where(article_hours.c.hour >= hour_of(since))
        .scalar_subquery()
    )


def matching(
    dialect: str,
    scope: Sequence[int],
    since: datetime,
    topic: Topic | None,
    *,
    newest_first: bool = False,
) -> tuple[Keys, Any, list[Any]]:
    """(where the keys are read, FROM clause, WHERE conditions) of the articles in scope
    and window matching topic.

    A full-text match on SQLite reads each match's id, time, source and story from
    ``article_keys`` (four integers in a small table of their own, kept by triggers), not
    from the article's row: thousands of matches are filtered and counted reading a few
    pages. Without a topic, and on PostgreSQL (which visits each match's row anyway, to
    check it is visible), the articles table is read.

    ``newest_first``: the caller wants the first few rows in publication order, of many;
    the scope test is then written so that no index serves it, and the engine walks the
    publication-time index from the newest, stopping at the limit (instead of collecting
    every article of every source in scope, then sorting)."""
    low = first_id_since(since)
    keys = SQLITE_KEYS if dialect == "sqlite" and topic is not None else ARTICLES_KEYS
    source_id, article_id = keys.source_id, keys.id
    if newest_first:
        source_id, article_id = source_id + 0, article_id + 0
    conditions = [
        article_id >= low,
        source_id.in_(_SCOPE),
        keys.published >= keys.moment(since),
    ]
    if topic is None:
        return keys, keys.table, conditions
    source, where = _full_text_match(dialect, topic, low, conditions, keys, scope=scope)
    return keys, source, where


class Queries(Repository):
    """Reading the news a server's sources carried."""

    @staticmethod
    def check_searchable(topic: Topic) -> None:
        """Raise UnsearchableQuery when the full-text index can't run this topic."""
        _fts5_match(topic.root)

    async def latest(
        self,
        scope: Sequence[int],
        since: datetime,
        *,
        topic: Topic | None = None,
        limit: int,
        offset: int = 0,
    ) -> list[Listing]:
        """The newest stories from these sources since then (matching the topic): each as its
        first copy in these sources, with how many outlets carry it."""
        if not scope:
            return []
        # Without a topic, a server watching many sources finds its newest articles soonest
        # by walking the time index (and a few, by reading their own sources' articles).
        walk = topic is None and len(scope) > fulltext.FEW_SOURCES
        keys, source, where = matching(self._dialect, scope, since, topic, newest_first=walk)
        copy = keys.table.alias("copy")
        first_copy = (
            select(func.min(copy.c.id))
            # (source_id + 0: a scope of many sources is not a thousand index seeks per copy)
            .where(copy.c.story_id == keys.story_column, (copy.c.source_id + 0).in_(_SCOPE))
            .scalar_subquery()
        )
        # The page's ids from the keys, then only those articles' rows.
        page = (
            select(keys.id)
            .select_from(source)
            .where(*where, or_(keys.story_column.is_(None), keys.id == first_copy))
            .order_by(keys.published.desc(), keys.id.desc())
            .limit(limit)
            .offset(offset)
        )
        query = (
            select(*_LISTING_COLUMNS, _outlets_among())
            .where(articles.c.id.in_(page.scalar_subquery()))
            .order_by(articles.c.published_at.desc(), articles.c.id.desc())
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query, {"scope": list(scope)})).all()
        return await self._with_quotes([_listing(row) for row in rows])

    async def search(
        self, scope: Sequence[int], since: datetime, topic: Topic, *, now: datetime
    ) -> list[int]:
        """Ids of the articles matching the query, the newest SEARCH_CANDIDATES ranked by
        relevance with a week's half-life for age (``listings`` and ``snippets`` show them)."""
        if not scope:
            return []
        keys, source, where = matching(self._dialect, scope, since, topic)
        query = (
            select(
                keys.id.label("id"),
                keys.published.label("published"),
                _relevance(self._dialect, topic).label("relevance"),
            )
            .select_from(source)
            .where(*where)
            .order_by(_newest_match(self._dialect))
            .limit(SEARCH_CANDIDATES)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query, {"scope": list(scope)})).all()

        def rank(row: Any) -> float:
            published = keys.read(row.published)
            age_days: float = max(0.0, (now - published).total_seconds() / 86400)
            relevance = float(row.relevance)
            return relevance * math.pow(0.5, age_days / 7)

        return [int(row.id) for row in sorted(rows, key=rank, reverse=True)]

    async def count_matching(
        self, scope: Sequence[int], since: datetime, topic: Topic, *, at_most: int
    ) -> int:
        """How many articles from these sources since then match the topic, counting no
        further than ``at_most`` (a full-text query that stops there). Raises UnsearchableQuery
        when the index can't run the topic."""
        self.check_searchable(topic)
        if not scope:
            return 0
        _, source, where = matching(self._dialect, scope, since, topic)
        found = select(literal(1)).select_from(source).where(*where).limit(at_most)
        counted = select(func.count()).select_from(found.subquery())
        async with self._engine.connect() as conn:
            return int((await conn.execute(counted, {"scope": list(scope)})).scalar_one())

    async def newest_matching(
        self, scope: Sequence[int], since: datetime, topic: Topic, *, limit: int
    ) -> list[int]:
        """Ids of the newest articles from these sources since then that match the topic,
        newest published first (raises UnsearchableQuery as ``count_matching`` does)."""
        self.check_searchable(topic)
        if not scope:
            return []
        keys, source, where = matching(self._dialect, scope, since, topic)
        query = (
            select(keys.id)
            .select_from(source)
            .where(*where)
            .order_by(keys.published.desc(), keys.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = await conn.execute(query, {"scope": list(scope)})
            return [int(i) for i in rows.scalars()]

    async def texts(self, ids: Sequence[int]) -> dict[int, str]:
        """These articles' full texts."""
        if not ids:
            return {}
        query = select(articles.c.id, articles.c.text).where(articles.c.id.in_(list(ids)))
        async with self._engine.connect() as conn:
            return {int(i): str(text) for i, text in await conn.execute(query)}

    async def listings(self, ids: Sequence[int]) -> list[Listing]:
        """These articles as lists show them, in this order."""
        if not ids:
            return []
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(*_LISTING_COLUMNS).where(articles.c.id.in_(ids)))
            found = {row.id: _listing(row) for row in rows}
        return [found[i] for i in ids if i in found]

    async def story_copies(self, scope: Sequence[int], article_id: int) -> list[Listing]:
        """Every copy of this article's story in these sources, first published first."""
        story = select(articles.c.story_id).where(articles.c.id == article_id).scalar_subquery()
        query = (
            select(*_LISTING_COLUMNS)
            .where(
                or_(articles.c.story_id == story, articles.c.id == article_id),
                articles.c.source_id.in_(_SCOPE),
            )
            .order_by(articles.c.published_at, articles.c.id)
        )
        async with self._engine.connect() as conn:
            return [_listing(row) for row in await conn.execute(query, {"scope": list(scope)})]

    async def recent_headlines(
        self, scope: Sequence[int], since: datetime, typed: str, *, limit: int = 25
    ) -> list[tuple[int, str]]:
        """(article id, headline) of stories published since then whose headline contains what
        was typed, the most recently stored first (each story once)."""
        if not scope:
            return []
        needle = _containing(typed.strip()[:100])
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(articles.c.id, articles.c.title, articles.c.story_id)
                .where(
                    articles.c.id >= first_id_since(since),
                    articles.c.source_id.in_(_SCOPE),
                    articles.c.published_at >= since,
                    _like_any_case(self._dialect, articles.c.title, needle),
                )
                .order_by(articles.c.id.desc())
                .limit(limit * 4),
                {"scope": list(scope)},
            )
            seen: set[int] = set()
            found = []
            for article_id, title, story_id in rows:
                key = int(story_id) if story_id is not None else -int(article_id)
                if key not in seen:
                    seen.add(key)
                    found.append((int(article_id), str(title)))
            return found[:limit]

    async def snippets(self, topic: Topic, listed: Sequence[Listing]) -> list[Listing]:
        """These search results with their best passage and key quote."""
        found = await self._snippets(topic, [item.id for item in listed])
        return await self._with_quotes([replace(i, snippet=found.get(i.id)) for i in listed])

    async def _snippets(self, topic: Topic, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        async with self._engine.connect() as conn:
            rows = await conn.execute(_snippet_query(self._dialect, topic, ids))
            return {int(row[0]): _best_snippet(row[1:]) for row in rows}

    async def _with_quotes(self, listed: list[Listing]) -> list[Listing]:
        quoted = await load_quotes(self._engine, [item.id for item in listed])
        return [replace(item, quote=_best_quote(quoted.get(item.id, ()))) for item in listed]
