"""Sources: adding them, finding them, and the leases and claims that let several processes
poll them without polling one twice; a poll's outcome when it stored nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from bot.records import (
    OutboxStatus,
)
from bot.sources import Source, SourceStatus
from bot.storage.database import KEY_BATCH, Repository, _insert_ignore
from bot.storage.rows import _delete_source, _source
from bot.storage.schema import (
    item_failures,
    outbox,
    seen_items,
    sources,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


# Built once: constructing a statement costs more than executing it on a hot path.
_NOW = bindparam("now", type_=sources.c.last_success_at.type)
_NEXT_POLL = bindparam("next_poll", type_=sources.c.next_poll_at.type)
UNCHANGED_VALUES = {
    "next_poll_at": _NEXT_POLL,
    "status": SourceStatus.OK.value,
    "error_count": 0,
    "last_error": None,
    "failing_since": None,
    "last_success_at": _NOW,
    "last_polled_at": _NOW,
    "lease_owner": None,
    "lease_until": None,
}
UNCHANGED_UPDATE = update(sources).where(sources.c.id == bindparam("sid")).values(UNCHANGED_VALUES)
"""A poll that worked (and one answered 304): the source is healthy, its lease ends."""
SUCCESS_UPDATE = UNCHANGED_UPDATE.values(
    url=bindparam("url"),
    title=bindparam("title"),
    site_url=bindparam("site_url"),
    etag=bindparam("etag"),
    last_modified=bindparam("last_modified"),
)
"""A poll that worked with a feed: also what the feed says of itself now."""
UNCHANGED_MANY = (
    update(sources)
    .where(sources.c.id.in_(bindparam("sids", expanding=True)))
    .values({key: value for key, value in UNCHANGED_VALUES.items() if key != "next_poll_at"})
)
NEXT_POLLS = update(sources).where(sources.c.id == bindparam("sid")).values(next_poll_at=_NEXT_POLL)
"""Sources that answered 304, in two statements: what they all share, then each one's next poll
(binding five values a row cost more than the update itself)."""


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """An item no article could be made of, as recorded."""

    item_key: str
    link: str | None
    attempts: int
    reason: str
    given_up_at: datetime | None


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


async def load_source(engine: AsyncEngine, source_id: int) -> Source | None:
    """The source with this id (None when there is none)."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(sources).where(sources.c.id == source_id))).first()
    return _source(row) if row else None


class Sources(Repository):
    """The feeds the bot watches, and who polls each next."""

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
        """The source with this URL (None when there is none)."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(sources).where(sources.c.url == url))).first()
        return _source(row) if row else None

    async def get_source(self, source_id: int) -> Source | None:
        """The source with this id (None when there is none)."""
        return await load_source(self._engine, source_id)

    async def list_sources(self) -> list[Source]:
        """Every source, in id order."""
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

    async def record_not_modified(
        self, updates: Sequence[tuple[int, datetime]], *, now: datetime
    ) -> None:
        """Sources that answered 304 (or sent the same document): only their times change."""
        if not updates:
            return
        sids = [sid for sid, _ in updates]
        async with self._write() as conn:
            for start in range(0, len(sids), KEY_BATCH):
                await conn.execute(
                    UNCHANGED_MANY, {"sids": sids[start : start + KEY_BATCH], "now": now}
                )
            await conn.execute(
                NEXT_POLLS, [{"sid": sid, "next_poll": when} for sid, when in updates]
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
        """Delete the source and what is stored of it; False when there was none."""
        async with self._write() as conn:
            return await _delete_source(conn, source_id)

    async def count_seen(self, source_id: int) -> int:
        """How many of the source's items have been seen."""
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

    async def name_untitled_source(self, source_id: int, title: str) -> None:
        """Give a source not yet polled the title its feed was seen with (an import checked it)."""
        async with self._write() as conn:
            await conn.execute(
                update(sources)
                .where(sources.c.id == source_id, sources.c.title.is_(None))
                .values(title=title[:1000])
            )
