"""What happened to each outbox row after an attempt: sent, retried, given up, or its channel
blocked (and its server's admins told once).

A row is marked sent with its message id after the send; if the store refuses that write
(locked, disk full), the message id is kept in memory and recorded in a later round, without
sending again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.errors import StoreUnavailable
from bot.records import OutboxEntry, ThreadMode
from bot.sending import (
    MAX_ATTEMPTS,
    POISON_ATTEMPTS,
    POISON_RETRY,
    ChannelRefused,
    DeliveryReport,
    Rejected,
    Sender,
    TemporaryFailure,
)
from bot.threads import permissions_needed

if TYPE_CHECKING:
    from bot.storage.guilds import Guilds
    from bot.storage.outbox import Outbox
    from bot.storage.topics import Topics

# Part of delivering: its lines keep delivery's name (operators filter on it).
log = logging.getLogger("bot.delivery")


class DeliveryLedger:
    """Records the outcome of each attempt at an outbox row."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        guilds: Guilds,
        topics: Topics,
        sender: Sender,
        clock: Callable[[], datetime],
    ) -> None:
        """Keep the outbox written to, the servers' admins (``guilds``) and people whose DMs
        are closed (``topics``), the sender admins are told through, and the clock."""
        self._outbox = outbox
        self._guilds = guilds
        self._topics = topics
        self._sender = sender
        self._clock = clock
        # Sent, but the store refused to record it: (outbox id -> message id) until it is
        # recorded, so the alert is not posted again while the database is unavailable.
        self._unrecorded: dict[int, int] = {}

    def unrecorded(self, entry_id: int) -> int | None:
        """The message a row was sent as, when the store refused to record it."""
        return self._unrecorded.get(entry_id)

    async def record_sent(
        self, entry_ids: Sequence[int], message_id: int, *, summarized: bool = False
    ) -> None:
        """Mark rows sent as ``message_id`` (kept in memory if the store refuses)."""
        try:
            await self._outbox.mark_sent(
                entry_ids, message_id, now=self._clock(), summarized=summarized
            )
        except StoreUnavailable:
            self._unrecorded.update(dict.fromkeys(entry_ids, message_id))
            raise
        for entry_id in entry_ids:
            self._unrecorded.pop(entry_id, None)

    async def poisoned(
        self, entries: Sequence[OutboxEntry], reason: str, report: DeliveryReport
    ) -> None:
        """One more failed attempt at each of these rows; the POISON_ATTEMPTS-th gives up."""
        now = self._clock()
        for entry in entries:
            attempts = entry.attempts + 1
            give_up = attempts >= POISON_ATTEMPTS
            await self._outbox.mark_retry(
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

    async def refused(
        self,
        entry: OutboxEntry,
        reason: str,
        report: DeliveryReport,
        *,
        channel_id: int | None = None,
        mode: ThreadMode | None = None,
    ) -> None:
        """The channel refused alerts: it is blocked, and its server's admins told once what
        the bot needs there (``mode``: a forum's or per-story channel's thread permissions)."""
        now = self._clock()
        channel_id = channel_id or entry.channel_id
        first = await self._outbox.block_channel(channel_id, entry.guild_id, reason, now=now)
        report.dropped += 1
        log.warning("channel %s refused alerts: %r", channel_id, reason)
        if first:
            guild = await self._guilds.guild(entry.guild_id)
            text = (
                f"newsbot can no longer post alerts in <#{channel_id}> ({reason}). "
                f"Alerts for this server are paused: give the bot {permissions_needed(mode)} "
                "there, or pick another channel with `/alerts channel`."
            )
            try:
                await self._sender.tell_admins(
                    entry.guild_id, guild.configured_by if guild else None, text
                )
            except (ChannelRefused, TemporaryFailure, Rejected) as exc:
                log.warning("could not tell admins of %s: %r", entry.guild_id, str(exc))

    async def dms_closed(
        self,
        entries: Sequence[OutboxEntry],
        user_id: int | None,
        reason: str,
        report: DeliveryReport,
    ) -> None:
        """A person's DMs are closed (or a 'here' alert's channel refused): these rows are
        dropped, and the person is told the next time they use a command."""
        for entry in entries:
            await self._outbox.mark_retry(
                entry.id, reason, next_attempt_at=self._clock(), give_up=True
            )
        if user_id is not None:
            await self._topics.mark_dms_closed(user_id, now=self._clock())
        report.dropped += len(entries)

    async def retry(self, entry: OutboxEntry, reason: str, report: DeliveryReport) -> None:
        """A temporary failure: tried again with backoff, given up after MAX_ATTEMPTS."""
        attempts = entry.attempts + 1
        delay = min(600.0, 5.0 * 2**attempts)
        give_up = attempts >= MAX_ATTEMPTS
        await self._outbox.mark_retry(
            entry.id,
            reason,
            next_attempt_at=self._clock() + timedelta(seconds=delay),
            give_up=give_up,
        )
        report.retried += 1
        log.info(
            "alert %s to %s failed (%r); attempt %d", entry.id, entry.channel_id, reason, attempts
        )
