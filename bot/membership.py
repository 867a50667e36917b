"""Whether someone is still a member of a server (core; no discord imports).

The bot has no privileged intents, so Discord never says when a member leaves. Before a person's
alert from a server is delivered, delivery asks: through a ``MemberLookup`` (the Discord side
answers with the REST member lookup, which needs no intent), remembered for a few hours. A
person who left has their topics in that server removed, and nothing is sent to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

MEMBER_CACHE = timedelta(hours=3)
"""How long a lookup that found someone a member is trusted."""
MAX_REMEMBERED = 100_000
"""Most lookups kept (expired ones are dropped first when there are more)."""


class MemberLookup(Protocol):
    """Asks Discord whether someone is in a server."""

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        """Whether the user is a member of the server now. False when Discord says they (or
        the bot) are not in it; raises ``bot.sending.TemporaryFailure`` when it can't say."""


class Membership:
    """Member lookups, each one remembered for ``MEMBER_CACHE`` when the answer was yes (a no
    removes the person's topics there, so it needn't be remembered)."""

    def __init__(
        self,
        lookup: MemberLookup,
        *,
        clock: Callable[[], datetime],
        remember: timedelta = MEMBER_CACHE,
    ) -> None:
        """Ask through lookup, remembering answers for a while."""
        self._lookup = lookup
        self._clock = clock
        self._remember = remember
        self._known: dict[tuple[int, int], datetime] = {}

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        """Whether the user is still in the server (cached)."""
        now = self._clock()
        key = (guild_id, user_id)
        until = self._known.get(key)
        if until is not None and now < until:
            return True
        if not await self._lookup.is_member(guild_id, user_id):
            self._known.pop(key, None)
            return False
        if len(self._known) >= MAX_REMEMBERED:
            self._known = {k: t for k, t in self._known.items() if t > now}
            if len(self._known) >= MAX_REMEMBERED:
                self._known.clear()
        self._known[key] = now + self._remember
        return True
