"""The operator's work on a database, behind the command line: ``newsbot poll``, ``migrate``,
``export`` and ``import`` (moving a whole database), ``backup``, and ``sources import|export``
(one server's feed list).

Each function is given its Settings (built once, in ``bot.__main__``), opens what it needs
through the composition root, prints what it did, and returns the exit status. A problem with
the input raises ``CommandError`` (printed, exit status 2).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from pathlib import Path

from bot.errors import CommandError, UserFacingError
from bot.readers import open_dump, read_list_file
from bot.services import open_services, settle_heap, wall_clock
from bot.settings import Settings

EXIT_PARTLY = 1


async def poll(settings: Settings, urls: list[str], *, once: bool) -> int:
    """Add ``urls`` as sources (if new), then poll until interrupted, or (``once``) poll every
    source once and print what happened."""
    async with open_services(settings) as services:
        watcher = services.watcher()
        settle_heap()
        await watcher.add_sources(urls)
        if not once:
            await watcher.run(asyncio.Event())
            return 0
        sources = await services.repos.sources.list_sources()
        if not sources:
            raise CommandError("no sources to poll: give --feeds FILE")
        started = time.perf_counter()
        report = await watcher.poll_sources(sources)
        elapsed = time.perf_counter() - started
    for outcome in report.outcomes:
        if not outcome.ok:
            print(f"failed: {outcome.source.url}: {outcome.error}", file=sys.stderr)
    print(
        f"polled {len(report.outcomes)} sources in {elapsed:.2f}s: "
        f"{report.sources_ok} ok, {report.sources_failed} failed "
        f"({report.not_modified} not modified); "
        f"{report.new_items} new items, {report.new_articles} new articles; "
        f"{report.degraded} degraded, {report.failed_items} to retry, "
        f"{report.given_up} given up"
    )
    return 0


async def migrate(settings: Settings) -> int:
    """Bring the database's schema up to date."""
    from bot.storage.database import HEAD_REVISION, Database

    database = Database.open(settings.database_url)
    try:
        applied = await database.migrate()
    finally:
        await database.close()
    state = "migrated to" if applied else "already at"
    print(f"database {state} revision {HEAD_REVISION}")
    return 0


async def export_database(settings: Settings, path: str) -> int:
    """Write every row of the database as JSON lines (``.gz``: compressed)."""
    from bot.storage.database import Database
    from bot.storage.transfer import Transfer

    database = Database.open(settings.database_url)
    rows = 0
    try:
        if not await database.schema_revision():
            raise CommandError("the database is empty (nothing to export)")
        with open_dump(path, write=True) as out:
            async for table, values in Transfer(database).export_rows():
                out.write(json.dumps([table, values], ensure_ascii=False) + "\n")
                rows += 1
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc}") from None
    finally:
        await database.close()
    print(f"exported {rows} rows to {path}")
    return 0


async def import_database(settings: Settings, path: str) -> int:
    """Read an export into a new, empty database."""
    from bot.storage.database import Database
    from bot.storage.transfer import NotEmpty, Transfer

    database = Database.open(settings.database_url)
    try:
        await database.migrate()
        with open_dump(path, write=False) as dump:
            lines = (json.loads(line) for line in dump if line.strip())
            counts = await Transfer(database).import_rows(
                (table, values) for table, values in lines
            )
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None
    except NotEmpty as exc:
        raise CommandError(str(exc)) from None
    finally:
        await database.close()
    print(f"imported {sum(counts.values())} rows into {len(counts)} tables")
    return 0


def backup(settings: Settings, path: str) -> int:
    """A consistent copy of the live SQLite store (the bot may keep running)."""
    from bot.backup import NotSQLite, backup_sqlite, pg_dump_advice, sqlite_path

    try:
        source = sqlite_path(settings.database_url)
    except NotSQLite as exc:
        if settings.database_url.startswith("postgres"):
            raise CommandError(pg_dump_advice(settings.database_url, path)) from None
        raise CommandError(str(exc)) from None
    target = Path(path).expanduser()
    if target.resolve() == source.resolve():
        raise CommandError("the backup would overwrite the database itself")
    try:
        done = backup_sqlite(source, target)
    except (OSError, sqlite3.Error) as exc:
        raise CommandError(f"backup failed: {exc}") from None
    print(f"backed up {source} to {done.path} ({done.bytes:,} bytes in {done.seconds:.2f}s)")
    return 0


async def import_sources(settings: Settings, path: str, *, guild_id: int, dry_run: bool) -> int:
    """Preview each listed feed (one line each), then add the valid ones within the cap."""
    from bot.guilds import MAX_SOURCES_PER_GUILD
    from bot.source_controls import Verdict

    data = read_list_file(path)
    async with open_services(settings) as services:
        controls = services.source_controls()
        try:
            preview = await controls.preview_import(guild_id, data)
        except UserFacingError as exc:
            raise CommandError(f"{path}: {exc}") from None
        for feed in preview.feeds:
            print(f"{feed.verdict.value}\t{feed.url}\t{_one_line(feed.describe())}")
        valid = preview.count(Verdict.VALID)
        summary = (
            f"{valid} valid, {preview.count(Verdict.WATCHED)} already watched, "
            f"{preview.count(Verdict.REFUSED)} refused"
        )
        if dry_run:
            print(f"{summary}; nothing added (--dry-run)")
            return 0
        await services.repos.guilds.join_guild(guild_id, now=wall_clock())
        done = await controls.confirm_import(preview, user_id=0)
    over = ""
    if done.over_cap:
        over = f"; {done.over_cap} over the server's cap of {MAX_SOURCES_PER_GUILD}"
    print(f"{summary}; added {done.added} to server {guild_id}{over}")
    return EXIT_PARTLY if done.over_cap else 0


async def export_sources(settings: Settings, *, guild_id: int, output: str | None) -> int:
    """A server's sources as OPML 2.0, to ``output`` or stdout."""
    from bot.opml import ExportedFeed, write_opml
    from bot.storage.database import Database
    from bot.storage.guilds import Guilds

    database = Database.open(settings.database_url)
    try:
        if not await database.schema_revision():
            raise CommandError("the database is empty (nothing to export)")
        watched = await Guilds(database).guild_source_controls(guild_id)
    finally:
        await database.close()
    if not watched:
        raise CommandError(f"server {guild_id} watches no sources")
    document = write_opml(
        [
            ExportedFeed(url=w.source.url, title=w.display_name, site_url=w.source.site_url)
            for w in watched
        ],
        title=f"newsbot sources of server {guild_id}",
        created=wall_clock(),
    )
    if output:
        try:
            Path(output).write_bytes(document)  # noqa: ASYNC240 - a CLI, nothing else runs
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from None
        print(f"exported {len(watched)} sources to {output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())
