"""The /news window's lower bound kept per publication hour (``article_hours``: an id no greater
than that of any article published in that hour), filled from the stored articles.

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0018"
branch_labels = None
depends_on = None


def _hour(dialect: str) -> str:
    """Hours since 1970-01-01 of articles.published_at (naive UTC on both engines)."""
    if dialect == "sqlite":
        return "CAST(strftime('%s', published_at) AS INTEGER) / 3600"
    return "CAST(FLOOR(EXTRACT(EPOCH FROM published_at) / 3600) AS INTEGER)"


def upgrade() -> None:
    op.create_table(
        "article_hours",
        sa.Column("hour", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("first_id", sa.Integer, nullable=False),
    )
    hour = _hour(op.get_bind().dialect.name)
    op.execute(
        f"INSERT INTO article_hours (hour, first_id) SELECT {hour}, MIN(id) FROM articles "
        f"GROUP BY {hour}"
    )


def downgrade() -> None:
    op.drop_table("article_hours")
