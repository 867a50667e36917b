"""Quiet hours for DM alerts: a person's hours, and when each held alert was first held.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiet_hours",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hours", sa.String(80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.add_column("outbox", sa.Column("held_at", sa.DateTime()))


def downgrade() -> None:
    op.drop_column("outbox", "held_at")
    op.drop_table("quiet_hours")
