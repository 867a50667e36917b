"""Delivering queued alerts, exactly once (pure core: the Discord side is a ``Sender``).

Every alert is a row in the outbox before anything is sent. A row is sent with a nonce derived
from its id, and Discord is asked to enforce it, so a send that happened just before a crash is
answered with the same message when the restarted bot sends it again: no double post. A row is
marked sent with its message id after the send; if the store refuses that write (locked, disk
full), the message id is kept in memory and recorded in a later round, without sending again.

Per channel: one send at a time, in order; at most ``route_alert_cap`` alerts in ten minutes,
the overflow rolled into one summary message. A channel that answers 403/404 is blocked, its
queue dropped, and its server's admins told once; 5xx and timeouts are retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.alerts import (
    STANDARD_STYLE,
    Alert,
    AlertStyle,
    alert_for,
    alert_message,
    notice_message,
    summary_message,
)
from bot.digest_queue import DigestQueue
from bot.errors import StoreUnavailable
from bot.messages import OutgoingMessage, clean_text
from bot.quiet import QuietHours
from bot.records import (  # noqa: F401 - the rest were here before bot.records
    GuildConfig,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    Planned,
)

if TYPE_CHECKING:
    from bot.articles import Article
    from bot.membership import Membership
    from bot.sources import Source
    from bot.store import Store

log = logging.getLogger(__name__)

CAP_WINDOW = timedelta(minutes=10)
MAX_ATTEMPTS = 8
FAILING_NOTICE_AFTER = timedelta(days=1)


class ChannelRefused(Exception):
    """Discord said 403 (missing access/permissions) or 404 (unknown channel)."""


class TemporaryFailure(Exception):
    """5xx, a timeout, a dropped connection: try again later."""


class Rejected(Exception):
    """Discord refused this message itself (a 4xx other than 403, 404 and 429): sent again
    unchanged, it would be refused again."""


POISON_ATTEMPTS = 3
"""A message Discord rejects, or one newsbot fails to prepare, is given up after this many
attempts (with the reason), and its channel's queue goes on without it."""
POISON_RETRY = timedelta(seconds=2)
"""Wait before the next attempt at such a message, times the attempts so far."""


STORY_EDITS_FOR = timedelta(hours=48)
STORY_EDIT_EVERY = timedelta(minutes=1)


class Sender(Protocol):
    """What delivery sends through (the Discord layer implements it)."""

    async def send(self, channel_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        """Post a message; returns its id. Raises ChannelRefused or TemporaryFailure."""

    async def send_dm(self, user_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        """A direct message; ChannelRefused when the person's DMs are closed."""

    async def tell_admins(self, guild_id: int, user_id: int | None, text: str) -> None:
        """Tell a server's admins something went wrong (system channel, else a DM)."""

    async def edit(self, channel_id: int, message_id: int, message: OutgoingMessage) -> None:
        """Replace a message's embeds. ChannelRefused when it (or its channel) is gone."""

    async def edit_dm(self, user_id: int, message_id: int, message: OutgoingMessage) -> None:
        """The same, for a message sent as a DM."""


@dataclass(slots=True)
class DeliveryReport:
    """What one delivery round did, counted."""

    sent: int = 0
    summarized: int = 0
    retried: int = 0
    dropped: int = 0
    failed: int = 0
    """Given up: rejected by Discord, or failed to render, POISON_ATTEMPTS times."""
    held: int = 0
    """DM alerts held through their person's quiet hours."""
    channels: set[int] = field(default_factory=set)


class Deliverer:
    """Sends the outbox: each alert exactly once, paced per channel, failures retried or dropped."""

    def __init__(
        self,
        *,
        store: Store,
        sender: Sender,
        route_alert_cap: int,
        clock: Callable[[], datetime],
        owner: str = "newsbot",
        hold: timedelta = timedelta(minutes=5),
        shards: tuple[int, Sequence[int]] | None = None,
        members: Membership | None = None,
    ) -> None:
        """``owner`` and ``hold``: this process's name and how long it holds the alerts it
        takes, so several delivery processes never send one twice. ``shards``: (count, ids)
        when this process runs only some gateway shards (it delivers their servers' alerts).
        ``members``: checks that a person is still in the server a personal alert is from."""
        self._store = store
        self._sender = sender
        self._cap = route_alert_cap
        self._clock = clock
        self._owner = owner
        self._hold = hold
        self._shards = shards
        self._stopping = False
        # Sent, but the store refused to record it: (outbox id -> message id) until it is
        # recorded, so the alert is not posted again while the database is unavailable.
        self._unrecorded: dict[int, int] = {}
        self._members = members
        self._digests = DigestQueue(store, clock)
        self._left: set[tuple[int, int]] = set()
        """(server, person) found gone this round: their other queued alerts are dropped."""

    def stop(self) -> None:
        """Take no new work; sends in flight finish and are recorded."""
        self._stopping = True

    async def deliver_due(self) -> DeliveryReport:
        """Send every due outbox row, channels in parallel, each channel in order. A person's
        'here' alerts queue with the alerts of the channel they are posted in, and share its
        cap."""
        report = DeliveryReport()
        self._left.clear()
        now = self._clock()
        due = await self._store.claim_due_outbox(
            now, owner=self._owner, hold=self._hold, shards=self._shards
        )
        due = await self._hold_quiet(due, now, report)
        by_channel: dict[int, list[OutboxEntry]] = {}
        alerts_channels: dict[int, int | None] = {}
        for entry in due:
            target = entry.channel_id
            if entry.kind is OutboxKind.HERE:
                if entry.guild_id not in alerts_channels:
                    guild = await self._store.guild(entry.guild_id)
                    alerts_channels[entry.guild_id] = guild.alerts_channel_id if guild else None
                posted_in = alerts_channels[entry.guild_id]
                if posted_in is not None:
                    target = posted_in
                else:
                    await self._store.mark_retry(
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
            )
        )
        return report

    async def _hold_quiet(
        self, due: list[OutboxEntry], now: datetime, report: DeliveryReport
    ) -> list[OutboxEntry]:
        """The due rows to send now: a person's DM alerts that come in their quiet hours are
        held until the hours end (no attempt counted), then go as one catch-up message."""
        people = {e.user_id for e in due if e.kind is OutboxKind.DM and e.user_id is not None}
        if not people:
            return due
        stored = await self._store.quiet_hours(sorted(people))
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
            await self._store.hold(ids, until, now=now)
            report.held += len(ids)
        return sending

    async def _deliver_channel(
        self, channel_id: int, entries: list[OutboxEntry], report: DeliveryReport
    ) -> None:
        report.channels.add(channel_id)
        try:
            held = [e for e in entries if e.held and e.kind is OutboxKind.DM and e.user_id]
            if len(held) > 1:
                # Held through quiet hours: one catch-up message, sent before the rest.
                await self._send_summary(channel_id, held, report, to_person=held[0].user_id)
                entries = [e for e in entries if e not in held]
            capped = [e for e in entries if e.kind in (OutboxKind.ALERT, OutboxKind.HERE)]
            overflow: list[OutboxEntry] = []
            if capped:
                since = self._clock() - CAP_WINDOW
                here_from = capped[0].guild_id
                sent = await self._store.sent_since(channel_id, since, here_from=here_from)
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
                await self._send_summary(channel_id, overflow, report)
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
        if entry.id in self._unrecorded:
            await self._record_sent([entry.id], self._unrecorded[entry.id])
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
        await self._poisoned([entry], reason, report)
        return True

    async def _attempt(self, entry: OutboxEntry, target: int, report: DeliveryReport) -> bool:
        personal = entry.kind in (OutboxKind.DM, OutboxKind.HERE) or _by_dm(entry)
        if personal and not await self._still_member(entry, report):
            return True
        message = await self._render(entry, channel_id=target)
        if message is None:
            await self._store.mark_retry(
                entry.id, "its article is gone", next_attempt_at=self._clock(), give_up=True
            )
            return True
        try:
            if (entry.kind is OutboxKind.DM or _by_dm(entry)) and entry.user_id is not None:
                message_id = await self._sender.send_dm(entry.user_id, message, nonce=entry.nonce)
            else:
                message_id = await self._sender.send(target, message, nonce=entry.nonce)
        except ChannelRefused as exc:
            if personal:
                # Closed DMs (or an alerts channel gone): this alert is not sent; the person is
                # told the next time they use a command.
                dm = entry.kind is OutboxKind.DM or _by_dm(entry)
                why = "DMs closed" if dm else "alerts channel refused"
                await self._store.mark_retry(
                    entry.id, f"{why}: {exc}", next_attempt_at=self._clock(), give_up=True
                )
                if entry.user_id is not None and dm:
                    await self._store.mark_dms_closed(entry.user_id, now=self._clock())
                report.dropped += 1
                return True
            await self._refused(entry, str(exc), report)
            return False
        except TemporaryFailure as exc:
            await self._retry(entry, str(exc), report)
            return True
        await self._record_sent([entry.id], message_id)
        report.sent += 1
        return True

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
                await self._retry(entry, f"member lookup failed: {exc}", report)
                return False
            self._left.add(key)
            # Drops this alert too, and the others queued for them from there.
            removed = await self._store.forget_member(*key)
            log.info("user %s left server %s: %d topics removed", entry.user_id, key[0], removed)
        report.dropped += 1
        return False

    async def _poisoned(
        self, entries: Sequence[OutboxEntry], reason: str, report: DeliveryReport
    ) -> None:
        """One more failed attempt at each of these rows; the POISON_ATTEMPTS-th gives up."""
        now = self._clock()
        for entry in entries:
            attempts = entry.attempts + 1
            give_up = attempts >= POISON_ATTEMPTS
            await self._store.mark_retry(
                entry.id, reason, next_attempt_at=now + POISON_RETRY * attempts, give_up=give_up
            )
            if give_up:
                report.failed += 1
                log.warning(
                    "alert %s to %s given up after %d attempts: %r",
                    entry.id,
                    entry.channel_id,
                    attempts,
                    reason,
                )
            else:
                report.retried += 1

    async def _record_sent(
        self, entry_ids: Sequence[int], message_id: int, *, summarized: bool = False
    ) -> None:
        try:
            await self._store.mark_sent(
                entry_ids, message_id, now=self._clock(), summarized=summarized
            )
        except StoreUnavailable:
            self._unrecorded.update(dict.fromkeys(entry_ids, message_id))
            raise
        for entry_id in entry_ids:
            self._unrecorded.pop(entry_id, None)

    async def _send_summary(
        self,
        channel_id: int,
        overflow: Sequence[OutboxEntry],
        report: DeliveryReport,
        *,
        to_person: int | None = None,
    ) -> None:
        """The overflow as one message: each article once, and the people whose 'here' alerts
        are among them mentioned once each. ``to_person``: a person's DM alerts held through
        their quiet hours, as one catch-up message by DM (those of a server they left are
        dropped)."""
        went_out: dict[int, list[int]] = {}
        for entry in overflow:
            if entry.id in self._unrecorded:
                went_out.setdefault(self._unrecorded[entry.id], []).append(entry.id)
        for message_id, ids in went_out.items():
            await self._record_sent(ids, message_id, summarized=True)
            report.summarized += len(ids)
        recorded = {entry_id for ids in went_out.values() for entry_id in ids}
        overflow = [e for e in overflow if e.id not in recorded]
        if not overflow:
            return
        lines: dict[int | None, tuple[Alert, list[int]]] = {}
        rolled: list[OutboxEntry] = []
        for entry in overflow:
            if to_person is not None and not await self._still_member(entry, report):
                continue
            try:
                found = await self._article_of(entry)
                alert = alert_for(*found) if found is not None else None
            except StoreUnavailable:
                raise
            except Exception as exc:
                log.exception("alert %s could not be summarized", entry.id)
                reason = f"newsbot could not prepare this alert ({type(exc).__name__}: {exc})"
                await self._poisoned([entry], reason, report)
                continue
            rolled.append(entry)
            if alert is not None:
                line = lines.setdefault(entry.article_id, (alert, []))
                if entry.kind is OutboxKind.HERE and entry.user_id is not None:
                    line[1].append(entry.user_id)
        if not rolled:
            return
        first = rolled[0]
        try:
            alerts = [alert for alert, _ in lines.values()]
            if to_person is not None:
                title = f"{len(alerts)} {'alert' if len(alerts) == 1 else 'alerts'} while your "
                message = summary_message(alerts, title=title + "quiet hours were on")
                nonce = f"nb-q{first.id}"
                message_id = await self._sender.send_dm(to_person, message, nonce=nonce)
            else:
                message = summary_message(
                    alerts, for_people=[tuple(people) for _, people in lines.values()]
                )
                nonce = f"nb-s{first.id}"
                message_id = await self._sender.send(channel_id, message, nonce=nonce)
        except ChannelRefused as exc:
            if to_person is not None:  # closed DMs: as for their alerts one by one
                for entry in rolled:
                    await self._store.mark_retry(
                        entry.id, f"DMs closed: {exc}", next_attempt_at=self._clock(), give_up=True
                    )
                await self._store.mark_dms_closed(to_person, now=self._clock())
                report.dropped += len(rolled)
                return
            await self._refused(first, str(exc), report, channel_id=channel_id)
            return
        except TemporaryFailure as exc:
            log.info("summary to %s failed (%r); retried next round", channel_id, str(exc))
            report.retried += len(rolled)
            return
        except StoreUnavailable:
            raise
        except Exception as exc:
            log.warning("summary to %s failed: %r", channel_id, str(exc), exc_info=True)
            await self._poisoned(rolled, f"the summary failed: {exc}", report)
            return
        await self._record_sent([e.id for e in rolled], message_id, summarized=True)
        report.summarized += len(rolled)

    async def _render(
        self, entry: OutboxEntry, *, channel_id: int, also: Sequence[str] = ()
    ) -> OutgoingMessage | None:
        """The message for a row posted in ``channel_id`` (for a DM, the person's id)."""
        if entry.kind is OutboxKind.NOTICE:
            return notice_message(entry.body or "")
        if entry.kind is OutboxKind.DIGEST:
            style = STANDARD_STYLE if _by_dm(entry) else await self._style_of(entry, channel_id)
            return await self._digests.render(entry, style)
        found = await self._article_of(entry)
        if found is None:
            return None
        article, source = found
        return alert_message(
            alert_for(article, source, topic_terms=entry.terms),
            style=await self._style_of(entry, channel_id),
            explanation=entry.explanation,
            role_id=entry.role_id,
            user_id=entry.user_id if entry.kind is OutboxKind.HERE else None,
            also_reported_by=also,
        )

    async def update_story_alerts(self) -> int:
        """Edit sent alerts whose story other outlets now carry ("also reported by ..."): at
        most once a minute per message, and not after 48 hours. Returns how many were edited.
        An edit Discord rejects, or that fails to render, is not tried again for that count."""
        now = self._clock()
        behind = await self._store.story_alerts_behind(
            now, since=now - STORY_EDITS_FOR, edited_before=now - STORY_EDIT_EVERY
        )
        edited = 0
        for entry, outlets in behind:
            if self._stopping:
                break
            try:
                done = await self._edit_story_alert(entry)
            except StoreUnavailable:
                raise
            except TemporaryFailure as exc:
                log.info("editing alert %s failed (%r); tried again later", entry.id, str(exc))
                continue
            except (ChannelRefused, Rejected) as exc:
                log.info("alert %s can't be edited (%r); left as it is", entry.id, str(exc))
            except Exception:
                log.exception("editing alert %s failed; left as it is", entry.id)
            else:
                edited += done
            await self._store.mark_edited(entry.id, outlets, now=now)
        return edited

    async def _edit_story_alert(self, entry: OutboxEntry) -> bool:
        assert entry.article_id is not None and entry.message_id is not None
        others = await self._store.story_outlets(entry.article_id, entry.guild_id)
        message = await self._render(entry, channel_id=entry.channel_id, also=others)
        if message is None or not others:
            return False
        if entry.kind is OutboxKind.DM and entry.user_id is not None:
            await self._sender.edit_dm(entry.user_id, entry.message_id, message)
        else:
            await self._sender.edit(entry.channel_id, entry.message_id, message)
        return True

    async def queue_due_digests(self) -> int:
        """Queue every digest whose time has come (see ``DigestQueue.queue_due``)."""
        return await self._digests.queue_due()

    async def _style_of(self, entry: OutboxEntry, channel_id: int) -> AlertStyle:
        """How an alert looks: its route's style, else its channel's; a DM, the standard."""
        if entry.kind is OutboxKind.DM:
            return STANDARD_STYLE
        if entry.style is not None:
            return AlertStyle.decode(entry.style)
        return AlertStyle.decode(await self._store.channel_style(channel_id))

    async def _article_of(self, entry: OutboxEntry) -> tuple[Article, Source] | None:
        """The stored article an alert is about, with its source (None if either is gone)."""
        article = await self._store.article(entry.article_id) if entry.article_id else None
        source = await self._store.get_source(article.source_id) if article else None
        return (article, source) if article is not None and source is not None else None

    async def _refused(
        self,
        entry: OutboxEntry,
        reason: str,
        report: DeliveryReport,
        *,
        channel_id: int | None = None,
    ) -> None:
        now = self._clock()
        channel_id = channel_id or entry.channel_id
        first = await self._store.block_channel(channel_id, entry.guild_id, reason, now=now)
        report.dropped += 1
        log.warning("channel %s refused alerts: %r", channel_id, reason)
        if first:
            guild = await self._store.guild(entry.guild_id)
            text = (
                f"newsbot can no longer post alerts in <#{channel_id}> ({reason}). "
                "Alerts for this server are paused: give the bot View Channel, Send Messages "
                "and Embed Links there, or pick another channel with `/alerts channel`."
            )
            try:
                await self._sender.tell_admins(
                    entry.guild_id, guild.configured_by if guild else None, text
                )
            except (ChannelRefused, TemporaryFailure, Rejected) as exc:
                log.warning("could not tell admins of %s: %r", entry.guild_id, str(exc))

    async def _retry(self, entry: OutboxEntry, reason: str, report: DeliveryReport) -> None:
        attempts = entry.attempts + 1
        delay = min(600.0, 5.0 * 2**attempts)
        give_up = attempts >= MAX_ATTEMPTS
        await self._store.mark_retry(
            entry.id,
            reason,
            next_attempt_at=self._clock() + timedelta(seconds=delay),
            give_up=give_up,
        )
        report.retried += 1
        log.info(
            "alert %s to %s failed (%r); attempt %d", entry.id, entry.channel_id, reason, attempts
        )

    async def queue_source_notices(self) -> int:
        """Tell servers about sources failing for over a day, and again when they recover."""
        now = self._clock()
        notices = await self._store.source_health_notices(failing_before=now - FAILING_NOTICE_AFTER)
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
            await self._store.record_source_notice(notice, body, now=now)
        return len(notices)


def _by_dm(entry: OutboxEntry) -> bool:
    """A person's digest (sent by DM, like their alerts)."""
    return entry.kind is OutboxKind.DIGEST and entry.user_id is not None
