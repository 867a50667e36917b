"""Each queued alert names its article's story, and one destination holds one alert per story
(a unique index): the write rule that keeps two workers storing copies of one story at once
from alerting a destination twice.

Existing alerts claim their story where they are the first of it to their destination.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("story_id", sa.Integer))
    op.execute(
        """
        UPDATE outbox SET story_id = (
            SELECT articles.story_id FROM articles WHERE articles.id = outbox.article_id
        )
        WHERE id IN (
            SELECT MIN(o.id) FROM outbox o JOIN articles a ON a.id = o.article_id
            WHERE a.story_id IS NOT NULL
            GROUP BY o.kind, o.channel_id, a.story_id
        )
        """
    )
    op.create_index(
        "ix_outbox_kind_channel_id_story_id",
        "outbox",
        ["kind", "channel_id", "story_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_kind_channel_id_story_id", table_name="outbox")
    op.drop_column("outbox", "story_id")
