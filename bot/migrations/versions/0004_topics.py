"""Topics: personal subscriptions and server routes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(400), nullable=False),
        sa.Column("typed", sa.String(400), nullable=False),
        sa.Column("delivery", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dm_closed_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint(
            "user_id", "guild_id", "topic", name="uq_subscriptions_user_id_guild_id_topic"
        ),
    )
    op.create_index("ix_subscriptions_guild_id", "subscriptions", ["guild_id"])
    op.create_table(
        "routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(400)),
        sa.Column("typed", sa.String(400)),
        sa.Column("role_id", sa.BigInteger()),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_routes"),
        sa.UniqueConstraint(
            "guild_id", "channel_id", "topic", name="uq_routes_guild_id_channel_id_topic"
        ),
    )


def downgrade() -> None:
    op.drop_table("routes")
    op.drop_index("ix_subscriptions_guild_id", table_name="subscriptions")
    op.drop_table("subscriptions")
