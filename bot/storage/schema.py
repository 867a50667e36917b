"""Table definitions (SQLAlchemy Core), shared by the store's queries and checked against the
migrations by a test. Portable types only, so the same schema runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every engine; always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """A time as stored: naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """A stored time as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2048), nullable=False, unique=True),
    Column("added_url", String(2048), nullable=False),
    Column("title", String(1000)),
    Column("site_url", String(2048)),
    Column("etag", String(1000)),
    Column("last_modified", String(200)),
    Column("status", String(16), nullable=False),
    Column("next_poll_at", UTCDateTime()),
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_error", String(1000)),
    Column("failing_since", UTCDateTime()),
    Column("last_success_at", UTCDateTime()),
    Column("last_polled_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    # Which worker polls the source now, and until when (a dead worker's lease runs out).
    Column("lease_owner", String(100)),
    Column("lease_until", UTCDateTime()),
    # What it is polled with, from its servers' choices (guild_sources): the shortest interval
    # they asked for (NULL: one of them wants POLL_INTERVAL_SECONDS), and a User-Agent one of
    # them set.
    Column("interval_seconds", Integer),
    Column("user_agent", String(300)),
    # Articles stored without a stage's work, and items given up, since the source was added.
    Column("degraded_items", Integer, nullable=False, server_default="0"),
    Column("given_up_items", Integer, nullable=False, server_default="0"),
    Index(None, "next_poll_at"),
)

seen_items = Table(
    "seen_items",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("item_key", String(40), primary_key=True),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    # SQLite: the primary key is the table (one B-tree, not two); other engines ignore this.
    sqlite_with_rowid=False,
)

item_failures = Table(
    "item_failures",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("item_key", String(40), primary_key=True),
    Column("link", String(2048)),
    Column("attempts", Integer, nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("first_failed_at", UTCDateTime(), nullable=False),
    Column("last_failed_at", UTCDateTime(), nullable=False),
    Column("given_up_at", UTCDateTime()),
    Index(None, "last_failed_at"),
)
"""Items that could not be made into an article (not even degraded): each poll tries again
until MAX_ATTEMPTS, then the item is recorded as seen and ``given_up_at`` says when."""

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("item_key", String(40), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("canonical_url", String(2048)),
    Column("title", Text, nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("author", String(1000)),
    Column("site_name", String(1000)),
    Column("lead", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("image_url", String(2048)),
    Column("from_page", Boolean, nullable=False),
    Column("fetched_at", UTCDateTime(), nullable=False),
    # Words only the full-text index sees: the source and its domain levels.
    Column("search_tags", Text, nullable=False, server_default=""),
    Column("story_id", Integer),
    # What the article was stored without, and why ("quotes: TypeError: ..."); None: nothing.
    Column("degraded", String(1000)),
    UniqueConstraint("source_id", "item_key"),
    Index(None, "published_at"),
    Index(None, "canonical_url"),
    Index(None, "fetched_at"),
    Index(None, "source_id", "published_at"),
    Index(None, "story_id"),
    # What counting and ranking need without reading rows (not yet forced on SQLite's planner).
    Index(None, "id", "published_at", "source_id", "story_id"),
)

stories = Table(
    "stories",
    metadata,
    # The id of the story's first article.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("first_at", UTCDateTime(), nullable=False),
    Column("latest_at", UTCDateTime(), nullable=False),
    Column("articles", Integer, nullable=False),
    Column("outlets", Integer, nullable=False),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("speaker", String(200)),
    Column("role", String(300)),
    Column("cue", String(40)),
    Column("attribution", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("is_key", Boolean, nullable=False),
    Column("spans", Text, nullable=False),
    Column("speaker_kind", String(16)),
    Index(None, "article_id", "speaker"),
    Index(None, "speaker", "article_id"),
)

speaker_names = Table(
    "speaker_names",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
)
"""Every name quotations were attributed to, numbered."""

quoted_speakers = Table(
    "quoted_speakers",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_id", Integer, ForeignKey("speaker_names.id"), primary_key=True),
    Column("quotes", Integer, nullable=False),
    sqlite_with_rowid=False,
)
"""Who each article quotes, and how many of its quotations each: /news coverage counts the
speakers of thousands of articles in the database, by number (migration 0015)."""

article_hours = Table(
    "article_hours",
    metadata,
    # Hours since 1970-01-01 UTC of a publication time.
    Column("hour", Integer, primary_key=True, autoincrement=False),
    Column("first_id", Integer, nullable=False),
)
"""Per publication hour, an id no greater than that of any stored article published in that hour
(the /news window's lower bound; see ``bot.storage.queries.first_id_since``). Made again from
the articles by an import, never exported."""

speakers = Table(
    "speakers",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    # The name's folded words, a space before each: "any part of the name" is LIKE '% part%'.
    Column("name_key", String(200), nullable=False),
    Column("quotes", Integer, nullable=False),
    Column("last_quoted_at", UTCDateTime(), nullable=False),
)
"""Who has been quoted (key quotes), per source: the speaker autocomplete of /news quotes."""

speaker_words = Table(
    "speaker_words",
    metadata,
    Column("word", String(100), primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    # The speaker's key quotes in that source (speakers.quotes again): the autocomplete ranks
    # from this index alone.
    Column("quotes", Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)
"""Each word of each speaker's name: a typed prefix is a range of this index."""

FULL_TEXT_TABLES = ("articles_fts", "article_keys")
"""Engine-managed tables: SQLite's FTS5 full-text table (with its shadow tables) and its
``article_keys`` (each article's id, publication time, source and story as integers, kept by
triggers for the full-text queries; see ``bot.storage.rows.Keys``). Made by the migrations, never by
this metadata, and skipped when the two are compared."""


FULL_TEXT_COLUMNS = ("search_vector", "ix_articles_search_vector")
"""PostgreSQL's full-text index: a generated tsvector column of articles and its GIN index,
likewise made by the migrations only (no query selects the column)."""


def is_full_text_table(name: str | None) -> bool:
    """Whether a table belongs to the full-text index (made by the engine, not by metadata)."""
    return bool(name) and any(str(name).startswith(t) for t in FULL_TEXT_TABLES)


def is_full_text_column(name: str | None) -> bool:
    """A column or index of the full-text index (skipped when schemas are compared)."""
    return name in FULL_TEXT_COLUMNS


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
    # A personal alert held through its person's quiet hours: since when (None: never held).
    Column("held_at", UTCDateTime()),
    UniqueConstraint("kind", "channel_id", "article_id"),
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
