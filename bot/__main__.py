"""The command line: ``newsbot run``, ``worker``, ``sync-commands``, ``demo``, ``poll``,
``extract``, ``quotes``, ``stories``, ``migrate``, ``export``, ``import``, ``backup`` and
``sources``.

Only the parser and one thin ``cmd_*`` function per command live here: each builds Settings and
logging, then hands over to the module that does the work (parts are built in
``bot.services``, the composition root). Imports are made per command, so a command loads only
what it uses.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot import __version__
from bot.errors import CommandError
from bot.services import configure_logging, load_settings, sqlite_url

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _db_url(args: argparse.Namespace) -> str | None:
    """The ``--db PATH`` override of DATABASE_URL (None: not given)."""
    db = getattr(args, "db", None)
    return sqlite_url(db) if db else None


def _quiet(level: str) -> str | None:
    """Tools that print their own results log warnings only, unless LOG_LEVEL was changed."""
    return "WARNING" if level == "INFO" else None


def cmd_demo(args: argparse.Namespace) -> int:
    """``newsbot demo``: watch the bundled sample sites offline and print the alerts."""
    from bot.demo import run_demo

    settings = load_settings(allow_private_addresses=True, database_url=_db_url(args))
    configure_logging(settings, level=_quiet(settings.log_level))
    return asyncio.run(run_demo(settings, keep_db=bool(args.db)))


def cmd_poll(args: argparse.Namespace) -> int:
    """``newsbot poll``: poll the sources (and a file's feeds), once or until interrupted."""
    from bot.maintenance import poll
    from bot.readers import read_feed_file

    settings = load_settings(database_url=_db_url(args))
    configure_logging(settings)
    urls = read_feed_file(args.feeds) if args.feeds else []
    return asyncio.run(poll(settings, urls, once=args.once))


def cmd_extract(args: argparse.Namespace) -> int:
    """``newsbot extract``: the article of each HTML page, as JSON lines."""
    from bot.tools import extract_pages

    return extract_pages(args.paths or ["-"], url=args.url, out=sys.stdout)


def cmd_quotes(args: argparse.Namespace) -> int:
    """``newsbot quotes``: the quotations in each text, as JSON lines."""
    from bot.tools import find_quotes

    settings = load_settings()
    return find_quotes(
        args.paths or ["-"],
        html=args.html,
        spacy_model=settings.spacy_model,
        out=sys.stdout,
        err=sys.stderr,
    )


def cmd_run(args: argparse.Namespace) -> int:
    """``newsbot run``: the Discord bot."""
    from bot.processes import discord_token, run_bot

    settings = load_settings(run_worker=False if args.no_worker else None)
    token = discord_token(settings)
    configure_logging(settings)
    return asyncio.run(run_bot(settings, token))


def cmd_sync_commands(args: argparse.Namespace) -> int:
    """``newsbot sync-commands``: register the slash commands globally."""
    from bot.processes import discord_token, run_bot

    settings = load_settings()
    token = discord_token(settings)
    configure_logging(settings)
    return asyncio.run(run_bot(settings, token, sync_only=True))


def cmd_worker(args: argparse.Namespace) -> int:
    """``newsbot worker``: poll, match and queue alerts until SIGTERM or SIGINT."""
    from bot.processes import run_worker

    settings = load_settings()
    configure_logging(settings)
    return asyncio.run(run_worker(settings))


def cmd_migrate(args: argparse.Namespace) -> int:
    """``newsbot migrate``: apply database migrations."""
    from bot.maintenance import migrate

    settings = load_settings(database_url=_db_url(args))
    configure_logging(settings)
    return asyncio.run(migrate(settings))


def cmd_export(args: argparse.Namespace) -> int:
    """``newsbot export FILE``: the whole database as JSON lines."""
    from bot.maintenance import export_database

    return asyncio.run(export_database(load_settings(), args.path))


def cmd_import(args: argparse.Namespace) -> int:
    """``newsbot import FILE``: an export read into a new, empty database."""
    from bot.maintenance import import_database

    return asyncio.run(import_database(load_settings(), args.path))


def cmd_backup(args: argparse.Namespace) -> int:
    """``newsbot backup PATH``: a consistent copy of the live SQLite store."""
    from bot.maintenance import backup

    settings = load_settings(database_url=_db_url(args))
    configure_logging(settings, level=_quiet(settings.log_level))
    return backup(settings, args.path)


def cmd_sources_import(args: argparse.Namespace) -> int:
    """``newsbot sources import FILE --guild ID``: check a feed list, add the valid feeds."""
    from bot.maintenance import import_sources

    settings = load_settings()
    configure_logging(settings, level=_quiet(settings.log_level))
    return asyncio.run(
        import_sources(settings, args.file, guild_id=args.guild, dry_run=args.dry_run)
    )


def cmd_sources_export(args: argparse.Namespace) -> int:
    """``newsbot sources export --guild ID``: a server's sources as OPML."""
    from bot.maintenance import export_sources

    settings = load_settings()
    configure_logging(settings, level=_quiet(settings.log_level))
    return asyncio.run(export_sources(settings, guild_id=args.guild, output=args.output))


def cmd_stories(args: argparse.Namespace) -> int:
    """``newsbot stories FILE``: group a corpus of articles into stories, offline (no settings:
    it reads only its input)."""
    from bot.stories_cli import run as group_stories

    return group_stories(args.path, explain=args.explain)


def build_parser() -> argparse.ArgumentParser:
    """The command line: each subcommand names its ``cmd_*`` function as its handler."""
    parser = argparse.ArgumentParser(
        prog="newsbot", description="A Discord bot for people who follow the news together."
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="watch bundled sample feeds offline and print the alerts")
    demo.add_argument("--db", metavar="PATH", help="keep the demo's SQLite store at PATH")
    demo.set_defaults(handler=cmd_demo)

    poll = sub.add_parser("poll", help="poll the sources (and feeds listed in a file)")
    poll.add_argument("--once", action="store_true", help="poll every source once, then exit")
    poll.add_argument("--feeds", metavar="FILE", help="file of feed URLs (one a line; # comments)")
    poll.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL)")
    poll.set_defaults(handler=cmd_poll)

    extract = sub.add_parser("extract", help="extract article text from HTML pages (JSON lines)")
    extract.add_argument("paths", nargs="*", metavar="PATH", help="HTML files (gzip ok); - = stdin")
    extract.add_argument("--url", help="the pages' URL, for resolving links and metadata")
    extract.set_defaults(handler=cmd_extract)

    quotes = sub.add_parser(
        "quotes", help="find quotations and who said them (one JSON line per quotation)"
    )
    quotes.add_argument("paths", nargs="*", metavar="PATH", help="text files; - = stdin")
    quotes.add_argument(
        "--html", action="store_true", help="inputs are HTML pages: extract the article first"
    )
    quotes.set_defaults(handler=cmd_quotes)

    run = sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument(
        "--no-worker",
        action="store_true",
        help="answer commands and deliver alerts only; `newsbot worker` processes poll",
    )
    run.set_defaults(handler=cmd_run)
    sub.add_parser(
        "worker",
        help="poll sources, find quotes and stories, match topics and queue alerts "
        "(share the work with other workers through one PostgreSQL database)",
    ).set_defaults(handler=cmd_worker)
    sub.add_parser(
        "sync-commands", help="register the slash commands with Discord globally, then exit"
    ).set_defaults(handler=cmd_sync_commands)

    export = sub.add_parser(
        "export", help="write the whole database (DATABASE_URL) as JSON lines, to move it"
    )
    export.add_argument("path", metavar="FILE", help="where to write (.gz: compressed)")
    export.set_defaults(handler=cmd_export)
    load = sub.add_parser(
        "import", help="read an export into the (new, empty) database DATABASE_URL names"
    )
    load.add_argument("path", metavar="FILE", help="a file `newsbot export` wrote")
    load.set_defaults(handler=cmd_import)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL)")
    migrate.set_defaults(handler=cmd_migrate)

    backup = sub.add_parser(
        "backup",
        help="copy the live SQLite store to PATH (on PostgreSQL: prints the pg_dump command)",
    )
    backup.add_argument("path", metavar="PATH", help="the backup file to write")
    backup.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL)")
    backup.set_defaults(handler=cmd_backup)

    sources = sub.add_parser("sources", help="a server's sources: import or export a feed list")
    verbs = sources.add_subparsers(dest="verb", required=True, metavar="VERB")
    load_list = verbs.add_parser(
        "import", help="check each feed of an OPML file or URL list, then add the valid ones"
    )
    load_list.add_argument("file", metavar="FILE", help="OPML, or one URL a line (- = stdin)")
    load_list.add_argument("--guild", type=int, required=True, metavar="ID", help="the server's id")
    load_list.add_argument(
        "--dry-run", action="store_true", help="only check and print the preview; add nothing"
    )
    load_list.set_defaults(handler=cmd_sources_import)
    save = verbs.add_parser("export", help="write a server's sources as OPML 2.0")
    save.add_argument("--guild", type=int, required=True, metavar="ID", help="the server's id")
    save.add_argument("--output", "-o", metavar="FILE", help="where to write (default: stdout)")
    save.set_defaults(handler=cmd_sources_export)

    stories = sub.add_parser(
        "stories",
        help="group articles (JSON lines: id, url, source, published, title, text) into stories",
    )
    stories.add_argument(
        "path", nargs="?", default="-", metavar="FILE", help="JSON lines (.gz ok); - = stdin"
    )
    stories.add_argument(
        "--explain",
        action="store_true",
        help="also print why each article joined its story (reason, similarity)",
    )
    stories.set_defaults(handler=cmd_stories)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status (2: a usage or input problem, printed)."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except CommandError as exc:
        print(f"newsbot {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return status


if __name__ == "__main__":
    sys.exit(main())
