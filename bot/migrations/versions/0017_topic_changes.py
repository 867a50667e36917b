"""What changed in topics, for processes that patch their matcher instead of reloading it: a
log of each change to routes and subscriptions (by the topics counter's value after it), and an
index for counting the 'here' alerts a server's alerts channel got lately (they share its cap).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"  # chained after 0016 (landed first); the lead may re-chain
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("row_id", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_topic_changes_version", "topic_changes", ["version"])
    op.create_index("ix_outbox_guild_id_sent_at", "outbox", ["guild_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_guild_id_sent_at", table_name="outbox")
    op.drop_index("ix_topic_changes_version", table_name="topic_changes")
    op.drop_table("topic_changes")
