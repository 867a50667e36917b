"""Sources, seen items and articles.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("added_url", sa.String(2048), nullable=False),
        sa.Column("title", sa.String(1000)),
        sa.Column("site_url", sa.String(2048)),
        sa.Column("etag", sa.String(1000)),
        sa.Column("last_modified", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_poll_at", sa.DateTime()),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(1000)),
        sa.Column("failing_since", sa.DateTime()),
        sa.Column("last_success_at", sa.DateTime()),
        sa.Column("last_polled_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("url", name="uq_sources_url"),
    )
    op.create_index("ix_sources_next_poll_at", "sources", ["next_poll_at"])
    op.create_table(
        "seen_items",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(40), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_seen_items_source_id_sources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "item_key", name="pk_seen_items"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(40), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("canonical_url", sa.String(2048)),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(1000)),
        sa.Column("site_name", sa.String(1000)),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("image_url", sa.String(2048)),
        sa.Column("from_page", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_articles_source_id_sources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("source_id", "item_key", name="uq_articles_source_id_item_key"),
    )
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.create_index("ix_articles_canonical_url", "articles", ["canonical_url"])


def downgrade() -> None:
    op.drop_table("articles")
    op.drop_table("seen_items")
    op.drop_index("ix_sources_next_poll_at", table_name="sources")
    op.drop_table("sources")
