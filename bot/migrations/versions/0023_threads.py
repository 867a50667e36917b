"""Forums and a thread per story: channels whose alerts go in a post or thread per story, and
each story's thread in each such channel.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_threads",
        sa.Column("channel_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "story_threads",
        sa.Column("channel_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("story_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("thread_id", sa.BigInteger),
        sa.Column("attempted_at", sa.DateTime()),
        sa.Column("lines_sent_at", sa.DateTime()),
        sa.Column("deleted_at", sa.DateTime()),
    )


def downgrade() -> None:
    op.drop_table("story_threads")
    op.drop_table("channel_threads")
