"""Composition root and command line (``newsbot run``, ``sync-commands``, ``demo``, ``poll``,
``extract``, ``quotes``, ``stories``, ``migrate``).

Everything is built here (Settings, logging, the one HTTP session, the store, the worker pool) and
passed in; no other module creates them. Imports are made per command, so a command loads only
what it uses (polling unchanged feeds never imports the article extractor).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pydantic import ValidationError

from bot import __version__
from bot.errors import CommandError
from bot.metrics import Metrics
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import NewsBot
    from bot.fetch import Fetcher
    from bot.pool import WorkPool
    from bot.routing import Router
    from bot.store import Store
    from bot.watcher import CycleReport, Watcher

log = logging.getLogger("bot")

EXIT_USAGE = 2
MAX_PAGE_BYTES = 50 * 1024 * 1024


def process_metrics(role: str) -> Metrics:
    """A process's metrics (its own registry)."""
    return Metrics(role=role, version=__version__)


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    store: Store
    fetcher: Fetcher
    pool: WorkPool
    metrics: Metrics = field(
        default_factory=lambda: Metrics(role="process", version=__version__, process_metrics=False)
    )

    def watcher(
        self, *, router: Router | None = None, clock: Callable[[], datetime] | None = None
    ) -> Watcher:
        """The watcher on these services, with a story index of its own (and the router that
        matches topics, where this process matches them)."""
        from bot.stories import Stories
        from bot.watcher import Watcher

        return Watcher(
            store=self.store,
            fetcher=self.fetcher,
            pool=self.pool,
            settings=self.settings,
            router=router,
            stories=Stories(),
            clock=clock or wall_clock,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot", description="A Discord bot for people who follow the news together."
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="watch bundled sample feeds offline and print the alerts")
    demo.add_argument("--db", metavar="PATH", help="keep the demo's SQLite store at PATH")

    poll = sub.add_parser("poll", help="poll the sources (and feeds listed in a file)")
    poll.add_argument("--once", action="store_true", help="poll every source once, then exit")
    poll.add_argument("--feeds", metavar="FILE", help="file of feed URLs (one a line; # comments)")
    poll.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL)")

    extract = sub.add_parser("extract", help="extract article text from HTML pages (JSON lines)")
    extract.add_argument("paths", nargs="*", metavar="PATH", help="HTML files (gzip ok); - = stdin")
    extract.add_argument("--url", help="the pages' URL, for resolving links and metadata")

    quotes = sub.add_parser(
        "quotes", help="find quotations and who said them (one JSON line per quotation)"
    )
    quotes.add_argument("paths", nargs="*", metavar="PATH", help="text files; - = stdin")
    quotes.add_argument(
        "--html", action="store_true", help="inputs are HTML pages: extract the article first"
    )

    run = sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument(
        "--no-worker",
        action="store_true",
        help="answer commands and deliver alerts only; `newsbot worker` processes poll",
    )
    sub.add_parser(
        "worker",
        help="poll sources, find quotes and stories, match topics and queue alerts "
        "(share the work with other workers through one PostgreSQL database)",
    )
    sub.add_parser(
        "sync-commands", help="register the slash commands with Discord globally, then exit"
    )

    export = sub.add_parser(
        "export", help="write the whole database (DATABASE_URL) as JSON lines, to move it"
    )
    export.add_argument("path", metavar="FILE", help="where to write (.gz: compressed)")
    load = sub.add_parser(
        "import", help="read an export into the (new, empty) database DATABASE_URL names"
    )
    load.add_argument("path", metavar="FILE", help="a file `newsbot export` wrote")

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL)")

    from bot.admin_cli import add_commands
    from bot.stories_cli import add_command as add_stories

    add_commands(sub)
    add_stories(sub)
    return parser


def sqlite_url(path: str) -> str:
    return f"sqlite+aiosqlite:///{Path(path).expanduser().resolve()}"


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper() or 'settings'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise CommandError(f"invalid settings (environment or .env): {problems}") from None
    clean = {key: value for key, value in overrides.items() if value is not None}
    return settings.model_copy(update=clean) if clean else settings


def configure_logging(settings: Settings, *, level: str | None = None) -> None:
    from bot.logs import configure_logging as configure

    configure(level or settings.log_level, settings.log_format)


@asynccontextmanager
async def open_services(settings: Settings, *, role: str = "tool") -> AsyncIterator[Services]:
    """The store (migrated), a fetcher on the one shared session, the worker pool and this
    process's metrics."""
    from bot.fetch import Fetcher
    from bot.pool import WorkPool
    from bot.store import Store

    store = Store.open(settings.database_url)
    metrics = process_metrics(role)
    metrics.count_statements(lambda: store.statements)
    pool = WorkPool.of(settings, observe=metrics.pool_job)
    try:
        await store.migrate()
        if store.shares_work:
            # Work held by this host's crashed processes is taken over now, not when it
            # expires. (SQLite serves one process and holds no claims.)
            await store.release_claims(settings.dead_local_workers(await store.claim_owners()))
        async with Fetcher.create_session(settings) as session:
            fetcher = Fetcher(session, settings, observe=metrics.fetched)
            yield Services(settings, store, fetcher, pool, metrics)
    finally:
        pool.close()
        await store.close()


@asynccontextmanager
async def operations(
    services: Services,
    *,
    loops: tuple[str, ...],
    gateway: Callable[[], list[str]] | None = None,
    shards: Callable[[], str | None] | None = None,
) -> AsyncIterator[None]:
    """While the process runs: its web server (when HTTP_PORT is set) and its heartbeat (its
    row on the status page, and its minute counts of polls and alerts)."""
    from bot.heartbeat import Heartbeat
    from bot.status import ProcessState
    from bot.web import OpsServer, Readiness

    settings = services.settings
    server = None
    if settings.http_port is not None:
        token = settings.status_token.get_secret_value() if settings.status_token else None
        server = OpsServer(
            store=services.store,
            metrics=services.metrics,
            readiness=Readiness(loops=loops, within=settings.lease, gateway=gateway),
            version=__version__,
            status_token=token,
        )
        await server.start(settings.http_host, settings.http_port)
    now = wall_clock()
    process = ProcessState(
        name=settings.worker_name,
        role=services.metrics.role,
        shards=None,
        version=__version__,
        started_at=now,
        seen_at=now,
    )
    heartbeat = Heartbeat(
        store=services.store,
        metrics=services.metrics,
        process=process,
        clock=wall_clock,
        shards=shards,
    )
    stop = asyncio.Event()
    beating = asyncio.create_task(heartbeat.run(stop))
    try:
        yield
    finally:
        stop.set()
        await beating
        if server is not None:
            await server.stop()


def read_feed_file(path: str) -> list[str]:
    from bot.urls import InvalidURL, check_url

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read feeds file {path}: {exc}") from None
    urls: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            urls.append(check_url(line))
        except InvalidURL as exc:
            raise CommandError(f"{path}:{number}: {exc}") from None
    return urls


async def cmd_poll(args: argparse.Namespace) -> int:

    settings = load_settings(database_url=sqlite_url(args.db) if args.db else None)
    configure_logging(settings)
    urls = read_feed_file(args.feeds) if args.feeds else []
    async with open_services(settings) as services:
        watcher = services.watcher()
        await watcher.add_sources(urls)
        if not args.once:
            await watcher.run(asyncio.Event())
            return 0
        sources = await services.store.list_sources()
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


async def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.store import HEAD_REVISION, Store

    settings = load_settings(database_url=sqlite_url(args.db) if args.db else None)
    configure_logging(settings)
    store = Store.open(settings.database_url)
    try:
        applied = await store.migrate()
    finally:
        await store.close()
    state = "migrated to" if applied else "already at"
    print(f"database {state} revision {HEAD_REVISION}")
    return 0


def read_page(path: str) -> bytes:
    """Bytes of an HTML page from a file or stdin ('-'), gunzipped when compressed."""
    import zlib

    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_PAGE_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise CommandError(exc.strerror or str(exc)) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            inflated = inflater.decompress(raw, MAX_PAGE_BYTES + 1)
        except zlib.error as exc:
            raise CommandError(f"not a readable gzip file ({exc})") from None
        if not inflater.eof and len(inflated) <= MAX_PAGE_BYTES:
            raise CommandError("not a readable gzip file (it ends too soon)")
        raw = inflated
    if len(raw) > MAX_PAGE_BYTES:
        raise CommandError(f"larger than {MAX_PAGE_BYTES // (1024 * 1024)} MiB")
    return raw


def cmd_extract(args: argparse.Namespace) -> int:
    from bot.articles import describe
    from bot.extract import ExtractionError, extract_article

    paths: Sequence[str] = args.paths or ["-"]
    status = 0
    out = sys.stdout
    for path in paths:
        record: dict[str, object] = {"path": path}
        try:
            page = extract_article(read_page(path), url=args.url)
        except CommandError as exc:
            record["error"] = f"cannot read input: {exc}"
            status = EXIT_USAGE
        except ExtractionError as exc:
            record["error"] = str(exc)
            status = status or 1
        except Exception as exc:
            # One page that breaks the extractor costs that page; the rest are still read.
            log.debug("extracting %r failed", path, exc_info=exc)
            record["error"] = f"extraction failed: {describe(exc)}"
            status = status or 1
        else:
            record.update(
                title=page.title,
                author=page.author,
                published=page.published.isoformat() if page.published else None,
                site=page.site,
                image=page.image,
                lead=page.lead,
                text=page.text,
            )
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return status


def read_text(path: str, *, html: bool) -> str:
    """An input as the quotation finder reads it: a text file decoded as UTF-8 (newlines as
    they are), or an HTML page's extracted article text."""
    raw = read_page(path)
    if html:
        from bot.extract import ExtractionError, extract_article

        try:
            return extract_article(raw).text
        except ExtractionError as exc:
            raise CommandError(str(exc)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"not UTF-8 text (byte {exc.start})") from None


def cmd_quotes(args: argparse.Namespace) -> int:
    from bot.articles import describe
    from bot.quotes import find_quotations as find
    from bot.quotes import is_english, load_model, mark_key

    settings = load_settings()
    paths: Sequence[str] = args.paths or ["-"]
    status = 0
    out = sys.stdout
    for path in paths:
        try:
            text = read_text(path, html=args.html)
        except CommandError as exc:
            print(f"newsbot quotes: {path}: {exc}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        try:
            nlp = load_model(settings.spacy_model) if is_english(text) else None
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        try:
            found = [q for q in mark_key(find(text, nlp)) if q.is_quotation]
        except Exception as exc:
            # One input that breaks the quote finder costs that input; the rest are still read.
            log.debug("finding quotations in %r failed", path, exc_info=exc)
            failed = {"path": path, "error": f"finding quotations failed: {describe(exc)}"}
            out.write(json.dumps(failed, ensure_ascii=False) + "\n")
            out.flush()
            status = status or 1
            continue
        for quote in found:
            record = {
                "path": path,
                "text": quote.text,
                "speaker": quote.speaker,
                "speaker_kind": quote.speaker_kind.value if quote.speaker_kind else None,
                "role": quote.role,
                "cue": quote.cue,
                "key": quote.key,
                "spans": [list(span) for span in quote.spans],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return status


NO_TOKEN = (
    "DISCORD_TOKEN is not set, so the bot can't log in to Discord. Put the token from the "
    "Discord developer portal in the environment or in .env (see .env.example). To see "
    "newsbot work without Discord, run `newsbot demo`."
)


def wall_clock() -> datetime:
    return datetime.now(UTC)


def build_bot(
    settings: Settings,
    services: Services,
    *,
    background: bool = True,
    guild_ready_timeout: float = 2.0,
    clock: Callable[[], datetime] | None = None,
) -> NewsBot:
    """The Discord bot with its collaborators (the composition root's last step). Everything
    shares one ``clock`` (the wall clock unless a test sets its own)."""

    from bot.app import NewsBot
    from bot.app import Services as BotServices
    from bot.backup import DailyBackups, NotSQLite
    from bot.delivery import Deliverer, Sender
    from bot.guilds import (
        DEFAULT_SOURCES_FILE,
        MAX_SOURCES_PER_GUILD,
        ServerSources,
        read_default_sources,
    )
    from bot.membership import MemberLookup, Membership
    from bot.news import News
    from bot.routing import Router
    from bot.source_controls import Prober, SourceControls
    from bot.subscriptions import Topics

    now = clock or wall_clock
    router = Router(services.store, observe=services.metrics.matched)
    watcher = services.watcher(router=router, clock=now)
    defaults_file = settings.default_sources_file or DEFAULT_SOURCES_FILE
    try:
        defaults = read_default_sources(defaults_file)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read DEFAULT_SOURCES_FILE {defaults_file}: {exc}") from None
    server_sources = ServerSources(
        store=services.store,
        watcher=watcher,
        default_sources=defaults,
        clock=now,
        on_left=router.changed,
    )

    backups = None
    if settings.backup_dir is not None:
        try:
            backups = DailyBackups(
                database_url=settings.database_url,
                folder=settings.backup_dir,
                keep=settings.backup_keep,
            )
        except NotSQLite as exc:
            log.warning("BACKUP_DIR is ignored: %s", exc)

    def make_deliverer(sender: Sender, members: MemberLookup) -> Deliverer:
        return Deliverer(
            store=services.store,
            sender=sender,
            route_alert_cap=settings.route_alert_cap,
            clock=now,
            owner=settings.worker_name,
            hold=settings.lease,
            shards=settings.shards,
            members=Membership(members, clock=now),
        )

    return NewsBot(
        settings=settings,
        services=BotServices(
            settings,
            services.store,
            watcher,
            server_sources,
            router,
            Topics(
                store=services.store,
                per_user_cap=settings.topics_per_user,
                clock=now,
                on_change=router.changed,
                routes_cap=settings.routes_per_server,
            ),
            News(store=services.store, clock=now),
            SourceControls(
                store=services.store,
                prober=Prober(
                    services.fetcher, services.pool, max_items=settings.max_items_per_feed
                ),
                clock=now,
                cap=MAX_SOURCES_PER_GUILD,
                default_interval=settings.poll_interval_seconds,
            ),
            services.metrics,
            backups,
        ),
        make_deliverer=make_deliverer,
        background=background,
        guild_ready_timeout=guild_ready_timeout,
    )


async def cmd_run(args: argparse.Namespace, *, sync_only: bool = False) -> int:
    import signal

    from bot.app import configure_rest_base

    settings = load_settings(run_worker=False if getattr(args, "no_worker", False) else None)
    if settings.discord_token is None:
        raise CommandError(NO_TOKEN)
    token = settings.discord_token.get_secret_value()
    configure_logging(settings)
    configure_rest_base(settings)
    async with open_services(settings, role="gateway") as services:
        bot = build_bot(settings, services, background=not sync_only)
        async with bot:
            if sync_only:
                await bot.login(token)
                synced = await bot.tree.sync()
                print(f"registered {len(synced)} slash commands globally")
                return 0
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
            loops = ("poll", "deliver") if settings.run_worker else ("deliver",)
            async with operations(
                services, loops=loops, gateway=bot.gateway_problems, shards=bot.shards_text
            ):
                await bot.start(token)
    return 0


async def cmd_worker(args: argparse.Namespace) -> int:
    """Poll until SIGTERM or SIGINT (the cycle in progress finishes first)."""
    import signal

    from bot.routing import Router

    settings = load_settings()
    configure_logging(settings)
    async with open_services(settings, role="worker") as services:
        metrics = services.metrics
        watcher = services.watcher(router=Router(services.store, observe=metrics.matched))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        logging.getLogger("newsbot.worker").info("worker %r polling", settings.worker_name)

        def after_cycle(report: CycleReport) -> None:
            metrics.cycle(report)
            metrics.round_done("poll")
            if settings.stats_file is not None:
                metrics.write_stats(settings.stats_file, worker=settings.worker_name)

        async with operations(services, loops=("poll",)):
            await watcher.run(stop, after_cycle=after_cycle)
    return 0


def _open_dump(path: str, *, write: bool) -> IO[str]:
    if path.endswith(".gz"):
        return gzip.open(path, "wt" if write else "rt", encoding="utf-8")
    return open(path, "w" if write else "r", encoding="utf-8")


async def cmd_export(args: argparse.Namespace) -> int:
    from bot.store import Store

    settings = load_settings()
    store = Store.open(settings.database_url)
    rows = 0
    try:
        if not await store.schema_revision():
            raise CommandError("the database is empty (nothing to export)")
        with _open_dump(args.path, write=True) as out:
            async for table, values in store.export_rows():
                out.write(json.dumps([table, values], ensure_ascii=False) + "\n")
                rows += 1
    except OSError as exc:
        raise CommandError(f"cannot write {args.path}: {exc}") from None
    finally:
        await store.close()
    print(f"exported {rows} rows to {args.path}")
    return 0


async def cmd_import(args: argparse.Namespace) -> int:
    from bot.store import NotEmpty, Store

    settings = load_settings()
    store = Store.open(settings.database_url)
    try:
        await store.migrate()
        with _open_dump(args.path, write=False) as dump:
            lines = (json.loads(line) for line in dump if line.strip())
            counts = await store.import_rows((table, values) for table, values in lines)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {args.path}: {exc}") from None
    except NotEmpty as exc:
        raise CommandError(str(exc)) from None
    finally:
        await store.close()
    print(f"imported {sum(counts.values())} rows into {len(counts)} tables")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    settings = load_settings(
        allow_private_addresses=True,
        database_url=sqlite_url(args.db) if args.db else None,
    )
    configure_logging(settings, level="WARNING" if settings.log_level == "INFO" else None)
    return asyncio.run(run_demo(settings, open_services, keep_db=bool(args.db)))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            return cmd_demo(args)
        if args.command == "extract":
            return cmd_extract(args)
        if args.command == "quotes":
            return cmd_quotes(args)
        if args.command == "stories":
            from bot.stories_cli import run as group_stories

            return group_stories(args.path, explain=args.explain)
        if args.command == "poll":
            return asyncio.run(cmd_poll(args))
        if args.command == "migrate":
            return asyncio.run(cmd_migrate(args))
        if args.command == "run":
            return asyncio.run(cmd_run(args))
        if args.command == "worker":
            return asyncio.run(cmd_worker(args))
        if args.command == "export":
            return asyncio.run(cmd_export(args))
        if args.command == "import":
            return asyncio.run(cmd_import(args))
        if args.command == "sync-commands":
            return asyncio.run(cmd_run(args, sync_only=True))
        if args.command in ("backup", "sources"):
            from bot.admin_cli import run_command

            db = getattr(args, "db", None)
            settings = load_settings(database_url=sqlite_url(db) if db else None)
            configure_logging(settings, level="WARNING" if settings.log_level == "INFO" else None)
            return run_command(args, settings, open_services)
    except CommandError as exc:
        print(f"newsbot {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
