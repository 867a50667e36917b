"""Stories merged when a later article joins two of them: functions on the ingest's write
transaction, and the placer a poll uses, which tells the story index of a merge only once the
poll's transaction has committed it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, update

from bot.articles import Article
from bot.records import OutboxKind, OutboxStatus
from bot.storage.derived import StoryPlacer, current_story
from bot.storage.schema import articles, outbox, stories, story_threads
from bot.stories import Placement

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

PERSONAL_KINDS = (OutboxKind.ALERT.value, OutboxKind.DM.value, OutboxKind.HERE.value)
"""The alerts a story gets at most once per destination (a channel, or a person)."""


async def merge_stories(
    conn: AsyncConnection, into: int, absorbed: Sequence[int], now: datetime
) -> list[int]:
    """Make the absorbed stories part of ``into`` (each as it stands now: one merged before
    is its survivor): their articles move to it, its row adds up theirs, and theirs go. Of
    the alerts the merged story has queued for one destination, one is kept (the one sent,
    else the oldest) and the others that still wait are dropped, so no destination gets two
    for one story; those already sent stay, and are edited like any alert of the story as
    its outlets grow. Returns the stories absorbed here (none when all were merged already)."""
    into = await current_story(conn, into)
    gone = sorted({await current_story(conn, story) for story in absorbed} - {into})
    if not gone:
        return []
    await conn.execute(update(articles).where(articles.c.story_id.in_(gone)).values(story_id=into))
    rows = (
        await conn.execute(
            select(stories.c.articles, stories.c.first_at, stories.c.latest_at).where(
                stories.c.id.in_([into, *gone])
            )
        )
    ).all()
    outlets = (
        select(func.count(articles.c.source_id.distinct()))
        .where(articles.c.story_id == into)
        .scalar_subquery()
    )
    if rows:
        await conn.execute(
            update(stories)
            .where(stories.c.id == into)
            .values(
                articles=sum(int(row.articles) for row in rows),
                first_at=min(row.first_at for row in rows),
                latest_at=max(row.latest_at for row in rows),
                outlets=outlets,
            )
        )
    await conn.execute(stories.delete().where(stories.c.id.in_(gone)))
    await _drop_second_alerts(conn, into, now)
    await _move_story_keys(conn, into, gone)
    await _move_threads(conn, into, gone)
    return gone


async def _move_threads(conn: AsyncConnection, into: int, gone: Sequence[int]) -> None:
    """An absorbed story's thread (or forum post) in a channel where the survivor has none
    becomes the survivor's, so the merged story's later copies go on in it; where both have
    one, the survivor's is kept and the other gets no more lines."""
    rows = (
        await conn.execute(
            select(story_threads.c.channel_id, story_threads.c.story_id)
            .where(story_threads.c.story_id.in_([into, *gone]))
            .order_by(story_threads.c.story_id)
        )
    ).all()
    have = {int(row.channel_id) for row in rows if row.story_id == into}
    for row in rows:
        channel = int(row.channel_id)
        if channel in have:
            continue
        have.add(channel)
        await conn.execute(
            update(story_threads)
            .where(story_threads.c.channel_id == channel, story_threads.c.story_id == row.story_id)
            .values(story_id=into)
        )


async def _move_story_keys(conn: AsyncConnection, into: int, gone: Sequence[int]) -> None:
    """The absorbed stories' alerts give up their story key (``outbox.story_id``, one alert
    per destination per story: see bot.routing); one of them, for each destination the
    survivor has no alert for yet, takes the survivor's, so a later copy isn't alerted
    there again."""
    rows = (
        await conn.execute(
            select(outbox.c.id, outbox.c.kind, outbox.c.channel_id, outbox.c.story_id)
            .where(outbox.c.story_id.in_([into, *gone]))
            .order_by(outbox.c.id)
        )
    ).all()
    keyed = {(str(r.kind), int(r.channel_id)) for r in rows if r.story_id == into}
    moved = []
    for row in rows:
        destination = (str(row.kind), int(row.channel_id))
        if row.story_id != into and destination not in keyed:
            keyed.add(destination)
            moved.append(int(row.id))
    await conn.execute(update(outbox).where(outbox.c.story_id.in_(gone)).values(story_id=None))
    if moved:
        await conn.execute(update(outbox).where(outbox.c.id.in_(moved)).values(story_id=into))


async def _drop_second_alerts(conn: AsyncConnection, story_id: int, now: datetime) -> None:
    """Of the story's alerts for one destination, drop those waiting beside the one kept. A
    row a sender has claimed (it may be on its way) is left to go out."""
    rows = (
        await conn.execute(
            select(
                outbox.c.id,
                outbox.c.kind,
                outbox.c.channel_id,
                outbox.c.status,
                outbox.c.sent_at,
            )
            .join(articles, articles.c.id == outbox.c.article_id)
            .where(articles.c.story_id == story_id, outbox.c.kind.in_(PERSONAL_KINDS))
            .order_by(outbox.c.id)
        )
    ).all()
    kept: dict[tuple[str, int], int] = {}
    waiting: list[tuple[tuple[str, int], int]] = []
    for row in rows:
        destination = (str(row.kind), int(row.channel_id))
        if row.status == OutboxStatus.PENDING.value:
            waiting.append((destination, int(row.id)))
        elif row.status in {OutboxStatus.SENT.value, OutboxStatus.SUMMARIZED.value}:
            kept.setdefault(destination, int(row.id))
    extra = []
    for destination, entry_id in waiting:
        if kept.setdefault(destination, entry_id) != entry_id:
            extra.append(entry_id)
    if extra:
        await conn.execute(
            update(outbox)
            .where(
                outbox.c.id.in_(extra),
                outbox.c.status == OutboxStatus.PENDING.value,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .values(
                status=OutboxStatus.DROPPED.value,
                last_error="its story was merged into one already alerted here",
            )
        )


class PollPlacer:
    """A poll's story placer: merges reach the index only once the poll is committed (a merge
    undone with its article's savepoint, or the whole poll, never reaches it)."""

    def __init__(self, placer: StoryPlacer) -> None:
        """Place through ``placer``; hold its merges until ``commit``."""
        self._placer = placer
        self._merges: dict[int, list[tuple[int, tuple[int, ...]]]] = {}

    def place(self, article: Article, article_id: int) -> Placement:
        """As the placer places it."""
        return self._placer.place(article, article_id)

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        """Not held to an article: use ``merged``."""
        self._placer.merge(into, absorbed)

    def merged(self, article_id: int, into: int, absorbed: Sequence[int]) -> None:
        """Storing this article merged these stories (told to the placer on ``commit``)."""
        self._merges.setdefault(article_id, []).append((into, tuple(absorbed)))

    def forget(self, article_ids: Sequence[int]) -> None:
        """These articles were not stored after all: nor were their merges."""
        for article_id in article_ids:
            self._merges.pop(article_id, None)
        self._placer.forget(article_ids)

    def commit(self) -> None:
        """The poll is committed: tell the placer of its merges."""
        merges, self._merges = self._merges, {}
        for held in merges.values():
            for into, absorbed in held:
                self._placer.merge(into, absorbed)
