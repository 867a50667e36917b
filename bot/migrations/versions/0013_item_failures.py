"""Items whose processing failed: each article says what it was stored without
(``articles.degraded``); an item that could not be stored at all is tried again on the next
polls and given up after three attempts (``item_failures``); each source counts both.

Revision ID: 0013
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0018"  # chained after 0018 (landed first); the lead may re-chain
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("degraded", sa.String(1000)))
    op.add_column(
        "sources",
        sa.Column("degraded_items", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column(
        "sources",
        sa.Column("given_up_items", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "item_failures",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(40), nullable=False),
        sa.Column("link", sa.String(2048)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("given_up_at", sa.DateTime()),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_item_failures_source_id_sources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "item_key", name="pk_item_failures"),
    )
    op.create_index("ix_item_failures_last_failed_at", "item_failures", ["last_failed_at"])


def downgrade() -> None:
    op.drop_table("item_failures")
    op.drop_column("sources", "given_up_items")
    op.drop_column("sources", "degraded_items")
    op.drop_column("articles", "degraded")
