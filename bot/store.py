"""All SQL lives here, behind named async methods (SQLAlchemy 2 Core, async).

Portable SQL throughout; what only SQLite needs sits in the block marked "SQLite-only" below.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, event, func, select, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.articles import Article
from bot.quotes import Attribution, Quotation, QuoteKind
from bot.schema import articles, quotes, seen_items, sources
from bot.sources import Source, SourceStatus

log = logging.getLogger(__name__)

HEAD_REVISION = "0002"
"""The newest migration; checked against Alembic's scripts by a test, so a start-up on an
up-to-date database needs no Alembic import at all."""

KEY_BATCH = 500


@dataclass(frozen=True, slots=True)
class PollSuccess:
    """What a successful poll changes on a source."""

    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    moved_to: str | None
    next_poll_at: datetime


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._sqlite = self._dialect == "sqlite"
        # SQLite has one writer at a time; queueing our own writers here avoids lock errors.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self._sqlite else None
        # Built once: constructing a statement costs more than executing it on a hot path.
        now = bindparam("now", type_=sources.c.last_success_at.type)
        self._success_update = (
            update(sources)
            .where(sources.c.id == bindparam("sid"))
            .values(
                url=bindparam("url"),
                title=bindparam("title"),
                site_url=bindparam("site_url"),
                etag=bindparam("etag"),
                last_modified=bindparam("last_modified"),
                status=SourceStatus.OK.value,
                next_poll_at=bindparam("next_poll", type_=sources.c.next_poll_at.type),
                error_count=0,
                last_error=None,
                failing_since=None,
                last_success_at=now,
                last_polled_at=now,
            )
        )
        self._unchanged_update = (
            update(sources)
            .where(sources.c.id == bindparam("sid"))
            .values(
                next_poll_at=bindparam("next_poll", type_=sources.c.next_poll_at.type),
                status=SourceStatus.OK.value,
                error_count=0,
                last_error=None,
                failing_since=None,
                last_success_at=now,
                last_polled_at=now,
            )
        )

    @classmethod
    def open(cls, database_url: str) -> Store:
        url = make_url(database_url)
        kwargs: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"timeout": 30}
        engine = create_async_engine(url, **kwargs)
        if url.get_backend_name() == "sqlite":
            _sqlite_setup(engine)
        return cls(engine)

    async def close(self) -> None:
        await self._engine.dispose()

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self._engine.begin() as conn:
            yield conn

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

    async def add_source(self, url: str, *, added_url: str, now: datetime) -> tuple[Source, bool]:
        """The source watching ``url``, created if new. Returns (source, created)."""
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
    ) -> list[Article]:
        """In one transaction: mark keys seen, store the new articles, update the source.

        Returns the stored articles with their ids (articles already stored are skipped)."""
        stored: list[Article] = []
        async with self._write() as conn:
            if seen_keys:
                # The hottest write of a first poll (every item of every new feed): plain
                # driver parameters, none of the per-value processing of a Core statement.
                stamp = now.astimezone(UTC).replace(tzinfo=None)
                await conn.exec_driver_sql(
                    _seen_insert_sql(self._dialect),
                    [(source.id, key, stamp) for key in dict.fromkeys(seen_keys)],
                )
            for article in new_articles:
                row = (
                    await conn.execute(
                        _insert_ignore(self._dialect, articles)
                        .values(_article_values(article))
                        .returning(articles.c.id)
                    )
                ).first()
                if row is not None:
                    stored.append(_with_id(article, row[0]))
                    if article.quotes:
                        await conn.execute(quotes.insert(), _quote_rows(row[0], article.quotes))
            url = source.url
            if change.moved_to and change.moved_to != source.url:
                taken = await conn.execute(
                    select(sources.c.id).where(sources.c.url == change.moved_to)
                )
                if taken.first() is None:
                    url = change.moved_to
                else:
                    log.warning(
                        "source %s moved to %s, already watched", source.id, change.moved_to
                    )
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
        return stored

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
                )
            )
        updated = await self.get_source(source.id)
        assert updated is not None
        return updated

    async def remove_source(self, source_id: int) -> bool:
        async with self._write() as conn:
            owned = select(articles.c.id).where(articles.c.source_id == source_id)
            await conn.execute(quotes.delete().where(quotes.c.article_id.in_(owned)))
            await conn.execute(articles.delete().where(articles.c.source_id == source_id))
            await conn.execute(seen_items.delete().where(seen_items.c.source_id == source_id))
            result = await conn.execute(sources.delete().where(sources.c.id == source_id))
        return bool(result.rowcount)

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
    )


def _article_values(article: Article) -> dict[str, Any]:
    return {
        "source_id": article.source_id,
        "item_key": article.item_key,
        "url": article.url[:2048],
        "canonical_url": article.canonical_url[:2048] if article.canonical_url else None,
        "title": article.title,
        "published_at": article.published,
        "author": article.author[:1000] if article.author else None,
        "site_name": article.site_name[:1000] if article.site_name else None,
        "lead": article.lead,
        "text": article.text,
        "image_url": article.image[:2048] if article.image else None,
        "from_page": article.from_page,
        "fetched_at": article.fetched_at,
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
    )


def _with_id(article: Article, article_id: int) -> Article:
    return replace(article, id=article_id)


def _alembic_upgrade(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


# ---- SQLite-only ------------------------------------------------------------------------------
# Everything engine-specific is in this block: connection pragmas and the INSERT ... ON CONFLICT
# DO NOTHING spelling (which PostgreSQL shares, through its own dialect's construct).


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _seen_insert_sql(dialect: str) -> str:
    """INSERT of (source_id, item_key, first_seen_at) rows, skipping keys already seen."""
    values = "(?, ?, ?)" if dialect == "sqlite" else "($1, $2, $3)"
    return (
        f"INSERT INTO seen_items (source_id, item_key, first_seen_at) VALUES {values} "
        "ON CONFLICT DO NOTHING"
    )


def _insert_ignore(dialect: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: each engine spells it through its own dialect."""
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table).on_conflict_do_nothing()
