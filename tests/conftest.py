"""Shared fixtures: real SQLite files (and a real PostgreSQL server when one is given), real
HTTP on loopback, the real watcher."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from sqlalchemy.engine import make_url

from bot.address_guard import AddressCheck
from bot.delivery import Deliverer
from bot.feeds import item_keys
from bot.fetch import Fetcher
from bot.poll_report import CycleReport, PollOutcome
from bot.pool import WorkPool
from bot.routing import Router
from bot.settings import Settings
from bot.sources import Source, SourceStatus
from bot.storage.repositories import Repositories
from bot.stories import Stories
from bot.urls import is_public_address
from bot.watcher import ArticleSink, Watcher

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
DEMO_WWW = Path(__file__).resolve().parents[1] / "bot" / "demo_data" / "www"


CHECKOUT = Path(__file__).resolve().parents[1]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a `python -m bot` a test starts: this checkout's code (whichever
    checkout is installed), none of the developer's own DATABASE_/DISCORD_ settings, and
    ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DISCORD_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CHECKOUT), env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}",
        "allow_private_addresses": True,
        "parse_workers": 1,
        "http_connect_timeout": 2.0,
        "http_read_timeout": 1.0,
        "http_total_timeout": 5.0,
        "max_body_bytes": 256 * 1024,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


POSTGRES_URL_VARIABLE = "NEWSBOT_TEST_POSTGRES_URL"
"""A PostgreSQL database the tests may connect to as a role that can create databases, e.g.
``postgresql+asyncpg://newsbot:newsbot@127.0.0.1:55432/newsbot`` (``.ci/postgres.sh start DIR``
starts such a server and prints the line that sets it)."""

ENGINES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_engines`` that use the store run once per engine."""
    if "db_engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_engines"
    ):
        metafunc.parametrize("db_engine", ENGINES, indirect=True)


@pytest.fixture
def db_engine(request: pytest.FixtureRequest) -> str:
    """The engine under the store: SQLite unless a test is parametrized over both."""
    return str(getattr(request, "param", "sqlite"))


@asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[str]:
    """A new, empty database on the server of ``admin_url`` (dropped afterwards): its URL."""
    import asyncpg

    admin = make_url(admin_url)
    name = f"newsbot_test_{uuid.uuid4().hex[:16]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield admin.set(database=name).render_as_string(hide_password=False)
        finally:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def database_url(db_engine: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the engine under test: a SQLite file, or a PostgreSQL database of
    its own (each test gets a fresh one)."""
    if db_engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin_url:
        pytest.skip(f"PostgreSQL case: {POSTGRES_URL_VARIABLE} is not set (.ci/postgres.sh)")
    async with postgres_database(admin_url) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url)


def deliverer_on(repos: Repositories, **given: Any) -> Deliverer:
    """A deliverer on the repositories delivering calls (``given``: its other arguments)."""
    return Deliverer(
        outbox=repos.outbox,
        guilds=repos.guilds,
        topics=repos.topics,
        quiet=repos.quiet,
        threads=repos.threads,
        articles=repos.articles,
        digests=repos.digests,
        queries=repos.queries,
        **given,
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Repositories]:
    store = Repositories.open(settings.database_url)
    await store.database.migrate()
    yield store
    await store.close()


class FeedServer:
    """A real aiohttp server on loopback (127.0.0.1 unless told); tests map paths to handlers or
    fixed responses."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[web.Request] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes["/" + path.lstrip("/")] = handler
        return self.url(path)

    def serve(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        content_type: str | None = "application/rss+xml",
        headers: dict[str, str] | None = None,
    ) -> str:
        """A fixed response; answers 304 when the client sends back the ETag it was given."""
        data = body.encode() if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.StreamResponse:
            extra = dict(headers or {})
            etag = extra.get("ETag")
            if etag and request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            if content_type is not None:
                extra["Content-Type"] = content_type
            return web.Response(status=status, body=data, headers=extra)

        return self.route(path, handler)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        self.requests.append(request)
        handler = self.routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


class Clock:
    """A settable clock, so tests can make sources due without sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@asynccontextmanager
async def open_watcher(
    settings: Settings,
    store: Repositories,
    clock: Clock,
    on_articles: ArticleSink | None = None,
    *,
    resolver: AbstractResolver | None = None,
    public: AddressCheck = is_public_address,
    stories: Stories | None = None,
) -> AsyncIterator[Watcher]:
    """A watcher wired as bot/services.py wires it: one session, one pool."""
    pool = WorkPool.of(settings)
    try:
        async with Fetcher.create_session(settings, resolver=resolver, public=public) as session:
            yield Watcher(
                sources=store.sources,
                ingest=store.ingest,
                articles=store.articles,
                router=Router(store.topics, matching=False),
                fetcher=Fetcher(session, settings),
                pool=pool,
                settings=settings,
                on_articles=on_articles,
                stories=stories,
                clock=clock,
            )
    finally:
        pool.close()


@pytest.fixture
async def watcher(settings: Settings, store: Repositories, clock: Clock) -> AsyncIterator[Watcher]:
    async with open_watcher(settings, store, clock) as built:
        yield built


def rss(items: list[dict[str, str]], *, title: str = "Test Feed") -> str:
    """A small RSS 2.0 document; each item dict may have title, link, guid, pubDate, description."""
    parts = []
    for item in items:
        fields = "".join(f"<{key}>{value}</{key}>" for key, value in item.items())
        parts.append(f"<item>{fields}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.com/</link>{''.join(parts)}"
        "</channel></rss>"
    )


# ---- a scene of watched sources (tests/test_bad_input.py, tests/hostile/) -----------------------


@dataclass
class Scene:
    watcher: Watcher
    store: Repositories
    server: FeedServer
    clock: Clock
    settings: Settings

    def story(self, slug: str, **extra: str) -> dict[str, str]:
        # Links stay on the loopback server: article pages there answer 404, so articles fall back
        # to the feed's own text and nothing ever leaves 127.0.0.1.
        return {
            "title": f"Story {slug}",
            "link": self.server.url(f"/story/{slug}"),
            "guid": f"urn:story:{slug}",
            **extra,
        }

    def story_keys(self, slug: str) -> tuple[str, ...]:
        story = self.story(slug)
        return item_keys(
            guid=story["guid"], link=story["link"], title=story["title"], published=None
        )

    async def watched(self, path: str) -> Source:
        """A source that has had its baseline poll, so it has a seen state to protect."""
        url = self.server.serve(path, rss([self.story(f"{path}-1"), self.story(f"{path}-2")]))
        outcome = await self.watcher.add_source(url)
        assert outcome.ok, outcome.error
        return await self.source(outcome.source.id)

    async def source(self, source_id: int) -> Source:
        source = await self.store.sources.get_source(source_id)
        assert source is not None
        return source

    async def next_cycle(self) -> CycleReport:
        """Let every healthy source come due, then run one polling cycle."""
        self.clock.advance(self.settings.poll_interval_seconds * 2)
        return await self.watcher.poll_due()

    def backoff(self, errors: int) -> timedelta:
        return timedelta(seconds=self.settings.poll_interval_seconds * 2 ** (errors - 1))


@pytest.fixture
def scene(
    watcher: Watcher, store: Repositories, feed_server: FeedServer, clock: Clock, settings: Settings
) -> Scene:
    return Scene(watcher, store, feed_server, clock, settings)


def outcome_for(report: CycleReport, source_id: int) -> PollOutcome:
    (outcome,) = [o for o in report.outcomes if o.source.id == source_id]
    return outcome


async def break_beside_healthy(
    scene: Scene, broken_response: Handler
) -> tuple[Source, PollOutcome]:
    """Two watched sources; one starts answering ``broken_response`` while the other gains a story.

    Checks the parts every failure shares: the healthy source is polled in the same cycle and gets
    its new story; the broken one's seen state is untouched, so its new story is still unseen.
    Returns the broken source as recorded afterwards, and its poll outcome."""
    broken = await scene.watched("broken")
    healthy = await scene.watched("healthy")
    seen_before = await scene.store.sources.count_seen(broken.id)
    new_keys = scene.story_keys("broken-3")
    scene.server.route("broken", broken_response)
    healthy_items = [scene.story(f"healthy-{n}") for n in (1, 2, 3)]
    scene.server.serve("healthy", rss(healthy_items))

    report = await scene.next_cycle()

    assert report.sources_ok == 1 and report.sources_failed == 1
    healthy_outcome = outcome_for(report, healthy.id)
    assert healthy_outcome.ok and healthy_outcome.new_items == 1
    assert [a.title for a in healthy_outcome.articles] == ["Story healthy-3"]
    assert (await scene.source(healthy.id)).status is SourceStatus.OK
    assert await scene.store.sources.count_seen(broken.id) == seen_before
    assert await scene.store.sources.unseen_keys(broken.id, new_keys) == set(new_keys)
    outcome = outcome_for(report, broken.id)
    assert not outcome.ok
    return await scene.source(broken.id), outcome


def assert_failing_once(scene: Scene, source: Source, *words: str) -> None:
    assert source.status is SourceStatus.FAILING
    assert source.error_count == 1
    assert source.next_poll_at == scene.clock.now + scene.backoff(1)
    assert source.last_error is not None
    assert source.last_error.endswith("."), source.last_error
    for word in words:
        assert word in source.last_error, source.last_error


def broken_feed_with_story_3(scene: Scene) -> bytes:
    """The start of a feed that would have held story broken-3."""
    return rss([scene.story("broken-3"), scene.story("broken-1")]).encode()
