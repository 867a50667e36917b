"""Outbox rows for topic routes and people: who, which role to mention, why it matched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("user_id", sa.BigInteger()))
        batch.add_column(sa.Column("role_id", sa.BigInteger()))
        batch.add_column(sa.Column("explanation", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("explanation")
        batch.drop_column("role_id")
        batch.drop_column("user_id")
