"""Quotations found in articles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("speaker", sa.String(200)),
        sa.Column("role", sa.String(300)),
        sa.Column("cue", sa.String(40)),
        sa.Column("attribution", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("spans", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_quotes_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_quotes"),
    )
    op.create_index("ix_quotes_article_id", "quotes", ["article_id"])
    op.create_index("ix_quotes_speaker", "quotes", ["speaker"])


def downgrade() -> None:
    op.drop_index("ix_quotes_speaker", table_name="quotes")
    op.drop_index("ix_quotes_article_id", table_name="quotes")
    op.drop_table("quotes")
