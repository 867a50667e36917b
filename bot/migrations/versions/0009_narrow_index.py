"""An index of what counting and ranking read (id, time, source, story), so /news coverage and
search never read an article's row (SQLite stores the story id after the text).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = "ix_articles_id_published_at_source_id_story_id"


def upgrade() -> None:
    op.create_index(NAME, "articles", ["id", "published_at", "source_id", "story_id"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="articles")
