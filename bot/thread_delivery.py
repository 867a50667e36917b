"""Delivering into forums and a thread per story, exactly once (pure core: Discord is delivery's
``Sender``).

A story's first alert in a forum opens a post; in a ``per-story`` text channel it is sent with
its nonce, as any alert, and a thread is started from it. The thread's id is recorded in the
transaction that marks that alert sent. Across a crash:
- a thread started from a message has the message's id, and a message starts one thread only:
  the alert sent again returns the same message (its nonce), and starting its thread again is
  answered "already created", so the thread is the message's;
- a forum post has no nonce: before asking for one, newsbot notes that it is making it; if that
  note is found without a thread, the forum's posts by the bot with that title (and not already
  another story's) are looked for first, and one found is taken as the story's.
Later copies are lines, sent to the thread in batches at most every ``LINES_EVERY``. A batch's
rows are marked with its key before it is sent: after a crash the same rows go again under the
same nonce (Discord answers with the message already posted), and newer rows wait for the next.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alert_render import AlertRenderer, ChannelStyles
from bot.alerts import alert_for
from bot.errors import StoreUnavailable
from bot.messages import OutgoingMessage
from bot.records import OutboxEntry, OutboxKind, ThreadMode
from bot.sending import ChannelRefused, Rejected, Sender, TemporaryFailure, ThreadGone
from bot.threads import (
    LINES_EVERY,
    forum_tags,
    line_messages,
    new_quote,
    thread_line,
    thread_name,
)

if TYPE_CHECKING:
    from bot.storage.articles import Articles
    from bot.storage.outbox import Outbox
    from bot.storage.threads import Threads

log = logging.getLogger(__name__)

PENDING_ALERT_WAIT = timedelta(minutes=1)
"""How long a story's lines wait before looking again for the thread its first alert makes."""


class ThreadDelivery:
    """Opens each story's thread with its first alert, and sends its later copies as lines."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        threads: Threads,
        articles: Articles,
        sender: Sender,
        clock: Callable[[], datetime],
        renderer: AlertRenderer,
    ) -> None:
        """Work on these repositories and sender; ``clock`` says when now is; ``renderer`` decides
        each line's style as it does each alert's."""
        self._outbox = outbox
        self._threads = threads
        self._articles = articles
        self._sender = sender
        self._clock = clock
        self._renderer = renderer

    async def post_alert(
        self, entry: OutboxEntry, message: OutgoingMessage, mode: ThreadMode
    ) -> None:
        """Send a story's first alert in a thread-mode channel: a forum post, or an alert and
        the thread started from it; the alert is marked sent with the thread recorded."""
        assert entry.article_id is not None
        article = await self._articles.article(entry.article_id)
        name = thread_name(article.title if article is not None else "")
        channel_id = entry.channel_id
        story_id = await self._threads.story_of(entry.article_id)
        known = (
            await self._threads.story_thread(channel_id, story_id) if story_id is not None else None
        )
        if known is not None and known.thread_id is not None and known.deleted_at is None:
            # The story's thread exists (a second alert for it, e.g. a backfill): post in it.
            message_id = await self._sender.send_in_thread(
                known.thread_id, message, nonce=entry.nonce
            )
            await self._outbox.mark_sent([entry.id], message_id, now=self._clock())
            return
        if mode is ThreadMode.FORUM:
            thread_id = None
            if known is not None and known.attempted_at is not None:
                thread_id = await self._find_post(entry, name)
            if thread_id is None:
                if story_id is not None:
                    await self._threads.begin_story_thread(
                        entry.guild_id, channel_id, story_id, now=self._clock()
                    )
                tags = forum_tags(await self._sender.forum_tags(channel_id), entry.terms)
                thread_id = await self._sender.create_forum_post(channel_id, name, message, tags)
            message_id = thread_id
        else:
            message_id = await self._sender.send(channel_id, message, nonce=entry.nonce)
            thread_id = await self._sender.start_thread(channel_id, message_id, name)
        if story_id is None:
            await self._outbox.mark_sent([entry.id], message_id, now=self._clock())
            return
        await self._threads.record_story_thread(
            entry.id,
            message_id,
            guild_id=entry.guild_id,
            channel_id=channel_id,
            story_id=story_id,
            thread_id=thread_id,
            now=self._clock(),
        )

    async def post_in_forum(
        self, entry: OutboxEntry, message: OutgoingMessage, forum_id: int
    ) -> int:
        """Something other than a story's first alert, for a forum (which takes posts only):
        a person's 'here' alert goes in its story's post (with its nonce), when there is one;
        a notice or digest, or a 'here' alert whose story has no post, opens a post titled by
        its message."""
        if entry.kind is OutboxKind.HERE and entry.article_id is not None:
            story_id = await self._threads.story_of(entry.article_id)
            thread = (
                await self._threads.story_thread(forum_id, story_id)
                if story_id is not None
                else None
            )
            if thread is not None and thread.thread_id is not None and thread.deleted_at is None:
                return await self._sender.send_in_thread(
                    thread.thread_id, message, nonce=entry.nonce
                )
        title = message.embeds[0].title if message.embeds else (message.content or "")
        return await self._sender.create_forum_post(
            forum_id, thread_name(title or "newsbot"), message, ()
        )

    async def _find_post(self, entry: OutboxEntry, name: str) -> int | None:
        """A post made for this alert before a crash: the forum's post by the bot with its
        title that no other story has."""
        found = await self._sender.forum_posts_named(entry.guild_id, entry.channel_id, name)
        taken = await self._threads.thread_ids(entry.channel_id)
        for thread_id in found:
            if thread_id not in taken:
                log.info("alert %s: forum post %s made before a restart", entry.id, thread_id)
                return thread_id
        return None

    async def deliver_lines(self, entries: Sequence[OutboxEntry]) -> LinesReport:
        """Send due lines, one batch per story thread (if its last was over ten minutes ago);
        lines whose thread isn't made yet wait for it, those whose thread was deleted (or never
        made) are dropped."""
        report = LinesReport()
        groups: dict[tuple[int, int], list[OutboxEntry]] = {}
        for entry in entries:
            story_id = await self._threads.story_of(entry.article_id) if entry.article_id else None
            if story_id is None:
                await self._threads.drop_entries([entry.id], "its article has no story")
                report.dropped += 1
                continue
            groups.setdefault((entry.channel_id, story_id), []).append(entry)
        # Each story's thread on its own (Discord limits each thread apart), all at once.
        await asyncio.gather(
            *(
                self._deliver_group(channel, story, rows, report)
                for (channel, story), rows in groups.items()
            )
        )
        return report

    async def _deliver_group(
        self, channel_id: int, story_id: int, rows: list[OutboxEntry], report: LinesReport
    ) -> None:
        try:
            await self._deliver_story_lines(channel_id, story_id, rows, report)
        except ThreadGone:
            log.info("story %s's thread in %s was deleted", story_id, channel_id)
            await self._threads.mark_thread_deleted(channel_id, story_id, now=self._clock())
            await self._threads.drop_entries([e.id for e in rows], "the story's thread was deleted")
            report.dropped += len(rows)
        except TemporaryFailure as exc:
            retry_at = self._clock() + timedelta(seconds=30)
            log.info("lines to %s failed (%r); tried again later", channel_id, str(exc))
            await self._threads.postpone([e.id for e in rows], until=retry_at)
            report.retried += len(rows)
        except (ChannelRefused, Rejected) as exc:
            log.warning("lines to story %s in %s refused: %r", story_id, channel_id, str(exc))
            await self._threads.drop_entries([e.id for e in rows], str(exc))
            report.dropped += len(rows)
        except StoreUnavailable as exc:
            log.warning("lines to story %s in %s wait: %s", story_id, channel_id, exc)
        except Exception:
            # newsbot's own fault: this thread's lines wait for the next round, the others go.
            log.exception("lines to story %s in %s failed", story_id, channel_id)

    async def _deliver_story_lines(
        self, channel_id: int, story_id: int, rows: list[OutboxEntry], report: LinesReport
    ) -> None:
        now = self._clock()
        ids = [e.id for e in rows]
        thread = await self._threads.story_thread(channel_id, story_id)
        if thread is None or thread.thread_id is None:
            if await self._threads.story_alert_pending(channel_id, story_id):
                await self._threads.postpone(ids, until=now + PENDING_ALERT_WAIT)
                report.waiting += len(rows)
            else:
                await self._threads.drop_entries(ids, "the story has no thread in that channel")
                report.dropped += len(rows)
            return
        if thread.deleted_at is not None:
            await self._threads.drop_entries(ids, "the story's thread was deleted")
            report.dropped += len(rows)
            return
        planned = {e.body for e in rows if e.body}
        if planned:
            # A batch begun before a crash goes first, as it was.
            key = min(planned, key=lambda k: int(k.removeprefix("batch:")))
            batch = [e for e in rows if e.body == key]
        else:
            next_batch = (thread.lines_sent_at or now - LINES_EVERY) + LINES_EVERY
            if next_batch > now:
                await self._threads.postpone(ids, until=next_batch)
                report.waiting += len(rows)
                return
            batch = rows
            await self._threads.plan_line_batch([e.id for e in batch], f"batch:{batch[0].id}")
        assert thread.thread_id is not None
        heard = await self._threads.quoted_before(story_id, min(e.article_id or 0 for e in batch))
        lines: list[str] = []
        styles: ChannelStyles = {}
        for entry in batch:
            found = (
                await self._articles.article_with_source(entry.article_id)
                if entry.article_id
                else None
            )
            if found is None:
                lines.append("")
                continue
            alert = alert_for(*found, topic_terms=entry.terms)
            quote = new_quote(alert, heard)
            if quote is not None:
                heard = {*heard, quote.text.rstrip("…")}
            style = await self._renderer.style_of(entry, channel_id, styles)
            lines.append(thread_line(alert, quote, style))
        kept = [(e, line) for e, line in zip(batch, lines, strict=True) if line]
        gone = [e.id for e, line in zip(batch, lines, strict=True) if not line]
        if gone:
            await self._threads.drop_entries(gone, "its article is gone")
            report.dropped += len(gone)
        start = 0
        for count, message in line_messages([line for _, line in kept]):
            chunk = [e.id for e, _ in kept[start : start + count]]
            start += count
            message_id = await self._sender.send_in_thread(
                thread.thread_id, message, nonce=f"nb-l{chunk[0]}"
            )
            await self._threads.record_lines_sent(
                chunk, message_id, channel_id=channel_id, story_id=story_id, now=self._clock()
            )
            report.sent += len(chunk)
        later = [e.id for e in rows if e not in batch]
        if later:
            await self._threads.postpone(later, until=now + LINES_EVERY)
            report.waiting += len(later)


@dataclass(slots=True)
class LinesReport:
    """What one round of thread lines did, counted."""

    sent: int = 0
    waiting: int = 0
    """Left for their thread's next batch, or for the thread to be made."""
    retried: int = 0
    dropped: int = 0
