"""Digests as the delivery sends them: which are due now (queued once each, for the period
since the previous one), and each one's message, read from the store when it is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alerts import STANDARD_STYLE, AlertStyle, KeyQuote
from bot.digests import (
    DigestEntry,
    DigestRun,
    Schedule,
    ScheduleError,
    digest_message,
    digest_title,
)
from bot.messages import OutgoingMessage
from bot.quotes import trim_quote
from bot.records import OutboxEntry
from bot.topics import parse_topic

if TYPE_CHECKING:
    from bot.storage.digests import Digests
    from bot.storage.guilds import Guilds
    from bot.storage.queries import Queries

log = logging.getLogger(__name__)

DIGEST_GRACE = timedelta(hours=6)
"""A digest not queued within this long of its time (the bot was off) is skipped, not sent late."""
DIGEST_READ = 200
"""Most stories one digest reads (ranked by outlets, then the newest)."""


class DigestQueue:
    """Queues the digests that are due and renders each when it is sent."""

    def __init__(
        self,
        *,
        digests: Digests,
        guilds: Guilds,
        queries: Queries,
        clock: Callable[[], datetime],
    ) -> None:
        """Digests of routes and people's topics (``digests``), each read from its server's
        sources (``guilds``) through ``queries``; ``clock`` says when now is."""
        self._digests = digests
        self._guilds = guilds
        self._queries = queries
        self._clock = clock

    async def queue_due(self) -> int:
        """Queue every digest whose time has come (within DIGEST_GRACE of it): each once, for
        the period since its previous one. Returns how many this call queued."""
        now = self._clock()
        queued = 0
        for owner in await self._digests.digest_owners():
            try:
                schedule = Schedule.decode(owner.schedule)
            except ScheduleError:
                log.warning("%s %s has an unreadable digest schedule", owner.owner, owner.id)
                continue
            due = schedule.previous_before(now)
            if due < owner.created_at or now - due > DIGEST_GRACE:
                continue  # set up after that time, or long missed (the bot was off)
            run = DigestRun(
                digest_title(schedule, owner.typed),
                owner.topic,
                since=schedule.previous_before(due - timedelta(microseconds=1)),
                until=due,
            )
            queued += await self._digests.queue_digest(owner, due, run.encode(), now=now)
        return queued

    async def render(
        self, entry: OutboxEntry, style: AlertStyle = STANDARD_STYLE
    ) -> OutgoingMessage:
        """A digest's message in this style: the period's stories from the server's own
        sources."""
        from bot.storage.fulltext import UnsearchableQuery

        run = DigestRun.decode(entry.body or "")
        scope = [s.id for s in await self._guilds.guild_source_names(entry.guild_id)]
        try:
            found = await self._queries.latest(
                scope,
                run.since,
                topic=parse_topic(run.topic) if run.topic else None,
                limit=DIGEST_READ,
            )
        except UnsearchableQuery:
            found = []
        entries = [
            DigestEntry(
                item.title,
                item.url,
                outlets=item.outlets,
                published=item.published,
                quote=(
                    KeyQuote(trim_quote(item.quote.text), item.quote.speaker, item.quote.role)
                    if item.quote is not None and item.quote.speaker
                    else None
                ),
                image=item.image,
            )
            for item in found
            if item.published < run.until
        ]
        return digest_message(run.title, entries, style=style, role_id=entry.role_id)
