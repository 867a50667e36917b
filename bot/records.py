"""The record types every layer shares: plain frozen values the store reads and writes and the
services pass around (no imports from the rest of the bot, so anything may import them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# ---- alerts and the outbox ------------------------------------------------------------------


class OutboxKind(StrEnum):
    """What an outbox row is: a channel alert, a notice to admins, or a personal alert."""

    ALERT = "alert"
    NOTICE = "notice"
    DM = "dm"
    """A personal alert; ``channel_id`` holds the user's id (one alert per person per article)."""
    HERE = "here"
    """A personal alert posted in the server's alerts channel with a mention; ``channel_id``
    holds the user's id, as for DMs."""
    DIGEST = "digest"
    """A route's or a person's digest: ``body`` says whose and which period (bot.digests);
    ``channel_id`` is the route's channel, or the person's id (sent by DM)."""
    LINE = "line"
    """A later copy of a story, as one line in the story's thread or forum post:
    ``channel_id`` is the thread's parent (the forum or text channel)."""


class ThreadMode(StrEnum):
    """How a channel takes alerts: each story in its own forum post or thread."""

    FORUM = "forum"
    """A forum channel: each story opens a post."""
    PER_STORY = "per-story"
    """A text channel where each story's alert starts a thread."""


@dataclass(frozen=True, slots=True)
class StoryThread:
    """A story's thread (or forum post) in one channel."""

    channel_id: int
    story_id: int
    guild_id: int
    thread_id: int | None
    """None while its creation is under way (or was interrupted by a crash)."""
    attempted_at: datetime | None
    """When creating it was last begun: a crash after that may have left a post to find."""
    lines_sent_at: datetime | None
    deleted_at: datetime | None
    """A moderator deleted it: it is never made again for that story."""


class OutboxStatus(StrEnum):
    """Where an outbox row is in its life."""

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
    """A server the bot is or was in, and where its alerts go."""

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
    style: str | None = None
    """The route's alert style (``AlertStyle.encode()``), when it came through a route that has
    one; else the channel's style applies when it is sent."""
    terms: tuple[str, ...] = ()
    """The matched terms' words: the alert prefers key quotes that mention them."""


@dataclass(frozen=True, slots=True)
class Watching:
    """Who watches a source, as the router reads it before the source's new articles are
    stored."""

    guilds: frozenset[int]
    """The servers watching it, unpaused."""
    alert_channels: tuple[tuple[int, int], ...] = ()
    """(server, channel) of each such server's alerts channel, where it has one that works
    (the bot still in the server, the channel not blocked); in server order."""
    thread_channels: tuple[tuple[int, int], ...] = ()
    """(server, channel) of each such server's channels that post a story's later copies as
    lines in its thread (``bot.records.ThreadMode``); in server, then channel order."""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One queued message: an alert or notice, to be sent exactly once."""

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
    style: str | None = None
    """The route's alert style it was queued with (None: the channel's, when sent)."""
    terms: tuple[str, ...] = ()
    """The words of the topic terms that matched (stored as data with the row)."""
    held: bool = False
    """A personal alert that was held through its person's quiet hours."""

    @property
    def nonce(self) -> str:
        """Discord's nonce (at most 25 characters), the same on every attempt."""
        return f"nb-{self.id}"


# ---- people's topics and servers' routes ------------------------------------------------


class Delivery(StrEnum):
    """How a person's alerts reach them."""

    DM = "dm"
    HERE = "here"
    """A mention in the server's alerts channel (for people whose DMs are closed)."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """A person's topic in a server."""

    id: int
    user_id: int
    guild_id: int
    topic: str
    """Normal form."""
    typed: str
    delivery: Delivery
    digest: str | None = None
    """A daily or weekly digest's schedule (``bot.digests.Schedule.encode()``), sent by DM;
    None: each matching article as it comes."""


@dataclass(frozen=True, slots=True)
class Route:
    """A server's topic route: the articles matching it go to a channel."""

    id: int
    guild_id: int
    channel_id: int
    topic: str | None
    """Normal form; None routes every article of the server's sources."""
    typed: str | None
    role_id: int | None
    paused: bool
    style: str | None = None
    """How its alerts look (``AlertStyle.encode()``); None: as the channel's."""
    digest: str | None = None
    """A daily or weekly digest's schedule (``bot.digests.Schedule.encode()``); None: each
    matching article as it comes."""


class Added(StrEnum):
    """What adding a person's topic did."""

    ADDED = "added"
    ALREADY = "already"
    """They already follow it (the same normal form) in that server."""
    FULL = "full"
    """They already follow as many topics in that server as one person may."""


class TopicChange(StrEnum):
    """What one logged change to topics names."""

    ROUTE = "route"
    SUBSCRIPTION = "subscription"
    SERVER = "server"
    """A server whose routes and topics all went (the bot was removed from it)."""


@dataclass(frozen=True, slots=True)
class TopicChanges:
    """The routes and subscriptions changed (added, removed or edited) since some version,
    and the servers whose routes and topics all went."""

    routes: frozenset[int]
    subscriptions: frozenset[int]
    servers: frozenset[int]


@dataclass(frozen=True, slots=True)
class DigestOwner:
    """A route or a person's topic delivered as a digest, as the scheduler needs it."""

    owner: str
    """"route" or "sub" (a person's subscription)."""
    id: int
    guild_id: int
    channel_id: int
    """Where it goes: the route's channel, or the person's id (a DM)."""
    user_id: int | None
    role_id: int | None
    topic: str | None
    """Normal form (None: every article of the server's sources)."""
    typed: str | None
    schedule: str
    """``bot.digests.Schedule.encode()``."""
    created_at: datetime
    style: str | None = None
    """A route's alert style (``bot.alerts.AlertStyle.encode()``); its digests take it."""
