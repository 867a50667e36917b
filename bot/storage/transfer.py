"""Moving a database: every row out as JSON-ready values, and into an empty database with
what is kept ahead of time made again."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Integer,
    func,
    select,
    text,
    tuple_,
    update,
)

from bot.storage.database import Repository, _hour_sql
from bot.storage.schema import (
    UTCDateTime,
    article_hours,
    articles,
    counters,
    guilds,
    metadata,
    quoted_speakers,
    quotes,
    sources,
    speaker_names,
    speaker_words,
    speakers,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)


DERIVED_TABLES = frozenset({"article_hours", "speaker_names", "quoted_speakers"})
"""Tables kept ahead of time from the articles: not exported, made again by an import."""


class NotEmpty(Exception):
    """An import into a database that already holds data."""


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _from_json(column: Any, value: Any) -> Any:
    if isinstance(column.type, UTCDateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


class Transfer(Repository):
    """Export and import of a whole database."""

    async def export_rows(self, *, batch: int = 1000) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Every row of every table, parents before children, as (table, JSON-ready values).
        Engine-made parts (the full-text index, Alembic's bookkeeping) and what is kept ahead of
        time from the articles (DERIVED_TABLES) are made again by the importing database."""
        async with self._engine.connect() as conn:
            for table in metadata.sorted_tables:
                if table.name in DERIVED_TABLES:
                    continue
                key = list(table.primary_key.columns)
                last: tuple[Any, ...] | None = None
                while True:
                    query = select(table).order_by(*key).limit(batch)
                    if last is not None:
                        query = query.where(tuple_(*key) > tuple_(*last))
                    rows = (await conn.execute(query)).all()
                    for row in rows:
                        yield table.name, {k: _json_value(v) for k, v in row._mapping.items()}
                    if len(rows) < batch:
                        break
                    last = tuple(rows[-1]._mapping[c.name] for c in key)

    async def import_rows(
        self,
        rows: Iterable[tuple[str, dict[str, Any]]],
        *,
        batch: int = 1000,
    ) -> dict[str, int]:
        """Rows from ``export_rows`` into this (migrated, empty) database, ids kept; returns how
        many went into each table. Raises NotEmpty if it already holds sources or articles."""
        async with self._engine.connect() as conn:
            for table in (sources, articles, guilds):
                if (await conn.execute(select(func.count()).select_from(table))).scalar():
                    raise NotEmpty(
                        f"the database already holds {table.name}; import needs an empty one"
                    )
        counts: Counter[str] = Counter()
        pending: dict[str, list[dict[str, Any]]] = {}

        async def flush(conn: AsyncConnection, name: str) -> None:
            table = metadata.tables[name]
            if pending.get(name):
                if table is counters:
                    for row in pending[name]:
                        await conn.execute(
                            update(counters).where(counters.c.name == row["name"]).values(row)
                        )
                else:
                    await conn.execute(table.insert(), pending[name])
                counts[name] += len(pending[name])
                pending[name] = []

        async with self._write() as conn:
            current: str | None = None
            for name, values in rows:
                if name in DERIVED_TABLES or name not in metadata.tables:
                    # Made again below, whichever version wrote the file (an older one may
                    # hold tables kept ahead of time that this version keeps otherwise).
                    continue
                if name != current and current is not None:
                    await flush(conn, current)  # parents are in before their children
                current = name
                table = metadata.tables[name]
                pending.setdefault(name, []).append(
                    {k: _from_json(table.c[k], v) for k, v in values.items() if k in table.c}
                )
                if len(pending[name]) >= batch:
                    await flush(conn, name)
            if current is not None:
                await flush(conn, current)
            await self._derive(conn)
            if self._dialect == "postgresql":
                # Ids were given, not drawn: each id sequence goes on after the largest.
                # (Tables whose ids come from elsewhere have no sequence: setval of NULL.)
                for table in metadata.sorted_tables:
                    (column, *more) = table.primary_key.columns
                    if more or not isinstance(column.type, Integer):
                        continue
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                            f"'{column.name}'), COALESCE(MAX({column.name}), 1), "
                            f"MAX({column.name}) IS NOT NULL) FROM {table.name}"
                        )
                    )
        return dict(counts)

    async def _derive(self, conn: AsyncConnection) -> None:
        """What is kept ahead of time from the stored articles, made again from them (and each
        speaker word's quote count from the speakers: a file from before 0015 has none)."""
        counted = (
            select(speakers.c.quotes)
            .where(
                speakers.c.source_id == speaker_words.c.source_id,
                speakers.c.name == speaker_words.c.name,
            )
            .scalar_subquery()
        )
        await conn.execute(update(speaker_words).values(quotes=func.coalesce(counted, 0)))
        await conn.execute(quoted_speakers.delete())
        await conn.execute(speaker_names.delete())
        await conn.execute(
            speaker_names.insert().from_select(
                ["name"], select(quotes.c.speaker).where(quotes.c.speaker.is_not(None)).distinct()
            )
        )
        await conn.execute(
            quoted_speakers.insert().from_select(
                ["article_id", "speaker_id", "quotes"],
                select(quotes.c.article_id, speaker_names.c.id, func.count())
                .join(speaker_names, speaker_names.c.name == quotes.c.speaker)
                .group_by(quotes.c.article_id, speaker_names.c.id),
            )
        )
        await conn.execute(article_hours.delete())
        hour = _hour_sql(self._dialect, articles.c.published_at)
        await conn.execute(
            article_hours.insert().from_select(
                ["hour", "first_id"],
                select(hour, func.min(articles.c.id)).group_by(hour),
            )
        )
