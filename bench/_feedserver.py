"""Synthetic news sites for the benchmarks, run as a separate process (its CPU is not ours).

``python bench/_feedserver.py --feeds N --hosts H --latency-ms L --items I`` serves N RSS 2.0
feeds spread round-robin over H loopback addresses (127.0.0.2 ...), all on one port, plus a small
HTML article page for every item link. Every answer waits ``latency`` seconds first (a stand-in
for the network). Feeds are gzip-compressed (when asked for) and carry ETag and Last-Modified;
a matching If-None-Match (or, without one, If-Modified-Since) gets 304.

``--poison P`` makes P % of the items hostile, rotating among five kinds: a description of
hundreds of "A. " abbreviations (its page: 100,000), of short quotations (its page: 60,000),
markup nested 250 deep (its page: 50,000 deep), a 1,000-character title full of mentions and
invisible characters, and a page of random bytes; each hostile description is about 2 KB, so
the feeds grow by a few per cent, not by the payload. The newest item of feed 0 links to a 5 MB
page of 340,000 ``<p>Said he.</p>``.

A control server on 127.0.0.1 switches state: ``POST /state/incremental`` gives every tenth feed
two new items (the oldest two drop off, as real feeds slide), with a new ETag and Last-Modified;
``POST /state/base`` switches back; ``GET /stats`` counts requests by kind and status.

When ready, one JSON line goes to stdout: {"port": P, "control_port": C, "hosts": [...]}.
The process exits when its stdin closes (the parent died or is done) or after --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import random
import socket
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from aiohttp import web

INCREMENTAL_EVERY = 10
"""Every tenth feed (10 %) changes in the incremental state."""
NEW_ITEMS = 2
ITEM_SPACING = timedelta(minutes=37)
BIND_ATTEMPTS = 20
POISONS = ("abbreviations", "quotations", "nesting", "title", "bytes")
PATHOLOGICAL_PARAGRAPHS = 340_000

# ---- text generation (deterministic per feed and item) --------------------------------------

PLACES = (
    "Brussels", "Kyiv", "Geneva", "Nairobi", "Jakarta", "Lima", "Oslo", "Ottawa", "Manila",
    "Warsaw", "Lagos", "Santiago", "Hanoi", "Dublin", "Ankara", "Canberra", "Bogotá", "Accra",
)  # fmt: skip
ACTORS = (
    "Finance ministers", "The central bank", "Health officials", "Opposition leaders",
    "The prime minister", "City council members", "Union negotiators", "Climate envoys",
    "Regulators", "The foreign minister", "Election monitors", "Aid agencies", "Prosecutors",
    "The defence ministry", "Tech companies", "Farmers' groups", "The supreme court",
)  # fmt: skip
VERBS = (
    "back", "reject", "delay", "approve", "question", "unveil", "defend", "suspend",
    "expand", "review", "challenge", "announce", "scale back", "fast-track", "warn over",
)  # fmt: skip
OBJECTS = (
    "new border rules", "a revised budget", "emergency grid repairs", "the fishing quota deal",
    "a tax on windfall profits", "rail strike talks", "the vaccine rollout", "a ceasefire plan",
    "housing reforms", "a data protection law", "the water tariff", "drought relief funds",
    "the transit agreement", "a minimum wage rise", "school funding cuts", "port expansion",
)  # fmt: skip
CLAUSES = (
    "as talks drag on", "after a late-night vote", "amid rising costs", "despite protests",
    "ahead of the summit", "as deadline nears", "after court ruling", "in surprise move",
    "as inflation eases", "following weeks of pressure", "as storms batter the coast",
)  # fmt: skip
FILLER = (
    "officials said the measure would take effect next month",
    "critics argued that the plan lacked detail on funding",
    "the decision follows months of negotiations between the parties",
    "analysts expect markets to react cautiously to the news",
    "a spokesperson declined to comment on the timetable",
    "the proposal still needs approval from parliament",
    "residents in the affected areas have been told to prepare",
    "the figures were published in a report on Tuesday",
    "several regional leaders welcomed the announcement",
    "the government has promised an independent review",
    "campaigners said they would continue to press for changes",
    "the agency said it had received thousands of submissions",
)  # fmt: skip
AUTHORS = ("Ana Ruiz", "Tom Okafor", "Mei Lin", "Jonas Berg", "Priya Nair", "Sam Carter")
SECTIONS = ("World", "Politics", "Business", "Climate", "Europe", "Technology", "Health")


def _sentence(rng: random.Random) -> str:
    first = rng.choice(FILLER)
    second = rng.choice(FILLER)
    place = rng.choice(PLACES)
    return f"In {place}, {first}, and {second}."


def _title(rng: random.Random) -> str:
    return f"{rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(CLAUSES)}"


@dataclass(frozen=True, slots=True)
class Item:
    title: str
    link: str
    guid: str
    published: datetime
    author: str
    section: str
    description: str


@dataclass(frozen=True, slots=True)
class Document:
    raw: bytes
    gz: bytes
    etag: str
    last_modified: str


class Site:
    def __init__(
        self,
        *,
        feeds: int,
        hosts: list[str],
        port: int,
        items: int,
        t0: datetime,
        poison: float = 0.0,
    ):
        self.feeds = feeds
        self.hosts = hosts
        self.port = port
        self.items = items
        self.t0 = t0
        self.poison = poison
        self.incremental = False
        self.stats: Counter[str] = Counter()
        self.base: list[Document] = [self._document(i, 0) for i in range(feeds)]
        self.changed: dict[int, Document] = {
            i: self._document(i, NEW_ITEMS) for i in range(0, feeds, INCREMENTAL_EVERY)
        }

    def origin(self, feed: int) -> str:
        return f"http://{self.hosts[feed % len(self.hosts)]}:{self.port}"

    def poisoned(self, feed: int, number: int) -> str | None:
        """Which poison the item carries (None: a normal item). Its own random stream, so the
        other items are the same with and without --poison."""
        if not self.poison:
            return None
        if feed == 0 and number == self.items + NEW_ITEMS - 1:
            return "pathological"
        rng = random.Random(f"poison/{feed}/{number}")
        return rng.choice(POISONS) if rng.random() < self.poison / 100 else None

    def item(self, feed: int, number: int) -> Item:
        """Item ``number`` of a feed (0 is the oldest); the same in every state."""
        item = self._item(feed, number)
        poison = self.poisoned(feed, number)
        if poison is None:
            return item
        description = item.description
        title = item.title
        if poison == "abbreviations":
            description = "<p>Officials met. " + "A. " * 600 + "</p>"
        elif poison == "quotations":
            description = "<p>" + "“Yes,” he said. “No,” she said. " * 60 + "</p>"
        elif poison == "nesting":
            description = "<b>" * 250 + "Deep." + "</b>" * 250
        elif poison == "title":
            title = ("@everyone \u202e\u200b<@&1> **News** " * 40)[:1_000]
        link = item.link
        if poison == "pathological":
            link = f"{self.origin(feed)}/said-he/{feed}-{number}.html"
        return Item(
            title=title,
            link=link,
            guid=item.guid,
            published=item.published,
            author=item.author,
            section=item.section,
            description=description,
        )

    def poison_page(self, feed: int, number: int) -> bytes | None:
        """The article page of a poisoned item (None: a normal page)."""
        poison = self.poisoned(feed, number)
        if poison is None or poison == "title":
            return None
        if poison == "pathological":
            return (
                b"<!DOCTYPE html><html><head><title>Short paragraphs</title></head><body><article>"
                + b"<p>Said he.</p>" * PATHOLOGICAL_PARAGRAPHS
                + b"</article></body></html>"
            )
        if poison == "abbreviations":
            return ("<html><body><article><p>" + "A. " * 100_000 + "</p></article>").encode()
        if poison == "quotations":
            paragraph = "<p>“Yes,” he said. “No,” she said. “Maybe,” they said.</p>"
            return ("<html><body><article>" + paragraph * 20_000 + "</article>").encode()
        if poison == "nesting":
            return ("<html><body>" + "<div>" * 50_000 + "<p>Deep text here.</p>").encode()
        return random.Random(f"bytes/{feed}/{number}").randbytes(200_000)

    def _item(self, feed: int, number: int) -> Item:
        rng = random.Random(feed * 100_003 + number)
        title = _title(rng)
        slug = "-".join(title.lower().replace("'", "").split()[:4])
        newest = self.items - 1 + NEW_ITEMS
        published = self.t0 - ITEM_SPACING * (newest - number)
        year, month = published.year, published.month
        link = f"{self.origin(feed)}/{year}/{month:02d}/{feed}-{number}-{slug}.html"
        if rng.random() < 0.3:
            link += "?utm_source=rss"
        sentence = _sentence(rng) if rng.random() < 0.5 else f"{rng.choice(FILLER).capitalize()}."
        description = f"<p>{escape(sentence)}</p>" if rng.random() < 0.5 else escape(sentence)
        return Item(
            title=title,
            link=link,
            guid=f"courier-{feed}-{number}-{rng.getrandbits(32):08x}",
            published=published,
            author=rng.choice(AUTHORS),
            section=rng.choice(SECTIONS),
            description=description,
        )

    def _document(self, feed: int, shift: int) -> Document:
        numbers = range(shift, self.items + shift)
        items = [self.item(feed, n) for n in reversed(numbers)]  # newest first, as feeds do
        newest = items[0].published
        origin = self.origin(feed)
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
            f"<title>The {PLACES[feed % len(PLACES)]} Courier {feed}: Top stories</title>\n"
            f"<link>{origin}/</link>\n"
            f'<atom:link href="{origin}/feeds/{feed}.xml" rel="self" type="application/rss+xml"/>\n'
            "<description>Latest news, analysis and opinion.</description>\n"
            "<language>en-gb</language>\n"
            f"<lastBuildDate>{format_datetime(newest, usegmt=True)}</lastBuildDate>\n"
            "<ttl>15</ttl>\n"
        ]
        for item in items:
            parts.append(
                "<item>\n"
                f"<title>{escape(item.title)}</title>\n"
                f"<link>{escape(item.link)}</link>\n"
                f'<guid isPermaLink="false">{item.guid}</guid>\n'
                f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>\n"
                f"<dc:creator>{item.author}</dc:creator>\n"
                f"<description>{escape(item.description)}</description>\n"
                "</item>\n"
            )
        parts.append("</channel>\n</rss>\n")
        raw = "".join(parts).encode("utf-8")
        digest = hashlib.blake2b(raw, digest_size=8).hexdigest()
        return Document(
            raw=raw,
            gz=gzip.compress(raw, compresslevel=6, mtime=0),
            etag=f'"{digest}"',
            last_modified=format_datetime(newest, usegmt=True),
        )

    def current(self, feed: int) -> Document:
        if self.incremental and feed in self.changed:
            return self.changed[feed]
        return self.base[feed]

    def article_page(self, feed: int, number: int) -> bytes:
        item = self.item(feed, number)
        rng = random.Random(f"page/{feed}/{number}")
        body = "\n".join(
            "<p>" + " ".join(_sentence(rng) for _ in range(rng.randint(2, 4))) + "</p>"
            for _ in range(rng.randint(5, 9))
        )
        quote = rng.choice(FILLER).capitalize()
        when = item.published.isoformat()
        origin = self.origin(feed)
        html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(item.title)} | The Courier</title>
<meta property="og:title" content="{escape(item.title)}">
<meta property="og:site_name" content="The Courier">
<meta property="og:type" content="article">
<meta property="og:image" content="{origin}/img/{feed}-{number}.jpg">
<meta name="author" content="{item.author}">
<meta property="article:published_time" content="{when}">
<link rel="canonical" href="{escape(item.link.split("?")[0])}">
<link rel="alternate" type="application/rss+xml" href="{origin}/feeds/{feed}.xml">
<style>body{{font-family:serif}} .ad{{display:none}}</style>
<script>window.dataLayer=window.dataLayer||[];</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a>
<a href="/business">Business</a> <a href="/climate">Climate</a> <a href="/sport">Sport</a></nav>
</header>
<main><article>
<h1>{escape(item.title)}</h1>
<p class="byline">By {item.author} · <time datetime="{when}">{item.published:%d %B %Y}</time></p>
<figure><img src="{origin}/img/{feed}-{number}.jpg" alt=""><figcaption>File photo.</figcaption>
</figure>
{body}
<blockquote><p>“{escape(quote)},” a senior official said.</p></blockquote>
<p>{escape(_sentence(rng))}</p>
<div class="ad">Advertisement</div>
</article>
<aside><h2>Most read</h2><ul>
<li><a href="/a/1">{escape(_title(rng))}</a></li><li><a href="/a/2">{escape(_title(rng))}</a></li>
<li><a href="/a/3">{escape(_title(rng))}</a></li></ul></aside></main>
<footer><p>© The Courier. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>
"""
        return html.encode("utf-8")


def _not_modified(request: web.Request, doc: Document) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        tags = {tag.strip().removeprefix("W/") for tag in inm.split(",")}
        return "*" in tags or doc.etag in tags
    ims = request.headers.get("If-Modified-Since")
    return ims is not None and ims.strip() == doc.last_modified


def _encoded(request: web.Request, raw: bytes, gz: bytes | None) -> tuple[bytes, dict[str, str]]:
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        return (gz if gz is not None else gzip.compress(raw, mtime=0)), {
            "Content-Encoding": "gzip",
            "Vary": "Accept-Encoding",
        }
    return raw, {"Vary": "Accept-Encoding"}


def build_app(site: Site, latency: float) -> web.Application:
    async def feed(request: web.Request) -> web.Response:
        number = int(request.match_info["n"])
        if latency:
            await asyncio.sleep(latency)
        if not 0 <= number < site.feeds:
            site.stats["feed 404"] += 1
            raise web.HTTPNotFound()
        doc = site.current(number)
        validators = {"ETag": doc.etag, "Last-Modified": doc.last_modified}
        if _not_modified(request, doc):
            site.stats["feed 304"] += 1
            return web.Response(status=304, headers=validators)
        site.stats["feed 200"] += 1
        body, headers = _encoded(request, doc.raw, doc.gz)
        return web.Response(
            body=body,
            headers={
                **headers,
                **validators,
                "Content-Type": "application/rss+xml; charset=utf-8",
                "Cache-Control": "max-age=300",
            },
        )

    async def article(request: web.Request) -> web.Response:
        feed_no, number = int(request.match_info["feed"]), int(request.match_info["item"])
        if latency:
            await asyncio.sleep(latency)
        if not (0 <= feed_no < site.feeds and 0 <= number < site.items + NEW_ITEMS):
            site.stats["page 404"] += 1
            raise web.HTTPNotFound()
        site.stats["page 200"] += 1
        poison = site.poison_page(feed_no, number)
        if poison is not None:
            site.stats["poison page 200"] += 1
        page = poison if poison is not None else site.article_page(feed_no, number)
        body, headers = _encoded(request, page, None)
        return web.Response(
            body=body, headers={**headers, "Content-Type": "text/html; charset=utf-8"}
        )

    app = web.Application()
    app.router.add_get(r"/feeds/{n:\d+}.xml", feed)
    app.router.add_get(r"/{year:\d+}/{month:\d+}/{feed:\d+}-{item:\d+}-{slug}.html", article)
    app.router.add_get(r"/said-he/{feed:\d+}-{item:\d+}.html", article)
    return app


def build_control(site: Site, stop: asyncio.Event) -> web.Application:
    async def set_state(request: web.Request) -> web.Response:
        mode = request.match_info["mode"]
        if mode not in {"base", "incremental"}:
            raise web.HTTPBadRequest(text="mode is base or incremental")
        site.incremental = mode == "incremental"
        return web.json_response({"state": mode, "changed_feeds": len(site.changed)})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(dict(site.stats))

    async def reset(_request: web.Request) -> web.Response:
        site.stats.clear()
        return web.json_response({})

    async def shutdown(_request: web.Request) -> web.Response:
        stop.set()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/state/{mode}", set_state)
    app.router.add_get("/stats", stats)
    app.router.add_post("/stats/reset", reset)
    app.router.add_post("/shutdown", shutdown)
    return app


def _bind_all(hosts: list[str]) -> list[socket.socket]:
    """One listening socket per host, all on the same (free) port."""
    for _attempt in range(BIND_ATTEMPTS):
        socks: list[socket.socket] = []
        try:
            port = 0
            for host in hosts:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((host, port))
                port = sock.getsockname()[1]
                sock.listen(1024)
                sock.setblocking(False)
            return socks
        except OSError:
            for sock in socks:
                sock.close()
    raise OSError(f"no port free on all of {hosts[0]}..{hosts[-1]}")


async def _stdin_closed(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass
    stop.set()


async def serve(args: argparse.Namespace) -> None:
    if not 1 <= args.hosts <= 250:
        raise SystemExit("--hosts must be 1..250")
    hosts = [f"127.0.0.{2 + n}" for n in range(args.hosts)]
    socks = _bind_all(hosts)
    port = socks[0].getsockname()[1]
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    site = Site(
        feeds=args.feeds, hosts=hosts, port=port, items=args.items, t0=t0, poison=args.poison
    )
    stop = asyncio.Event()
    runner = web.AppRunner(build_app(site, args.latency_ms / 1000), access_log=None)
    control = web.AppRunner(build_control(site, stop), access_log=None)
    await runner.setup()
    await control.setup()
    for sock in socks:
        await web.SockSite(runner, sock, backlog=1024).start()
    control_site = web.TCPSite(control, "127.0.0.1", 0)
    await control_site.start()
    control_port = control_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    sizes = [len(doc.raw) for doc in site.base]
    gz_sizes = [len(doc.gz) for doc in site.base]
    ready = {
        "port": port,
        "control_port": control_port,
        "hosts": hosts,
        "feed_bytes_mean": sum(sizes) / len(sizes),
        "feed_bytes_min": min(sizes),
        "feed_bytes_max": max(sizes),
        "feed_gzip_bytes_mean": sum(gz_sizes) / len(gz_sizes),
    }
    print(json.dumps(ready), flush=True)
    watcher = asyncio.create_task(_stdin_closed(stop))
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except TimeoutError:
        pass
    finally:
        watcher.cancel()
        await runner.cleanup()
        await control.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    parser.add_argument("--poison", type=float, default=0.0, help="% of items made hostile")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
