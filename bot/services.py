"""The composition root: where every long-lived part of a process is built and wired.

Settings (once, from the environment), logging, the repositories (on one shared database), the
one HTTP session and the fetcher on it, the parser pool, this process's metrics, and from them
the watcher, the router, the services the cogs use, the deliverer and the bot. Nothing else
creates these; each part is handed the repositories it calls. Imports of the heavier parts are
made where they are built, so a command loads only what it uses (polling unchanged feeds never
imports the article extractor).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot import __version__
from bot.errors import CommandError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import NewsBot
    from bot.backup import DailyBackups
    from bot.delivery import Deliverer
    from bot.fetch import Fetcher
    from bot.guilds import ServerSources
    from bot.membership import MemberLookup
    from bot.metrics import Metrics
    from bot.news import News
    from bot.pool import WorkPool
    from bot.routing import Router
    from bot.sending import Sender
    from bot.source_controls import SourceControls
    from bot.storage.repositories import Repositories
    from bot.subscriptions import Topics
    from bot.watcher import Watcher

log = logging.getLogger("bot")

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """Now, in UTC: the clock every part shares unless a test sets its own."""
    return datetime.now(UTC)


def process_metrics(role: str) -> Metrics:
    """A process's metrics (its own registry)."""
    from bot.metrics import Metrics

    return Metrics(role=role, version=__version__)


def unexposed_metrics() -> Metrics:
    """Metrics no one scrapes (a bot built by a test on services made without any): counted,
    without the process's own collectors."""
    from bot.metrics import Metrics

    return Metrics(role="process", version=__version__, process_metrics=False)


def metrics_of(services: Services) -> Metrics:
    """The metrics of a long-running process's services (``open_services`` with a role)."""
    if services.metrics is None:
        raise RuntimeError("a tool's services have no metrics to expose")
    return services.metrics


def sqlite_url(path: str) -> str:
    """The DATABASE_URL of a SQLite file (``--db PATH``)."""
    return f"sqlite+aiosqlite:///{Path(path).expanduser().resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with the command line's overrides (None: not
    given); invalid settings become a CommandError naming each problem."""
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


def settle_heap() -> None:
    """Once a long-lived process has started (modules, settings, engine, pool, watcher), move
    every object it holds out of the garbage collector's sight (``gc.freeze``): they live as
    long as the process, and without this each full collection walks all of them again (57-70
    ms every few cycles at 1,000 feeds; ~75 ms of a steady ``poll --once``). Garbage made
    before the call is kept for the life of the process, once; so it is called at the entry
    points, after start-up, never from a library or a test."""
    gc.freeze()


def configure_logging(settings: Settings, *, level: str | None = None) -> None:
    """Set up the process's log output once (LOG_LEVEL, LOG_FORMAT; ``level`` overrides)."""
    from bot.logs import configure_logging as configure

    configure(level or settings.log_level, settings.log_format)


@dataclass(frozen=True, slots=True)
class Services:
    """A process's shared parts, and the builders of everything made from them."""

    settings: Settings
    repos: Repositories
    fetcher: Fetcher
    pool: WorkPool
    metrics: Metrics | None = None
    """This process's metrics; None in a tool's process (``newsbot poll``, the demo), which
    exposes none, so its counts would never be read (and prometheus_client is not imported)."""

    def router(self) -> Router:
        """The router that matches articles to topics (counted in this process's metrics)."""
        from bot.routing import Router

        return Router(
            self.repos.topics,
            observe=self.metrics.matched if self.metrics is not None else None,
        )

    def watcher(self, *, router: Router | None = None, clock: Clock | None = None) -> Watcher:
        """The watcher on these services, with a story index of its own (and the router that
        matches topics, where this process matches them)."""
        from bot.routing import Router
        from bot.stories import Stories
        from bot.watcher import Watcher

        return Watcher(
            sources=self.repos.sources,
            ingest=self.repos.ingest,
            articles=self.repos.articles,
            router=router or Router(self.repos.topics, matching=False),
            fetcher=self.fetcher,
            pool=self.pool,
            settings=self.settings,
            stories=Stories(),
            clock=clock or wall_clock,
        )

    def server_sources(
        self, watcher: Watcher, *, router: Router | None = None, clock: Clock | None = None
    ) -> ServerSources:
        """What admins do with a server's sources, adding through ``watcher``; the starter
        feeds are read from DEFAULT_SOURCES_FILE now, so a bad file stops the start."""
        from bot.guilds import ServerSources
        from bot.readers import read_starter_sources

        repos = self.repos
        return ServerSources(
            guilds=repos.guilds,
            sources=repos.sources,
            outbox=repos.outbox,
            articles=repos.articles,
            threads=repos.threads,
            watcher=watcher,
            default_sources=read_starter_sources(self.settings.default_sources_file),
            clock=clock or wall_clock,
            on_left=router.changed if router is not None else None,
        )

    def source_controls(
        self, watcher: Watcher | None = None, *, clock: Clock | None = None
    ) -> SourceControls:
        """Pause, resume, edit, import and export of a server's sources."""
        from bot.guilds import MAX_SOURCES_PER_GUILD
        from bot.source_controls import Prober, SourceControls

        return SourceControls(
            guilds=self.repos.guilds,
            sources=self.repos.sources,
            prober=Prober(self.fetcher, self.pool, max_items=self.settings.max_items_per_feed),
            clock=clock or wall_clock,
            cap=MAX_SOURCES_PER_GUILD,
            default_interval=self.settings.poll_interval_seconds,
        )

    def topics(self, router: Router, *, clock: Clock | None = None) -> Topics:
        """People's topics and a server's topic routes (the router hears of each change)."""
        from bot.subscriptions import Topics

        repos = self.repos
        return Topics(
            topics=repos.topics,
            queries=repos.queries,
            guilds=repos.guilds,
            quiet=repos.quiet,
            per_user_cap=self.settings.topics_per_user,
            clock=clock or wall_clock,
            on_change=router.changed,
            routes_cap=self.settings.routes_per_server,
        )

    def news(self, *, clock: Clock | None = None) -> News:
        """The answers of /news."""
        from bot.news import News

        repos = self.repos
        return News(
            queries=repos.queries,
            coverage=repos.coverage,
            articles=repos.articles,
            guilds=repos.guilds,
            clock=clock or wall_clock,
        )

    def backups(self) -> DailyBackups | None:
        """The daily backup of a SQLite store into BACKUP_DIR (None: not set, or not SQLite)."""
        from bot.backup import DailyBackups, NotSQLite

        if self.settings.backup_dir is None:
            return None
        try:
            return DailyBackups(
                database_url=self.settings.database_url,
                folder=self.settings.backup_dir,
                keep=self.settings.backup_keep,
            )
        except NotSQLite as exc:
            log.warning("BACKUP_DIR is ignored: %s", exc)
            return None

    def deliverer(
        self, sender: Sender, members: MemberLookup, *, clock: Clock | None = None
    ) -> Deliverer:
        """The outbox's deliverer, sending through ``sender`` (the Discord layer's)."""
        from bot.delivery import Deliverer
        from bot.membership import Membership

        now = clock or wall_clock
        settings = self.settings
        repos = self.repos
        return Deliverer(
            outbox=repos.outbox,
            guilds=repos.guilds,
            topics=repos.topics,
            quiet=repos.quiet,
            threads=repos.threads,
            articles=repos.articles,
            digests=repos.digests,
            queries=repos.queries,
            sender=sender,
            route_alert_cap=settings.route_alert_cap,
            clock=now,
            owner=settings.worker_name,
            hold=settings.lease,
            shards=settings.shards,
            members=Membership(members, clock=now),
        )


@asynccontextmanager
async def open_services(settings: Settings, *, role: str = "tool") -> AsyncIterator[Services]:
    """The store (migrated), a fetcher on the one shared session, the worker pool and this
    process's metrics (a ``tool``, which exposes none, has none)."""
    from bot.fetch import Fetcher
    from bot.pool import WorkPool
    from bot.storage.repositories import Repositories

    repos = Repositories.open(settings.database_url)
    database = repos.database
    metrics = None if role == "tool" else process_metrics(role)
    if metrics is not None:
        metrics.count_statements(lambda: database.statements)
    pool = WorkPool.of(settings, observe=metrics.pool_job if metrics is not None else None)
    try:
        await database.migrate()
        if database.shares_work:
            # Work held by this host's crashed processes is taken over now, not when it
            # expires. (SQLite serves one process and holds no claims.)
            sources = repos.sources
            await sources.release_claims(settings.dead_local_workers(await sources.claim_owners()))
        async with Fetcher.create_session(settings) as session:
            fetcher = Fetcher(
                session, settings, observe=metrics.fetched if metrics is not None else None
            )
            yield Services(settings, repos, fetcher, pool, metrics)
    finally:
        pool.close()
        await repos.close()


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
    metrics = metrics_of(services)
    server = None
    if settings.http_port is not None:
        token = settings.status_token.get_secret_value() if settings.status_token else None
        server = OpsServer(
            store=services.repos.operations,
            metrics=metrics,
            readiness=Readiness(loops=loops, within=settings.lease, gateway=gateway),
            version=__version__,
            status_token=token,
        )
        await server.start(settings.http_host, settings.http_port)
    now = wall_clock()
    process = ProcessState(
        name=settings.worker_name,
        role=metrics.role,
        shards=None,
        version=__version__,
        started_at=now,
        seen_at=now,
    )
    heartbeat = Heartbeat(
        store=services.repos.operations,
        metrics=metrics,
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


def build_bot(
    settings: Settings,
    services: Services,
    *,
    background: bool = True,
    guild_ready_timeout: float = 2.0,
    clock: Clock | None = None,
) -> NewsBot:
    """The Discord bot with its collaborators (the composition root's last step). Everything
    shares one ``clock`` (the wall clock unless a test sets its own)."""
    from bot.app import BotServices, NewsBot
    from bot.styles import AlertStyles

    now = clock or wall_clock
    router = services.router()
    watcher = services.watcher(router=router, clock=now)

    def make_deliverer(sender: Sender, members: MemberLookup) -> Deliverer:
        return services.deliverer(sender, members, clock=now)

    return NewsBot(
        settings=settings,
        services=BotServices(
            settings,
            watcher,
            services.server_sources(watcher, router=router, clock=now),
            router,
            services.topics(router, clock=now),
            services.news(clock=now),
            services.source_controls(watcher, clock=now),
            services.metrics if services.metrics is not None else unexposed_metrics(),
            AlertStyles(
                now,
                topics=services.repos.topics,
                queries=services.repos.queries,
                articles=services.repos.articles,
                guilds=services.repos.guilds,
                on_change=router.changed,
            ),
            services.backups(),
        ),
        make_deliverer=make_deliverer,
        background=background,
        guild_ready_timeout=guild_ready_timeout,
    )
