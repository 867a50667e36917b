"""Operating newsbot: a server's controls on each source it watches (paused, poll interval,
User-Agent, its own name for it), what each source is polled with (the servers' choices
combined), the processes running now (for the status page), and a minute-by-minute count of
polls and alerts.

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("guild_sources", sa.Column("paused_at", sa.DateTime()))
    op.add_column("guild_sources", sa.Column("interval_seconds", sa.Integer))
    op.add_column("guild_sources", sa.Column("user_agent", sa.String(300)))
    op.add_column("guild_sources", sa.Column("name", sa.String(300)))
    op.add_column("sources", sa.Column("interval_seconds", sa.Integer))
    op.add_column("sources", sa.Column("user_agent", sa.String(300)))
    op.create_table(
        "processes",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("shards", sa.String(200)),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "activity",
        sa.Column("minute", sa.DateTime(), primary_key=True),
        sa.Column("kind", sa.String(24), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("activity")
    op.drop_table("processes")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): none of these columns is indexed.
    op.drop_column("sources", "user_agent")
    op.drop_column("sources", "interval_seconds")
    op.drop_column("guild_sources", "name")
    op.drop_column("guild_sources", "user_agent")
    op.drop_column("guild_sources", "interval_seconds")
    op.drop_column("guild_sources", "paused_at")
