"""The tables of the Discord side: servers and what they watch, the outbox, people's topics and
servers' routes, digests, quiet hours, styles and threads, and the processes' own records (part of
``bot.storage.schema``, which names them all)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.storage.schema_base import UTCDateTime, metadata

guilds = Table(
    "guilds",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("alerts_channel_id", BigInteger),
    Column("configured_by", BigInteger),
    Column("joined_at", UTCDateTime(), nullable=False),
    Column("left_at", UTCDateTime()),
)

guild_sources = Table(
    "guild_sources",
    metadata,
    Column("guild_id", BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("added_by", BigInteger),
    Column("added_at", UTCDateTime(), nullable=False),
    Column("failing_notified", Boolean, nullable=False, default=False),
    # The server's controls: paused (no alerts here; not polled if every server paused it),
    # its poll interval (NULL: the default), a User-Agent for sites refusing the default, and
    # its own name for the source (NULL: the feed's title).
    Column("paused_at", UTCDateTime()),
    Column("interval_seconds", Integer),
    Column("user_agent", String(300)),
    Column("name", String(300)),
    Index(None, "source_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("guild_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger, nullable=False),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE")),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE")),
    Column("body", Text),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("message_id", BigInteger),
    Column("last_error", String(1000)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("user_id", BigInteger),
    Column("role_id", BigInteger),
    Column("explanation", Text),
    # For alerts of a story other outlets also carry: the outlet count the message last showed.
    Column("shown_outlets", Integer),
    Column("edited_at", UTCDateTime()),
    # Which delivery process sends the row now, and until when.
    Column("claimed_by", String(100)),
    Column("claimed_until", UTCDateTime()),
    # A route's alert style, as it was when the alert was queued (bot.alerts.AlertStyle).
    Column("style", String(60)),
    # The matched topic terms' words (a JSON list): the alert prefers quotes that mention them.
    Column("terms", Text),
    # The alert's story: one alert per destination per story (the index below; bot.routing).
    Column("story_id", Integer),
    # A personal alert held through its person's quiet hours: since when (None: never held).
    Column("held_at", UTCDateTime()),
    UniqueConstraint("kind", "channel_id", "article_id"),
    Index(None, "kind", "channel_id", "story_id", unique=True),
    Index(None, "status", "next_attempt_at"),
    Index(None, "channel_id", "sent_at"),
    Index(None, "guild_id", "sent_at"),
)

channels = Table(
    "channels",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False),
    Column("blocked_reason", String(300)),
    Column("blocked_at", UTCDateTime()),
    Column("admins_told_at", UTCDateTime()),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("guild_id", BigInteger, nullable=False),
    Column("topic", String(400), nullable=False),
    Column("typed", String(400), nullable=False),
    Column("delivery", String(8), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("dm_closed_at", UTCDateTime()),
    # A digest's schedule (bot.digests.Schedule as text); None: each article as it comes.
    Column("digest", String(80)),
    UniqueConstraint("user_id", "guild_id", "topic"),
    Index(None, "guild_id"),
)

routes = Table(
    "routes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger, nullable=False),
    Column("topic", String(400)),
    Column("typed", String(400)),
    Column("role_id", BigInteger),
    Column("paused", Boolean, nullable=False),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("style", String(60)),
    # A digest's schedule (bot.digests.Schedule as text); None: each article as it comes.
    Column("digest", String(80)),
    UniqueConstraint("guild_id", "channel_id", "topic"),
)

digest_runs = Table(
    "digest_runs",
    metadata,
    Column("owner", String(8), primary_key=True),
    Column("owner_id", Integer, primary_key=True, autoincrement=False),
    Column("due_at", UTCDateTime(), primary_key=True),
    Column("guild_id", BigInteger, nullable=False, index=True),
    Column("queued_at", UTCDateTime(), nullable=False),
)
"""One row per digest queued (a route's or a subscription's, for one due time), written in the
transaction that queues its outbox row: a digest is queued once, whatever restarts or however
many processes look."""

quiet_hours = Table(
    "quiet_hours",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("hours", String(80), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
"""A person's quiet hours for DM alerts (bot.quiet.QuietHours as text), in every server."""

channel_styles = Table(
    "channel_styles",
    metadata,
    Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False, index=True),
    Column("style", String(60), nullable=False),
    Column("set_by", BigInteger),
    Column("set_at", UTCDateTime(), nullable=False),
)
"""How a channel's alerts look (``/alerts style``; bot.alerts.AlertStyle as text). A route's
own style, on its row, comes first for the alerts it brings."""


channel_threads = Table(
    "channel_threads",
    metadata,
    Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False, index=True),
    Column("mode", String(16), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)
"""Channels whose alerts go in a post or thread per story (bot.records.ThreadMode)."""

story_threads = Table(
    "story_threads",
    metadata,
    Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    Column("story_id", Integer, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False, index=True),
    Column("thread_id", BigInteger),
    Column("attempted_at", UTCDateTime()),
    Column("lines_sent_at", UTCDateTime()),
    Column("deleted_at", UTCDateTime()),
)
"""Each story's thread or forum post in a channel: its id is written in the transaction that
marks the story's first alert there sent; ``attempted_at`` is set before a forum post is made
(a crash between the two leaves it to be found, not made twice)."""


counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
"""Numbers every process can watch: ``topics`` goes up with each change to a route or a
subscription, so workers elsewhere know to reload their matcher."""
TOPICS_COUNTER = "topics"

topic_changes = Table(
    "topic_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("row_id", BigInteger, nullable=False),
)
"""Each change to routes or subscriptions, under the ``topics`` counter's value it raised it to:
``kind`` is "route" or "subscription" (``row_id`` the changed row, present or gone) or "server"
(``row_id`` a server whose routes and topics all went). The last TOPIC_CHANGES_KEPT changes
are kept; a process further behind reloads everything."""
TOPIC_CHANGES_KEPT = 10_000

processes = Table(
    "processes",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("shards", String(200)),
    Column("version", String(40), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
)
"""The processes running now (each writes its row every few seconds): the status page's list of
gateway processes and workers."""

activity_counts = Table(
    "activity",
    metadata,
    Column("minute", UTCDateTime(), primary_key=True),
    Column("kind", String(24), primary_key=True),
    Column("count", Integer, nullable=False),
)
"""Polls and alerts per minute, by outcome, added up across processes (the status page's
charts; kept for a day)."""
