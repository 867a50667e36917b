"""Alert styles (/alerts style): the look of a channel's alerts, of a route's, and the one an
alert was queued with (a route's, kept with the outbox row).

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_styles",
        sa.Column("channel_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("style", sa.String(60), nullable=False),
        sa.Column("set_by", sa.BigInteger),
        sa.Column("set_at", sa.DateTime(), nullable=False),
    )
    op.add_column("routes", sa.Column("style", sa.String(60)))
    op.add_column("outbox", sa.Column("style", sa.String(60)))


def downgrade() -> None:
    op.drop_column("outbox", "style")
    op.drop_column("routes", "style")
    op.drop_table("channel_styles")
