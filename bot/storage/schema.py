"""Table definitions (SQLAlchemy Core), shared by the store's queries and checked against the
migrations by a test. Portable types only, so the same schema runs on SQLite and PostgreSQL.
The feeds' and articles' tables are here; the Discord side's are in ``schema_servers``, and
every table is named here."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from bot.storage.schema_base import UTCDateTime, metadata
from bot.storage.schema_servers import (
    TOPIC_CHANGES_KEPT,
    TOPICS_COUNTER,
    activity_counts,
    channel_styles,
    channel_threads,
    channels,
    counters,
    digest_runs,
    guild_sources,
    guilds,
    outbox,
    processes,
    quiet_hours,
    routes,
    story_threads,
    subscriptions,
    topic_changes,
)

__all__ = [
    "FULL_TEXT_COLUMNS",
    "FULL_TEXT_TABLES",
    "TOPICS_COUNTER",
    "TOPIC_CHANGES_KEPT",
    "UTCDateTime",
    "activity_counts",
    "article_hours",
    "articles",
    "channel_styles",
    "channel_threads",
    "channels",
    "counters",
    "digest_runs",
    "guild_sources",
    "guilds",
    "is_full_text_column",
    "is_full_text_table",
    "item_failures",
    "metadata",
    "outbox",
    "processes",
    "quiet_hours",
    "quoted_speakers",
    "quotes",
    "routes",
    "seen_items",
    "sources",
    "speaker_names",
    "speaker_words",
    "speakers",
    "stories",
    "story_threads",
    "subscriptions",
    "topic_changes",
]


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

QUOTES_KEY_INDEX = Index(
    "ix_quotes_key_speaker_article_id",
    "speaker",
    "article_id",
    sqlite_where=text("is_key = 1"),
)
"""Key quotations only (migration 0026), on ``quotes``: as SQLAlchemy writes ``WHERE
quotes.is_key`` on each engine, so that the query's term is the index's. Its condition on
PostgreSQL is added by postgresql_options(), when a PostgreSQL database is opened."""

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
    QUOTES_KEY_INDEX,
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


def postgresql_options() -> None:
    """Add the schema's PostgreSQL-only options (the key quotations index's condition). Done when
    a PostgreSQL database is opened, not at import: naming one loads SQLAlchemy's PostgreSQL
    dialect (~45 ms of CPU), which a process on SQLite never uses otherwise."""
    QUOTES_KEY_INDEX.dialect_kwargs["postgresql_where"] = text("is_key")
