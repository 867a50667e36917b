"""Work shared by several processes: a source's poll lease (worker and expiry), an outbox row's
delivery claim, and a counter of topic changes for matchers in other processes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("lease_owner", sa.String(100)))
    op.add_column("sources", sa.Column("lease_until", sa.DateTime()))
    op.add_column("outbox", sa.Column("claimed_by", sa.String(100)))
    op.add_column("outbox", sa.Column("claimed_until", sa.DateTime()))
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "topics", "value": 0}])


def downgrade() -> None:
    op.drop_table("counters")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): none of these columns is indexed.
    op.drop_column("outbox", "claimed_until")
    op.drop_column("outbox", "claimed_by")
    op.drop_column("sources", "lease_until")
    op.drop_column("sources", "lease_owner")
