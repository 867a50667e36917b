"""/news at scale. ``article_hours``: per publication hour, an id no greater than that of any
article published in it (the window's lower bound), on both engines. On SQLite,
``article_keys``: each article's id, publication time (microseconds since 1970, UTC), source and
story as integers in a table of their own, kept by triggers, so counting and filtering thousands
of full-text matches reads a few small pages instead of each article's row or a wide index
entry. On PostgreSQL, a finer statistics target for the full-text column, so the planner sees
how many articles a common word matches and intersects them with the time window's index.
Both new tables are filled from the stored articles. ``speaker_words`` gains each speaker's
quote count in the source (as ``speakers``), so the speaker autocomplete ranks from that index
alone. ``article_speakers`` (each article's speakers as one string, 0011) becomes
``speaker_names`` (each name numbered) and ``quoted_speakers`` (article, speaker, quotations),
filled from the quotations, so coverage counts speakers in the database.

Revision ID: 0015
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0017"
branch_labels = None
depends_on = None

# The stored published_at (naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' on SQLite) in
# microseconds since 1970.
_SQLITE_MICROSECONDS = (
    "(CAST(strftime('%s', {t}.published_at) AS INTEGER) * 1000000 "
    "+ CAST(substr({t}.published_at, 21, 6) AS INTEGER))"
)
SQLITE_ARTICLE_KEYS = (
    "CREATE TABLE article_keys (id INTEGER PRIMARY KEY, published INTEGER NOT NULL, "
    "source_id INTEGER NOT NULL, story_id INTEGER NOT NULL)",
    "CREATE INDEX ix_article_keys_story_id ON article_keys (story_id, source_id)",
    "CREATE TRIGGER article_keys_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO article_keys (id, published, source_id, story_id) VALUES (new.id, "
    + _SQLITE_MICROSECONDS.format(t="new")
    + ", new.source_id, coalesce(new.story_id, new.id)); END",
    "CREATE TRIGGER article_keys_update AFTER UPDATE OF published_at, source_id, story_id "
    "ON articles BEGIN UPDATE article_keys SET published = "
    + _SQLITE_MICROSECONDS.format(t="new")
    + ", source_id = new.source_id, story_id = coalesce(new.story_id, new.id) "
    "WHERE id = new.id; END",
    "CREATE TRIGGER article_keys_delete AFTER DELETE ON articles BEGIN "
    "DELETE FROM article_keys WHERE id = old.id; END",
    "INSERT INTO article_keys (id, published, source_id, story_id) SELECT id, "
    + _SQLITE_MICROSECONDS.format(t="articles")
    + ", source_id, coalesce(story_id, id) FROM articles",
)


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
    dialect = op.get_bind().dialect.name
    op.add_column(
        "speaker_words", sa.Column("quotes", sa.Integer, nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE speaker_words SET quotes = COALESCE((SELECT s.quotes FROM speakers s "
        "WHERE s.source_id = speaker_words.source_id AND s.name = speaker_words.name), 0)"
    )
    _number_speakers()
    hour = _hour(dialect)
    op.execute(
        f"INSERT INTO article_hours (hour, first_id) SELECT {hour}, MIN(id) FROM articles "
        f"GROUP BY {hour}"
    )
    if dialect == "sqlite":
        for statement in SQLITE_ARTICLE_KEYS:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE articles ALTER COLUMN search_vector SET STATISTICS 1000")
        op.execute("ANALYZE articles")


def _number_speakers() -> None:
    op.create_table(
        "speaker_names",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.UniqueConstraint("name", name="uq_speaker_names_name"),
    )
    op.create_table(
        "quoted_speakers",
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("speaker_id", sa.Integer, nullable=False),
        sa.Column("quotes", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "speaker_id", name="pk_quoted_speakers"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_quoted_speakers_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"], ["speaker_names.id"], name="fk_quoted_speakers_speaker_id_speaker_names"
        ),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO speaker_names (name) SELECT DISTINCT speaker FROM quotes "
        "WHERE speaker IS NOT NULL"
    )
    op.execute(
        "INSERT INTO quoted_speakers (article_id, speaker_id, quotes) "
        "SELECT q.article_id, n.id, COUNT(*) FROM quotes q JOIN speaker_names n "
        "ON n.name = q.speaker GROUP BY q.article_id, n.id"
    )
    op.drop_table("article_speakers")


def _unnumber_speakers(dialect: str) -> None:
    op.create_table(
        "article_speakers",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("names", sa.Text, nullable=False),
    )
    joined = (
        "group_concat(speaker, char(31))"
        if dialect == "sqlite"
        else ("string_agg(speaker, chr(31))")
    )
    op.execute(
        f"INSERT INTO article_speakers (article_id, names) SELECT article_id, {joined} "
        "FROM quotes WHERE speaker IS NOT NULL GROUP BY article_id"
    )
    op.drop_table("quoted_speakers")
    op.drop_table("speaker_names")


def downgrade() -> None:
    _unnumber_speakers(op.get_bind().dialect.name)
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("article_keys_insert", "article_keys_update", "article_keys_delete"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE article_keys")
    else:
        op.execute("ALTER TABLE articles ALTER COLUMN search_vector SET STATISTICS -1")
    op.drop_table("article_hours")
    op.drop_column("speaker_words", "quotes")
