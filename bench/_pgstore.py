"""bench/queries.py's store on PostgreSQL: the same world as bench/_newsstore.py (the same
sources, servers, articles, quotations, speakers and stories, drawn from the same seed), written
with COPY (asyncpg) into a database made by the real migrations.

PostgreSQL computes each article's generated ``search_vector`` as its row arrives; the GIN index
over it is dropped for the load and built once at the end (as ``CREATE INDEX`` on a loaded table
is far quicker than keeping it up row by row), then everything is VACUUM ANALYZEd, so the
planner has statistics and index-only scans can skip the heap, as on a database that has been
running for a while.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime
from typing import Any

import _newsstore as newsstore

ARTICLE_COLUMNS = (
    "id",
    "source_id",
    "item_key",
    "url",
    "canonical_url",
    "title",
    "published_at",
    "author",
    "site_name",
    "lead",
    "text",
    "image_url",
    "from_page",
    "fetched_at",
    "search_tags",
    "story_id",
)
QUOTE_COLUMNS = (
    "article_id",
    "position",
    "text",
    "speaker",
    "role",
    "cue",
    "attribution",
    "kind",
    "is_key",
    "spans",
)


def dsn_of(url: str) -> str:
    """A SQLAlchemy URL (postgresql+asyncpg://...) as a plain DSN asyncpg connects with."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _time(stamp: str) -> datetime:
    """One of _newsstore's naive-UTC stamps as the datetime PostgreSQL stores."""
    return datetime.fromisoformat(stamp)


async def counts_of(url: str) -> int:
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn_of(url))
    except (OSError, asyncpg.PostgresError):
        return -1
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM articles"))
    except asyncpg.PostgresError:
        return -1
    finally:
        await conn.close()


async def clear(url: str) -> None:
    """An empty database: every table of ours dropped (the migrations make them again)."""
    import asyncpg

    conn = await asyncpg.connect(dsn_of(url))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await conn.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS newsbot_search")
    finally:
        await conn.close()


async def populate(url: str, world: newsstore.World, *, workers: int) -> None:
    """Write the world into a migrated, empty PostgreSQL database."""
    import asyncpg

    from bot.storage.fulltext import POSTGRES_FULL_TEXT_SCHEMA

    gin = POSTGRES_FULL_TEXT_SCHEMA[-1]
    assert gin.startswith("CREATE INDEX ix_articles_search_vector")
    conn = await asyncpg.connect(dsn_of(url))
    try:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("DROP INDEX ix_articles_search_vector")
        created = _time(newsstore._stamp(world.start - 30 * newsstore._DAY))
        polled = _time(newsstore._stamp(newsstore.END.timestamp() - 60))
        due = _time(newsstore._stamp(newsstore.END.timestamp() + 300))
        times = (polled, polled)  # last success, last poll
        await conn.copy_records_to_table(
            "sources",
            records=[
                (s.id, s.url, s.url, s.title, f"https://{s.host}/", "ok", due, 0, created, *times)
                for s in world.sources
            ],
            columns=[
                "id",
                "url",
                "added_url",
                "title",
                "site_url",
                "status",
                "next_poll_at",
                "error_count",
                "created_at",
                "last_success_at",
                "last_polled_at",
            ],
        )
        await _add_guilds(conn, world, created)
        speakers, stories = await _add_articles(conn, world, workers)
        await _add_speakers(conn, speakers)
        await conn.copy_records_to_table(
            "stories",
            records=[
                (k, _time(first), _time(last), n, len(outlets))
                for k, (first, last, n, outlets) in stories.items()
            ],
            columns=["id", "first_at", "latest_at", "articles", "outlets"],
        )
        print("  filling the derived tables ...", file=sys.stderr, flush=True)
        # Who each article quotes, by number, as the store files it (0015's backfill).
        await conn.execute(
            "INSERT INTO speaker_names (name) SELECT DISTINCT speaker FROM quotes "
            "WHERE speaker IS NOT NULL"
        )
        await conn.execute(
            "INSERT INTO quoted_speakers (article_id, speaker_id, quotes) "
            "SELECT q.article_id, n.id, COUNT(*) FROM quotes q JOIN speaker_names n "
            "ON n.name = q.speaker GROUP BY q.article_id, n.id"
        )
        await conn.execute(
            "INSERT INTO article_hours (hour, first_id) SELECT "
            "CAST(FLOOR(EXTRACT(EPOCH FROM published_at) / 3600) AS INTEGER), MIN(id) "
            "FROM articles GROUP BY 1"
        )
        for table in ("sources", "articles", "quotes"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
            )
        print("  building the full-text index ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '1GB'")
        await conn.execute(gin)
        print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


async def _add_articles(
    conn: Any, world: newsstore.World, workers: int
) -> tuple[dict[tuple[int, str], list[Any]], dict[int, list[Any]]]:
    speakers: dict[tuple[int, str], list[Any]] = {}
    stories: dict[int, list[Any]] = {}
    started = time.perf_counter()
    done = 0
    batches = newsstore._batches(world, workers)
    loop = asyncio.get_running_loop()
    while True:
        # Drawn in a thread (and the pool's processes) while the last one is copied.
        batch = await loop.run_in_executor(None, next, batches, None)
        if batch is None:
            break
        async with conn.transaction():
            await conn.copy_records_to_table(
                "articles",
                records=[
                    (*a[:6], _time(a[6]), *a[7:12], bool(a[12]), _time(a[13]), a[14], a[15])
                    for a in batch.articles
                ],
                columns=ARTICLE_COLUMNS,
            )
            await conn.copy_records_to_table(
                "quotes",
                records=[(*q[:6], "named", "quote", bool(q[6]), q[7]) for q in batch.quotes],
                columns=QUOTE_COLUMNS,
            )
            await conn.copy_records_to_table(
                "seen_items",
                records=[(s, key, _time(at)) for s, key, at in batch.seen],
                columns=["source_id", "item_key", "first_seen_at"],
            )
        newsstore.tally(batch, speakers, stories)
        before, done = done, done + len(batch.articles)
        if done // newsstore.PROGRESS_EVERY > before // newsstore.PROGRESS_EVERY or (
            done == world.articles
        ):
            elapsed = time.perf_counter() - started
            print(
                f"  {done:>9,} articles stored, {elapsed:6.0f} s ({done / elapsed:,.0f}/s)",
                file=sys.stderr,
                flush=True,
            )
    return speakers, stories


async def _add_speakers(conn: Any, counted: dict[tuple[int, str], list[Any]]) -> None:
    from bot.storage.derived import speaker_key

    keys: dict[str, str] = {}
    rows = []
    for (source_id, name), (count, last) in counted.items():
        key = keys.get(name)
        if key is None:
            key = keys[name] = speaker_key(name)
        rows.append((source_id, name, key, count, _time(last)))
    words = {
        (word[:100], source_id, name, count)
        for source_id, name, key, count, _ in rows
        for word in key.split()
    }
    await conn.copy_records_to_table(
        "speakers",
        records=rows,
        columns=["source_id", "name", "name_key", "quotes", "last_quoted_at"],
    )
    await conn.copy_records_to_table(
        "speaker_words", records=list(words), columns=["word", "source_id", "name", "quotes"]
    )


async def _add_guilds(conn: Any, world: newsstore.World, joined: datetime) -> None:
    import random

    rng = random.Random(world.seed + 1)
    ids = [s.id for s in world.sources]
    for guild_id, watched in newsstore.GUILDS.items():
        await conn.execute(
            "INSERT INTO guilds (id, alerts_channel_id, configured_by, joined_at) "
            "VALUES ($1, $2, 1, $3)",
            guild_id,
            guild_id * 10,
            joined,
        )
        await conn.copy_records_to_table(
            "guild_sources",
            records=[
                (guild_id, source_id, 1, joined, False) for source_id in rng.sample(ids, watched)
            ],
            columns=["guild_id", "source_id", "added_by", "added_at", "failing_notified"],
        )


async def sizes(url: str) -> dict[str, float]:
    """Bytes of the database and of its largest tables and indexes."""
    import asyncpg

    conn = await asyncpg.connect(dsn_of(url))
    try:
        figures = {
            "file": float(await conn.fetchval("SELECT pg_database_size(current_database())"))
        }
        rows = await conn.fetch(
            "SELECT relname, pg_total_relation_size(oid) AS size FROM pg_class "
            "WHERE relkind IN ('r', 'i') AND relnamespace = 'public'::regnamespace "
            "ORDER BY 2 DESC LIMIT 8"
        )
        for row in rows:
            figures[f"object:{row['relname']}"] = float(row["size"])
        return figures
    finally:
        await conn.close()


async def warm(url: str) -> float:
    """Every table and index of ours read into shared buffers and the OS page cache
    (pg_prewarm, where the extension is installed; else the tables are read once). Returns the
    seconds taken."""
    import asyncpg

    started = time.perf_counter()
    conn = await asyncpg.connect(dsn_of(url))
    try:
        relations = [
            r["oid"]
            for r in await conn.fetch(
                "SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                "AND c.relkind IN ('r', 'i', 't') UNION SELECT t.reltoastrelid FROM pg_class t "
                "WHERE t.relnamespace = 'public'::regnamespace AND t.reltoastrelid <> 0"
            )
        ]
        prewarm = await conn.fetchval("SELECT to_regproc('pg_prewarm') IS NOT NULL")
        for oid in relations:
            if prewarm:
                await conn.execute("SELECT pg_prewarm($1::oid::regclass)", oid)
        if not prewarm:
            for table in ("articles", "quotes", "quoted_speakers", "article_hours"):
                await conn.execute(f"SELECT COUNT(*) FROM {table}")
    finally:
        await conn.close()
    return time.perf_counter() - started
