"""What delivery sends through (the ``Sender`` the Discord layer implements), how a send
fails, and what a delivery round reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.messages import OutgoingMessage
from bot.threads import ForumTag

MAX_ATTEMPTS = 8
POISON_ATTEMPTS = 3
"""A message Discord rejects, or one newsbot fails to prepare, is given up after this many
attempts (with the reason), and its channel's queue goes on without it."""
POISON_RETRY = timedelta(seconds=2)
"""Wait before the next attempt at such a message, times the attempts so far."""


class ChannelRefused(Exception):
    """Discord said 403 (missing access/permissions) or 404 (unknown channel)."""


class TemporaryFailure(Exception):
    """5xx, a timeout, a dropped connection: try again later."""


class Rejected(Exception):
    """Discord refused this message itself (a 4xx other than 403, 404 and 429): sent again
    unchanged, it would be refused again."""


class ThreadGone(Exception):
    """Discord says the thread (or forum post) no longer exists: a moderator deleted it."""


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

    # ---- forums and threads (bot.thread_delivery)

    async def forum_tags(self, forum_id: int) -> list[ForumTag]:
        """The forum's own tags."""

    async def create_forum_post(
        self, forum_id: int, name: str, message: OutgoingMessage, tags: Sequence[int]
    ) -> int:
        """Open a post in a forum; its id (which is its first message's)."""

    async def forum_posts_named(self, guild_id: int, forum_id: int, name: str) -> list[int]:
        """The forum's open posts made by the bot with this title, newest first."""

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Start a thread from a message; its id (the message's, also when the message
        already has one)."""

    async def send_in_thread(self, thread_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        """Post in a thread, unarchiving it first if Discord archived it; the message id.
        ThreadGone when a moderator deleted it."""


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
