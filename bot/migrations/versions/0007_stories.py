"""Stories: each article belongs to one story (copies of it on other outlets join it); alerts
remember which outlet count they last showed, for the "also reported by" edit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("latest_at", sa.DateTime(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("outlets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stories"),
    )
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("story_id", sa.Integer()))
        batch.create_index("ix_articles_story_id", ["story_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("shown_outlets", sa.Integer()))
        batch.add_column(sa.Column("edited_at", sa.DateTime()))
    # Articles stored before stories existed are each a story of their own.
    op.execute("UPDATE articles SET story_id = id")
    op.execute(
        "INSERT INTO stories (id, first_at, latest_at, articles, outlets) "
        "SELECT id, published_at, published_at, 1, 1 FROM articles"
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("edited_at")
        batch.drop_column("shown_outlets")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_story_id")
        batch.drop_column("story_id")
    op.drop_table("stories")
