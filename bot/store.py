"""All SQL lives here, behind named async methods (SQLAlchemy 2 Core, async).

Portable SQL throughout; what only one engine needs (SQLite or PostgreSQL) sits in the block
marked "Engine-specific" at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Integer,
    Row,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    event,
    extract,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy import table as table_clause
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Select

from bot.articles import MAX_ATTEMPTS, Article, FailedItem, Problem, Stage, describe
from bot.errors import LimitReached, StoreUnavailable
from bot.quotes import Attribution, Quotation, QuoteKind, SpeakerKind
from bot.records import (
    Added,
    Delivery,
    DigestOwner,
    GuildConfig,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    Planned,
    Route,
    Subscription,
    TopicChange,
    TopicChanges,
)
from bot.schema import (
    TOPIC_CHANGES_KEPT,
    TOPICS_COUNTER,
    UTCDateTime,
    activity_counts,
    article_hours,
    articles,
    channel_styles,
    channels,
    counters,
    digest_runs,
    guild_sources,
    guilds,
    item_failures,
    metadata,
    outbox,
    processes,
    quoted_speakers,
    quotes,
    routes,
    seen_items,
    sources,
    speaker_names,
    speaker_words,
    speakers,
    stories,
    subscriptions,
    topic_changes,
)
from bot.settings import async_database_url
from bot.sources import Source, SourceName, SourceStatus, WatchedSource
from bot.status import (
    ActivityCount,
    DegradedArticle,
    FailingSource,
    ProcessState,
    SourceCounts,
    StatusReport,
)
from bot.topics import (
    And,
    Field,
    Node,
    Not,
    Or,
    SourceFilter,
    Term,
    Topic,
    fold,
    is_unspaced,
    tokens,
)
from bot.urls import domain_levels, host_of

log = logging.getLogger(__name__)

HEAD_REVISION = "0020"
"""The newest migration; checked against Alembic's scripts by a test, so a start-up on an
up-to-date database needs no Alembic import at all."""

KEY_BATCH = 500
FEW_SOURCES = 50
"""Full-text queries of a server watching at most this many sources name them in the match
(measured on bench/queries.py's store: 20 sources named cut search from 170-400 ms to 33 ms
p95; 200 named doubled it)."""
SEARCH_CANDIDATES = 300
"""A search ranks the newest this many matches (by relevance, then recency)."""
PRUNE_BATCH = 2000
DERIVED_TABLES = frozenset({"article_hours", "speaker_names", "quoted_speakers"})
"""Tables kept ahead of time from the articles: not exported, made again by an import."""
HOUR_SECONDS = 3600
STATUS_LIST_LIMIT = 20
"""Failing sources, and degraded articles, the status page lists."""
DEGRADED_WINDOW = timedelta(days=1)
"""How far back the status page looks for degraded articles and items given up."""


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
    quote: Quotation
    article: Listing


@dataclass(frozen=True, slots=True)
class CoverageCounts:
    """A topic's coverage in some sources since a time, counted by the database. A story (the
    copies of one story on several outlets) counts once, on the day of its first copy there."""

    days: dict[date, int]
    """Stories per day (UTC), days without any left out."""
    articles: int
    sources: int
    """How many of the sources carried it."""
    top_sources: list[tuple[int, int]]
    """(source, articles) of the five that carried most, most first, then by name (the
    source's title, else its address)."""
    widest: list[tuple[str, int]]
    """(headline of its first copy here, copies) of the five stories with the most copies here
    (at least two), most first; of equals, the one first published first."""
    speakers: list[tuple[str, int]]
    """The five most-quoted speakers in the matching articles (a quotation counts once), most
    first, then by name."""


class StoryPlacer(Protocol):
    """Puts each newly stored article in a story (see bot.stories), inside the store's
    transaction; told to forget them again if that transaction fails."""

    def place(self, article: Article, article_id: int) -> tuple[int, bool]:
        """(story id, whether this article starts the story)."""
        ...

    def forget(self, article_ids: Sequence[int]) -> None: ...


class UnsearchableQuery(ValueError):
    """The query can't be run as a full-text search (an exclusion with nothing to exclude from)."""


@dataclass(frozen=True, slots=True)
class PollSuccess:
    """What a successful poll changes on a source."""

    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    moved_to: str | None
    next_poll_at: datetime


@dataclass(frozen=True, slots=True)
class PollRecord:
    """What recording a poll kept: the stored articles (with their ids), how many items failed
    again (to be tried next poll) and how many were given up."""

    articles: list[Article]
    failed: int = 0
    given_up: int = 0


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """An item no article could be made of, as recorded."""

    item_key: str
    link: str | None
    attempts: int
    reason: str
    given_up_at: datetime | None


SLIM_TEXT_CHARS = 20_000
"""An article the store refused whole is stored again with this much of its text, no quotes."""


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._sqlite = self._dialect == "sqlite"
        # One writing transaction at a time in this process, on both engines. SQLite has one
        # writer at a time anyway (queueing ours here avoids lock errors); on PostgreSQL it keeps
        # what a transaction reads from the story placer and the stories table in step with what
        # committed before it, as on SQLite. Writers in several processes need more than this.
        self._write_lock = asyncio.Lock()
        self.statements = 0
        """Statements this store has sent to the database (an executemany counts once: it is
        one call, pipelined by asyncpg); benchmarks read it as round trips."""
        event.listen(engine.sync_engine, "before_cursor_execute", self._count_statement)
        # Built once: constructing a statement costs more than executing it on a hot path.
        now = bindparam("now", type_=sources.c.last_success_at.type)
        # A poll that worked (and one answered 304): the source is healthy, its lease ends.
        healthy = {
            "next_poll_at": bindparam("next_poll", type_=sources.c.next_poll_at.type),
            "status": SourceStatus.OK.value,
            "error_count": 0,
            "last_error": None,
            "failing_since": None,
            "last_success_at": now,
            "last_polled_at": now,
            "lease_owner": None,
            "lease_until": None,
        }
        self._unchanged_update = (
            update(sources).where(sources.c.id == bindparam("sid")).values(healthy)
        )
        self._success_update = self._unchanged_update.values(
            url=bindparam("url"),
            title=bindparam("title"),
            site_url=bindparam("site_url"),
            etag=bindparam("etag"),
            last_modified=bindparam("last_modified"),
        )

    @classmethod
    def open(cls, database_url: str) -> Store:
        url = make_url(async_database_url(database_url))  # the async drivers we install
        kwargs: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"timeout": 30}
        else:
            # A pooled connection the server closed (a restart, an idle timeout) is replaced.
            kwargs["pool_pre_ping"] = True
        engine = create_async_engine(url, **kwargs)
        if url.get_backend_name() == "sqlite":
            _sqlite_setup(engine)
        return cls(engine)

    @property
    def shares_work(self) -> bool:
        """Whether several processes may share this database (PostgreSQL: work is leased and
        claimed in it) or only one (SQLite)."""
        return self._dialect != "sqlite"

    async def close(self) -> None:
        await self._engine.dispose()

    def _count_statement(self, *_args: object) -> None:
        self.statements += 1

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction. A database that can't take writes for now (locked by another
        writer, disk full) raises StoreUnavailable: the transaction left nothing behind."""
        lock = self._write_lock or contextlib.nullcontext()
        try:
            async with lock, self._engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            if not _unavailable(exc):
                raise
            # The driver's words stay in the log (on PostgreSQL they can name internal hosts).
            log.warning("the database refused a write: %r", exc.orig)
            raise StoreUnavailable from exc

    # ---- moving a database ----------------------------------------------------------------------

    async def export_rows(self, *, batch: int = 1000) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Every row of every table, parents before children, as (table, JSON-ready values).
        Engine-made parts (the full-text index, Alembic's bookkeeping) and what is kept ahead of
        time from the articles (DERIVED_TABLES) are made again by the importing database."""
        async with self._engine.connect() as conn:
            for table in metadata.sorted_tables:
                if table.name in DERIVED_TABLES:
                    continue
                key = list(table.primary_key.columns)
                last: tuple[Any, ...] | None = None
                while True:
                    query = select(table).order_by(*key).limit(batch)
                    if last is not None:
                        query = query.where(tuple_(*key) > tuple_(*last))
                    rows = (await conn.execute(query)).all()
                    for row in rows:
                        yield table.name, {k: _json_value(v) for k, v in row._mapping.items()}
                    if len(rows) < batch:
                        break
                    last = tuple(rows[-1]._mapping[c.name] for c in key)

    async def import_rows(
        self,
        rows: Iterable[tuple[str, dict[str, Any]]],
        *,
        batch: int = 1000,
    ) -> dict[str, int]:
        """Rows from ``export_rows`` into this (migrated, empty) database, ids kept; returns how
        many went into each table. Raises NotEmpty if it already holds sources or articles."""
        async with self._engine.connect() as conn:
            for table in (sources, articles, guilds):
                if (await conn.execute(select(func.count()).select_from(table))).scalar():
                    raise NotEmpty(
                        f"the database already holds {table.name}; import needs an empty one"
                    )
        counts: Counter[str] = Counter()
        pending: dict[str, list[dict[str, Any]]] = {}

        async def flush(conn: AsyncConnection, name: str) -> None:
            table = metadata.tables[name]
            if pending.get(name):
                if table is counters:
                    for row in pending[name]:
                        await conn.execute(
                            update(counters).where(counters.c.name == row["name"]).values(row)
                        )
                else:
                    await conn.execute(table.insert(), pending[name])
                counts[name] += len(pending[name])
                pending[name] = []

        async with self._write() as conn:
            current: str | None = None
            for name, values in rows:
                if name in DERIVED_TABLES or name not in metadata.tables:
                    # Made again below, whichever version wrote the file (an older one may
                    # hold tables kept ahead of time that this version keeps otherwise).
                    continue
                if name != current and current is not None:
                    await flush(conn, current)  # parents are in before their children
                current = name
                table = metadata.tables[name]
                pending.setdefault(name, []).append(
                    {k: _from_json(table.c[k], v) for k, v in values.items() if k in table.c}
                )
                if len(pending[name]) >= batch:
                    await flush(conn, name)
            if current is not None:
                await flush(conn, current)
            await self._derive(conn)
            if self._dialect == "postgresql":
                # Ids were given, not drawn: each id sequence goes on after the largest.
                # (Tables whose ids come from elsewhere have no sequence: setval of NULL.)
                for table in metadata.sorted_tables:
                    (column, *more) = table.primary_key.columns
                    if more or not isinstance(column.type, Integer):
                        continue
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                            f"'{column.name}'), COALESCE(MAX({column.name}), 1), "
                            f"MAX({column.name}) IS NOT NULL) FROM {table.name}"
                        )
                    )
        return dict(counts)

    async def _derive(self, conn: AsyncConnection) -> None:
        """What is kept ahead of time from the stored articles, made again from them (and each
        speaker word's quote count from the speakers: a file from before 0015 has none)."""
        counted = (
            select(speakers.c.quotes)
            .where(
                speakers.c.source_id == speaker_words.c.source_id,
                speakers.c.name == speaker_words.c.name,
            )
            .scalar_subquery()
        )
        await conn.execute(update(speaker_words).values(quotes=func.coalesce(counted, 0)))
        await conn.execute(quoted_speakers.delete())
        await conn.execute(speaker_names.delete())
        await conn.execute(
            speaker_names.insert().from_select(
                ["name"], select(quotes.c.speaker).where(quotes.c.speaker.is_not(None)).distinct()
            )
        )
        await conn.execute(
            quoted_speakers.insert().from_select(
                ["article_id", "speaker_id", "quotes"],
                select(quotes.c.article_id, speaker_names.c.id, func.count())
                .join(speaker_names, speaker_names.c.name == quotes.c.speaker)
                .group_by(quotes.c.article_id, speaker_names.c.id),
            )
        )
        await conn.execute(article_hours.delete())
        hour = _hour_sql(self._dialect, articles.c.published_at)
        await conn.execute(
            article_hours.insert().from_select(
                ["hour", "first_id"],
                select(hour, func.min(articles.c.id)).group_by(hour),
            )
        )

    # ---- schema -------------------------------------------------------------------------------

    async def schema_revision(self) -> str | None:
        async with self._engine.connect() as conn:
            has_table = await conn.run_sync(
                lambda sync: sync.dialect.has_table(sync, "alembic_version")
            )
            if not has_table:
                return None
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()

    async def migrate(self) -> bool:
        """Bring the schema to the newest revision. Returns True when anything was applied."""
        if await self.schema_revision() == HEAD_REVISION:
            return False
        async with self._write() as conn:
            await conn.run_sync(_alembic_upgrade)
        return True

    # ---- sources ------------------------------------------------------------------------------

    async def add_source(
        self,
        url: str,
        *,
        added_url: str,
        now: datetime,
        leased_to: tuple[str, datetime] | None = None,
    ) -> tuple[Source, bool]:
        """The source watching ``url``, created if new. Returns (source, created).
        ``leased_to``: (owner, until): a new source is created leased, so no polling cycle takes
        it while the one adding it polls it (a crash leaves it to the cycles once it runs out)."""
        owner, until = leased_to or (None, None)
        existing = await self.source_by_url(url)
        if existing is not None:
            return existing, False
        async with self._write() as conn:
            row = (
                await conn.execute(
                    _insert_ignore(self._dialect, sources)
                    .values(
                        url=url,
                        added_url=added_url,
                        status=SourceStatus.NEW.value,
                        next_poll_at=now,
                        error_count=0,
                        created_at=now,
                        lease_owner=owner,
                        lease_until=until,
                    )
                    .returning(sources.c.id)
                )
            ).first()
        source = await self.source_by_url(url)
        assert source is not None
        return source, row is not None

    async def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` are already watched (one query per batch)."""
        wanted = list(dict.fromkeys(urls))
        known: set[str] = set()
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), KEY_BATCH):
                chunk = wanted[start : start + KEY_BATCH]
                result = await conn.execute(select(sources.c.url).where(sources.c.url.in_(chunk)))
                known.update(result.scalars())
        return known

    async def source_by_url(self, url: str) -> Source | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(sources).where(sources.c.url == url))).first()
        return _source(row) if row else None

    async def get_source(self, source_id: int) -> Source | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(sources).where(sources.c.id == source_id))).first()
        return _source(row) if row else None

    async def list_sources(self) -> list[Source]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(sources).order_by(sources.c.id))).all()
        return [_source(row) for row in rows]

    async def due_sources(self, now: datetime, *, limit: int | None = None) -> list[Source]:
        """Sources whose next poll time has come, most overdue first (gone ones never)."""
        query = (
            select(sources)
            .where(sources.c.next_poll_at <= now, sources.c.status != SourceStatus.GONE.value)
            .order_by(sources.c.next_poll_at, sources.c.id)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_source(row) for row in rows]

    async def claim_due_sources(
        self, now: datetime, *, owner: str, lease: timedelta, limit: int | None = None
    ) -> list[Source]:
        """Due sources no live worker holds, leased to ``owner`` until ``now + lease`` (most
        overdue first). Recording the poll's outcome ends the lease; a worker that dies leaves
        its sources to others once the lease runs out. Workers claiming at the same moment
        never take the same source and never wait on each other: on PostgreSQL the rows one
        claim is taking are skipped by the others (FOR UPDATE SKIP LOCKED). SQLite serves one
        process, so nothing is written there (a poll can go on while another writer holds the
        file): the due sources are read, skipping only those a lease holds (a source being
        added, which the add polls itself)."""
        due = (
            select(sources.c.id)
            .where(sources.c.next_poll_at <= now, _claimable(now, owner))
            .order_by(sources.c.next_poll_at, sources.c.id)
            .with_for_update(skip_locked=True)
        )
        if limit is not None:
            due = due.limit(limit)
        rows = await self._claim(due, sources, lease_owner=owner[:100], lease_until=now + lease)
        return sorted(map(_source, rows), key=lambda s: (s.next_poll_at or now, s.id))

    async def next_claimable_at(self, now: datetime, *, owner: str) -> datetime | None:
        """When the next source ``owner`` could claim is due (None: none is scheduled). Sources
        other workers hold are left out: their polls reschedule them."""
        query = select(func.min(sources.c.next_poll_at)).where(_claimable(now, owner))
        async with self._engine.connect() as conn:
            due_at: datetime | None = (await conn.execute(query)).scalar()
        return due_at

    async def claim_owners(self) -> set[str]:
        """Every process named in a poll lease or a delivery claim now."""
        async with self._engine.connect() as conn:
            leased = await conn.execute(
                select(sources.c.lease_owner).where(sources.c.lease_owner.is_not(None)).distinct()
            )
            claimed = await conn.execute(
                select(outbox.c.claimed_by)
                .where(
                    outbox.c.claimed_by.is_not(None),
                    outbox.c.status == OutboxStatus.PENDING.value,
                )
                .distinct()
            )
            return {str(name) for name in [*leased.scalars(), *claimed.scalars()]}

    async def release_claims(self, owners: Sequence[str]) -> None:
        """Free the leases and claims of these processes (known to be gone)."""
        if not owners:
            return
        async with self._write() as conn:
            await conn.execute(
                update(sources)
                .where(sources.c.lease_owner.in_(list(owners)))
                .values(lease_owner=None, lease_until=None)
            )
            await conn.execute(
                update(outbox)
                .where(outbox.c.claimed_by.in_(list(owners)))
                .values(claimed_by=None, claimed_until=None)
            )

    async def unseen_keys(self, source_id: int, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` the source has never recorded as seen."""
        wanted = list(dict.fromkeys(keys))
        seen: set[str] = set()
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), KEY_BATCH):
                chunk = wanted[start : start + KEY_BATCH]
                result = await conn.execute(
                    select(seen_items.c.item_key).where(
                        seen_items.c.source_id == source_id, seen_items.c.item_key.in_(chunk)
                    )
                )
                seen.update(result.scalars())
        return {key for key in wanted if key not in seen}

    async def record_poll_success(
        self,
        source: Source,
        change: PollSuccess,
        *,
        seen_keys: Sequence[str],
        new_articles: Sequence[Article],
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None = None,
        stories: StoryPlacer | None = None,
    ) -> list[Article]:
        """``record_poll`` for a poll where every item made an article: the stored ones."""
        recorded = await self.record_poll(
            source,
            change,
            seen_keys=seen_keys,
            new_articles=new_articles,
            now=now,
            planned=planned,
            stories=stories,
        )
        return recorded.articles

    async def record_poll(
        self,
        source: Source,
        change: PollSuccess,
        *,
        seen_keys: Sequence[str],
        new_articles: Sequence[Article],
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None = None,
        stories: StoryPlacer | None = None,
        failed: Sequence[FailedItem] = (),
        item_keys: Mapping[str, Sequence[str]] | None = None,
    ) -> PollRecord:
        """In one transaction: store the new articles in their stories, queue their alerts (a
        copy of a story a destination was already alerted to is not alerted again), mark keys
        seen, count the items that failed, update the source.

        Each article is stored on its own (a savepoint): one the database refuses is stored
        again without its quotes and with its text cut; one refused even so joins ``failed``.
        A failed item's keys (``item_keys[article.item_key]``, or those in ``failed``) are not
        marked seen, so the next poll tries it again, until MAX_ATTEMPTS: then it is given up,
        recorded as seen with the reason. Articles already stored are skipped."""
        stored: list[Article] = []
        try:
            async with self._write() as conn:
                return await self._record_success(
                    conn,
                    source,
                    change,
                    seen_keys,
                    new_articles,
                    now,
                    planned,
                    stories,
                    stored,
                    list(failed),
                    item_keys or {},
                )
        except BaseException:
            if stories is not None and stored:
                stories.forget([a.id for a in stored if a.id is not None])
            raise

    async def _record_success(  # noqa: PLR0917 - one transaction's parts
        self,
        conn: AsyncConnection,
        source: Source,
        change: PollSuccess,
        seen_keys: Sequence[str],
        new_articles: Sequence[Article],
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None,
        placer: StoryPlacer | None,
        stored: list[Article],
        failed: list[FailedItem],
        item_keys: Mapping[str, Sequence[str]],
    ) -> PollRecord:
        url = source.url
        if change.moved_to and change.moved_to != source.url:
            taken = await conn.execute(select(sources.c.id).where(sources.c.url == change.moved_to))
            if taken.first() is None:
                url = change.moved_to
            else:
                log.warning("source %s moved to %r, already watched", source.id, change.moved_to)
        # The source's update comes first: it opens the transaction the articles' savepoints
        # nest in (SQLite's driver opens one only at a write).
        await conn.execute(
            self._success_update,
            {
                "sid": source.id,
                "url": url,
                "title": change.title or source.title,
                "site_url": change.site_url or source.site_url,
                "etag": change.etag,
                "last_modified": change.last_modified,
                "next_poll": change.next_poll_at,
                "now": now,
            },
        )
        tags = search_tags(source.id, source.url)
        for article in new_articles:
            kept = await self._store_isolated(conn, source, article, tags, now, planned, placer)
            if isinstance(kept, FailedItem):
                failed.append(
                    FailedItem(
                        source.id,
                        tuple(item_keys.get(article.item_key, ())) or (article.item_key,),
                        article.url,
                        kept.reason,
                    )
                )
            elif kept is not None:
                stored.append(kept)
        # Beside every article kept, in the same transaction (after their savepoints).
        await self._mark_hours(conn, stored)
        await self._file_speakers(conn, stored)
        unsettled = {key for item in failed for key in item.keys}
        keys = [key for key in dict.fromkeys(seen_keys) if key not in unsettled]
        given_up = await self._count_failures(conn, source, failed, now) if failed else []
        keys.extend(key for item in given_up for key in item.keys)
        if keys:
            # The hottest write of a first poll (every item of every new feed): plain
            # driver parameters, none of the per-value processing of a Core statement.
            stamp = now.astimezone(UTC).replace(tzinfo=None)
            await conn.exec_driver_sql(
                _seen_insert_sql(self._dialect), [(source.id, key, stamp) for key in keys]
            )
        degraded = sum(1 for a in stored if a.problems)
        if degraded or given_up:
            await conn.execute(
                update(sources)
                .where(sources.c.id == source.id)
                .values(
                    degraded_items=sources.c.degraded_items + degraded,
                    given_up_items=sources.c.given_up_items + len(given_up),
                )
            )
        return PollRecord(stored, failed=len(failed) - len(given_up), given_up=len(given_up))

    async def _store_isolated(  # noqa: PLR0917 - one transaction's parts
        self,
        conn: AsyncConnection,
        source: Source,
        article: Article,
        tags: str,
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None,
        placer: StoryPlacer | None,
    ) -> Article | FailedItem | None:
        """One article in a savepoint of its own: the database refusing it (its full-text
        index, a value it won't take) costs this article, never the poll. Refused whole, it is
        stored again without its quotes and with its text cut; refused again, it fails."""
        attempt = article
        for last in (False, True):
            problem: Exception
            try:
                async with conn.begin_nested():
                    return await self._store_article(
                        conn, source, attempt, tags, now, planned, placer
                    )
            except DBAPIError as exc:
                if _unavailable(exc):
                    raise  # the store's trouble, not the article's: the poll is not recorded
                problem = exc
            except Exception as exc:  # noqa: BLE001 - one article's failure is its own
                problem = exc
            log.warning(
                "source %s item %r (%r): the store refused the article%s: %s",
                source.id,
                article.item_key,
                article.url,
                "" if last else "; storing it without quotes and with its text cut",
                describe(problem),
                exc_info=problem,
            )
            if last:
                return FailedItem(source.id, (article.item_key,), article.url, describe(problem))
            attempt = replace(
                article,
                quotes=(),
                text=article.text[:SLIM_TEXT_CHARS],
                problems=(*article.problems, Problem(Stage.INDEX, describe(problem))),
            )
        return None  # not reached: the second pass returns

    async def _count_failures(
        self, conn: AsyncConnection, source: Source, failed: Sequence[FailedItem], now: datetime
    ) -> list[FailedItem]:
        """Count one more failed attempt for each item; returns those given up now."""
        firsts = list(dict.fromkeys(item.keys[0] for item in failed))
        known = {
            str(key): int(attempts)
            for key, attempts in await conn.execute(
                select(item_failures.c.item_key, item_failures.c.attempts).where(
                    item_failures.c.source_id == source.id, item_failures.c.item_key.in_(firsts)
                )
            )
        }
        given_up: list[FailedItem] = []
        for item in {item.keys[0]: item for item in failed}.values():
            attempts = known.get(item.keys[0], 0) + 1
            values = {
                "link": item.link[:2048] if item.link else None,
                "attempts": attempts,
                "reason": item.reason[:1000],
                "last_failed_at": now,
                "given_up_at": now if attempts >= MAX_ATTEMPTS else None,
            }
            if item.keys[0] in known:
                await conn.execute(
                    update(item_failures)
                    .where(
                        item_failures.c.source_id == source.id,
                        item_failures.c.item_key == item.keys[0],
                    )
                    .values(values)
                )
            else:
                await conn.execute(
                    item_failures.insert().values(
                        source_id=source.id, item_key=item.keys[0], first_failed_at=now, **values
                    )
                )
            if attempts >= MAX_ATTEMPTS:
                log.warning(
                    "source %s item %r (%r) given up after %d attempts: %s",
                    source.id,
                    item.keys[0],
                    item.link,
                    attempts,
                    item.reason,
                )
                given_up.append(item)
        return given_up

    async def _store_article(  # noqa: PLR0917 - one transaction's parts
        self,
        conn: AsyncConnection,
        source: Source,
        article: Article,
        tags: str,
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None,
        placer: StoryPlacer | None,
    ) -> Article | None:
        """One new article with its quotes, its story and its alerts (None: already stored)."""
        row = (
            await conn.execute(
                _insert_ignore(self._dialect, articles)
                .values(_article_values(article, tags))
                .returning(articles.c.id)
            )
        ).first()
        if row is None:
            return None
        article_id = int(row[0])
        if article.quotes:
            await conn.execute(quotes.insert(), _quote_rows(article_id, article.quotes))
            await self._count_speakers(conn, source.id, article)
        placed = self._place(placer, article, article_id)
        story_id, first = placed[0], placed[1]
        try:
            if placed[2] is not article:
                article = placed[2]
                await conn.execute(
                    update(articles)
                    .where(articles.c.id == article_id)
                    .values(degraded=article.degraded)
                )
            first = await self._file_in_story(conn, article_id, story_id, first, article)
            # The alerts are queued in the same transaction: an article is never stored
            # without its alerts, so a crash can't lose one. A copy of a story is alerted
            # only where the story wasn't.
            await conn.execute(
                self._enqueue_for_source(
                    article_id, source.id, now, story_id=None if first else story_id
                )
            )
            routed = (planned or {}).get(article.item_key, ())
            if routed and not first:
                alerted = await self._alerted_for_story(conn, story_id)
                routed = [p for p in routed if (p.kind.value, p.channel_id) not in alerted]
            if routed:
                await conn.execute(
                    _insert_ignore(self._dialect, outbox),
                    [
                        _pending(
                            p.kind,
                            p.guild_id,
                            p.channel_id,
                            now,
                            article_id=article_id,
                            source_id=source.id,
                            user_id=p.user_id,
                            role_id=p.role_id,
                            explanation=p.explanation,
                            style=p.style,
                        )
                        for p in routed
                    ],
                )
        except BaseException:
            if placer is not None:
                placer.forget([article_id])  # the savepoint is undone: so is its placing
            raise
        return _with_id(article, article_id)

    async def _file_speakers(self, conn: AsyncConnection, stored: Sequence[Article]) -> None:
        """Who the stored articles quote, by number (``quoted_speakers``; new names numbered in
        ``speaker_names``): three statements a poll, however many articles it stored."""
        said = [
            (article.id, name, count)
            for article in stored
            for name, count in Counter(q.speaker[:200] for q in article.quotes if q.speaker).items()
        ]
        if not said:
            return
        names = sorted({name for _, name, _ in said})
        await conn.execute(
            _insert_ignore(self._dialect, speaker_names), [{"name": name} for name in names]
        )
        numbered = await conn.execute(
            select(speaker_names.c.name, speaker_names.c.id).where(
                speaker_names.c.name.in_(bindparam("names", expanding=True))
            ),
            {"names": names},
        )
        ids = {str(name): int(number) for name, number in numbered}
        await conn.execute(
            quoted_speakers.insert(),
            [
                {"article_id": article_id, "speaker_id": ids[name], "quotes": count}
                for article_id, name, count in said
            ],
        )

    async def _mark_hours(self, conn: AsyncConnection, stored: Sequence[Article]) -> None:
        """Lower each stored article's publication hour in ``article_hours`` to its id if it is
        above (see ``_first_id_since``). Rows already low enough are read, not written: a poll
        rarely needs a write, and on PostgreSQL concurrent polls don't queue on one hour's row."""
        wanted: dict[int, int] = {}
        for article in stored:
            assert article.id is not None
            hour = hour_of(_published_of(article))
            wanted[hour] = min(wanted.get(hour, article.id), article.id)
        if not wanted:
            return
        known = dict(
            (
                await conn.execute(
                    select(article_hours.c.hour, article_hours.c.first_id).where(
                        article_hours.c.hour.in_(list(wanted))
                    )
                )
            ).all()
        )
        lower = [
            {"hour": hour, "first_id": first}
            for hour, first in wanted.items()
            if hour not in known or first < known[hour]
        ]
        if lower:
            await conn.execute(_lower_hour_mark(self._dialect), lower)

    def _place(
        self, placer: StoryPlacer | None, article: Article, article_id: int
    ) -> tuple[int, bool, Article]:
        """The article's story; one that can't be placed starts its own (and says so)."""
        if placer is None:
            return article_id, True, article
        try:
            story_id, first = placer.place(article, article_id)
        except Exception as exc:  # a story that can't be found costs only the grouping
            log.warning(
                "source %s item %r (%r): no story (grouping failed), it starts its own: %s",
                article.source_id,
                article.item_key,
                article.url,
                describe(exc),
                exc_info=exc,
            )
            problem = Problem(Stage.STORY, describe(exc))
            return article_id, True, replace(article, problems=(*article.problems, problem))
        return story_id, first, article

    async def _file_in_story(
        self, conn: AsyncConnection, article_id: int, story_id: int, first: bool, article: Article
    ) -> bool:
        """Record the article's story; returns whether it starts the story (a story the
        database doesn't know, e.g. one whose first article was pruned, starts again here)."""
        published = _published_of(article)
        if not first:
            outlets = (
                select(func.count(articles.c.source_id.distinct()))
                .where(or_(articles.c.story_id == story_id, articles.c.id == article_id))
                .scalar_subquery()
            )
            updated = await conn.execute(
                update(stories)
                .where(stories.c.id == story_id)
                .values(
                    articles=stories.c.articles + 1,
                    latest_at=case(
                        (stories.c.latest_at < published, published), else_=stories.c.latest_at
                    ),
                    outlets=outlets,
                )
            )
            first = not updated.rowcount
        if first:
            story_id = article_id
            await conn.execute(
                stories.insert().values(
                    id=article_id, first_at=published, latest_at=published, articles=1, outlets=1
                )
            )
        await conn.execute(
            update(articles).where(articles.c.id == article_id).values(story_id=story_id)
        )
        return first

    async def _alerted_for_story(
        self, conn: AsyncConnection, story_id: int
    ) -> set[tuple[str, int]]:
        """(kind, channel) of every alert queued for an article of the story."""
        rows = await conn.execute(
            select(outbox.c.kind, outbox.c.channel_id)
            .join(articles, articles.c.id == outbox.c.article_id)
            .where(articles.c.story_id == story_id)
        )
        return {(str(kind), int(channel)) for kind, channel in rows}

    async def record_not_modified(
        self, updates: Sequence[tuple[int, datetime]], *, now: datetime
    ) -> None:
        """Sources that answered 304 (or sent the same document): only their times change."""
        if not updates:
            return
        async with self._write() as conn:
            await conn.execute(
                self._unchanged_update,
                [{"sid": sid, "next_poll": when, "now": now} for sid, when in updates],
            )

    async def record_failure(
        self,
        source: Source,
        message: str,
        *,
        now: datetime,
        next_poll_at: datetime | None,
        gone: bool = False,
    ) -> Source:
        """Record why a poll failed; the seen state is untouched. Returns the updated source."""
        status = SourceStatus.GONE if gone else SourceStatus.FAILING
        async with self._write() as conn:
            await conn.execute(
                update(sources)
                .where(sources.c.id == source.id)
                .values(
                    status=status.value,
                    error_count=sources.c.error_count + 1,
                    last_error=message[:1000],
                    failing_since=func.coalesce(sources.c.failing_since, now),
                    last_polled_at=now,
                    next_poll_at=None if gone else next_poll_at,
                    lease_owner=None,
                    lease_until=None,
                )
            )
        updated = await self.get_source(source.id)
        assert updated is not None
        return updated

    async def remove_source(self, source_id: int) -> bool:
        async with self._write() as conn:
            return await _delete_source(conn, source_id)

    # ---- articles -----------------------------------------------------------------------------

    async def recent_articles(
        self, *, limit: int = 20, since: datetime | None = None
    ) -> list[Article]:
        query = select(articles).order_by(articles.c.published_at.desc(), articles.c.id.desc())
        if since is not None:
            query = query.where(articles.c.fetched_at >= since)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        found = [_article(row) for row in rows]
        quoted = await self.quotes_for([a.id for a in found if a.id is not None])
        return [replace(a, quotes=quoted.get(a.id or 0, ())) for a in found]

    async def articles_with_stories(
        self, since: datetime, *, only: Sequence[int] | None = None
    ) -> list[tuple[Article, int]]:
        """Articles fetched since then with their story ids, oldest first (``only``: of these
        ids)."""
        query = (
            select(articles)
            .where(articles.c.fetched_at >= since, articles.c.story_id.is_not(None))
            .order_by(articles.c.id)
        )
        found: list[tuple[Article, int]] = []
        async with self._engine.connect() as conn:
            if only is None:
                rows = (await conn.execute(query)).all()
                return [(_article(row), int(row.story_id)) for row in rows]
            for start in range(0, len(only), KEY_BATCH):
                chunk = list(only[start : start + KEY_BATCH])
                rows = (await conn.execute(query.where(articles.c.id.in_(chunk)))).all()
                found += [(_article(row), int(row.story_id)) for row in rows]
        return found

    async def article_ids_fetched_since(self, since: datetime) -> list[int]:
        """Ids of the articles fetched since then (by any process)."""
        query = select(articles.c.id).where(articles.c.fetched_at >= since)
        async with self._engine.connect() as conn:
            return [int(i) for i in (await conn.execute(query)).scalars()]

    async def quotes_for(self, article_ids: Sequence[int]) -> dict[int, tuple[Quotation, ...]]:
        """The stored quotations of these articles, in text order."""
        found: dict[int, list[Quotation]] = {article_id: [] for article_id in article_ids}
        async with self._engine.connect() as conn:
            for start in range(0, len(article_ids), KEY_BATCH):
                chunk = list(article_ids[start : start + KEY_BATCH])
                rows = await conn.execute(
                    select(quotes)
                    .where(quotes.c.article_id.in_(chunk))
                    .order_by(quotes.c.article_id, quotes.c.position)
                )
                for row in rows:
                    found[row.article_id].append(_quote(row))
        return {key: tuple(value) for key, value in found.items()}

    async def count_articles(self) -> int:
        async with self._engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(articles))).scalar_one()
            )

    async def count_seen(self, source_id: int) -> int:
        async with self._engine.connect() as conn:
            query = select(func.count()).where(seen_items.c.source_id == source_id)
            return int((await conn.execute(query)).scalar_one())

    async def item_failures_of(self, source_id: int) -> list[ItemFailure]:
        """The source's items that failed (still being tried, or given up), newest first."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(item_failures)
                .where(item_failures.c.source_id == source_id)
                .order_by(item_failures.c.last_failed_at.desc(), item_failures.c.item_key)
            )
            return [
                ItemFailure(
                    item_key=m["item_key"],
                    link=m["link"],
                    attempts=m["attempts"],
                    reason=m["reason"],
                    given_up_at=m["given_up_at"],
                )
                for m in (row._mapping for row in rows)
            ]

    # ---- servers ------------------------------------------------------------------------------

    async def join_guild(self, guild_id: int, *, now: datetime) -> None:
        """The bot is in this server (again)."""
        async with self._write() as conn:
            await conn.execute(
                _insert_ignore(self._dialect, guilds).values(id=guild_id, joined_at=now)
            )
            await conn.execute(update(guilds).where(guilds.c.id == guild_id).values(left_at=None))

    async def guild(self, guild_id: int) -> GuildConfig | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(guilds).where(guilds.c.id == guild_id))).first()
        if row is None:
            return None
        return GuildConfig(row.id, row.alerts_channel_id, row.configured_by, row.left_at)

    async def set_alerts_channel(
        self, guild_id: int, channel_id: int, *, user_id: int, now: datetime
    ) -> None:
        """Route the server's alerts to a channel (clearing an earlier block on it)."""
        await self.join_guild(guild_id, now=now)
        async with self._write() as conn:
            await conn.execute(
                update(guilds)
                .where(guilds.c.id == guild_id)
                .values(alerts_channel_id=channel_id, configured_by=user_id)
            )
            await conn.execute(channels.delete().where(channels.c.id == channel_id))

    async def add_guild_source(
        self,
        guild_id: int,
        source_id: int,
        *,
        user_id: int,
        now: datetime,
        cap: int | None = None,
    ) -> bool:
        """Subscribe a server to a source. Returns False when it already was. With ``cap``,
        raises LimitReached when the server already watches that many sources (a source no
        server watches then is forgotten). The count and the insert are one statement (one
        writer at a time on SQLite), after the server's row is locked on PostgreSQL: concurrent
        adds never pass the cap."""
        await self.join_guild(guild_id, now=now)
        row = {
            "guild_id": guild_id,
            "source_id": source_id,
            "added_by": user_id,
            "added_at": now,
            "failing_notified": False,
        }
        count = (
            select(func.count())
            .select_from(guild_sources)
            .where(guild_sources.c.guild_id == guild_id)
            .scalar_subquery()
        )
        async with self._write() as conn:
            if cap is None:
                inserted = _insert_ignore(self._dialect, guild_sources).values(row)
            else:
                await self._lock_guild(conn, guild_id)
                inserted = _insert_ignore(self._dialect, guild_sources).from_select(
                    list(row), _literal_row(guild_sources, row).where(count < cap)
                )
            if (await conn.execute(inserted)).rowcount:
                await _combine_choices(conn, [source_id], now)
                return True
            already = await conn.execute(
                select(guild_sources.c.source_id).where(
                    guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                )
            )
            if cap is None or already.first() is not None:
                return False
            watched = int((await conn.execute(select(count))).scalar_one())
            await self._forget_unused_sources(conn, [source_id])
        raise LimitReached(watched)

    async def _lock_guild(self, conn: AsyncConnection, guild_id: int) -> None:
        """Hold the server's row until the transaction ends (PostgreSQL: SELECT ... FOR UPDATE),
        so that checks of what it has and the changes that follow are one step per server.
        SQLite has one writer at a time: there the conditional statements alone suffice."""
        if self._dialect != "sqlite":
            await conn.execute(select(guilds.c.id).where(guilds.c.id == guild_id).with_for_update())

    async def remove_guild_source(self, guild_id: int, source_id: int) -> bool:
        """Unsubscribe; queued alerts from that source to that server are dropped, and a source
        no server uses any more stops being polled."""
        async with self._write() as conn:
            result = await conn.execute(
                guild_sources.delete().where(
                    guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                )
            )
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.guild_id == guild_id,
                    outbox.c.source_id == source_id,
                    outbox.c.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.DROPPED.value, last_error="source removed")
            )
            await self._forget_unused_sources(conn, [source_id])
            await _combine_choices(conn, [source_id], now=None)
        return bool(result.rowcount)

    async def remove_guild(self, guild_id: int) -> None:
        """The bot was removed from a server: its routes, its members' topics there, its queue
        and the sources only it used go."""
        async with self._write() as conn:
            used = (
                (
                    await conn.execute(
                        select(guild_sources.c.source_id).where(
                            guild_sources.c.guild_id == guild_id
                        )
                    )
                )
                .scalars()
                .all()
            )
            await conn.execute(
                update(outbox)
                .where(outbox.c.guild_id == guild_id, outbox.c.status == OutboxStatus.PENDING.value)
                .values(status=OutboxStatus.DROPPED.value, last_error="bot removed from server")
            )
            await conn.execute(guild_sources.delete().where(guild_sources.c.guild_id == guild_id))
            await conn.execute(routes.delete().where(routes.c.guild_id == guild_id))
            await conn.execute(channel_styles.delete().where(channel_styles.c.guild_id == guild_id))
            await conn.execute(digest_runs.delete().where(digest_runs.c.guild_id == guild_id))
            await conn.execute(subscriptions.delete().where(subscriptions.c.guild_id == guild_id))
            await _topics_changed(conn, TopicChange.SERVER, [guild_id])
            await conn.execute(channels.delete().where(channels.c.guild_id == guild_id))
            await conn.execute(guilds.delete().where(guilds.c.id == guild_id))
            await self._forget_unused_sources(conn, list(used))
            await _combine_choices(conn, list(used), now=None)

    async def guild_ids(self) -> set[int]:
        """Every server the store keeps data for."""
        async with self._engine.connect() as conn:
            return {int(i) for i in (await conn.execute(select(guilds.c.id))).scalars()}

    async def _forget_unused_sources(self, conn: AsyncConnection, ids: Sequence[int]) -> None:
        for source_id in ids:
            still = await conn.execute(
                select(guild_sources.c.guild_id).where(guild_sources.c.source_id == source_id)
            )
            if still.first() is None:
                await _delete_source(conn, source_id)

    async def guild_sources(self, guild_id: int) -> list[Source]:
        query = (
            select(sources)
            .join(guild_sources, guild_sources.c.source_id == sources.c.id)
            .where(guild_sources.c.guild_id == guild_id)
            # Untitled (never polled) first on both engines: PostgreSQL sorts NULL last.
            .order_by(sources.c.title.nulls_first(), sources.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_source(row) for row in rows]

    async def guild_source_names(self, guild_id: int) -> list[SourceName]:
        """The server's sources as answers name them (a light read: a server may watch
        thousands, and every /news command starts here)."""
        query = (
            select(sources.c.id, sources.c.url, sources.c.title)
            .join(guild_sources, guild_sources.c.source_id == sources.c.id)
            .where(guild_sources.c.guild_id == guild_id)
            .order_by(sources.c.title, sources.c.id)
        )
        async with self._engine.connect() as conn:
            return [
                SourceName(int(i), str(url), title) for i, url, title in await conn.execute(query)
            ]

    # ---- a server's controls on its sources (pause, interval, name, User-Agent, URL) ---------

    async def guild_source_controls(self, guild_id: int) -> list[WatchedSource]:
        """The server's sources with its own choices for each (named as the server named them;
        ordered like ``guild_sources``)."""
        query = (
            select(
                sources,
                guild_sources.c.paused_at.label("gs_paused_at"),
                guild_sources.c.interval_seconds.label("gs_interval"),
                guild_sources.c.user_agent.label("gs_user_agent"),
                guild_sources.c.name.label("gs_name"),
            )
            .join(guild_sources, guild_sources.c.source_id == sources.c.id)
            .where(guild_sources.c.guild_id == guild_id)
            .order_by(sources.c.title.nulls_first(), sources.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            WatchedSource(
                source=_source(row),
                paused_since=row.gs_paused_at,
                interval_seconds=row.gs_interval,
                user_agent=row.gs_user_agent,
                name=row.gs_name,
            )
            for row in rows
        ]

    async def set_guild_source_paused(
        self, guild_id: int, source_id: int, *, paused: bool, now: datetime
    ) -> bool:
        """Pause (or resume) a source for one server. Returns False when it already was (not).
        A source every server paused is no longer polled; resumed, it is polled at once."""
        was = (
            guild_sources.c.paused_at.is_(None) if paused else guild_sources.c.paused_at.isnot(None)
        )
        async with self._write() as conn:
            result = await conn.execute(
                update(guild_sources)
                .where(
                    guild_sources.c.guild_id == guild_id,
                    guild_sources.c.source_id == source_id,
                    was,
                )
                .values(paused_at=now if paused else None)
            )
            if not result.rowcount:
                return False
            await _combine_choices(conn, [source_id], now)
        return True

    async def set_guild_source_interval(
        self, guild_id: int, source_id: int, seconds: int | None, *, default: int, now: datetime
    ) -> None:
        """One server's poll interval for a source (None: the default). The source is polled
        as often as the most eager of its servers wants; a shorter wait applies at once."""
        async with self._write() as conn:
            await conn.execute(_guild_source(guild_id, source_id).values(interval_seconds=seconds))
            await _combine_choices(conn, [source_id], now)
            combined = (
                await conn.execute(
                    select(sources.c.interval_seconds).where(sources.c.id == source_id)
                )
            ).scalar()
            soonest = now + timedelta(seconds=max(default, combined or default))
            await conn.execute(
                update(sources)
                .where(sources.c.id == source_id, sources.c.next_poll_at > soonest)
                .values(next_poll_at=soonest)
            )

    async def name_untitled_source(self, source_id: int, title: str) -> None:
        """Give a source not yet polled the title its feed was seen with (an import checked it)."""
        async with self._write() as conn:
            await conn.execute(
                update(sources)
                .where(sources.c.id == source_id, sources.c.title.is_(None))
                .values(title=title[:1000])
            )

    async def set_guild_source_name(self, guild_id: int, source_id: int, name: str | None) -> None:
        """The server's own name for a source (None: the feed's title)."""
        async with self._write() as conn:
            await conn.execute(_guild_source(guild_id, source_id).values(name=name))

    async def set_guild_source_user_agent(
        self, guild_id: int, source_id: int, agent: str | None
    ) -> None:
        """The User-Agent the server wants the source fetched with (None: the default)."""
        async with self._write() as conn:
            await conn.execute(_guild_source(guild_id, source_id).values(user_agent=agent))
            await _combine_choices(conn, [source_id], None)

    async def move_guild_source(
        self,
        guild_id: int,
        source_id: int,
        *,
        url: str,
        added_url: str,
        title: str | None,
        seen_keys: Sequence[str],
        now: datetime,
    ) -> Source | None:
        """Point the server's source at another URL (checked by the caller), keeping what it
        has seen, with ``seen_keys`` (the new feed's items now) seen too: only items that
        appear later are posted. Watched by this server alone, the source itself changes;
        shared, the server moves to a source of that URL (made if new) and the others keep
        theirs. Returns None when the server already watches that URL."""
        async with self._write() as conn:
            target = (await conn.execute(select(sources.c.id).where(sources.c.url == url))).scalar()
            if target is not None:
                watching = await conn.execute(
                    select(guild_sources.c.guild_id).where(
                        guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == target
                    )
                )
                if watching.first() is not None:
                    return None
            others = (
                await conn.execute(
                    select(func.count()).where(
                        guild_sources.c.source_id == source_id,
                        guild_sources.c.guild_id != guild_id,
                    )
                )
            ).scalar()
            if target is None and not others:
                target = source_id
                await conn.execute(
                    update(sources)
                    .where(sources.c.id == source_id)
                    .values(
                        url=url,
                        added_url=added_url[:2048],
                        title=func.coalesce(title, sources.c.title),
                        etag=None,
                        last_modified=None,
                        status=SourceStatus.OK.value,
                        error_count=0,
                        last_error=None,
                        failing_since=None,
                        next_poll_at=case((sources.c.next_poll_at.is_(None), None), else_=now),
                    )
                )
            else:
                if target is None:
                    target = (
                        await conn.execute(
                            sources.insert()
                            .values(
                                url=url,
                                added_url=added_url[:2048],
                                title=title,
                                status=SourceStatus.OK.value,
                                next_poll_at=now,
                                error_count=0,
                                created_at=now,
                                last_success_at=now,
                            )
                            .returning(sources.c.id)
                        )
                    ).scalar_one()
                await conn.execute(
                    _insert_ignore(self._dialect, seen_items).from_select(
                        ["source_id", "item_key", "first_seen_at"],
                        select(
                            literal(target), seen_items.c.item_key, seen_items.c.first_seen_at
                        ).where(seen_items.c.source_id == source_id),
                    )
                )
                await conn.execute(_guild_source(guild_id, source_id).values(source_id=target))
            if seen_keys:
                stamp = now.astimezone(UTC).replace(tzinfo=None)  # raw SQL: naive UTC
                await conn.exec_driver_sql(
                    _seen_insert_sql(self._dialect),
                    [(target, key, stamp) for key in dict.fromkeys(seen_keys)],
                )
            await _combine_choices(conn, [target, source_id], now)
            await self._forget_unused_sources(conn, [source_id])
        return await self.get_source(target)

    async def latest_articles_of(self, source_id: int, *, limit: int) -> list[Article]:
        query = (
            select(articles)
            .where(articles.c.source_id == source_id)
            .order_by(articles.c.published_at.desc(), articles.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        found = [_article(row) for row in rows]
        quoted = await self.quotes_for([a.id for a in found if a.id is not None])
        return [replace(a, quotes=quoted.get(a.id or 0, ())) for a in found]

    async def article(self, article_id: int) -> Article | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(articles).where(articles.c.id == article_id))).first()
        if row is None:
            return None
        quoted = await self.quotes_for([article_id])
        return replace(_article(row), quotes=quoted[article_id])

    # ---- the outbox ---------------------------------------------------------------------------

    def _enqueue_for_source(
        self, article_id: int, source_id: int, now: datetime, *, story_id: int | None = None
    ) -> Any:
        """An alert row for every server that watches the source and has a working channel
        (with a story: and wasn't alerted to it already)."""
        route = (
            select(
                literal(OutboxKind.ALERT.value),
                guilds.c.id,
                guilds.c.alerts_channel_id,
                literal(article_id),
                literal(source_id),
                literal(OutboxStatus.PENDING.value),
                literal(0),
                literal(now, type_=outbox.c.next_attempt_at.type),
                literal(now, type_=outbox.c.created_at.type),
            )
            .select_from(guild_sources.join(guilds, guilds.c.id == guild_sources.c.guild_id))
            .outerjoin(channels, channels.c.id == guilds.c.alerts_channel_id)
            .where(
                guild_sources.c.source_id == source_id,
                guild_sources.c.paused_at.is_(None),
                guilds.c.alerts_channel_id.is_not(None),
                guilds.c.left_at.is_(None),
                channels.c.blocked_at.is_(None),
            )
        )
        if story_id is not None:
            earlier = outbox.alias("earlier")
            route = route.where(
                ~select(earlier.c.id)
                .join(articles, articles.c.id == earlier.c.article_id)
                .where(
                    articles.c.story_id == story_id,
                    earlier.c.kind == OutboxKind.ALERT.value,
                    earlier.c.channel_id == guilds.c.alerts_channel_id,
                )
                .exists()
            )
        columns = [
            "kind",
            "guild_id",
            "channel_id",
            "article_id",
            "source_id",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ]
        return _insert_ignore(self._dialect, outbox).from_select(columns, route)

    async def enqueue_articles(
        self, guild_id: int, channel_id: int, found: Sequence[Article], *, now: datetime
    ) -> int:
        """Queue alerts for these stored articles to one channel (a backfill)."""
        rows = [
            _pending(
                OutboxKind.ALERT,
                guild_id,
                channel_id,
                now,
                article_id=article.id,
                source_id=article.source_id,
            )
            for article in found
            if article.id is not None
        ]
        if not rows:
            return 0
        # One multi-row INSERT, its new rows counted by RETURNING (a driver's executemany may
        # not report a row count: asyncpg's doesn't).
        async with self._write() as conn:
            result = await conn.execute(
                _insert_ignore(self._dialect, outbox).values(rows).returning(outbox.c.id)
            )
            return len(result.all())

    async def due_outbox(self, now: datetime, *, limit: int = 500) -> list[OutboxEntry]:
        query = (
            select(outbox)
            .where(outbox.c.status == OutboxStatus.PENDING.value, outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_outbox(row) for row in rows]

    async def claim_due_outbox(
        self,
        now: datetime,
        *,
        owner: str,
        hold: timedelta,
        limit: int = 500,
        shards: tuple[int, Sequence[int]] | None = None,
    ) -> list[OutboxEntry]:
        """Due outbox rows, claimed by ``owner`` until ``now + hold``: rows of channels another
        live process is sending to are left to it (each channel's alerts go out in order, from
        one process), and no two processes claim one row (SKIP LOCKED on PostgreSQL). Marking a
        row sent or for retry ends the claim; a dead process's rows are free once it runs out.
        ``shards``: (count, ids) of a process running only those gateway shards: it takes the
        alerts of their servers only. SQLite serves one process: there the due rows are only
        read (an alert can go out while another writer holds the file)."""
        free = or_(
            outbox.c.claimed_until.is_(None),
            outbox.c.claimed_until < now,
            outbox.c.claimed_by == owner,
        )
        busy = select(outbox.c.channel_id).where(
            outbox.c.status == OutboxStatus.PENDING.value,
            outbox.c.claimed_until >= now,
            outbox.c.claimed_by != owner,
        )
        due = (
            select(outbox.c.id)
            .where(
                outbox.c.status == OutboxStatus.PENDING.value,
                outbox.c.next_attempt_at <= now,
                free,
                outbox.c.channel_id.not_in(busy),
                *([_in_shards(outbox.c.guild_id, *shards)] if shards else []),
            )
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self._claim(due, outbox, claimed_by=owner[:100], claimed_until=now + hold)
        return sorted(map(_outbox, rows), key=lambda entry: entry.id)

    async def _claim(self, due: Select[Any], table: Table, **taken: Any) -> list[Row[Any]]:
        """The rows of ``table`` whose ids ``due`` selects, marked ``taken`` in one statement
        where several processes share the database (each claim skips the rows another is
        taking: FOR UPDATE SKIP LOCKED); on SQLite, which serves one process, only read."""
        if not self.shares_work:
            async with self._engine.connect() as conn:
                return list(await conn.execute(due.with_only_columns(*table.c)))
        claim = (
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(**taken)
            .returning(*table.c)
        )
        async with self._write() as conn:
            return list(await conn.execute(claim))

    async def outbox_entries(self, *, status: OutboxStatus | None = None) -> list[OutboxEntry]:
        query = select(outbox).order_by(outbox.c.id)
        if status is not None:
            query = query.where(outbox.c.status == status.value)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_outbox(row) for row in rows]

    async def mark_sent(
        self, entry_ids: Sequence[int], message_id: int, *, now: datetime, summarized: bool = False
    ) -> None:
        status = OutboxStatus.SUMMARIZED if summarized else OutboxStatus.SENT
        async with self._write() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(entry_ids)))
                .values(
                    status=status.value,
                    message_id=message_id,
                    sent_at=now,
                    last_error=None,
                    claimed_by=None,
                    claimed_until=None,
                )
            )

    async def story_alerts_behind(
        self, now: datetime, *, since: datetime, edited_before: datetime, limit: int = 100
    ) -> list[tuple[OutboxEntry, int]]:
        """Sent alerts (newer than ``since``, not edited after ``edited_before``) whose story
        has been reported by more outlets than the message shows; with the story's count."""
        query = (
            select(outbox, stories.c.outlets)
            .join(articles, articles.c.id == outbox.c.article_id)
            .join(stories, stories.c.id == articles.c.story_id)
            .where(
                outbox.c.status == OutboxStatus.SENT.value,
                outbox.c.message_id.is_not(None),
                outbox.c.kind.in_([OutboxKind.ALERT.value, OutboxKind.DM.value]),
                outbox.c.sent_at >= since,
                stories.c.outlets > func.coalesce(outbox.c.shown_outlets, 1),
                or_(outbox.c.edited_at.is_(None), outbox.c.edited_at <= edited_before),
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(_outbox(row), int(row.outlets)) for row in rows]

    async def story_outlets(self, article_id: int, guild_id: int) -> list[str]:
        """The other outlets among this server's sources carrying this article's story, first
        to report first (a server never learns what other servers watch)."""
        story = select(articles.c.story_id).where(articles.c.id == article_id).scalar_subquery()
        watched = select(guild_sources.c.source_id).where(guild_sources.c.guild_id == guild_id)
        query = (
            select(articles.c.site_name, sources.c.title, sources.c.url, articles.c.source_id)
            .join(sources, sources.c.id == articles.c.source_id)
            .where(
                articles.c.story_id == story,
                articles.c.id != article_id,
                articles.c.source_id.in_(watched),
            )
            .order_by(articles.c.published_at, articles.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            own = (
                await conn.execute(select(articles.c.source_id).where(articles.c.id == article_id))
            ).scalar()
        names: dict[int, str] = {}
        for site_name, title, url, source_id in rows:
            if source_id != own:
                names.setdefault(source_id, site_name or title or host_of(url))
        return list(names.values())

    async def mark_edited(self, entry_id: int, outlets: int, *, now: datetime) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry_id)
                .values(shown_outlets=outlets, edited_at=now)
            )

    async def mark_retry(
        self, entry_id: int, error: str, *, next_attempt_at: datetime, give_up: bool
    ) -> None:
        status = OutboxStatus.FAILED if give_up else OutboxStatus.PENDING
        async with self._write() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry_id)
                .values(
                    status=status.value,
                    attempts=outbox.c.attempts + 1,
                    next_attempt_at=next_attempt_at,
                    last_error=error[:1000],
                    claimed_by=None,
                    claimed_until=None,
                )
            )

    async def sent_since(
        self, channel_id: int, since: datetime, *, here_from: int | None = None
    ) -> int:
        """Alerts (one per message) a channel received since ``since``; with ``here_from``,
        also the personal 'here' alerts of that server (posted in its alerts channel)."""
        to_channel = outbox.c.channel_id == channel_id
        if here_from is not None:
            here = and_(outbox.c.guild_id == here_from, outbox.c.kind == OutboxKind.HERE.value)
            to_channel = or_(to_channel, here)
        query = select(func.count(func.distinct(outbox.c.message_id))).where(
            to_channel,
            outbox.c.sent_at >= since,
            outbox.c.status.in_([OutboxStatus.SENT.value, OutboxStatus.SUMMARIZED.value]),
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def block_channel(
        self, channel_id: int, guild_id: int, reason: str, *, now: datetime
    ) -> bool:
        """Stop sending to a channel Discord refused; its queue is dropped. Returns True the
        first time, when the server's admins should be told."""
        async with self._write() as conn:
            existing = (
                await conn.execute(select(channels).where(channels.c.id == channel_id))
            ).first()
            first = existing is None or existing.admins_told_at is None
            if existing is None:
                await conn.execute(
                    channels.insert().values(
                        id=channel_id,
                        guild_id=guild_id,
                        blocked_reason=reason[:300],
                        blocked_at=now,
                        admins_told_at=now,
                    )
                )
            else:
                await conn.execute(
                    update(channels)
                    .where(channels.c.id == channel_id)
                    .values(blocked_reason=reason[:300], blocked_at=now, admins_told_at=now)
                )
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.channel_id == channel_id,
                    outbox.c.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.DROPPED.value, last_error=reason[:1000])
            )
        return first

    async def source_health_notices(self, *, failing_before: datetime) -> list[SourceNotice]:
        """Servers to tell that a source has failed for over a day, or has recovered since."""
        query = (
            select(
                guild_sources.c.guild_id,
                guilds.c.alerts_channel_id,
                guild_sources.c.failing_notified,
                sources,
            )
            .select_from(
                guild_sources.join(guilds, guilds.c.id == guild_sources.c.guild_id).join(
                    sources, sources.c.id == guild_sources.c.source_id
                )
            )
            .where(guilds.c.alerts_channel_id.is_not(None), guild_sources.c.paused_at.is_(None))
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        notices = []
        for row in rows:
            source = _source(row)
            failing = (
                source.status in (SourceStatus.FAILING, SourceStatus.GONE)
                and source.failing_since is not None
                and source.failing_since <= failing_before
            )
            recovered = source.status is SourceStatus.OK
            if failing and not row.failing_notified:
                notices.append(SourceNotice(row.guild_id, row.alerts_channel_id, source, True))
            elif recovered and row.failing_notified:
                notices.append(SourceNotice(row.guild_id, row.alerts_channel_id, source, False))
        return notices

    async def record_source_notice(self, notice: SourceNotice, body: str, *, now: datetime) -> None:
        async with self._write() as conn:
            told = await conn.execute(
                update(guild_sources)
                .where(
                    guild_sources.c.guild_id == notice.guild_id,
                    guild_sources.c.source_id == notice.source.id,
                    guild_sources.c.failing_notified.is_distinct_from(notice.failing),
                )
                .values(failing_notified=notice.failing)
            )
            if not told.rowcount:
                return  # another process told them already
            await conn.execute(
                outbox.insert().values(
                    _pending(
                        OutboxKind.NOTICE,
                        notice.guild_id,
                        notice.channel_id,
                        now,
                        source_id=notice.source.id,
                        body=body,
                    )
                )
            )

    # ---- topics -------------------------------------------------------------------------------

    async def add_subscription(
        self,
        user_id: int,
        guild_id: int,
        topic: str,
        typed: str,
        delivery: Delivery,
        *,
        now: datetime,
        cap: int | None = None,
        digest: str | None = None,
    ) -> Added:
        """A person's topic in a server: ADDED, or ALREADY when they had it (same normal form),
        or FULL when they already follow ``cap`` topics in that server. The insert and the count
        are one transaction, serialized per person and server on PostgreSQL (and by SQLite's
        single writer, which the insert takes before the count reads), so adds made at the same
        moment, in any number of processes, never pass the cap."""
        try:
            async with self._write() as conn:
                await _serialize(self._dialect, conn, "topics", guild_id, user_id)
                added = (
                    (
                        await conn.execute(
                            _insert_ignore(self._dialect, subscriptions)
                            .values(
                                user_id=user_id,
                                guild_id=guild_id,
                                topic=topic,
                                typed=typed[:400],
                                delivery=delivery.value,
                                created_at=now,
                                digest=digest,
                            )
                            .returning(subscriptions.c.id)
                        )
                    )
                    .scalars()
                    .all()
                )
                if not added:
                    return Added.ALREADY
                if cap is not None:
                    count = await conn.execute(
                        select(func.count()).where(
                            subscriptions.c.user_id == user_id,
                            subscriptions.c.guild_id == guild_id,
                        )
                    )
                    if int(count.scalar() or 0) > cap:
                        raise _OverCap
                await _topics_changed(conn, TopicChange.SUBSCRIPTION, added)
        except _OverCap:
            return Added.FULL  # the transaction, with its insert, was rolled back
        return Added.ADDED

    async def remove_subscription(self, user_id: int, guild_id: int, topic: str) -> bool:
        async with self._write() as conn:
            removed = (
                (
                    await conn.execute(
                        subscriptions.delete()
                        .where(
                            subscriptions.c.user_id == user_id,
                            subscriptions.c.guild_id == guild_id,
                            subscriptions.c.topic == topic,
                        )
                        .returning(subscriptions.c.id)
                    )
                )
                .scalars()
                .all()
            )
            await _topics_changed(conn, TopicChange.SUBSCRIPTION, removed)
        return bool(removed)

    async def remove_subscription_by_id(
        self, user_id: int, subscription_id: int
    ) -> Subscription | None:
        """Remove one of this person's topics by its id (None if it isn't theirs, or gone)."""
        async with self._write() as conn:
            row = (
                await conn.execute(
                    subscriptions.delete()
                    .where(
                        subscriptions.c.id == subscription_id, subscriptions.c.user_id == user_id
                    )
                    .returning(*subscriptions.c)
                )
            ).first()
            if row is None:
                return None
            await _topics_changed(conn, TopicChange.SUBSCRIPTION, [row.id])
        return _subscription(row)

    async def forget_member(self, guild_id: int, user_id: int) -> int:
        """Someone left a server: their topics there go, with the personal alerts still queued
        for them from it. Returns how many topics went."""
        async with self._write() as conn:
            removed = (
                (
                    await conn.execute(
                        subscriptions.delete()
                        .where(
                            subscriptions.c.user_id == user_id,
                            subscriptions.c.guild_id == guild_id,
                        )
                        .returning(subscriptions.c.id)
                    )
                )
                .scalars()
                .all()
            )
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.guild_id == guild_id,
                    outbox.c.user_id == user_id,
                    outbox.c.kind.in_([OutboxKind.DM.value, OutboxKind.HERE.value]),
                    outbox.c.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.DROPPED.value, last_error="no longer a member")
            )
            await _topics_changed(conn, TopicChange.SUBSCRIPTION, removed)
        return len(removed)

    async def subscriptions_of(
        self, user_id: int, guild_id: int | None = None
    ) -> list[Subscription]:
        query = select(subscriptions).where(subscriptions.c.user_id == user_id)
        if guild_id is not None:
            query = query.where(subscriptions.c.guild_id == guild_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(subscriptions.c.id))).all()
        return [_subscription(row) for row in rows]

    async def mark_dms_closed(self, user_id: int, *, now: datetime) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(subscriptions)
                .where(subscriptions.c.user_id == user_id)
                .values(dm_closed_at=now)
            )

    async def take_dms_closed(self, user_id: int) -> bool:
        """Whether a DM to this person failed since they were last told (and forget it). Most
        people have nothing to be told: a read answers them without queueing for a write."""
        closed = subscriptions.c.user_id == user_id, subscriptions.c.dm_closed_at.is_not(None)
        async with self._engine.connect() as conn:
            if (
                await conn.execute(select(subscriptions.c.id).where(*closed).limit(1))
            ).first() is None:
                return False
        async with self._write() as conn:
            result = await conn.execute(
                update(subscriptions).where(*closed).values(dm_closed_at=None)
            )
        return bool(result.rowcount)

    async def topics_version(self) -> int:
        """A number that changes whenever a route or a subscription does (in any process)."""
        query = select(counters.c.value).where(counters.c.name == TOPICS_COUNTER)
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar() or 0)

    async def all_routes(self) -> list[Route]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(routes))).all()
        return [_route(row) for row in rows]

    async def guilds_watching(self, source_id: int) -> set[int]:
        query = select(guild_sources.c.guild_id).where(
            guild_sources.c.source_id == source_id, guild_sources.c.paused_at.is_(None)
        )
        async with self._engine.connect() as conn:
            return set((await conn.execute(query)).scalars())

    async def all_subscriptions(self) -> list[Subscription]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(*_SUBSCRIPTION_COLUMNS))).all()
        return [_subscription(row) for row in rows]

    async def topic_changes(self, after: int, upto: int) -> TopicChanges | None:
        """What changed in routes and subscriptions after topics version ``after`` up to
        ``upto`` (one read of the change log); None when the log no longer goes back that far
        (reload everything)."""
        if not 0 <= after <= upto or upto - after > TOPIC_CHANGES_KEPT:
            return None
        query = select(topic_changes.c.version, topic_changes.c.kind, topic_changes.c.row_id).where(
            topic_changes.c.version > after, topic_changes.c.version <= upto
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        if {int(version) for version, _, _ in rows} != set(range(after + 1, upto + 1)):
            return None
        named: dict[str, set[int]] = {kind.value: set() for kind in TopicChange}
        for _, kind, row_id in rows:
            named.setdefault(kind, set()).add(int(row_id))
        return TopicChanges(
            routes=frozenset(named[TopicChange.ROUTE.value]),
            subscriptions=frozenset(named[TopicChange.SUBSCRIPTION.value]),
            servers=frozenset(named[TopicChange.SERVER.value]),
        )

    async def routes_by_id(self, ids: Iterable[int]) -> list[Route]:
        """Those of these routes that exist."""
        wanted = list(ids)
        if not wanted:
            return []
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(routes).where(routes.c.id.in_(wanted)))).all()
        return [_route(row) for row in rows]

    async def subscriptions_by_id(self, ids: Iterable[int]) -> list[Subscription]:
        """Those of these subscriptions that exist."""
        wanted = list(ids)
        if not wanted:
            return []
        query = select(*_SUBSCRIPTION_COLUMNS).where(subscriptions.c.id.in_(wanted))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_subscription(row) for row in rows]

    async def add_route(
        self,
        guild_id: int,
        channel_id: int,
        topic: str | None,
        typed: str | None,
        *,
        role_id: int | None,
        user_id: int,
        now: datetime,
        cap: int | None = None,
        digest: str | None = None,
    ) -> bool:
        """Send a server's articles (those matching ``topic``; all when None) to a channel.
        False when that channel already gets that topic. With ``cap``, raises LimitReached when
        the server has that many routes. As for sources, the checks and the insert are one
        statement, after the server's row is locked on PostgreSQL."""
        await self.join_guild(guild_id, now=now)
        same = (
            select(routes.c.id)
            .where(
                routes.c.guild_id == guild_id,
                routes.c.channel_id == channel_id,
                routes.c.topic.is_(None) if topic is None else routes.c.topic == topic,
            )
            .exists()
        )
        count = (
            select(func.count()).select_from(routes).where(routes.c.guild_id == guild_id)
        ).scalar_subquery()
        row = {
            "guild_id": guild_id,
            "channel_id": channel_id,
            "topic": topic,
            "typed": typed[:400] if typed else None,
            "role_id": role_id,
            "paused": False,
            "created_by": user_id,
            "created_at": now,
            "digest": digest,
        }
        wanted = _literal_row(routes, row).where(~same)
        if cap is not None:
            wanted = wanted.where(count < cap)
        async with self._write() as conn:
            await self._lock_guild(conn, guild_id)
            added = (
                (
                    await conn.execute(
                        routes.insert().from_select(list(row), wanted).returning(routes.c.id)
                    )
                )
                .scalars()
                .all()
            )
            if added:
                await _topics_changed(conn, TopicChange.ROUTE, added)
                return True
            if (await conn.execute(select(same))).scalar():
                return False
            routed = int((await conn.execute(select(count))).scalar_one())
        raise LimitReached(routed)

    async def routes_of(self, guild_id: int) -> list[Route]:
        query = select(routes).where(routes.c.guild_id == guild_id).order_by(routes.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_route(row) for row in rows]

    async def set_channel_style(
        self, guild_id: int, channel_id: int, style: str, *, user_id: int, now: datetime
    ) -> None:
        """How a channel's alerts look from now on (``AlertStyle.encode()``)."""
        async with self._write() as conn:
            await conn.execute(
                channel_styles.delete().where(channel_styles.c.channel_id == channel_id)
            )
            await conn.execute(
                channel_styles.insert().values(
                    channel_id=channel_id,
                    guild_id=guild_id,
                    style=style,
                    set_by=user_id,
                    set_at=now,
                )
            )

    async def channel_style(self, channel_id: int) -> str | None:
        """A channel's alert style as stored, or None for the standard one."""
        query = select(channel_styles.c.style).where(channel_styles.c.channel_id == channel_id)
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar()

    async def set_route_style(self, guild_id: int, route_id: int, style: str) -> bool:
        """How a route's alerts look from now on; False when the server has no such route."""
        async with self._write() as conn:
            changed = await conn.execute(
                routes.update()
                .where(routes.c.guild_id == guild_id, routes.c.id == route_id)
                .values(style=style)
            )
            # The matchers keep routes (with their style) in memory: they reload this one.
            await _topics_changed(conn, TopicChange.ROUTE, [route_id] if changed.rowcount else [])
        return bool(changed.rowcount)

    async def digest_owners(self) -> list[DigestOwner]:
        """Every route (not paused) and every person's topic delivered as a digest."""
        route_rows = select(routes).where(routes.c.digest.is_not(None), routes.c.paused.is_(False))
        sub_rows = select(subscriptions).where(subscriptions.c.digest.is_not(None))
        async with self._engine.connect() as conn:
            found = [
                DigestOwner(
                    "route",
                    r.id,
                    r.guild_id,
                    r.channel_id,
                    None,
                    r.role_id,
                    r.topic,
                    r.typed,
                    r.digest,
                    r.created_at,
                )
                for r in await conn.execute(route_rows)
            ]
            found += [
                DigestOwner(
                    "sub",
                    r.id,
                    r.guild_id,
                    r.user_id,
                    r.user_id,
                    None,
                    r.topic,
                    r.typed,
                    r.digest,
                    r.created_at,
                )
                for r in await conn.execute(sub_rows)
            ]
        return found

    async def queue_digest(
        self, owner: DigestOwner, due_at: datetime, body: str, *, now: datetime
    ) -> bool:
        """Queue one digest, once: its run is recorded in the transaction that queues its
        outbox row, so a digest already queued (by this process before a restart, or by
        another) is not queued again. True when this call queued it."""
        async with self._write() as conn:
            recorded = await conn.execute(
                _insert_ignore(self._dialect, digest_runs).values(
                    owner=owner.owner,
                    owner_id=owner.id,
                    due_at=due_at,
                    guild_id=owner.guild_id,
                    queued_at=now,
                )
            )
            if not recorded.rowcount:
                return False
            await conn.execute(
                outbox.insert().values(
                    _pending(
                        OutboxKind.DIGEST,
                        owner.guild_id,
                        owner.channel_id,
                        now,
                        body=body,
                        user_id=owner.user_id,
                        role_id=owner.role_id,
                    )
                )
            )
        return True

    async def remove_route(self, guild_id: int, route_id: int) -> bool:
        async with self._write() as conn:
            result = await conn.execute(
                routes.delete().where(routes.c.guild_id == guild_id, routes.c.id == route_id)
            )
            await _topics_changed(conn, TopicChange.ROUTE, [route_id] if result.rowcount else [])
        return bool(result.rowcount)

    async def set_route_paused(self, guild_id: int, route_id: int, *, paused: bool) -> bool:
        async with self._write() as conn:
            result = await conn.execute(
                update(routes)
                .where(routes.c.guild_id == guild_id, routes.c.id == route_id)
                .values(paused=paused)
            )
            await _topics_changed(conn, TopicChange.ROUTE, [route_id] if result.rowcount else [])
        return bool(result.rowcount)

    async def guild_articles_since(
        self, guild_id: int, since: datetime, *, limit: int = 2000
    ) -> list[tuple[Article, Source]]:
        """Stored articles from the sources a server watches, newest first."""
        query = (
            select(articles, sources.c.url.label("source_url"))
            .join(guild_sources, guild_sources.c.source_id == articles.c.source_id)
            .join(sources, sources.c.id == articles.c.source_id)
            .where(guild_sources.c.guild_id == guild_id, articles.c.published_at >= since)
            .order_by(articles.c.published_at.desc(), articles.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        by_id = {s.id: s for s in await self.guild_sources(guild_id)}
        return [(_article(row), by_id[row.source_id]) for row in rows if row.source_id in by_id]

    # ---- asking about the news ----------------------------------------------------------------
    # Every query is scoped to sources (a server's) and a time window; the window is also an id
    # range (from ``_first_id_since``), which the full-text index and the table can seek to.

    @staticmethod
    def check_searchable(topic: Topic) -> None:
        """Raise UnsearchableQuery when the full-text index can't run this topic."""
        _fts5_match(topic.root)

    @staticmethod
    def _first_id_since(since: datetime) -> ColumnElement[Any]:
        """A lower bound on the id of every article published at or after ``since``: the least
        ``first_id`` of the publication hours from since's hour on (a scalar subquery, read in
        the same statement, so from the same snapshot, as the query it bounds; NULL, matching
        nothing, when no article is that recent).

        Why no article can fall below it, whatever order articles are stored in: the
        transaction that stores an article also leaves its publication hour's ``article_hours``
        row at or below its id (``_mark_hours``: rows are created or lowered, never raised,
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

    def _matching(
        self,
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
        low = self._first_id_since(since)
        keys = SQLITE_KEYS if self._sqlite and topic is not None else ARTICLES_KEYS
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
        source, where = _full_text_match(self._dialect, topic, low, conditions, keys, scope=scope)
        return keys, source, where

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
        walk = topic is None and len(scope) > FEW_SOURCES
        keys, source, where = self._matching(scope, since, topic, newest_first=walk)
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
        keys, source, where = self._matching(scope, since, topic)
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
        _, source, where = self._matching(scope, since, topic)
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
        keys, source, where = self._matching(scope, since, topic)
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
                    articles.c.id >= self._first_id_since(since),
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
        quoted = await self.quotes_for([item.id for item in listed])
        return [replace(item, quote=_best_quote(quoted.get(item.id, ()))) for item in listed]

    async def key_quotes(
        self,
        scope: Sequence[int],
        since: datetime,
        *,
        speakers: Sequence[str] | None = None,
        topic: Topic | None = None,
        limit: int,
        offset: int = 0,
    ) -> list[QuoteListing]:
        """Key quotes with a speaker, newest article first (of these speakers, from articles
        matching the topic)."""
        if not scope or speakers == []:
            return []
        keys, source, where = self._matching(
            scope, since, topic, newest_first=topic is None and speakers is None
        )
        # The page's quotations from the keys, then only those quotations and their articles.
        page = (
            select(quotes.c.id)
            .select_from(source.join(quotes, quotes.c.article_id == keys.id))
            .where(*where, quotes.c.is_key.is_(True), quotes.c.speaker.is_not(None))
            .order_by(keys.published.desc(), keys.id.desc(), quotes.c.position)
            .limit(limit)
            .offset(offset)
        )
        if speakers is not None:
            page = page.where(quotes.c.speaker.in_(list(speakers)))
        query = (
            select(quotes, *_LISTING_COLUMNS)
            .join(articles, articles.c.id == quotes.c.article_id)
            .where(quotes.c.id.in_(page.scalar_subquery()))
            .order_by(articles.c.published_at.desc(), articles.c.id.desc(), quotes.c.position)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query, {"scope": list(scope)})).all()
        return [QuoteListing(_quote(row), _listing(row)) for row in rows]

    async def speakers_named(
        self, scope: Sequence[int], typed: str, *, limit: int = 25
    ) -> list[str]:
        """Speakers quoted in these sources with a name word starting with each typed word
        ("stolt" finds Jens Stoltenberg), the most quoted first."""
        key = speaker_key(typed)
        if not scope or not key:
            return []
        # The longest typed word narrows the index range: each speaker in each source once
        # (a name with two words starting so is one speaker), with the quotes counted there.
        longest = max(key.split(), key=len)[:100]
        named = (
            select(speaker_words.c.source_id, speaker_words.c.name, speaker_words.c.quotes)
            .where(
                speaker_words.c.word >= longest,
                speaker_words.c.word < longest + "\U0010ffff",
                speaker_words.c.source_id.in_(_SCOPE),
            )
            .distinct()
        )
        if " " in key.strip():
            # Several typed words: every one must appear, in order (the name's key).
            named = named.join(
                speakers,
                and_(
                    speakers.c.source_id == speaker_words.c.source_id,
                    speakers.c.name == speaker_words.c.name,
                ),
            ).where(speakers.c.name_key.like(_containing(key), escape="\\"))
        found = named.subquery("found")
        count = func.sum(found.c.quotes).label("count")
        query = (
            select(found.c.name, count)
            .group_by(found.c.name)
            .order_by(count.desc(), found.c.name)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [str(row[0]) for row in await conn.execute(query, {"scope": list(scope)})]

    async def coverage(self, scope: Sequence[int], since: datetime, topic: Topic) -> CoverageCounts:
        """The matching articles counted by day, source and story, and their speakers: in one
        statement, so only the counts leave the database (not a row per article)."""
        if not scope:
            return CoverageCounts({}, 0, 0, [], [], [])
        keys, source, where = self._matching(scope, since, topic)
        found = (
            select(
                keys.id.label("id"),
                keys.published.label("published"),
                keys.source_id.label("source_id"),
                keys.story.label("story"),
            )
            .select_from(source)
            .where(*where)
            .cte("found")
            .prefix_with("MATERIALIZED")
        )
        days: dict[date, int] = {}
        articles_count = sources_count = 0
        top_sources: list[tuple[int, str, int]] = []
        widest: list[tuple[int, Any, int, str]] = []
        said: list[tuple[str, int]] = []
        async with self._engine.connect() as conn:
            for kind, day, key, count, first_at, story, name in await conn.execute(
                _coverage_query(self._dialect, found), {"scope": list(scope)}
            ):
                if kind == "day":
                    days[keys.day(day)] = int(count)
                elif kind == "sources":
                    articles_count, sources_count = int(count or 0), int(key)
                elif kind == "source":
                    top_sources.append((int(key), str(name), int(count)))
                elif kind == "story":
                    widest.append((int(count), first_at, int(story), str(name)))
                else:
                    said.append((str(name), int(count)))
        top_sources.sort(key=lambda s: (-s[2], s[1]))
        widest.sort(key=lambda w: (-w[0], w[1], w[2]))
        return CoverageCounts(
            days=days,
            articles=articles_count,
            sources=sources_count,
            top_sources=[(source_id, n) for source_id, _, n in top_sources],
            widest=[(title, copies) for copies, _, _, title in widest],
            speakers=sorted(said, key=lambda pair: (-pair[1], pair[0]))[:5],
        )

    async def _count_speakers(
        self, conn: AsyncConnection, source_id: int, article: Article
    ) -> None:
        counts: dict[str, int] = {}
        for quote in article.key_quotes:
            if quote.speaker:
                name = quote.speaker[:200]
                counts[name] = counts.get(name, 0) + 1
        if not counts:
            return
        words = {(word[:100], name) for name in counts for word in speaker_key(name).split()}
        await conn.execute(
            _upsert(self._dialect, speaker_words, ["word", "source_id", "name"], add=["quotes"]),
            [{"word": w, "source_id": source_id, "name": n, "quotes": counts[n]} for w, n in words],
        )
        statement = _upsert_speaker(self._dialect)
        await conn.execute(
            statement,
            [
                {
                    "source_id": source_id,
                    "name": name,
                    "name_key": speaker_key(name),
                    "quotes": count,
                    "last_quoted_at": _published_of(article),
                }
                for name, count in counts.items()
            ],
        )

    async def prune_articles(self, before: datetime) -> int:
        """Forget articles fetched before then, with their quotes, index rows and alerts (in
        small transactions, so the poller is never held up for long). Returns how many."""
        removed = 0
        while True:
            async with self._write() as conn:
                ids = [
                    int(row[0])
                    for row in await conn.execute(
                        select(articles.c.id)
                        .where(articles.c.fetched_at < before)
                        .order_by(articles.c.id)
                        .limit(PRUNE_BATCH)
                    )
                ]
                if not ids:
                    break
                await conn.execute(quotes.delete().where(quotes.c.article_id.in_(ids)))
                await conn.execute(
                    quoted_speakers.delete().where(quoted_speakers.c.article_id.in_(ids))
                )
                await conn.execute(outbox.delete().where(outbox.c.article_id.in_(ids)))
                await conn.execute(articles.delete().where(articles.c.id.in_(ids)))
                removed += len(ids)
        async with self._write() as conn:
            await conn.execute(
                item_failures.delete().where(item_failures.c.last_failed_at < before)
            )
            await conn.execute(speakers.delete().where(speakers.c.last_quoted_at < before))
            named = select(speakers.c.name).where(
                speakers.c.source_id == speaker_words.c.source_id,
                speakers.c.name == speaker_words.c.name,
            )
            await conn.execute(speaker_words.delete().where(~named.exists()))
        return removed

    # ---- operations (health, status page) -----------------------------------------------------

    async def ping(self) -> None:
        """One round trip to the database (raises if it does not answer)."""
        async with self._engine.connect() as conn:
            await conn.execute(select(literal(1)))

    async def outbox_backlog(self) -> tuple[int, datetime | None]:
        """How many alerts wait in the outbox, and when the oldest was queued."""
        query = select(func.count(), func.min(outbox.c.created_at)).where(
            outbox.c.status == OutboxStatus.PENDING.value
        )
        async with self._engine.connect() as conn:
            count, oldest = (await conn.execute(query)).one()
        return int(count), oldest

    async def record_heartbeat(
        self,
        process: ProcessState,
        activity: Mapping[tuple[datetime, str], int],
        *,
        now: datetime,
    ) -> None:
        """This process is alive (its row in ``processes``), and its polls and alerts since the
        last heartbeat are added to the minute counts."""
        row = {
            "name": process.name[:100],
            "role": process.role,
            "shards": process.shards,
            "version": process.version[:40],
            "started_at": process.started_at,
            "seen_at": now,
        }
        async with self._write() as conn:
            await conn.execute(
                _upsert(self._dialect, processes, ["name"], replace=["seen_at"]), row
            )
            if activity:
                await conn.execute(
                    _upsert(self._dialect, activity_counts, ["minute", "kind"], add=["count"]),
                    [{"minute": m, "kind": k, "count": c} for (m, k), c in activity.items()],
                )

    async def forget_process(self, name: str) -> None:
        """A process that stops cleanly takes its row off the status page."""
        async with self._write() as conn:
            await conn.execute(processes.delete().where(processes.c.name == name[:100]))

    async def prune_operations(self, *, activity_before: datetime, seen_before: datetime) -> None:
        """Forget minute counts older than ``activity_before`` and processes silent since
        ``seen_before``."""
        async with self._write() as conn:
            await conn.execute(
                activity_counts.delete().where(activity_counts.c.minute < activity_before)
            )
            await conn.execute(processes.delete().where(processes.c.seen_at < seen_before))

    async def status_report(self, now: datetime, *, version: str) -> StatusReport:
        """Everything the operator's status page shows (a few small queries)."""
        paused = _fully_paused(sources.c.id)
        state = case((paused, literal("paused")), else_=sources.c.status).label("state")
        async with self._engine.connect() as conn:
            counts = {
                str(name): int(count)
                for name, count in await conn.execute(select(state, func.count()).group_by(state))
            }
            failing = (
                await conn.execute(
                    select(sources)
                    .where(sources.c.status == SourceStatus.FAILING.value, ~paused)
                    .order_by(sources.c.failing_since, sources.c.id)
                    .limit(STATUS_LIST_LIMIT)
                )
            ).all()
            recent = (
                await conn.execute(
                    select(activity_counts).where(
                        activity_counts.c.minute >= now - timedelta(hours=1)
                    )
                )
            ).all()
            alive = (
                await conn.execute(select(processes).order_by(processes.c.role, processes.c.name))
            ).all()
            leased = await self._held(conn, sources.c.lease_owner, sources.c.lease_until, now)
            claimed = await self._held(
                conn,
                outbox.c.claimed_by,
                outbox.c.claimed_until,
                now,
                outbox.c.status == OutboxStatus.PENDING.value,
            )
            degraded = await self._degraded(conn, now - DEGRADED_WINDOW)
        pending, oldest = await self.outbox_backlog()
        names = {row.name for row in alive}
        orphans = Counter({n: c for n, c in leased.items() if n not in names})
        orphans.update({n: c for n, c in claimed.items() if n not in names})
        return StatusReport(
            now=now,
            version=version,
            sources=SourceCounts(
                ok=counts.get(SourceStatus.OK.value, 0),
                failing=counts.get(SourceStatus.FAILING.value, 0),
                new=counts.get(SourceStatus.NEW.value, 0),
                gone=counts.get(SourceStatus.GONE.value, 0),
                paused=counts.get("paused", 0),
            ),
            failing=tuple(
                FailingSource(
                    name=s.name,
                    url=s.url,
                    since=s.failing_since,
                    error=s.last_error or "",
                    errors=s.error_count,
                )
                for s in map(_source, failing)
            ),
            activity=tuple(ActivityCount(m, k, int(c)) for m, k, c in recent),
            outbox_pending=pending,
            outbox_oldest=oldest,
            processes=tuple(
                ProcessState(
                    name=r.name,
                    role=r.role,
                    shards=r.shards,
                    version=r.version,
                    started_at=r.started_at,
                    seen_at=r.seen_at,
                    leased_sources=leased.get(r.name, 0),
                    claimed_alerts=claimed.get(r.name, 0),
                )
                for r in alive
            ),
            orphan_leases=dict(orphans),
            degraded=degraded,
        )

    @staticmethod
    async def _degraded(conn: AsyncConnection, since: datetime) -> tuple[DegradedArticle, ...]:
        """The newest articles stored degraded and items given up since then (each through
        its time index), newest first."""
        stored = await conn.execute(
            select(
                articles.c.title,
                articles.c.fetched_at,
                articles.c.degraded,
                sources.c.title.label("source_title"),
                sources.c.url,
            )
            .join(sources, sources.c.id == articles.c.source_id)
            .where(articles.c.fetched_at >= since, articles.c.degraded.is_not(None))
            .order_by(articles.c.fetched_at.desc(), articles.c.id.desc())
            .limit(STATUS_LIST_LIMIT)
        )
        found = [
            DegradedArticle(row.title, row.source_title or row.url, row.fetched_at, row.degraded)
            for row in stored
        ]
        given_up = await conn.execute(
            select(
                item_failures.c.link,
                item_failures.c.reason,
                item_failures.c.attempts,
                item_failures.c.last_failed_at,
                sources.c.title.label("source_title"),
                sources.c.url,
            )
            .join(sources, sources.c.id == item_failures.c.source_id)
            .where(
                item_failures.c.last_failed_at >= since, item_failures.c.given_up_at.is_not(None)
            )
            .order_by(item_failures.c.last_failed_at.desc())
            .limit(STATUS_LIST_LIMIT)
        )
        found += [
            DegradedArticle(
                row.link or "(an item without a link)",
                row.source_title or row.url,
                row.last_failed_at,
                f"given up after {row.attempts} polls: {row.reason}",
            )
            for row in given_up
        ]
        found.sort(key=lambda a: a.fetched_at, reverse=True)
        return tuple(found[:STATUS_LIST_LIMIT])

    @staticmethod
    async def _held(
        conn: AsyncConnection,
        owner: ColumnElement[Any],
        until: ColumnElement[Any],
        now: datetime,
        *more: ColumnElement[bool],
    ) -> dict[str, int]:
        query = (
            select(owner, func.count())
            .where(owner.is_not(None), until > now, *more)
            .group_by(owner)
        )
        return {str(name): int(count) for name, count in await conn.execute(query)}


@dataclass(frozen=True, slots=True)
class SourceNotice:
    guild_id: int
    channel_id: int
    source: Source
    failing: bool
    """True: failing for over a day; False: recovered."""


def _pending(
    kind: OutboxKind,
    guild_id: int,
    channel_id: int,
    now: datetime,
    *,
    article_id: int | None = None,
    source_id: int | None = None,
    body: str | None = None,
    user_id: int | None = None,
    role_id: int | None = None,
    explanation: str | None = None,
    style: str | None = None,
) -> dict[str, Any]:
    """An outbox row, due now."""
    return {
        "kind": kind.value,
        "guild_id": guild_id,
        "channel_id": channel_id,
        "article_id": article_id,
        "source_id": source_id,
        "body": body,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "user_id": user_id,
        "role_id": role_id,
        "explanation": explanation,
        "style": style,
    }


async def _delete_source(conn: AsyncConnection, source_id: int) -> bool:
    """A source and everything that hangs off it (quotes, queued alerts, articles, seen keys)."""
    owned = select(articles.c.id).where(articles.c.source_id == source_id)
    await conn.execute(quotes.delete().where(quotes.c.article_id.in_(owned)))
    await conn.execute(quoted_speakers.delete().where(quoted_speakers.c.article_id.in_(owned)))
    await conn.execute(outbox.delete().where(outbox.c.source_id == source_id))
    await conn.execute(articles.delete().where(articles.c.source_id == source_id))
    await conn.execute(seen_items.delete().where(seen_items.c.source_id == source_id))
    result = await conn.execute(sources.delete().where(sources.c.id == source_id))
    return bool(result.rowcount)


class _OverCap(Exception):
    """Rolls back an insert that would pass a cap."""


def _guild_source(guild_id: int, source_id: int) -> Any:
    """UPDATE of one server's row for one source."""
    return update(guild_sources).where(
        guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
    )


async def _combine_choices(
    conn: AsyncConnection, source_ids: Sequence[int], now: datetime | None
) -> None:
    """What each source is polled with, from its servers' choices: the shortest interval they
    asked for (NULL when one of them keeps the default), a User-Agent one of them set. A source
    every server watching it paused is not polled (no next poll); with ``now``, one no longer
    paused by all is polled at once, its first poll a baseline (what it published while paused
    is recorded as seen, not posted)."""
    for source_id in dict.fromkeys(source_ids):
        watchers, chose, shortest, agent, paused = (
            await conn.execute(
                select(
                    func.count(),
                    func.count(guild_sources.c.interval_seconds),
                    func.min(guild_sources.c.interval_seconds),
                    func.max(guild_sources.c.user_agent),
                    func.count(guild_sources.c.paused_at),
                ).where(guild_sources.c.source_id == source_id)
            )
        ).one()
        if not watchers:
            continue  # no server watches it: it goes, or it is the command line's own
        values: dict[str, Any] = {
            "interval_seconds": shortest if chose == watchers else None,
            "user_agent": agent,
        }
        if paused == watchers:
            values["next_poll_at"] = None
        elif now is not None:
            asleep = and_(
                sources.c.next_poll_at.is_(None), sources.c.status != SourceStatus.GONE.value
            )
            values["next_poll_at"] = case((asleep, now), else_=sources.c.next_poll_at)
            values["last_success_at"] = case((asleep, None), else_=sources.c.last_success_at)
        await conn.execute(update(sources).where(sources.c.id == source_id).values(values))


def _fully_paused(source_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """The source is watched, and every server watching it paused it (so it is not polled)."""
    paused = select(guild_sources.c.source_id).where(
        guild_sources.c.source_id == source_id, guild_sources.c.paused_at.is_not(None)
    )
    active = select(guild_sources.c.source_id).where(
        guild_sources.c.source_id == source_id, guild_sources.c.paused_at.is_(None)
    )
    return and_(paused.exists(), ~active.exists())


_SUBSCRIPTION_COLUMNS = (
    subscriptions.c.id,
    subscriptions.c.user_id,
    subscriptions.c.guild_id,
    subscriptions.c.topic,
    subscriptions.c.typed,
    subscriptions.c.delivery,
    subscriptions.c.digest,
)
"""What a Subscription is made of (not its times: reading 20,000 of them, converting times
cost more than the rest)."""


def _subscription(row: Row[*tuple[Any, ...]]) -> Subscription:
    m = row._mapping
    return Subscription(
        id=m["id"],
        user_id=m["user_id"],
        guild_id=m["guild_id"],
        topic=m["topic"],
        typed=m["typed"],
        delivery=Delivery(m["delivery"]),
        digest=m["digest"],
    )


def _route(row: Row[Any]) -> Route:
    m = row._mapping
    return Route(
        id=m["id"],
        guild_id=m["guild_id"],
        channel_id=m["channel_id"],
        topic=m["topic"],
        typed=m["typed"],
        role_id=m["role_id"],
        paused=bool(m["paused"]),
        style=m["style"],
        digest=m["digest"],
    )


def _outbox(row: Row[Any]) -> OutboxEntry:
    m = row._mapping
    return OutboxEntry(
        id=m["id"],
        kind=OutboxKind(m["kind"]),
        guild_id=m["guild_id"],
        channel_id=m["channel_id"],
        article_id=m["article_id"],
        source_id=m["source_id"],
        body=m["body"],
        status=OutboxStatus(m["status"]),
        attempts=m["attempts"],
        message_id=m["message_id"],
        last_error=m["last_error"],
        user_id=m["user_id"],
        role_id=m["role_id"],
        explanation=m["explanation"],
        style=m["style"],
    )


def _claimable(now: datetime, owner: str) -> ColumnElement[bool]:
    """A source ``owner`` may lease: not gone, and held by no live worker but maybe itself."""
    return and_(
        sources.c.status != SourceStatus.GONE.value,
        or_(
            sources.c.lease_until.is_(None),
            sources.c.lease_until < now,
            sources.c.lease_owner == owner,  # this worker, restarted
        ),
    )


def _source(row: Row[Any]) -> Source:
    m = row._mapping
    return Source(
        id=m["id"],
        url=m["url"],
        added_url=m["added_url"],
        title=m["title"],
        site_url=m["site_url"],
        etag=m["etag"],
        last_modified=m["last_modified"],
        status=SourceStatus(m["status"]),
        next_poll_at=m["next_poll_at"],
        error_count=m["error_count"],
        last_error=m["last_error"],
        failing_since=m["failing_since"],
        last_success_at=m["last_success_at"],
        last_polled_at=m["last_polled_at"],
        created_at=m["created_at"],
        interval_seconds=m.get("interval_seconds"),
        user_agent=m.get("user_agent"),
        degraded_items=m.get("degraded_items") or 0,
        given_up_items=m.get("given_up_items") or 0,
    )


def _article_values(article: Article, tags: str) -> dict[str, Any]:
    return {
        "search_tags": tags,
        "source_id": article.source_id,
        "item_key": article.item_key,
        "url": article.url[:2048],
        "canonical_url": article.canonical_url[:2048] if article.canonical_url else None,
        "title": article.title,
        "published_at": _published_of(article),
        "author": article.author[:1000] if article.author else None,
        "site_name": article.site_name[:1000] if article.site_name else None,
        "lead": article.lead,
        "text": article.text,
        "image_url": article.image[:2048] if article.image else None,
        "from_page": article.from_page,
        "fetched_at": article.fetched_at,
        "degraded": article.degraded,
    }


def _article(row: Row[Any]) -> Article:
    m = row._mapping
    return Article(
        id=m["id"],
        source_id=m["source_id"],
        item_key=m["item_key"],
        url=m["url"],
        canonical_url=m["canonical_url"],
        title=m["title"],
        published=m["published_at"],
        author=m["author"],
        site_name=m["site_name"],
        lead=m["lead"],
        text=m["text"],
        image=m["image_url"],
        from_page=bool(m["from_page"]),
        fetched_at=m["fetched_at"],
    )


def _quote_rows(article_id: int, found: Sequence[Quotation]) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "position": position,
            "text": quote.text,
            "speaker": quote.speaker[:200] if quote.speaker else None,
            "role": quote.role[:300] if quote.role else None,
            "cue": quote.cue[:40] if quote.cue else None,
            "attribution": quote.attribution.value,
            "kind": quote.kind.value,
            "is_key": quote.key,
            "spans": json.dumps([list(span) for span in quote.spans]),
            "speaker_kind": quote.speaker_kind.value if quote.speaker_kind else None,
        }
        for position, quote in enumerate(found)
    ]


def _quote(row: Row[Any]) -> Quotation:
    m = row._mapping
    return Quotation(
        text=m["text"],
        spans=tuple((int(a), int(b)) for a, b in json.loads(m["spans"])),
        speaker=m["speaker"],
        role=m["role"],
        cue=m["cue"],
        attribution=Attribution(m["attribution"]),
        kind=QuoteKind(m["kind"]),
        key=bool(m["is_key"]),
        speaker_kind=SpeakerKind(m["speaker_kind"]) if m.get("speaker_kind") else None,
    )


def _with_id(article: Article, article_id: int) -> Article:
    return replace(article, id=article_id)


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


def hour_of(moment: datetime) -> int:
    """Hours since 1970-01-01 UTC (``article_hours``' key)."""
    return math.floor(moment.timestamp() / HOUR_SECONDS)


def _published_of(article: Article) -> datetime:
    """The publication time stored: a date in the future (a feed's mistake) would pin the
    article to the top of every list, so it is never later than the fetch."""
    return min(article.published, article.fetched_at)


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


def _best_quote(found: Sequence[Quotation]) -> Quotation | None:
    return next((q for q in found if q.key and q.speaker), None)


def search_tags(source_id: int, url: str) -> str:
    """The words the full-text index files an article under besides its text: its source, and
    each level of its domain (so ``source:bbc.co.uk`` is a word to look up)."""
    return " ".join(
        [f"s{source_id}", *(_domain_tag(level) for level in domain_levels(host_of(url)))]
    )


def _domain_tag(domain: str) -> str:
    return "d" + hashlib.blake2b(domain.encode(), digest_size=6).hexdigest()


def speaker_key(name: str) -> str:
    """' jens stoltenberg' for Jens Stoltenberg: a space before each folded word."""
    return "".join(f" {word}" for word in tokens(name))


def _alembic_upgrade(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


# ---- Engine-specific --------------------------------------------------------------------------
# Everything that differs between SQLite and PostgreSQL is in this block: SQLite's connection
# pragmas, the INSERT ... ON CONFLICT spellings (each through its own dialect's construct), LIKE
# ignoring case, and the full-text index: SQLite's FTS5 table or PostgreSQL's tsvector column,
# each queried from the same parsed topic.


SQLITE_UNAVAILABLE = frozenset({5, 6, 8, 10, 13})
"""Primary result codes of a write that may work later: BUSY, LOCKED, READONLY, IOERR, FULL."""


def _unavailable(exc: DBAPIError) -> bool:
    """Whether a failed write is the database's state (try later) rather than our SQL's fault."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in SQLITE_UNAVAILABLE
    return isinstance(exc, OperationalError)


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


async def _serialize(dialect: str, conn: AsyncConnection, *about: object) -> None:
    """Make transactions about the same thing (``about``) take turns until each commits: on
    PostgreSQL a transaction-level advisory lock on a 64-bit hash of it. SQLite has one writer at
    a time, which a transaction that writes before it reads already waits for."""
    if dialect != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(repr(about).encode(), digest_size=8).digest(), "big")
    await conn.execute(select(func.pg_advisory_xact_lock(literal(key - (1 << 63), BigInteger))))


def _seen_insert_sql(dialect: str) -> str:
    """INSERT of (source_id, item_key, first_seen_at) rows, skipping keys already seen."""
    values = "(?, ?, ?)" if dialect == "sqlite" else "($1, $2, $3)"
    return (
        f"INSERT INTO seen_items (source_id, item_key, first_seen_at) VALUES {values} "
        "ON CONFLICT DO NOTHING"
    )


def _like_any_case(dialect: str, value: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
    """``value LIKE pattern`` (escape ``\\``) ignoring case: SQLite's LIKE already does (for
    ASCII letters); PostgreSQL's is case-sensitive, its ILIKE is not."""
    if dialect == "sqlite":
        return value.like(pattern, escape="\\")
    return value.ilike(pattern, escape="\\")


def _literal_row(table: Table, row: Mapping[str, Any]) -> Select[Any]:
    """SELECT of one row of constants, typed as ``table``'s columns (for INSERT ... SELECT
    ... WHERE: an insert that happens only if a condition holds, in one statement)."""
    return select(*(literal(value, type_=table.c[name].type) for name, value in row.items()))


def _insert_ignore(dialect: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: each engine spells it through its own dialect."""
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table).on_conflict_do_nothing()


def _coverage_query(dialect: str, found: Any) -> Any:
    """(kind, day, key, count, first_at, story, name) rows counting the ``found`` articles (id,
    published, source_id, story; as Keys reads them), one statement:

    - "day": a day (as Keys reads it) and how many stories' first copy here was published then;
    - "sources": how many sources (key) carried how many of them (count);
    - "source": the five sources that carried most (key, count, name: title or address);
    - "story": the five stories with the most copies here, at least two (count: copies,
      first_at: when the first copy here was published, name: the headline of the first
      stored copy here);
    - "speaker": the five speakers most quoted in them (name, count: quotations), most first,
      then by name."""
    stories = (
        select(
            found.c.story,
            func.min(found.c.published).label("first_at"),
            func.min(found.c.id).label("first_id"),
            func.count().label("copies"),
        )
        .group_by(found.c.story)
        .cte("stories")
    )
    widest = (
        select(stories)
        .where(stories.c.copies > 1)
        .order_by(stories.c.copies.desc(), stories.c.first_at, stories.c.story)
        .limit(5)
        .subquery("widest")
    )
    per_source = (
        select(found.c.source_id, func.count().label("articles"))
        .group_by(found.c.source_id)
        .cte("per_source")
    )
    # As SourceName.name: the title, else the address.
    name: ColumnElement[Any] = func.coalesce(func.nullif(sources.c.title, ""), sources.c.url)
    # Typed NULLs: PostgreSQL resolves a column that is NULL in the first two parts as text.
    no_text, no_number = cast(null(), Text), cast(null(), Integer)
    no_time = cast(null(), found.c.published.type)
    if dialect == "sqlite":
        day: ColumnElement[Any] = stories.c.first_at // MICROSECONDS_A_DAY
        no_day: ColumnElement[Any] = no_number
    else:
        day = func.to_char(stories.c.first_at, "YYYY-MM-DD")
        no_day = no_text
        name = name.collate("C")  # code point order, as Python's (and SQLite's BINARY)
    by_day = (
        select(literal("day"), day, no_number, func.count(), no_time, no_number, no_text)
        .select_from(stories)
        .group_by(day)
    )
    totals = select(
        literal("sources"),
        no_day,
        func.count(),
        func.sum(per_source.c.articles),
        no_time,
        no_number,
        no_text,
    ).select_from(per_source)
    top = (
        select(per_source.c.source_id, per_source.c.articles, name.label("name"))
        .join(sources, sources.c.id == per_source.c.source_id)
        .order_by(per_source.c.articles.desc(), name, per_source.c.source_id)
        .limit(5)
        .subquery("top")
    )
    by_source = select(
        literal("source"), no_day, top.c.source_id, top.c.articles, no_time, no_number, top.c.name
    )
    by_story = select(
        literal("story"),
        no_day,
        widest.c.first_id,
        widest.c.copies,
        widest.c.first_at,
        widest.c.story,
        articles.c.title,
    ).join(articles, articles.c.id == widest.c.first_id)
    counted = (
        select(quoted_speakers.c.speaker_id, func.sum(quoted_speakers.c.quotes).label("quotes"))
        .select_from(found.join(quoted_speakers, quoted_speakers.c.article_id == found.c.id))
        .group_by(quoted_speakers.c.speaker_id)
        .cte("counted")
        .prefix_with("MATERIALIZED")
    )
    # The fifth most quotations first, so only the speakers with at least as many are named.
    fifth = (
        select(counted.c.quotes)
        .order_by(counted.c.quotes.desc())
        .limit(1)
        .offset(4)
        .scalar_subquery()
    )
    speaker: ColumnElement[Any] = speaker_names.c.name
    if dialect != "sqlite":
        speaker = speaker.collate("C")
    quoted = (
        select(speaker_names.c.name, counted.c.quotes)
        .join(speaker_names, speaker_names.c.id == counted.c.speaker_id)
        .where(counted.c.quotes >= func.coalesce(fifth, 0))
        .order_by(counted.c.quotes.desc(), speaker)
        .limit(5)
        .subquery("quoted")
    )
    by_speaker = select(
        literal("speaker"), no_day, no_number, quoted.c.quotes, no_time, no_number, quoted.c.name
    )
    return union_all(by_day, totals, by_source, by_story, by_speaker)


def _hour_sql(dialect: str, moment: ColumnElement[Any]) -> ColumnElement[Any]:
    """``hour_of`` in SQL, of a stored (naive UTC) time."""
    if dialect == "sqlite":
        seconds = cast(func.strftime("%s", moment), Integer)
        return (seconds // HOUR_SECONDS).label("hour")
    return cast(func.floor(extract("epoch", moment) / HOUR_SECONDS), Integer).label("hour")


def _lower_hour_mark(dialect: str) -> Any:
    """INSERT an hour's first id, or lower the one there (ON CONFLICT DO UPDATE, per engine)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(article_hours)
    return statement.on_conflict_do_update(
        index_elements=[article_hours.c.hour],
        set_={
            "first_id": (func.min if dialect == "sqlite" else func.least)(
                article_hours.c.first_id, statement.excluded.first_id
            )
        },
    )


def _upsert(
    dialect: str,
    table: Table,
    keys: Sequence[str],
    *,
    replace: Sequence[str] = (),
    add: Sequence[str] = (),
) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE: ``replace`` columns take the new value, ``add``
    columns add it to the stored one (atomic on both engines)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
    changes: dict[str, Any] = {name: statement.excluded[name] for name in replace}
    changes.update({name: table.c[name] + statement.excluded[name] for name in add})
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)


def _upsert_speaker(dialect: str) -> Any:
    """Count a speaker's quotes per source (INSERT ... ON CONFLICT DO UPDATE, per engine)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(speakers)
    return statement.on_conflict_do_update(
        index_elements=[speakers.c.source_id, speakers.c.name],
        set_={
            "quotes": speakers.c.quotes + statement.excluded.quotes,
            "last_quoted_at": (func.max if dialect == "sqlite" else func.greatest)(
                speakers.c.last_quoted_at, statement.excluded.last_quoted_at
            ),
        },
    )


FTS5_SCHEMA = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, text, search_tags, "
    "content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, lead, text, search_tags) "
    "VALUES (new.id, new.title, new.lead, new.text, new.search_tags); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, lead, text, search_tags) "
    "VALUES ('delete', old.id, old.title, old.lead, old.text, old.search_tags); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, lead, text, search_tags "
    "ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, lead, text, search_tags) "
    "VALUES ('delete', old.id, old.title, old.lead, old.text, old.search_tags); "
    "INSERT INTO articles_fts(rowid, title, lead, text, search_tags) "
    "VALUES (new.id, new.title, new.lead, new.text, new.search_tags); END",
)
"""The full-text index over articles: FTS5 with the articles table as its content (no second
copy of the text), kept in step by triggers; accents and case folded by its tokenizer."""

_ARTICLES_FTS = table_clause("articles_fts", column("rowid"))


MICROSECONDS_A_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Keys:
    """Where a query reads each article's id, publication time, source and story: the articles
    table, or SQLite's ``article_keys`` (the same as integers, the time in microseconds since
    1970, kept by triggers; made by migration 0015)."""

    table: Any
    id: ColumnElement[Any]
    published: ColumnElement[Any]
    source_id: ColumnElement[Any]
    story_column: ColumnElement[Any]
    """The story as stored (NULL: none yet)."""
    microseconds: bool

    @property
    def story(self) -> ColumnElement[Any]:
        """The story, or the article's own id when it has none (never NULL)."""
        return func.coalesce(self.story_column, self.id)

    def moment(self, when: datetime) -> Any:
        """A time as ``published`` holds it."""
        return (when - _EPOCH) // timedelta(microseconds=1) if self.microseconds else when

    def read(self, value: Any) -> datetime:
        """A ``published`` value as a time."""
        if self.microseconds:
            return _EPOCH + timedelta(microseconds=int(value))
        assert isinstance(value, datetime)
        return value

    def day(self, value: Any) -> date:
        """A day as the coverage query gives it (days since 1970, or 'YYYY-MM-DD')."""
        if isinstance(value, int):
            return date(1970, 1, 1) + timedelta(days=value)
        return date.fromisoformat(str(value))


_SQLITE_ARTICLE_KEYS = table_clause(
    "article_keys",
    column("id", Integer),
    column("published", Integer),
    column("source_id", Integer),
    column("story_id", Integer),
)
SQLITE_KEYS = Keys(
    _SQLITE_ARTICLE_KEYS,
    _SQLITE_ARTICLE_KEYS.c.id,
    _SQLITE_ARTICLE_KEYS.c.published,
    _SQLITE_ARTICLE_KEYS.c.source_id,
    _SQLITE_ARTICLE_KEYS.c.story_id,
    microseconds=True,
)
ARTICLES_KEYS = Keys(
    articles,
    articles.c.id,
    articles.c.published_at,
    articles.c.source_id,
    articles.c.story_id,
    microseconds=False,
)


class NotEmpty(Exception):
    """An import into a database that already holds data."""


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _from_json(column: Any, value: Any) -> Any:
    if isinstance(column.type, UTCDateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


_SCOPE = bindparam("scope", expanding=True, type_=Integer)
"""The sources a /news query is limited to: one parameter (a list) given when it is run, not a
thousand values made into a thousand expressions each time the query is built."""


def _in_shards(guild_id: ColumnElement[Any], count: int, ids: Sequence[int]) -> Any:
    """Whether the server is on one of these gateway shards (Discord's rule:
    ``(guild_id >> 22) % shard_count``; see ``bot.guilds.shard_of``)."""
    shifted = guild_id.op(">>")(literal_column("22"))
    return (shifted % literal_column(str(int(count)))).in_([int(i) for i in ids])


async def _topics_changed(conn: AsyncConnection, kind: TopicChange, row_ids: Sequence[int]) -> None:
    """In the transaction of a change to routes or subscriptions: raise the topics counter
    (its row stays locked until the transaction ends, so on PostgreSQL changes take their
    numbers in the order they commit) and log what changed under the new number; changes
    older than the last TOPIC_CHANGES_KEPT are forgotten. Nothing changed: nothing logged."""
    if not row_ids:
        return
    raised = (
        update(counters)
        .where(counters.c.name == TOPICS_COUNTER)
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    )
    version = int((await conn.execute(raised)).scalar_one())
    await conn.execute(
        topic_changes.insert(),
        [{"version": version, "kind": kind.value, "row_id": int(i)} for i in row_ids],
    )
    await conn.execute(
        topic_changes.delete().where(topic_changes.c.version <= version - TOPIC_CHANGES_KEPT)
    )


def _full_text_match(
    dialect: str,
    topic: Topic,
    low: ColumnElement[Any],
    conditions: list[Any],
    keys: Keys,
    *,
    scope: Sequence[int],
) -> tuple[Any, list[Any]]:
    """The articles matching topic through the full-text index (SQLite: FTS5 MATCH joined to
    the keys; PostgreSQL: the tsvector column against the topic's tsquery).

    On SQLite, a server watching few sources has them named in the match too (as their
    ``s<id>`` words): otherwise a common word's matches from every other source are each looked
    up, then dropped. Past FEW_SOURCES, reading that many source words costs more than it
    saves."""
    if dialect != "sqlite":
        return articles, [_pg_match(topic), *conditions]
    source = _ARTICLES_FTS.join(keys.table, keys.id == _ARTICLES_FTS.c.rowid)
    query = _fts5_match(topic.root)
    if len(scope) <= FEW_SOURCES:
        named = " OR ".join(f'"s{int(source_id)}"' for source_id in scope)
        query = f"({query}) AND search_tags : ({named})"
    match = literal_column("articles_fts").op("MATCH")(query)
    return source, [match, _ARTICLES_FTS.c.rowid >= low, *conditions]


def _newest_match(dialect: str) -> Any:
    """Newest first, in the full-text index's own order (rowid = article id): FTS5 then hands
    the matches over newest first and stops at the limit, instead of all of them being sorted.
    (PostgreSQL: by id, which its planner may also walk backwards, checking each row.)"""
    if dialect != "sqlite":
        return articles.c.id.desc()
    return _ARTICLES_FTS.c.rowid.desc()


def _relevance(dialect: str, topic: Topic) -> Any:
    """Higher is better, titles weighing most: FTS5's bm25 (lower is better) negated, or
    PostgreSQL's cover density rank with the same column weights."""
    if dialect != "sqlite":
        return func.ts_rank_cd(
            literal_column(f"'{PG_RANK_WEIGHTS}'::float4[]"),
            _PG_SEARCH_VECTOR,
            _pg_query(topic),
            PG_RANK_NORMALIZATION,
        )
    return -func.bm25(literal_column("articles_fts"), 5.0, 2.0, 1.0, 0.0)


def _snippet_query(dialect: str, topic: Topic, ids: Sequence[int]) -> Any:
    """(article id, passage...) of these articles: the best passage with the matched words
    between \x02 and \x03, about 24 words, "…" where text was left out. SQLite: FTS5's snippet.
    PostgreSQL: ts_headline of each column (title, lead, text), each with the column's first
    and last characters (to tell whether the passage starts or ends the column)."""
    if dialect == "sqlite":
        return text(
            "SELECT rowid, snippet(articles_fts, -1, char(2), char(3), '…', 24) "
            "FROM articles_fts WHERE articles_fts MATCH :match AND rowid IN "
            f"({', '.join(str(int(i)) for i in ids)})"
        ).bindparams(match=_fts5_match(topic.root))
    words = func.to_tsquery(_PG_CONFIG, _pg_words_query(topic.root))
    return select(
        articles.c.id,
        *(
            part
            for column in (articles.c.title, articles.c.lead, articles.c.text)
            for part in (
                func.ts_headline(_PG_CONFIG, column, words, PG_HEADLINE_OPTIONS),
                func.left(column, _EDGE_CHARS),
                func.right(column, _EDGE_CHARS),
            )
        ),
    ).where(articles.c.id.in_(list(ids)))


_EDGE_CHARS = 400
_HIGHLIGHTED = re.compile("\x02([^\x03]*)\x03")
_WORD = re.compile(r"\w")


def _best_snippet(parts: Sequence[Any]) -> str:
    """SQLite's one passage as it is. Of PostgreSQL's (passage, start, end) per column, the one
    FTS5 would pick: most different words highlighted, then most highlights, then the earlier
    column; with "…" where the column goes on."""
    if len(parts) == 1:
        return str(parts[0])
    columns = [tuple(str(p or "") for p in parts[i : i + 3]) for i in range(0, len(parts), 3)]

    def score(column: tuple[str, ...]) -> int:
        found = [fold(word) for word in _HIGHLIGHTED.findall(column[0])]
        return 1000 * len(set(found)) + len(found)

    passage, start, end = max(columns, key=score)  # max keeps the first of equals
    shown = passage.strip()
    plain = shown.replace("\x02", "").replace("\x03", "")
    if not plain:
        return shown
    # ts_headline copies the column's characters from its first word to its last, so the
    # column goes on before (after) the passage if words come before (after) it there; else
    # what comes there is punctuation (a quotation mark, a full stop), which is shown.
    head, tail = plain[: _EDGE_CHARS // 2], plain[-_EDGE_CHARS // 2 :]
    at = start.find(head)
    before = start[:at] if at >= 0 else "…"
    shown = ("…" if _WORD.search(before) else before.lstrip()) + shown
    at = end.rfind(tail)
    after = end[at + len(tail) :] if at >= 0 else "…"
    return shown + ("…" if _WORD.search(after) else after.rstrip())


_TEXT_COLUMNS = "{title lead text}"
_TAG_SHAPED = re.compile(r"s\d+|d[0-9a-f]{12}")
"""The words ``search_tags`` holds (``s<source id>``, ``d<domain hash>``)."""


def _fts5_match(node: Node, *, name_columns: bool = False) -> str:
    """A topic as an FTS5 query. Every word is written as a quoted phrase of word characters
    (nothing a user types can become FTS5 syntax); exclusions become NOT, which FTS5 only has
    between two operands. ``name_columns``: name the text columns of every word (the plain
    form, for reference), not only of the words that could also be tags."""
    if isinstance(node, Term):
        found = tokens(node.words)
        words = " ".join(found) or "_"
        phrase = f'"{words}"' + (" *" if is_unspaced(words) else "")
        if node.field is Field.TITLE:
            return f"title : {phrase}"
        # Only a word shaped like a tag can be in search_tags; for the others, naming the text
        # columns would make FTS5 read every match's positions to check the column.
        if name_columns or any(_TAG_SHAPED.fullmatch(word) for word in found):
            return f"{_TEXT_COLUMNS} : {phrase}"
        return phrase
    if isinstance(node, SourceFilter):
        return f'search_tags : "{_domain_tag(node.domain)}"'
    if isinstance(node, Or):
        if any(isinstance(child, Not) for child in node.children):
            raise UnsearchableQuery("an OR group can't have a -exclusion on its own")
        parts = (_fts5_match(child, name_columns=name_columns) for child in node.children)
        return "(" + " OR ".join(parts) + ")"
    if isinstance(node, And):
        wanted = [c for c in node.children if not isinstance(c, Not)]
        unwanted = [c.child for c in node.children if isinstance(c, Not)]
        if not wanted:
            raise UnsearchableQuery("a group needs a word that must appear, not only -exclusions")
        query = "(" + " AND ".join(_fts5_match(c, name_columns=name_columns) for c in wanted) + ")"
        return query + "".join(
            f" NOT {_fts5_match(c, name_columns=name_columns)}" for c in unwanted
        )
    raise UnsearchableQuery("a query needs a word that must appear, not only -exclusions")


# PostgreSQL's full-text index: a generated tsvector column over the article's title (weight A),
# lead (B), text (C) and search tags (D), in a text search configuration of our own: PostgreSQL's
# `simple` (no stemming, no stop words: words match whole, as in topics and in SQLite's FTS5) with
# the `unaccent` dictionary in front (accents folded, as FTS5's remove_diacritics does).
# Punctuation is turned into spaces first, so the words are the topic language's (\w+ runs):
# "NATO-led", "bbc.co.uk" and "3.5" are two or three words, not PostgreSQL's hyphenated words,
# host names and numbers.

PG_CONFIG_NAME = "newsbot_search"
_PG_CONFIG: ColumnElement[Any] = literal_column(f"'{PG_CONFIG_NAME}'::regconfig")
_PG_SEARCH_VECTOR: ColumnElement[Any] = literal_column("articles.search_vector")
PG_RANK_WEIGHTS = "{0, 0.2, 0.4, 1.0}"
"""ts_rank_cd's weights for D, C, B, A: tags 0, text 1, lead 2, title 5 (FTS5's bm25 weights)."""
PG_RANK_NORMALIZATION = 1
"""The rank divided by 1 + log(the article's length in words): like bm25, a match in a short
article counts for more than one in a long article."""
PG_HEADLINE_OPTIONS = (
    'StartSel="\x02", StopSel="\x03", MaxWords=24, MinWords=12, MaxFragments=1, '
    'FragmentDelimiter="…"'
)
_PG_PUNCTUATION = "[[:punct:]‘’‚‛“”„‟–—…«»]"


def _pg_words(column_name: str, weight: str) -> str:
    """One column's words for the generated column, with their weight."""
    return (
        f"setweight(to_tsvector('{PG_CONFIG_NAME}'::regconfig, "
        f"regexp_replace({column_name}, '{_PG_PUNCTUATION}', ' ', 'g')), '{weight}')"
    )


_PG_COLUMN_GAP = "'''¶'':1'::tsvector"

POSTGRES_FULL_TEXT_SCHEMA = (
    # A trusted extension: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG_NAME} (COPY = pg_catalog.simple)",
    f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG_NAME} "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple",
    # Between two columns, a position no query can match (no query word is "¶"), so that a
    # phrase never runs from one column into the next, as in FTS5.
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    + f" || {_PG_COLUMN_GAP} || ".join(
        [
            _pg_words("title", "A"),
            _pg_words("lead", "B"),
            _pg_words("text", "C"),
            "setweight(to_tsvector('simple'::regconfig, search_tags), 'D')",
        ]
    )
    + ") STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
)
"""The full-text index on PostgreSQL (made by migration 0006)."""

POSTGRES_FULL_TEXT_DROP = (
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG_NAME}",
)


def _pg_query(topic: Topic, *, name_columns: bool = False) -> Any:
    """The topic as a tsquery (an expression; the query text is a bound parameter)."""
    return func.to_tsquery(_PG_CONFIG, _pg_tsquery(topic.root, name_columns=name_columns) or "")


def _pg_match(topic: Topic, *, name_columns: bool = False) -> Any:
    if _pg_tsquery(topic.root) is None:
        return false()
    return _PG_SEARCH_VECTOR.op("@@")(_pg_query(topic, name_columns=name_columns))


_PG_ANY_TEXT = "ABC"


def _pg_lexemes(words: str, weights: str) -> str | None:
    """A phrase as tsquery text: each word a quoted lexeme (escaped, though a word of word
    characters holds no quote), joined by <-> (followed by); in scripts without spaces the last
    word is a prefix, as in FTS5. None when no word is one the index holds (only underscores)."""
    found = [w for w in tokens(words) if w.strip("_")]
    if not found:
        return None
    quoted = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in found]
    marks = [f":{weights}" if weights else ""] * len(quoted)
    if is_unspaced(words):
        marks[-1] = f":*{weights}"
    return "(" + " <-> ".join(q + m for q, m in zip(quoted, marks, strict=True)) + ")"


def _pg_tsquery(node: Node, *, name_columns: bool = False) -> str | None:
    """A topic as tsquery text for to_tsquery, built from the same parsed terms as the FTS5
    query: nothing typed becomes tsquery syntax (every word is a quoted lexeme). Title terms
    are restricted to the title's weight, a source to the tags'; other terms to the text
    columns' only when one of their words could be a tag (``name_columns``: always, the plain
    form, for reference): the GIN index holds no weights, so a weighted lexeme has each match's
    whole tsvector read again to check it. None: the query can't match anything (a term with
    no indexable word)."""
    if isinstance(node, Term):
        if node.field is Field.TITLE:
            weights = "A"
        elif name_columns or any(_TAG_SHAPED.fullmatch(w) for w in tokens(node.words)):
            weights = _PG_ANY_TEXT
        else:
            weights = ""
        return _pg_lexemes(node.words, weights)
    if isinstance(node, SourceFilter):
        return f"'{_domain_tag(node.domain)}':D"
    if isinstance(node, Or):
        if any(isinstance(child, Not) for child in node.children):
            raise UnsearchableQuery("an OR group can't have a -exclusion on its own")
        found = [
            q
            for q in (_pg_tsquery(child, name_columns=name_columns) for child in node.children)
            if q is not None
        ]
        return "(" + " | ".join(found) + ")" if found else None
    if isinstance(node, And):
        wanted = [
            _pg_tsquery(c, name_columns=name_columns)
            for c in node.children
            if not isinstance(c, Not)
        ]
        unwanted = [
            _pg_tsquery(c.child, name_columns=name_columns)
            for c in node.children
            if isinstance(c, Not)
        ]
        if not wanted:
            raise UnsearchableQuery("a group needs a word that must appear, not only -exclusions")
        if any(q is None for q in wanted):
            return None
        parts = [str(q) for q in wanted] + [f"!{q}" for q in unwanted if q is not None]
        return "(" + " & ".join(parts) + ")"
    raise UnsearchableQuery("a query needs a word that must appear, not only -exclusions")


def _pg_words_query(node: Node) -> str:
    """Every wanted word or phrase of the topic, any of them, in any column: what a passage
    highlights."""
    phrases: list[str] = []

    def walk(part: Node) -> None:
        if isinstance(part, Term):
            found = _pg_lexemes(part.words, "")
            if found is not None:
                phrases.append(found)
        elif isinstance(part, And | Or):
            for child in part.children:
                walk(child)

    walk(node)
    return " | ".join(dict.fromkeys(phrases))
