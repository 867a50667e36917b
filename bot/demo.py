"""``newsbot demo``: bundled sample news sites served on 127.0.0.1, watched by the real watcher.

No Discord token and no internet: the sites are files in ``bot/demo_data/www`` served by a local
aiohttp server (with ETag, Last-Modified, gzip and 304s, as real sites answer), polled by the same
watcher, fetcher, parser pool and store the bot uses.
"""

from __future__ import annotations

import gzip
import hashlib
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

from bot.alerts import AlertStyle, StyleName, alert_for, render_text
from bot.articles import Article
from bot.digests import DigestEntry, digest_text
from bot.services import open_services
from bot.settings import Settings
from bot.sources import Source

WWW = Path(__file__).parent / "demo_data" / "www"
PLACEHOLDER = "{{BASE}}"
CONTENT_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
FEED_NAMES = {
    "rss20": "RSS 2.0",
    "rss10": "RSS 1.0",
    "rss090": "RSS 0.90",
    "rss091u": "RSS 0.91",
    "rss091n": "RSS 0.91",
    "rss092": "RSS 0.92",
    "rss093": "RSS 0.93",
    "rss094": "RSS 0.94",
    "atom10": "Atom 1.0",
    "atom03": "Atom 0.3",
    "json10": "JSON Feed 1.0",
    "json11": "JSON Feed 1.1",
}


@dataclass(slots=True)
class StaticSite:
    """Serves a folder of files on loopback, answering conditional GETs like a real site.

    ``{{BASE}}`` in a file becomes the server's own address. ``publish(path, replacement)`` makes
    a path serve another file from then on (a feed gaining an item)."""

    root: Path
    base_url: str = ""
    aliases: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, int]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _started: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the sample feeds on loopback; the base URL."""
        app = web.Application()
        app.router.add_get("/{path:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        bound_port = sockets[0].getsockname()[1]
        self.base_url = f"http://{host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def publish(self, path: str, replacement: str) -> None:
        """Serve a new version of one feed (the demo's second round)."""
        self.aliases[path] = replacement
        self._started = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)

    def url(self, path: str) -> str:
        """The address of one served feed."""
        return f"{self.base_url}/{path}"

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"] or "index.html"
        path = self.aliases.get(path, path)
        file = (self.root / path).resolve()
        if not file.is_relative_to(self.root.resolve()) or not file.is_file():
            self.requests.append((request.path, 404))
            raise web.HTTPNotFound()
        body = file.read_bytes().replace(PLACEHOLDER.encode(), self.base_url.encode())
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        headers = {"ETag": etag, "Last-Modified": format_datetime(self._started, usegmt=True)}
        if request.headers.get("If-None-Match") == etag:
            self.requests.append((request.path, 304))
            return web.Response(status=304, headers=headers)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        self.requests.append((request.path, 200))
        return web.Response(body=body, headers=headers)


# (path, newest items to alert on at once, how the demo introduces it)
DEMO_SOURCES: Sequence[tuple[str, int]] = (
    ("herald/rss.xml", 2),
    ("home/index.html", 1),
    ("civic/feed.json", 1),
    ("globaltimes/rss.xml", 0),
)
LATER = ("globaltimes/rss.xml", "globaltimes/rss-later.xml")


def feed_name(kind: str | None) -> str:
    """How the demo names a kind of feed."""
    return FEED_NAMES.get(kind or "", kind or "feed")


def print_alert(article: Article, source: Source) -> None:
    """Print an article's alert as text."""
    print_text(render_text(alert_for(article, source)))


def print_text(text: str) -> None:
    """Print text with lines over 80 characters wrapped."""
    lines = []
    for line in text.split("\n"):
        if len(line) > 80:
            lines.append(
                textwrap.fill(
                    line,
                    80,
                    subsequent_indent="   ",
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
        else:
            lines.append(line)
    print("\n".join(lines))


def print_styles(article: Article, source: Source) -> None:
    """The same alert in each style an admin can pick with ``/alerts style``."""
    alert = alert_for(article, source)
    print("\nThe same alert in each style (/alerts style):")
    for name in StyleName:
        text = render_text(alert, style=AlertStyle(name))
        print(f"\n{name.value}:")
        # A compact alert is one line however long: printed as it is.
        print(text) if name is StyleName.COMPACT else print_text(text)
    entry = DigestEntry(
        alert.headline,
        alert.url,
        outlets=1,
        published=alert.published,
        quote=alert.quotes[0] if alert.quotes else None,
    )
    print("\nas an entry of a daily digest:")
    print_text(digest_text("Daily digest: nato", [entry]))


async def run_demo(settings: Settings, *, keep_db: bool) -> int:
    """Serve the sample sites, add them as sources, publish a story, poll again; print alerts."""
    started = time.perf_counter()
    site = StaticSite(WWW)
    await site.start()
    offset = timedelta()

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        if not keep_db:
            settings = settings.model_copy(
                update={"database_url": f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}"}
            )
        print(
            f"newsbot demo: sample news sites served at {site.base_url} (no internet, no Discord)"
        )
        print(f"store: {settings.database_url.split('///', 1)[-1]}\n")
        try:
            async with open_services(settings) as services:
                watcher = services.watcher(clock=clock)
                print("Adding sources. A source's first poll is a baseline: what it lists now is")
                print("recorded as seen, and only the newest items asked for become alerts.\n")
                first: list[tuple[Article, Source]] = []
                for path, backfill in DEMO_SOURCES:
                    outcome = await watcher.add_source(site.url(path), backfill=backfill)
                    source = outcome.source
                    if not outcome.ok:
                        print(f"  ✗ {site.url(path)}: {outcome.error}")
                        continue
                    found = await services.repos.sources.get_source(source.id)
                    where = found.url if found else source.url
                    via = "" if where == site.url(path) else f" (found from {site.url(path)})"
                    print(
                        f"  ✓ {outcome.feed_title}: {outcome.items_in_feed} items, "
                        f"{feed_name(outcome.feed_kind)}, {where}{via}"
                    )
                    first.extend((article, source) for article in outcome.articles)
                print(f"\nAlerts ({len(first)}):")
                for article, source in first:
                    print_alert(article, source)

                site.publish(*LATER)
                offset = timedelta(seconds=settings.poll_interval_seconds * 1.2)
                print(
                    f"\n{settings.poll_interval_seconds // 60} minutes later, "
                    "Daily Global Times publishes a story. Polling what is due:"
                )
                report = await watcher.poll_due()
                changed = report.sources_ok - report.not_modified
                print(
                    f"  {len(report.outcomes)} sources polled: {report.not_modified} not "
                    f"modified (HTTP 304), {changed} changed, {report.sources_failed} failed; "
                    f"{report.new_items} new items"
                )
                second = [(a, o.source) for o in report.outcomes for a in o.articles]
                print(f"\nAlerts ({len(second)}):")
                for article, source in second:
                    print_alert(article, source)
                if second:
                    print_styles(*second[0])
                total = await services.repos.articles.count_articles()
        finally:
            await site.stop()
    print(
        f"\nDone in {time.perf_counter() - started:.1f}s: {len(DEMO_SOURCES)} sources, "
        f"{total} articles stored, {len(site.requests)} HTTP requests served."
    )
    return 0
