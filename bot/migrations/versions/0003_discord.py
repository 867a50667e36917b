"""Servers, their sources and alerts channel, the outbox of alerts, channel status.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guilds",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("alerts_channel_id", sa.BigInteger()),
        sa.Column("configured_by", sa.BigInteger()),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_guilds"),
    )
    op.create_table(
        "guild_sources",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.BigInteger()),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("failing_notified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"], ["guilds.id"], name="fk_guild_sources_guild_id_guilds", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_guild_sources_source_id_sources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("guild_id", "source_id", name="pk_guild_sources"),
    )
    op.create_index("ix_guild_sources_source_id", "guild_sources", ["source_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer()),
        sa.Column("source_id", sa.Integer()),
        sa.Column("body", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("last_error", sa.String(1000)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_outbox_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_outbox_source_id_sources", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint(
            "kind", "channel_id", "article_id", name="uq_outbox_kind_channel_id_article_id"
        ),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_channel_id_sent_at", "outbox", ["channel_id", "sent_at"])
    op.create_table(
        "channels",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_reason", sa.String(300)),
        sa.Column("blocked_at", sa.DateTime()),
        sa.Column("admins_told_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
    )


def downgrade() -> None:
    op.drop_table("channels")
    op.drop_index("ix_outbox_channel_id_sent_at", table_name="outbox")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_guild_sources_source_id", table_name="guild_sources")
    op.drop_table("guild_sources")
    op.drop_table("guilds")
