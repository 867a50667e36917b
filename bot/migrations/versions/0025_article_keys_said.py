"""On SQLite, ``article_keys`` gains ``said``: who each article quotes and how many times, as
one list of numbers ("speaker,quotations,speaker,quotations"; NULL when it quotes no one), kept
from ``quoted_speakers`` by triggers. /news coverage reads it beside the other keys instead of
joining ``quoted_speakers`` row by row, and counts the speakers outside SQLite, whose GROUP BY
sorts (bot.storage.coverage). Filled from ``quoted_speakers``. PostgreSQL has no
``article_keys``: nothing changes there.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_SAID = (
    "(SELECT group_concat(speaker_id || ',' || quotes) FROM quoted_speakers "
    "WHERE article_id = {article})"
)
SQLITE_SAID = (
    "ALTER TABLE article_keys ADD COLUMN said TEXT",
    # A row added (the ingest's, an import's): appended.
    "CREATE TRIGGER article_keys_said_insert AFTER INSERT ON quoted_speakers BEGIN "
    "UPDATE article_keys SET said = coalesce(said || ',', '') || new.speaker_id || ',' "
    "|| new.quotes WHERE id = new.article_id; END",
    # A row removed or changed (pruning, deleting a source, an import starting again): the
    # article's list made again from what is left.
    "CREATE TRIGGER article_keys_said_delete AFTER DELETE ON quoted_speakers BEGIN "
    "UPDATE article_keys SET said = "
    + _SAID.format(article="old.article_id")
    + " WHERE id = old.article_id; END",
    "CREATE TRIGGER article_keys_said_update AFTER UPDATE ON quoted_speakers BEGIN "
    "UPDATE article_keys SET said = "
    + _SAID.format(article="old.article_id")
    + " WHERE id = old.article_id; "
    "UPDATE article_keys SET said = "
    + _SAID.format(article="new.article_id")
    + " WHERE id = new.article_id; END",
    "UPDATE article_keys SET said = " + _SAID.format(article="article_keys.id"),
)
"""``said`` and its triggers (the last statement fills it)."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_SAID:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS article_keys_said_{trigger}")
    op.execute("ALTER TABLE article_keys DROP COLUMN said")
