"""Key quotations by speaker: the index on quotes (speaker, article_id) holds only key
quotations (a partial index, ``WHERE is_key``). /news quotes for a speaker reads only the
speaker's key quotations in it; before, it read all of the speaker's quotations over the
whole store and dropped the others after visiting each row (PostgreSQL: 764 rows read for
275 kept, 292 blocks). The index it replaces served no other query.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_quotes_speaker_article_id", table_name="quotes")
    # As SQLAlchemy writes `WHERE quotes.is_key` on each engine (SQLite has no booleans): a
    # partial index serves a query whose WHERE has the same term.
    op.create_index(
        "ix_quotes_key_speaker_article_id",
        "quotes",
        ["speaker", "article_id"],
        sqlite_where=sa.text("is_key = 1"),
        postgresql_where=sa.text("is_key"),
    )


def downgrade() -> None:
    op.drop_index("ix_quotes_key_speaker_article_id", table_name="quotes")
    op.create_index("ix_quotes_speaker_article_id", "quotes", ["speaker", "article_id"])
