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
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.alerts import (
    OutgoingMessage,
    alert_for,
    alert_message,
    clean_text,
    notice_message,
    summary_message,
    terms_of,
)
from bot.errors import StoreUnavailable

if TYPE_CHECKING:
    from bot.articles import Article
    from bot.membership import Membership
    from bot.sources import Source
    from bot.store import Store

log = logging.getLogger(__name__)

CAP_WINDOW = timedelta(minutes=10)
MAX_ATTEMPTS = 8
FAILING_NOTICE_AFTER = timedelta(days=1)


class OutboxKind(StrEnum):
    ALERT = "alert"
    NOTICE = "notice"
    DM = "dm"
    """A personal alert; ``channel_id`` holds the user's id (one alert per person per article)."""
    HERE = "here"
    """A personal alert posted in the server's alerts channel with a mention; ``channel_id``
    holds the user's id, as for DMs."""


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SUMMARIZED = "summarized"
    """Went out inside an overflow summary message."""
    DROPPED = "dropped"
    """Not sent on purpose: channel refused us, source removed, bot removed."""
    FAILED = "failed"
    """Gave up after repeated transient failures."""


@dataclass(frozen=True, slots=True)
class GuildConfig:
    id: int
    alerts_channel_id: int | None
    configured_by: int | None
    left_at: datetime | None


@dataclass(frozen=True, slots=True)
class Planned:
    """An alert to queue with its article: where, for whom, which role, and why."""

    kind: OutboxKind
    guild_id: int
    channel_id: int
    user_id: int | None
    role_id: int | None
    explanation: str | None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    kind: OutboxKind
    guild_id: int
    channel_id: int
    article_id: int | None
    source_id: int | None
    body: str | None
    status: OutboxStatus
    attempts: int
    message_id: int | None
    last_error: str | None
    user_id: int | None = None
    role_id: int | None = None
    explanation: str | None = None

    @property
    def nonce(self) -> str:
        """Discord's nonce (at most 25 characters), the same on every attempt."""
        return f"nb-{self.id}"


class ChannelRefused(Exception):
    """Discord said 403 (missing access/permissions) or 404 (unknown channel)."""


class TemporaryFailure(Exception):
    """5xx, a timeout, a dropped connection: try again later."""


STORY_EDITS_FOR = timedelta(hours=48)
STORY_EDIT_EVERY = timedelta(minutes=1)


class Sender(Protocol):
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
    sent: int = 0
    summarized: int = 0
    retried: int = 0
    dropped: int = 0
    channels: set[int] = field(default_factory=set)


class Deliverer:
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
        self._left: set[tuple[int, int]] = set()
        """(server, person) found gone this round: their other queued alerts are dropped."""

    def stop(self) -> None:
        """Take no new work; sends in flight finish and are recorded."""
        self._stopping = True

    async def deliver_due(self) -> DeliveryReport:
        """Send every due outbox row, channels in parallel, each channel in order."""
        report = DeliveryReport()
        self._left.clear()
        due = await self._store.claim_due_outbox(
            self._clock(), owner=self._owner, hold=self._hold, shards=self._shards
        )
        by_channel: dict[int, list[OutboxEntry]] = {}
        for entry in due:
            by_channel.setdefault(entry.channel_id, []).append(entry)
        await asyncio.gather(
            *(self._deliver_channel(entries, report) for entries in by_channel.values())
        )
        return report

    async def _deliver_channel(self, entries: list[OutboxEntry], report: DeliveryReport) -> None:
        channel_id = entries[0].channel_id
        report.channels.add(channel_id)
        now = self._clock()
        room = max(0, self._cap - await self._store.sent_since(channel_id, now - CAP_WINDOW))
        alerts = [e for e in entries if e.kind is OutboxKind.ALERT]
        overflow = alerts[room:]
        rolled_up = {e.id for e in overflow}
        try:
            for entry in entries:
                if self._stopping:
                    return
                if entry.id in rolled_up:
                    continue
                if not await self._send_one(entry, report):
                    return
            if overflow and not self._stopping:
                await self._send_summary(overflow, report)
        except StoreUnavailable as exc:
            # The rest of this channel's queue waits for a later round, in order.
            log.warning("delivery to %s paused for this round: %s", channel_id, exc)

    async def _send_one(self, entry: OutboxEntry, report: DeliveryReport) -> bool:
        """Send one row. False when the channel is refused (nothing more goes there)."""
        if entry.id in self._unrecorded:
            await self._record_sent([entry.id], self._unrecorded[entry.id])
            report.sent += 1
            return True
        if entry.kind in (OutboxKind.DM, OutboxKind.HERE) and not await self._still_member(
            entry, report
        ):
            return True
        message = await self._render(entry)
        if message is None:
            await self._store.mark_retry(
                entry.id, "its article is gone", next_attempt_at=self._clock(), give_up=True
            )
            return True
        try:
            if entry.kind is OutboxKind.DM and entry.user_id is not None:
                message_id = await self._sender.send_dm(entry.user_id, message, nonce=entry.nonce)
            elif entry.kind is OutboxKind.HERE:
                guild = await self._store.guild(entry.guild_id)
                if guild is None or guild.alerts_channel_id is None:
                    await self._store.mark_retry(
                        entry.id,
                        "the server has no alerts channel",
                        next_attempt_at=self._clock(),
                        give_up=True,
                    )
                    report.dropped += 1
                    return True
                message_id = await self._sender.send(
                    guild.alerts_channel_id, message, nonce=entry.nonce
                )
            else:
                message_id = await self._sender.send(entry.channel_id, message, nonce=entry.nonce)
        except ChannelRefused as exc:
            if entry.kind in (OutboxKind.DM, OutboxKind.HERE):
                # Closed DMs (or a channel gone): this alert is not sent; the person is told
                # the next time they use a command.
                await self._store.mark_retry(
                    entry.id, f"DMs closed: {exc}", next_attempt_at=self._clock(), give_up=True
                )
                if entry.user_id is not None and entry.kind is OutboxKind.DM:
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

    async def _send_summary(self, overflow: Sequence[OutboxEntry], report: DeliveryReport) -> None:
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
        rendered = []
        for entry in overflow:
            found = await self._article_of(entry)
            if found is not None:
                rendered.append(alert_for(*found))
        first = overflow[0]
        try:
            message_id = await self._sender.send(
                first.channel_id, summary_message(rendered), nonce=f"nb-s{first.id}"
            )
        except ChannelRefused as exc:
            await self._refused(first, str(exc), report)
            return
        except TemporaryFailure as exc:
            log.info("summary to %s failed (%r); retried next round", first.channel_id, str(exc))
            report.retried += len(overflow)
            return
        await self._record_sent([e.id for e in overflow], message_id, summarized=True)
        report.summarized += len(overflow)

    async def _render(
        self, entry: OutboxEntry, *, also: Sequence[str] = ()
    ) -> OutgoingMessage | None:
        if entry.kind is OutboxKind.NOTICE:
            return notice_message(entry.body or "")
        found = await self._article_of(entry)
        if found is None:
            return None
        article, source = found
        terms = terms_of(entry.explanation) if entry.explanation else ()
        return alert_message(
            alert_for(article, source, topic_terms=terms),
            explanation=entry.explanation,
            role_id=entry.role_id,
            user_id=entry.user_id if entry.kind is OutboxKind.HERE else None,
            also_reported_by=also,
        )

    async def update_story_alerts(self) -> int:
        """Edit sent alerts whose story other outlets now carry ("also reported by ..."): at
        most once a minute per message, and not after 48 hours. Returns how many were edited."""
        now = self._clock()
        behind = await self._store.story_alerts_behind(
            now, since=now - STORY_EDITS_FOR, edited_before=now - STORY_EDIT_EVERY
        )
        edited = 0
        for entry, outlets in behind:
            if self._stopping:
                break
            assert entry.article_id is not None and entry.message_id is not None
            others = await self._store.story_outlets(entry.article_id, entry.guild_id)
            message = await self._render(entry, also=others)
            if message is None or not others:
                await self._store.mark_edited(entry.id, outlets, now=now)
                continue
            try:
                if entry.kind is OutboxKind.DM and entry.user_id is not None:
                    await self._sender.edit_dm(entry.user_id, entry.message_id, message)
                else:
                    await self._sender.edit(entry.channel_id, entry.message_id, message)
            except ChannelRefused as exc:
                log.info("alert %s can't be edited (%r); left as it is", entry.id, str(exc))
            except TemporaryFailure as exc:
                log.info("editing alert %s failed (%r); tried again later", entry.id, str(exc))
                continue
            else:
                edited += 1
            await self._store.mark_edited(entry.id, outlets, now=now)
        return edited

    async def _article_of(self, entry: OutboxEntry) -> tuple[Article, Source] | None:
        """The stored article an alert is about, with its source (None if either is gone)."""
        article = await self._store.article(entry.article_id) if entry.article_id else None
        source = await self._store.get_source(article.source_id) if article else None
        return (article, source) if article is not None and source is not None else None

    async def _refused(self, entry: OutboxEntry, reason: str, report: DeliveryReport) -> None:
        now = self._clock()
        first = await self._store.block_channel(entry.channel_id, entry.guild_id, reason, now=now)
        report.dropped += 1
        log.warning("channel %s refused alerts: %r", entry.channel_id, reason)
        if first:
            guild = await self._store.guild(entry.guild_id)
            text = (
                f"newsbot can no longer post alerts in <#{entry.channel_id}> ({reason}). "
                "Alerts for this server are paused: give the bot View Channel, Send Messages "
                "and Embed Links there, or pick another channel with `/alerts channel`."
            )
            try:
                await self._sender.tell_admins(
                    entry.guild_id, guild.configured_by if guild else None, text
                )
            except (ChannelRefused, TemporaryFailure) as exc:
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
