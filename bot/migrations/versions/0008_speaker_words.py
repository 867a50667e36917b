"""Speaker autocomplete by any word of the name: one row per word of each speaker's name, so a
typed prefix is a range of an index, not a scan of every speaker.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "speaker_words",
        sa.Column("word", sa.String(100), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("word", "source_id", "name", name="pk_speaker_words"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_speaker_words_source_id_sources",
            ondelete="CASCADE",
        ),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT source_id, name, name_key FROM speakers")).all()
    words = {
        (word[:100], source_id, name) for source_id, name, key in rows for word in str(key).split()
    }
    if words:
        bind.execute(
            sa.text(
                "INSERT INTO speaker_words (word, source_id, name) VALUES (:word, :source, :name)"
            ),
            [{"word": w, "source": s, "name": n} for w, s, n in words],
        )


def downgrade() -> None:
    op.drop_table("speaker_words")
