"""The operator's commands: ``newsbot backup PATH``, ``newsbot sources import FILE --guild ID``
and ``newsbot sources export --guild ID [--output FILE]`` (parsed in ``bot.__main__``)."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import CommandError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.__main__ import Services

OpenServices = Callable[[Settings], AbstractAsyncContextManager["Services"]]
EXIT_PARTLY = 1


def wall_clock() -> datetime:
    return datetime.now(UTC)


def add_commands(sub: Any) -> None:
    """Add ``backup`` and ``sources`` to the command line's subcommands."""
    backup = sub.add_parser(
        "backup",
        help="copy the live SQLite store to PATH (on PostgreSQL: prints the pg_dump command)",
    )
    backup.add_argument("path", metavar="PATH", help="the backup file to write")
    backup.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL)")

    sources = sub.add_parser("sources", help="a server's sources: import or export a feed list")
    verbs = sources.add_subparsers(dest="verb", required=True, metavar="VERB")
    load = verbs.add_parser(
        "import", help="check each feed of an OPML file or URL list, then add the valid ones"
    )
    load.add_argument("file", metavar="FILE", help="OPML, or one URL a line (- = stdin)")
    load.add_argument("--guild", type=int, required=True, metavar="ID", help="the server's id")
    load.add_argument(
        "--dry-run", action="store_true", help="only check and print the preview; add nothing"
    )
    save = verbs.add_parser("export", help="write a server's sources as OPML 2.0")
    save.add_argument("--guild", type=int, required=True, metavar="ID", help="the server's id")
    save.add_argument("--output", "-o", metavar="FILE", help="where to write (default: stdout)")


def run_command(args: argparse.Namespace, settings: Settings, open_services: OpenServices) -> int:
    """Run ``backup`` or ``sources VERB`` (settings and logging already set up)."""
    if args.command == "backup":
        return cmd_backup(args, settings)
    if args.verb == "import":
        return asyncio.run(cmd_sources_import(args, settings, open_services))
    return asyncio.run(cmd_sources_export(args, settings))


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A consistent copy of the live SQLite store (the bot may keep running)."""
    from bot.backup import NotSQLite, backup_sqlite, pg_dump_advice, sqlite_path

    try:
        source = sqlite_path(settings.database_url)
    except NotSQLite as exc:
        if settings.database_url.startswith("postgres"):
            raise CommandError(pg_dump_advice(settings.database_url, args.path)) from None
        raise CommandError(str(exc)) from None
    target = Path(args.path).expanduser()
    if target.resolve() == source.resolve():
        raise CommandError("the backup would overwrite the database itself")
    try:
        done = backup_sqlite(source, target)
    except (OSError, sqlite3.Error) as exc:
        raise CommandError(f"backup failed: {exc}") from None
    print(f"backed up {source} to {done.path} ({done.bytes:,} bytes in {done.seconds:.2f}s)")
    return 0


def _read_input(path: str) -> bytes:
    from bot.opml import MAX_LIST_BYTES

    try:
        if path == "-":
            return sys.stdin.buffer.read(MAX_LIST_BYTES + 1)
        with open(path, "rb") as handle:
            return handle.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None


async def cmd_sources_import(
    args: argparse.Namespace, settings: Settings, open_services: OpenServices
) -> int:
    """Preview each listed feed (one line each), then add the valid ones within the cap."""
    from bot.errors import UserFacingError
    from bot.guilds import MAX_SOURCES_PER_GUILD
    from bot.source_controls import Prober, SourceControls, Verdict

    data = _read_input(args.file)
    async with open_services(settings) as services:
        controls = SourceControls(
            store=services.store,
            prober=Prober(services.fetcher, services.pool, max_items=settings.max_items_per_feed),
            clock=wall_clock,
            cap=MAX_SOURCES_PER_GUILD,
            default_interval=settings.poll_interval_seconds,
        )
        try:
            preview = await controls.preview_import(args.guild, data)
        except UserFacingError as exc:
            raise CommandError(f"{args.file}: {exc}") from None
        for feed in preview.feeds:
            print(f"{feed.verdict.value}\t{feed.url}\t{_one_line(feed.describe())}")
        valid = preview.count(Verdict.VALID)
        summary = (
            f"{valid} valid, {preview.count(Verdict.WATCHED)} already watched, "
            f"{preview.count(Verdict.REFUSED)} refused"
        )
        if args.dry_run:
            print(f"{summary}; nothing added (--dry-run)")
            return 0
        await services.store.join_guild(args.guild, now=wall_clock())
        done = await controls.confirm_import(preview, user_id=0)
    over = ""
    if done.over_cap:
        over = f"; {done.over_cap} over the server's cap of {MAX_SOURCES_PER_GUILD}"
    print(f"{summary}; added {done.added} to server {args.guild}{over}")
    return EXIT_PARTLY if done.over_cap else 0


async def cmd_sources_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store import Store

    store = Store.open(settings.database_url)
    try:
        if not await store.schema_revision():
            raise CommandError("the database is empty (nothing to export)")
        watched = await store.guild_source_controls(args.guild)
    finally:
        await store.close()
    if not watched:
        raise CommandError(f"server {args.guild} watches no sources")
    from bot.opml import ExportedFeed, write_opml

    document = write_opml(
        [
            ExportedFeed(url=w.source.url, title=w.display_name, site_url=w.source.site_url)
            for w in watched
        ],
        title=f"newsbot sources of server {args.guild}",
        created=wall_clock(),
    )
    if args.output:
        try:
            Path(args.output).write_bytes(document)  # noqa: ASYNC240 - a CLI, nothing else runs
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"exported {len(watched)} sources to {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())
