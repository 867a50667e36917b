"""Asking about the news: the full-text index over articles (SQLite FTS5; on PostgreSQL a
generated tsvector column with a GIN index), the speakers quoted per source, and indexes for the
newest-first queries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from bot.schema import UTCDateTime
    from bot.store import FTS5_SCHEMA, POSTGRES_FULL_TEXT_SCHEMA, search_tags, speaker_key

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
        sa.Column("last_quoted_at", UTCDateTime(), nullable=False),
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
    from bot.store import POSTGRES_FULL_TEXT_DROP

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
