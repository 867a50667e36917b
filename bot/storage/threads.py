"""Forums and a thread per story: which channels take alerts in threads, each story's thread
there, and the later copies queued as lines in it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from bot.records import OutboxKind, OutboxStatus, Planned, StoryThread, ThreadMode
from bot.storage.database import Repository, _insert_ignore, _upsert
from bot.storage.rows import _pending
from bot.storage.schema import (
    articles,
    channel_threads,
    outbox,
    quotes,
    story_threads,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


async def queue_thread_lines(  # noqa: PLR0917 - one article's part of a transaction
    dialect: str,
    conn: AsyncConnection,
    lines: Sequence[Planned],
    article_id: int,
    source_id: int,
    story_id: int,
    now: datetime,
) -> None:
    """Write the planned lines (``bot.routing``) of a later copy of a story: each in a channel
    the story was already alerted to (by another of its articles). Whether it was is known
    only here, in the transaction that put the article in its story."""
    wanted = {line.channel_id: line for line in lines}
    alerted = (
        select(outbox.c.channel_id)
        .join(articles, articles.c.id == outbox.c.article_id)
        .where(
            articles.c.story_id == story_id,
            outbox.c.kind == OutboxKind.ALERT.value,
            outbox.c.article_id != article_id,
            outbox.c.channel_id.in_(list(wanted)),
        )
        .distinct()
    )
    found = sorted(int(channel_id) for (channel_id,) in await conn.execute(alerted))
    if found:
        await conn.execute(
            _insert_ignore(dialect, outbox),
            [
                _pending(
                    OutboxKind.LINE,
                    wanted[channel_id].guild_id,
                    channel_id,
                    now,
                    article_id=article_id,
                    source_id=source_id,
                )
                for channel_id in found
            ],
        )


def _story_thread(row: Any) -> StoryThread:
    m = row._mapping
    return StoryThread(
        channel_id=m["channel_id"],
        story_id=m["story_id"],
        guild_id=m["guild_id"],
        thread_id=m["thread_id"],
        attempted_at=m["attempted_at"],
        lines_sent_at=m["lines_sent_at"],
        deleted_at=m["deleted_at"],
    )


async def _mark_sent(
    conn: AsyncConnection, entry_ids: Sequence[int], message_id: int, now: datetime
) -> None:
    await conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(list(entry_ids)))
        .values(
            status=OutboxStatus.SENT.value,
            message_id=message_id,
            sent_at=now,
            last_error=None,
            claimed_by=None,
            claimed_until=None,
        )
    )


class Threads(Repository):
    """Thread-mode channels, stories' threads in them, and their lines."""

    async def set_thread_mode(
        self, guild_id: int, channel_id: int, mode: ThreadMode | None, *, now: datetime
    ) -> None:
        """A channel's alerts go in a post or thread per story (None: as plain alerts)."""
        async with self._write() as conn:
            if mode is None:
                await conn.execute(
                    delete(channel_threads).where(channel_threads.c.channel_id == channel_id)
                )
                return
            await conn.execute(
                _upsert(self._dialect, channel_threads, ["channel_id"], replace=["mode", "set_at"]),
                [
                    {
                        "channel_id": channel_id,
                        "guild_id": guild_id,
                        "mode": mode.value,
                        "set_at": now,
                    }
                ],
            )

    async def thread_mode(self, channel_id: int) -> ThreadMode | None:
        """How a channel takes alerts: in a forum post or thread per story, or plainly."""
        async with self._engine.connect() as conn:
            mode = (
                await conn.execute(
                    select(channel_threads.c.mode).where(channel_threads.c.channel_id == channel_id)
                )
            ).scalar()
        return ThreadMode(mode) if mode else None

    async def story_of(self, article_id: int) -> int | None:
        """The story an article is in."""
        async with self._engine.connect() as conn:
            story = (
                await conn.execute(select(articles.c.story_id).where(articles.c.id == article_id))
            ).scalar()
        return int(story) if story is not None else None

    async def story_thread(self, channel_id: int, story_id: int) -> StoryThread | None:
        """The story's thread in this channel, if one was made (or begun)."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(story_threads).where(
                        story_threads.c.channel_id == channel_id,
                        story_threads.c.story_id == story_id,
                    )
                )
            ).first()
        return _story_thread(row) if row is not None else None

    async def begin_story_thread(
        self, guild_id: int, channel_id: int, story_id: int, *, now: datetime
    ) -> None:
        """Note that a forum post for the story is being made, before it is asked for: after a
        crash, the post is looked for rather than made again."""
        async with self._write() as conn:
            statement = _upsert(
                self._dialect, story_threads, ["channel_id", "story_id"], replace=["attempted_at"]
            )
            await conn.execute(
                statement.values(
                    channel_id=channel_id, story_id=story_id, guild_id=guild_id, attempted_at=now
                )
            )

    async def record_story_thread(
        self,
        entry_id: int,
        message_id: int,
        *,
        guild_id: int,
        channel_id: int,
        story_id: int,
        thread_id: int,
        now: datetime,
    ) -> None:
        """The story's first alert went out in (or started) this thread: the alert is marked
        sent and the thread recorded, in one transaction."""
        async with self._write() as conn:
            await _mark_sent(conn, [entry_id], message_id, now)
            statement = _upsert(
                self._dialect, story_threads, ["channel_id", "story_id"], replace=["thread_id"]
            )
            await conn.execute(
                statement.values(
                    channel_id=channel_id, story_id=story_id, guild_id=guild_id, thread_id=thread_id
                )
            )

    async def record_lines_sent(
        self,
        entry_ids: Sequence[int],
        message_id: int,
        *,
        channel_id: int,
        story_id: int,
        now: datetime,
    ) -> None:
        """These lines went out in the story's thread as one message; the thread's batch clock
        starts again."""
        async with self._write() as conn:
            await _mark_sent(conn, entry_ids, message_id, now)
            await conn.execute(
                update(story_threads)
                .where(
                    story_threads.c.channel_id == channel_id,
                    story_threads.c.story_id == story_id,
                )
                .values(lines_sent_at=now)
            )

    async def mark_thread_deleted(self, channel_id: int, story_id: int, *, now: datetime) -> None:
        """A moderator deleted the story's thread: its lines are dropped, and it is never made
        again for that story."""
        async with self._write() as conn:
            await conn.execute(
                update(story_threads)
                .where(
                    story_threads.c.channel_id == channel_id,
                    story_threads.c.story_id == story_id,
                )
                .values(deleted_at=now)
            )

    async def postpone(self, entry_ids: Sequence[int], *, until: datetime) -> None:
        """Leave these rows for later (a thread's next batch), without counting an attempt."""
        async with self._write() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(entry_ids)))
                .values(next_attempt_at=until, claimed_by=None, claimed_until=None)
            )

    async def drop_entries(self, entry_ids: Sequence[int], reason: str) -> None:
        """Rows not to send, on purpose (their thread is gone)."""
        async with self._write() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(entry_ids)))
                .values(
                    status=OutboxStatus.DROPPED.value,
                    last_error=reason[:1000],
                    claimed_by=None,
                    claimed_until=None,
                )
            )

    async def story_alert_pending(self, channel_id: int, story_id: int) -> bool:
        """Whether the story's first alert in this channel is still waiting to go out."""
        query = (
            select(outbox.c.id)
            .join(articles, articles.c.id == outbox.c.article_id)
            .where(
                articles.c.story_id == story_id,
                outbox.c.channel_id == channel_id,
                outbox.c.kind == OutboxKind.ALERT.value,
                outbox.c.status == OutboxStatus.PENDING.value,
            )
            .limit(1)
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def thread_ids(self, channel_id: int) -> set[int]:
        """Every thread recorded as a story's in this channel."""
        query = select(story_threads.c.thread_id).where(
            story_threads.c.channel_id == channel_id, story_threads.c.thread_id.is_not(None)
        )
        async with self._engine.connect() as conn:
            return {int(t) for t in (await conn.execute(query)).scalars()}

    async def plan_line_batch(self, entry_ids: Sequence[int], key: str) -> None:
        """Mark lines as one batch before it is sent: after a crash, the same lines go again
        under the same nonce."""
        async with self._write() as conn:
            await conn.execute(
                update(outbox).where(outbox.c.id.in_(list(entry_ids))).values(body=key)
            )

    async def quoted_before(self, story_id: int, article_id: int) -> set[str]:
        """The key quotes' texts of the story's articles stored before this one."""
        query = (
            select(quotes.c.text)
            .join(articles, articles.c.id == quotes.c.article_id)
            .where(
                articles.c.story_id == story_id,
                articles.c.id < article_id,
                quotes.c.is_key.is_(True),
            )
        )
        async with self._engine.connect() as conn:
            return {str(text) for text in (await conn.execute(query)).scalars()}
