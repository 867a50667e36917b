"""Quote indexes that answer without reading quote rows: (article, speaker) for counting who is
quoted in a set of articles, (speaker, article) for one person's recent quotes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_quotes_article_id", table_name="quotes")
    op.drop_index("ix_quotes_speaker", table_name="quotes")
    op.create_index("ix_quotes_article_id_speaker", "quotes", ["article_id", "speaker"])
    op.create_index("ix_quotes_speaker_article_id", "quotes", ["speaker", "article_id"])


def downgrade() -> None:
    op.drop_index("ix_quotes_speaker_article_id", table_name="quotes")
    op.drop_index("ix_quotes_article_id_speaker", table_name="quotes")
    op.create_index("ix_quotes_speaker", "quotes", ["speaker"])
    op.create_index("ix_quotes_article_id", "quotes", ["article_id"])
