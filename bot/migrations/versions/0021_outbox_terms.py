"""The matched topic terms as data on each queued alert (a JSON list of their words), instead
of words parsed back out of the explanation text when the alert is sent.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("terms", sa.Text))


def downgrade() -> None:
    op.drop_column("outbox", "terms")
