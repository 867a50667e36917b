"""Who each article quotes, in one row per article (``article_speakers``), so /news coverage
counts the speakers of thousands of articles without reading their quotes one by one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEPARATOR = "\x1f"


def upgrade() -> None:
    op.create_table(
        "article_speakers",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("names", sa.Text, nullable=False),
    )
    quotes = sa.table("quotes", sa.column("article_id"), sa.column("speaker"), sa.column("id"))
    if op.get_bind().dialect.name == "sqlite":
        joined = sa.func.group_concat(quotes.c.speaker, SEPARATOR)
    else:
        joined = sa.func.string_agg(quotes.c.speaker, sa.literal(SEPARATOR))
    op.execute(
        sa.table("article_speakers", sa.column("article_id"), sa.column("names"))
        .insert()
        .from_select(
            ["article_id", "names"],
            sa.select(quotes.c.article_id, joined)
            .where(quotes.c.speaker.is_not(None))
            .group_by(quotes.c.article_id),
        )
    )


def downgrade() -> None:
    op.drop_table("article_speakers")
