"""How the running bot is doing: heartbeats of its processes, activity counts, the outbox's
backlog, and the status page's report."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    case,
    func,
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from bot.records import (
    OutboxStatus,
)
from bot.sources import SourceStatus
from bot.status import (
    ActivityCount,
    DegradedArticle,
    FailingSource,
    ProcessState,
    SourceCounts,
    StatusReport,
)
from bot.storage.database import Repository, _upsert
from bot.storage.rows import _fully_paused, _source
from bot.storage.schema import (
    activity_counts,
    articles,
    item_failures,
    outbox,
    processes,
    sources,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)


STATUS_LIST_LIMIT = 20
"""Failing sources, and degraded articles, the status page lists."""


DEGRADED_WINDOW = timedelta(days=1)
"""How far back the status page looks for degraded articles and items given up."""


class Operations(Repository):
    """Heartbeats, activity and the status report."""

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
