"""The outbox: alerts and notices queued before anything is sent, claimed by one sender,
marked sent, retried or dropped; story edits and blocked channels."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from bot.articles import Article
from bot.records import (
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
)
from bot.sources import Source, SourceStatus
from bot.storage.database import Repository, _insert_ignore
from bot.storage.rows import _outbox, _pending, _source
from bot.storage.schema import (
    articles,
    channels,
    guild_sources,
    guilds,
    outbox,
    sources,
    stories,
)
from bot.urls import host_of

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceNotice:
    """A notice to queue for a server's admins: its source failing for a day, or recovered."""

    guild_id: int
    channel_id: int
    source: Source
    failing: bool
    """True: failing for over a day; False: recovered."""


def _in_shards(guild_id: ColumnElement[Any], count: int, ids: Sequence[int]) -> Any:
    """Whether the server is on one of these gateway shards (Discord's rule:
    ``(guild_id >> 22) % shard_count``; see ``bot.guilds.shard_of``)."""
    shifted = guild_id.op(">>")(literal_column("22"))
    return (shifted % literal_column(str(int(count)))).in_([int(i) for i in ids])


class Outbox(Repository):
    """Alerts and notices waiting to be sent, and what became of them."""

    async def enqueue_articles(
        self, guild_id: int, channel_id: int, found: Sequence[Article], *, now: datetime
    ) -> int:
        """Queue alerts for these stored articles to one channel (a backfill), held to the
        outbox's keys as every alert is: once per article and once per story there."""
        ids = [article.id for article in found if article.id is not None]
        if not ids:
            return 0
        async with self._write() as conn:
            story_of = dict(
                (
                    await conn.execute(
                        select(articles.c.id, articles.c.story_id).where(articles.c.id.in_(ids))
                    )
                ).all()
            )
            rows = [
                _pending(
                    OutboxKind.ALERT,
                    guild_id,
                    channel_id,
                    now,
                    article_id=article.id,
                    source_id=article.source_id,
                    story_id=story_of.get(article.id),
                )
                for article in found
                if article.id is not None
            ]
            # One multi-row INSERT, its new rows counted by RETURNING (a driver's executemany
            # may not report a row count: asyncpg's doesn't).
            result = await conn.execute(
                _insert_ignore(self._dialect, outbox).values(rows).returning(outbox.c.id)
            )
            return len(result.all())

    async def due_outbox(self, now: datetime, *, limit: int = 500) -> list[OutboxEntry]:
        """Pending entries whose next attempt is due, oldest first."""
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

    async def outbox_entries(self, *, status: OutboxStatus | None = None) -> list[OutboxEntry]:
        """Every outbox entry (with ``status``: those in that state), in id order."""
        query = select(outbox).order_by(outbox.c.id)
        if status is not None:
            query = query.where(outbox.c.status == status.value)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_outbox(row) for row in rows]

    async def mark_sent(
        self, entry_ids: Sequence[int], message_id: int, *, now: datetime, summarized: bool = False
    ) -> None:
        """These entries went out as this message (or inside a summary message)."""
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
        """The entry's message was edited to show this many outlets."""
        async with self._write() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry_id)
                .values(shown_outlets=outlets, edited_at=now)
            )

    async def mark_retry(
        self, entry_id: int, error: str, *, next_attempt_at: datetime, give_up: bool
    ) -> None:
        """An attempt failed: try again at ``next_attempt_at``, or give up."""
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
            outbox.c.kind != OutboxKind.LINE.value,  # lines go in threads, not the channel
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
        """Queue a notice about a source's health for the server's alerts channel."""
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
