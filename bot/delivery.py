"""Delivering queued alerts, exactly once (pure core: the Discord side is a ``Sender``).

Every alert is a row in the outbox before anything is sent. A row is sent with a nonce derived
from its id, and Discord is asked to enforce it, so a send that happened just before a crash is
answered with the same message when the restarted bot sends it again: no double post. A row is
marked sent with its message id after the send; if the store refuses that write (locked, disk
full), the message id is kept in memory and recorded in a later round, without sending again.

Per channel: one send at a time, in order; at most ``route_alert_cap`` alerts in ten minutes,
the overflow rolled into one summary message. A channel that answers 403/404 is blocked, its
queue dropped, and its server's admins told once; 5xx and timeouts are retried with backoff.

The parts: rendering a row (``bot/alert_render.py``), recording each attempt's outcome
(``bot/delivery_ledger.py``), the overflow's summary (``bot/summaries.py``), and editing sent
alerts whose story spread (``bot/story_edits.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alert_render import AlertRenderer, ChannelStyles
from bot.delivery_ledger import DeliveryLedger
from bot.digest_queue import DigestQueue
from bot.errors import StoreUnavailable
from bot.messages import clean_text
from bot.quiet import QuietHours
from bot.records import (  # noqa: F401 - the rest were here before bot.records
    GuildConfig,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    Planned,
    ThreadMode,
)
from bot.sending import (  # noqa: F401 - the rest were here before bot.sending
    MAX_ATTEMPTS,
    POISON_ATTEMPTS,
    POISON_RETRY,
    ChannelRefused,
    DeliveryReport,
    Rejected,
    Sender,
    TemporaryFailure,
    ThreadGone,
)
from bot.story_edits import StoryAlertEdits
from bot.summaries import Summaries
from bot.thread_delivery import ThreadDelivery

if TYPE_CHECKING:
    from bot.membership import Membership
    from bot.storage.articles import Articles
    from bot.storage.digests import Digests
    from bot.storage.guilds import Guilds
    from bot.storage.outbox import Outbox
    from bot.storage.queries import Queries
    from bot.storage.quiet import Quiet
    from bot.storage.threads import Threads
    from bot.storage.topics import Topics

log = logging.getLogger(__name__)

CAP_WINDOW = timedelta(minutes=10)
FAILING_NOTICE_AFTER = timedelta(days=1)


class Deliverer:
    """Sends the outbox: each alert exactly once, paced per channel, failures retried or dropped."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        guilds: Guilds,
        topics: Topics,
        quiet: Quiet,
        threads: Threads,
        articles: Articles,
        digests: Digests,
        queries: Queries,
        sender: Sender,
        route_alert_cap: int,
        clock: Callable[[], datetime],
        owner: str = "newsbot",
        hold: timedelta = timedelta(minutes=5),
        shards: tuple[int, Sequence[int]] | None = None,
        members: Membership | None = None,
    ) -> None:
        """The repositories are the ones delivering and its parts call: the outbox, servers,
        topics and routes (styles, people gone), quiet hours, story threads, articles, digests
        and the /news queries a digest is read with. ``owner`` and ``hold``: this process's
        name and how long it holds the alerts it takes, so several delivery processes never
        send one twice. ``shards``: (count, ids)
        when this process runs only some gateway shards (it delivers their servers' alerts).
        ``members``: checks that a person is still in the server a personal alert is from."""
        self._outbox = outbox
        self._guilds = guilds
        self._topics = topics
        self._quiet = quiet
        self._threads = threads
        self._sender = sender
        self._cap = route_alert_cap
        self._clock = clock
        self._owner = owner
        self._hold = hold
        self._shards = shards
        self._stopping = False
        self._members = members
        self._digests = DigestQueue(digests=digests, guilds=guilds, queries=queries, clock=clock)
        self._ledger = DeliveryLedger(
            outbox=outbox, guilds=guilds, topics=topics, sender=sender, clock=clock
        )
        self._renderer = AlertRenderer(topics=topics, articles=articles, digests=self._digests)
        self._summaries = Summaries(sender=sender, renderer=self._renderer, ledger=self._ledger)
        self._story_edits = StoryAlertEdits(
            outbox=outbox,
            threads=threads,
            sender=sender,
            renderer=self._renderer,
            clock=clock,
            stopping=lambda: self._stopping,
        )
        self._thread_delivery = ThreadDelivery(
            outbox=outbox,
            threads=threads,
            articles=articles,
            sender=sender,
            clock=clock,
            renderer=self._renderer,
        )
        self._modes: dict[int, ThreadMode | None] = {}
        """The channels' thread modes, each read once a round."""
        self._left: set[tuple[int, int]] = set()
        """(server, person) found gone this round: their other queued alerts are dropped."""
        self._styles: ChannelStyles = {}
        """The channels' styles, each read once a round."""

    def stop(self) -> None:
        """Take no new work; sends in flight finish and are recorded."""
        self._stopping = True

    async def deliver_due(self) -> DeliveryReport:
        """Send every due outbox row, channels in parallel, each channel in order. A person's
        'here' alerts queue with the alerts of the channel they are posted in, and share its
        cap."""
        report = DeliveryReport()
        self._left.clear()
        self._styles = {}
        self._modes = {}
        now = self._clock()
        due = await self._outbox.claim_due_outbox(
            now, owner=self._owner, hold=self._hold, shards=self._shards
        )
        due = await self._hold_quiet(due, now, report)
        by_channel: dict[int, list[OutboxEntry]] = {}
        alerts_channels: dict[int, int | None] = {}
        lines = [entry for entry in due if entry.kind is OutboxKind.LINE]
        for entry in due:
            if entry.kind is OutboxKind.LINE:
                continue  # a story's thread lines, batched per thread

            target = entry.channel_id
            if entry.kind is OutboxKind.HERE:
                if entry.guild_id not in alerts_channels:
                    guild = await self._guilds.guild(entry.guild_id)
                    alerts_channels[entry.guild_id] = guild.alerts_channel_id if guild else None
                posted_in = alerts_channels[entry.guild_id]
                if posted_in is not None:
                    target = posted_in
                else:
                    await self._outbox.mark_retry(
                        entry.id,
                        "the server has no alerts channel",
                        next_attempt_at=now,
                        give_up=True,
                    )
                    report.dropped += 1
                    continue
            by_channel.setdefault(target, []).append(entry)
        await asyncio.gather(
            *(
                self._deliver_channel(channel_id, entries, report)
                for channel_id, entries in by_channel.items()
            ),
            self._deliver_lines(lines, report),
        )
        return report

    async def _deliver_lines(self, lines: Sequence[OutboxEntry], report: DeliveryReport) -> None:
        """Later copies of stories, as lines in their threads (see bot.thread_delivery)."""
        if not lines or self._stopping:
            return
        try:
            done = await self._thread_delivery.deliver_lines(lines)
        except StoreUnavailable as exc:
            log.warning("thread lines paused for this round: %s", exc)
            return
        except Exception:
            log.exception("thread lines failed; they wait for the next round")
            return
        report.sent += done.sent
        report.retried += done.retried
        report.dropped += done.dropped

    async def _hold_quiet(
        self, due: list[OutboxEntry], now: datetime, report: DeliveryReport
    ) -> list[OutboxEntry]:
        """The due rows to send now: a person's DM alerts that come in their quiet hours are
        held until the hours end (no attempt counted), then go as one catch-up message."""
        people = {e.user_id for e in due if e.kind is OutboxKind.DM and e.user_id is not None}
        if not people:
            return due
        stored = await self._quiet.quiet_hours(sorted(people))
        quiet = {user: QuietHours.decode(hours) for user, hours in stored.items()}
        held: dict[datetime, list[int]] = {}
        sending = []
        for entry in due:
            hours = quiet.get(entry.user_id or 0) if entry.kind is OutboxKind.DM else None
            if hours is not None and hours.holds(now):
                held.setdefault(hours.ends_after(now), []).append(entry.id)
            else:
                sending.append(entry)
        for until, ids in held.items():
            await self._quiet.hold(ids, until, now=now)
            report.held += len(ids)
        return sending

    async def _deliver_channel(
        self, channel_id: int, entries: list[OutboxEntry], report: DeliveryReport
    ) -> None:
        report.channels.add(channel_id)
        try:
            held = [e for e in entries if e.held and e.kind is OutboxKind.DM and e.user_id]
            if len(held) > 1:
                # Held through quiet hours: one catch-up message, sent before the rest (those
                # from a server the person left are dropped).
                entries = [e for e in entries if e not in held]
                held = [e for e in held if await self._still_member(e, report)]
                if held:
                    await self._summaries.send(channel_id, held, report, to_person=held[0].user_id)
            capped = [e for e in entries if e.kind in (OutboxKind.ALERT, OutboxKind.HERE)]
            overflow: list[OutboxEntry] = []
            # A forum has no place for a summary: each story is its own post there.
            if capped and await self._thread_mode(channel_id) is not ThreadMode.FORUM:
                since = self._clock() - CAP_WINDOW
                here_from = capped[0].guild_id
                sent = await self._outbox.sent_since(channel_id, since, here_from=here_from)
                overflow = capped[max(0, self._cap - sent) :]
            rolled_up = {e.id for e in overflow}
            for entry in entries:
                if self._stopping:
                    return
                if entry.id in rolled_up:
                    continue
                if not await self._send_one(entry, channel_id, report):
                    return
            if overflow and not self._stopping:
                await self._summaries.send(channel_id, overflow, report)
        except StoreUnavailable as exc:
            # The rest of this channel's queue waits for a later round, in order.
            log.warning("delivery to %s paused for this round: %s", channel_id, exc)
        except Exception:
            # A fault of newsbot's own: the rest of this channel's queue waits for the next
            # round, and every other channel's goes on.
            log.exception("delivery to %s failed; its queue waits for the next round", channel_id)

    async def _send_one(self, entry: OutboxEntry, target: int, report: DeliveryReport) -> bool:
        """Send one row to ``target`` (its channel; for a 'here' alert, the server's alerts
        channel). False when the channel is refused (nothing more goes there). A row Discord
        rejects, or that fails to render, counts an attempt and the queue goes on."""
        unrecorded = self._ledger.unrecorded(entry.id)
        if unrecorded is not None:
            await self._ledger.record_sent([entry.id], unrecorded)
            report.sent += 1
            return True
        try:
            return await self._attempt(entry, target, report)
        except StoreUnavailable:
            raise
        except Rejected as exc:
            reason = str(exc)
            log.warning("alert %s to %s was rejected: %r", entry.id, target, reason)
        except Exception as exc:
            reason = f"newsbot could not prepare this alert ({type(exc).__name__}: {exc})"
            if entry.attempts == 0:
                log.exception("alert %s (article %s) failed", entry.id, entry.article_id)
            else:
                log.warning("alert %s failed again: %r", entry.id, reason)
        await self._ledger.poisoned([entry], reason, report)
        return True

    async def _attempt(self, entry: OutboxEntry, target: int, report: DeliveryReport) -> bool:
        personal = entry.kind in (OutboxKind.DM, OutboxKind.HERE) or _by_dm(entry)
        if personal and not await self._still_member(entry, report):
            return True
        message = await self._renderer.render(entry, channel_id=target, styles=self._styles)
        if message is None:
            await self._outbox.mark_retry(
                entry.id, "its article is gone", next_attempt_at=self._clock(), give_up=True
            )
            return True
        by_dm = (entry.kind is OutboxKind.DM or _by_dm(entry)) and entry.user_id is not None
        mode = None if by_dm else await self._thread_mode(target)
        try:
            if mode is not None and entry.kind is OutboxKind.ALERT:
                # Recorded with its thread, in one transaction (bot.thread_delivery).
                await self._thread_delivery.post_alert(entry, message, mode)
                report.sent += 1
                return True
            if mode is ThreadMode.FORUM:
                # A forum takes posts only: a notice or digest opens its own, a 'here' alert
                # goes in its story's post.
                message_id = await self._thread_delivery.post_in_forum(entry, message, target)
            elif by_dm and entry.user_id is not None:
                message_id = await self._sender.send_dm(entry.user_id, message, nonce=entry.nonce)
            else:
                message_id = await self._sender.send(target, message, nonce=entry.nonce)
        except ThreadGone as exc:
            await self._threads.drop_entries([entry.id], f"the story's thread is gone: {exc}")
            report.dropped += 1
            return True
        except ChannelRefused as exc:
            if personal:
                # Closed DMs (or an alerts channel gone): this alert is not sent; the person is
                # told the next time they use a command.
                dm = entry.kind is OutboxKind.DM or _by_dm(entry)
                why = "DMs closed" if dm else "alerts channel refused"
                person = entry.user_id if dm else None
                await self._ledger.dms_closed([entry], person, f"{why}: {exc}", report)
                return True
            await self._ledger.refused(entry, str(exc), report, mode=mode)
            return False
        except TemporaryFailure as exc:
            await self._ledger.retry(entry, str(exc), report)
            return True
        await self._ledger.record_sent([entry.id], message_id)
        report.sent += 1
        return True

    async def _thread_mode(self, channel_id: int) -> ThreadMode | None:
        """How a channel takes alerts (a forum, a thread per story, or plainly), read once a
        round."""
        if channel_id not in self._modes:
            self._modes[channel_id] = await self._threads.thread_mode(channel_id)
        return self._modes[channel_id]

    async def _still_member(self, entry: OutboxEntry, report: DeliveryReport) -> bool:
        """Whether a personal alert may go: its person is still in the server it is from. One
        who left has their topics there removed, and this alert (and every other queued for
        them from there) is dropped."""
        if self._members is None or entry.user_id is None:
            return True
        key = (entry.guild_id, entry.user_id)
        if key not in self._left:
            try:
                if await self._members.is_member(*key):
                    return True
            except TemporaryFailure as exc:
                await self._ledger.retry(entry, f"member lookup failed: {exc}", report)
                return False
            self._left.add(key)
            # Drops this alert too, and the others queued for them from there.
            removed = await self._topics.forget_member(*key)
            log.info("user %s left server %s: %d topics removed", entry.user_id, key[0], removed)
        report.dropped += 1
        return False

    async def update_story_alerts(self) -> int:
        """Edit sent alerts whose story other outlets now carry ("also reported by ..."); see
        ``StoryAlertEdits.update``. Returns how many were edited."""
        return await self._story_edits.update()

    async def queue_due_digests(self) -> int:
        """Queue every digest whose time has come (see ``DigestQueue.queue_due``)."""
        return await self._digests.queue_due()

    async def queue_source_notices(self) -> int:
        """Tell servers about sources failing for over a day, and again when they recover."""
        now = self._clock()
        notices = await self._outbox.source_health_notices(
            failing_before=now - FAILING_NOTICE_AFTER
        )
        for notice in notices:
            source = notice.source
            if notice.failing:
                body = (
                    f"⚠️ **{clean_text(source.name)}** has failed since "
                    f"<t:{int((source.failing_since or now).timestamp())}:R>: "
                    f"{clean_text(source.last_error or 'unknown error')} newsbot keeps trying; "
                    "`/sources list` shows its status."
                )
            else:
                body = (
                    f"✅ **{clean_text(source.name)}** is working again; its alerts have resumed."
                )
            await self._outbox.record_source_notice(notice, body, now=now)
        return len(notices)


def _by_dm(entry: OutboxEntry) -> bool:
    """A person's digest (sent by DM, like their alerts)."""
    return entry.kind is OutboxKind.DIGEST and entry.user_id is not None
