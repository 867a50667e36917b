"""Digests: a route's or a person's topic delivered as one message a day or a week, at a local
time (the schedule, as ``bot.digests.Schedule`` writes it), and each digest queued once
(``digest_runs``: one row per owner and due time, written with its outbox row).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("routes", sa.Column("digest", sa.String(80)))
    op.add_column("subscriptions", sa.Column("digest", sa.String(80)))
    op.create_table(
        "digest_runs",
        sa.Column("owner", sa.String(8), primary_key=True),
        sa.Column("owner_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("due_at", sa.DateTime(), primary_key=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("digest_runs")
    op.drop_column("subscriptions", "digest")
    op.drop_column("routes", "digest")
