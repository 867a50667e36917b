"""Asking about the news: the full-text index over articles (SQLite FTS5; on PostgreSQL a
generated tsvector column with a GIN index), the speakers quoted per source, and indexes for the
newest-first queries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# ruff: noqa: E501 - the frozen statements below are kept verbatim, one to a line

# Frozen copies of what this revision made, as bot.store had them when it was written: an old
# migration must not change when the store does.

FTS5_SCHEMA = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, text, search_tags, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN INSERT INTO articles_fts(rowid, title, lead, text, search_tags) VALUES (new.id, new.title, new.lead, new.text, new.search_tags); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN INSERT INTO articles_fts(articles_fts, rowid, title, lead, text, search_tags) VALUES ('delete', old.id, old.title, old.lead, old.text, old.search_tags); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, lead, text, search_tags ON articles BEGIN INSERT INTO articles_fts(articles_fts, rowid, title, lead, text, search_tags) VALUES ('delete', old.id, old.title, old.lead, old.text, old.search_tags); INSERT INTO articles_fts(rowid, title, lead, text, search_tags) VALUES (new.id, new.title, new.lead, new.text, new.search_tags); END",
)
"""The full-text index over articles (SQLite FTS5, kept in step by triggers)."""

POSTGRES_FULL_TEXT_SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION newsbot_search (COPY = pg_catalog.simple)",
    "ALTER TEXT SEARCH CONFIGURATION newsbot_search ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple",
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (setweight(to_tsvector('newsbot_search'::regconfig, regexp_replace(title, '[[:punct:]‘’‚‛“”„‟–—…«»]', ' ', 'g')), 'A') || '''¶'':1'::tsvector || setweight(to_tsvector('newsbot_search'::regconfig, regexp_replace(lead, '[[:punct:]‘’‚‛“”„‟–—…«»]', ' ', 'g')), 'B') || '''¶'':1'::tsvector || setweight(to_tsvector('newsbot_search'::regconfig, regexp_replace(text, '[[:punct:]‘’‚‛“”„‟–—…«»]', ' ', 'g')), 'C') || '''¶'':1'::tsvector || setweight(to_tsvector('simple'::regconfig, search_tags), 'D')) STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
)
"""The full-text index on PostgreSQL: a generated tsvector column and its GIN index."""

POSTGRES_FULL_TEXT_DROP = (
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS newsbot_search",
)
"""What undoes POSTGRES_FULL_TEXT_SCHEMA."""

_TOKEN = re.compile(r"\w+", re.UNICODE)
_APOSTROPHE_FORMS = ("’", "ʼ", "‘", "´")
_POSSESSIVE = re.compile(r"'(?:(?<=\w')s\b|(?<=s')(?=\s|$))")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_BEYOND_PUNCTUATION = re.compile(r"[^\x00-\x7f\u2000-\u206f]")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold(text: str) -> str:
    """bot.topics.fold as it was: lower case, accents and apostrophe forms folded."""
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        for apostrophe in _APOSTROPHE_FORMS:
            if apostrophe in text:
                text = text.replace(apostrophe, "'")
        if _BEYOND_PUNCTUATION.search(text):
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if "'" in text:
        text = _POSSESSIVE.sub("", text)
    return text.casefold()


def search_tags(source_id: int, url: str) -> str:
    """bot.store.search_tags as it was: the source's word and one per level of its domain."""
    host = (urlsplit(url).hostname or "").lower()
    parts = host.removeprefix("www.").split(".")
    levels = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    digests = (hashlib.blake2b(level.encode(), digest_size=6).hexdigest() for level in levels)
    return " ".join([f"s{source_id}", *(f"d{digest}" for digest in digests)])


def speaker_key(name: str) -> str:
    """bot.store.speaker_key as it was: a space before each folded word."""
    return "".join(f" {word}" for word in _TOKEN.findall(_fold(name)))


def upgrade() -> None:

    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("search_tags", sa.Text(), nullable=False, server_default=""))
        batch.create_index("ix_articles_fetched_at", ["fetched_at"])
        batch.create_index("ix_articles_source_id_published_at", ["source_id", "published_at"])
    op.create_table(
        "speakers",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("quotes", sa.Integer(), nullable=False),
        sa.Column("last_quoted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "name", name="pk_speakers"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_speakers_source_id_sources", ondelete="CASCADE"
        ),
    )
    bind = op.get_bind()
    # Existing articles: their search tags, and the speakers of their key quotes.
    rows = bind.execute(
        sa.text(
            "SELECT a.id, a.source_id, s.url FROM articles a JOIN sources s ON s.id = a.source_id"
        )
    ).all()
    for article_id, source_id, url in rows:
        bind.execute(
            sa.text("UPDATE articles SET search_tags = :tags WHERE id = :id"),
            {"tags": search_tags(source_id, url), "id": article_id},
        )
    quoted = bind.execute(
        sa.text(
            "SELECT a.source_id, q.speaker, COUNT(*), MAX(a.published_at) FROM quotes q "
            "JOIN articles a ON a.id = q.article_id WHERE q.is_key AND q.speaker IS NOT NULL "
            "GROUP BY a.source_id, q.speaker"
        )
    ).all()
    for source_id, speaker, count, last in quoted:
        bind.execute(
            sa.text(
                "INSERT INTO speakers (source_id, name, name_key, quotes, last_quoted_at) "
                "VALUES (:source_id, :name, :key, :count, :last)"
            ),
            {
                "source_id": source_id,
                "name": speaker,
                "key": speaker_key(speaker),
                "count": count,
                "last": last,
            },
        )
    if bind.dialect.name == "sqlite":
        for statement in FTS5_SCHEMA:
            op.execute(statement)
        op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        # The generated column computes itself for existing rows too. Passed to the driver as
        # written (a tsvector literal in them holds ':1', which isn't a bind parameter).
        for statement in POSTGRES_FULL_TEXT_SCHEMA:
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    elif bind.dialect.name == "postgresql":
        for statement in POSTGRES_FULL_TEXT_DROP:
            op.execute(statement)
    op.drop_table("speakers")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_source_id_published_at")
        batch.drop_index("ix_articles_fetched_at")
        batch.drop_column("search_tags")
