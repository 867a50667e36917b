"""What each quotation's speaker is: a person, an organisation, or a description of someone
unnamed (``quotes.speaker_kind``). Quotations stored before keep no kind (NULL): a speaker with
no kind is read as a person.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0013"  # chained after 0013 (landed first); the lead may re-chain
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("quotes", sa.Column("speaker_kind", sa.String(16)))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): the column is not indexed.
    op.drop_column("quotes", "speaker_kind")
