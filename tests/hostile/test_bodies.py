"""Hostile bodies: compression bombs, bodies that never end, pages far over the cap.

Through the real watcher against real HTTP on loopback. Each case shows that the fetch stops at
the cap (or the timeout) within a bounded time and a bounded amount of Python memory (measured with
tracemalloc while the poll runs), and what the source's owner reads afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import re
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.storage.repositories import Repositories
from bot.watcher import Watcher
from tests.conftest import (
    Clock,
    FeedServer,
    Scene,
    assert_failing_once,
    break_beside_healthy,
    broken_feed_with_story_3,
    make_settings,
    open_watcher,
    rss,
)
from tests.hostile.bounds import MAX_GROWTH_MIB, MAX_SECONDS, REPO, measure

BOMB_BYTES = 64 * 1024 * 1024  # what each bomb inflates to, far past the cap


class Bounds:
    seconds = 0.0
    peak_mib = 0.0


@contextlib.contextmanager
def bounded() -> Iterator[Bounds]:
    """Measure wall time and the peak of Python allocations in the block, then check both."""
    bounds = Bounds()
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield bounds
    finally:
        bounds.seconds = time.monotonic() - started
        bounds.peak_mib = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()
    assert bounds.seconds < MAX_SECONDS, f"took {bounds.seconds:.1f} s"
    assert bounds.peak_mib < MAX_GROWTH_MIB, f"peak Python memory {bounds.peak_mib:.0f} MiB"


def assert_too_large(scene: Scene, source_id_source: object) -> None:
    cap_kib = scene.settings.max_body_bytes // 1024
    assert_failing_once(scene, source_id_source, "larger than", f"{cap_kib} KiB")  # type: ignore[arg-type]


# ---- bodies over the cap ------------------------------------------------------------------------


async def test_endless_body_is_cut_off_at_the_cap_quickly(scene: Scene) -> None:
    sent: list[int] = [0]

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        padding = b"<!-- padding padding padding -->" * 2048
        # The client hangs up at the cap; a failed write is how the server learns it.
        with contextlib.suppress(ConnectionError):
            for _ in range(1_000_000):
                await response.write(padding)
                sent[0] += len(padding)
        return response

    with bounded():
        source, _ = await break_beside_healthy(scene, endless)

    assert_too_large(scene, source)
    assert sent[0] < 64 * 1024 * 1024  # it stopped long before the 64 GB on offer


async def test_body_that_trickles_forever_ends_at_the_total_timeout(scene: Scene) -> None:
    # Never silent long enough for the read timeout: only the total timeout stops it.
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(10_000):
                await response.write(b"<!-- . -->")
                await asyncio.sleep(scene.settings.http_read_timeout / 4)
        return response

    with bounded() as spent:
        source, _ = await break_beside_healthy(scene, trickle)

    assert_failing_once(scene, source, "too long")
    assert (
        scene.settings.http_total_timeout <= spent.seconds < scene.settings.http_total_timeout + 3
    )


async def test_declared_length_over_the_cap_is_refused(scene: Scene) -> None:
    body = rss([scene.story("x")]).encode().ljust(scene.settings.max_body_bytes + 1, b" ")

    async def huge(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, content_type="application/rss+xml")

    source, _ = await break_beside_healthy(scene, huge)

    assert_too_large(scene, source)


# ---- compression bombs --------------------------------------------------------------------------


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", lambda data: gzip.compress(data, compresslevel=9)),
        ("deflate", lambda data: zlib.compress(data, 9)),  # zlib-wrapped, as RFC 9110 says
        ("deflate", raw_deflate),  # headerless, as some servers send it
    ],
    ids=["gzip", "deflate", "raw deflate"],
)
async def test_compression_bomb_is_refused_at_the_cap(
    scene: Scene, encoding: str, compress: object
) -> None:
    inflated = broken_feed_with_story_3(scene).ljust(BOMB_BYTES, b" ")
    bomb = compress(inflated)  # type: ignore[operator]
    assert len(bomb) < scene.settings.max_body_bytes // 2

    async def serve_bomb(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=bomb,
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": encoding},
        )

    with bounded():
        source, _ = await break_beside_healthy(scene, serve_bomb)

    assert_too_large(scene, source)


async def test_compressed_stream_that_never_ends_is_refused_at_the_cap(scene: Scene) -> None:
    sent: list[int] = [0]

    async def endless_gzip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
        )
        await response.prepare(request)
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        await response.write(compressor.compress(b'<?xml version="1.0"?><rss><channel>'))
        block = compressor.compress(b" " * (1024 * 1024)) + compressor.flush(zlib.Z_SYNC_FLUSH)
        with contextlib.suppress(ConnectionError):
            for _ in range(100_000):  # 100 GB once inflated
                await response.write(block)
                await asyncio.sleep(0)  # small writes never wait: let the client run
                sent[0] += 1
        return response

    with bounded():
        source, _ = await break_beside_healthy(scene, endless_gzip)

    assert_too_large(scene, source)
    assert sent[0] < 1000


UNREAD_ENCODING = (
    "The server compressed the document in a way this bot does not read "
    "(it asks for gzip or deflate)."
)


@pytest.mark.parametrize(
    ("encoding", "error"),
    [
        ("x-gzip", UNREAD_ENCODING),
        ("compress", UNREAD_ENCODING),
        ("br", UNREAD_ENCODING),
        ("zstd", UNREAD_ENCODING),
        ("gzip, br", UNREAD_ENCODING),
    ],
)
async def test_bomb_in_an_encoding_not_asked_for_is_never_inflated(
    scene: Scene, encoding: str, error: str
) -> None:
    # newsbot asks for gzip and deflate only and refuses any other encoding before reading a
    # byte, even one aiohttp would decode (br and zstd with their optional packages installed;
    # x-gzip and compress it would pass through as they are).
    bomb = gzip.compress(broken_feed_with_story_3(scene).ljust(BOMB_BYTES, b" "), 9)

    async def serve_bomb(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=bomb,
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": encoding},
        )

    with bounded():
        source, _ = await break_beside_healthy(scene, serve_bomb)

    assert source.last_error is not None
    assert source.last_error.startswith(error), source.last_error


async def test_corrupt_compressed_body_fails_readably(scene: Scene) -> None:
    async def corrupt(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=b"\x1f\x8b\x08\x00garbage that is not gzip" * 10,
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        )

    source, _ = await break_beside_healthy(scene, corrupt)

    assert_failing_once(scene, source, "compressed document that could not be decompressed")


async def test_small_gzip_body_is_read(scene: Scene) -> None:
    body = gzip.compress(rss([scene.story("1")]).encode())
    url = scene.server.serve(
        "gz.xml", body, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"}
    )

    outcome = await scene.watcher.add_source(url, backfill=1)

    assert outcome.ok, outcome.error
    assert [a.title for a in outcome.articles] == ["Story 1"]


async def test_only_gzip_and_deflate_are_asked_for(scene: Scene) -> None:
    url = scene.server.serve("plain.xml", rss([scene.story("1")]))
    await scene.watcher.add_source(url)
    (request,) = scene.server.requests
    assert request.headers["Accept-Encoding"] == "gzip, deflate"


def test_aiohttp_is_a_version_that_bounds_decompression_per_chunk() -> None:
    # 3.13.3 is the first aiohttp that inflates a body a bounded chunk at a time
    # (GHSA-6mq8-rvhq-8wgg); 3.14.4 also stops many concatenated gzip members costing quadratic
    # CPU (GHSA-h4cc-hm5h-fmm9). The floor the project declares, and the one installed, are both.
    declared = re.search(r'"aiohttp>=([0-9.]+)', (REPO / "pyproject.toml").read_text())
    assert declared is not None
    floor = tuple(int(part) for part in declared[1].split("."))
    installed = tuple(int(part) for part in re.findall(r"\d+", aiohttp.__version__)[:3])
    assert floor >= (3, 14, 4) and installed >= floor


# ---- article pages ------------------------------------------------------------------------------

PARAGRAPH = (
    b"<p>The minister said the plan would go ahead despite the objections raised by the "
    b"committee on Tuesday, and that the first payments would reach families in spring.</p>\n"
)


@pytest.fixture
async def plain_watcher(
    tmp_path: Path, store: Repositories, clock: Clock
) -> AsyncIterator[Watcher]:
    """A watcher that finds no quotations, so the measurement is of the page alone, not of
    loading spaCy."""
    settings = make_settings(tmp_path, spacy_model="")
    async with open_watcher(settings, store, clock) as built:
        yield built


@pytest.mark.parametrize("framing", ["with its length declared", "chunked", "gzip bomb"])
async def test_50_mb_article_page_is_not_read_and_the_feed_text_is_used(
    plain_watcher: Watcher,
    feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
    framing: str,
) -> None:
    size = 50 * 1024 * 1024
    chunk = b"<!DOCTYPE html><html><body><article>" + PARAGRAPH * (1024 * 1024 // len(PARAGRAPH))
    bomb = (
        gzip.compress(chunk.ljust(size, b" "), compresslevel=9) if framing == "gzip bomb" else b""
    )

    async def page(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": "text/html"}
        if framing == "gzip bomb":
            return web.Response(body=bomb, headers={**headers, "Content-Encoding": "gzip"})
        if framing == "with its length declared":
            headers["Content-Length"] = str(size)
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(size // len(chunk)):
                await response.write(chunk)
                await asyncio.sleep(0)
        return response

    link = feed_server.route("huge-article", page)
    item = {
        "title": "Budget passes",
        "link": link,
        "guid": "urn:budget",
        "description": "The budget passed on Tuesday after a long debate in parliament.",
    }
    url = feed_server.serve("feed.xml", rss([item]))
    caplog.set_level(logging.INFO, logger="bot.watcher")

    with bounded():
        outcome = await plain_watcher.add_source(url, backfill=1)

    assert outcome.ok, outcome.error
    (article,) = outcome.articles
    assert not article.from_page
    assert article.text == "The budget passed on Tuesday after a long debate in parliament."
    assert "is larger than 256 KiB, the most this bot reads" in caplog.text


def test_article_page_at_the_default_cap_is_extracted_within_bounds(tmp_path: Path) -> None:
    # The largest page newsbot reads with default settings (5 MiB), all of it article text.
    page = (
        b"<!DOCTYPE html><html><head><title>Long read</title></head><body><article>"
        + PARAGRAPH * (5 * 1024 * 1024 // len(PARAGRAPH))
        + b"</article></body></html>"
    )

    run = measure("bot.extract:extract_article", page, tmp_path, url="http://news.example/a")

    run.assert_bounded()
    assert run.error is None, run.message
    assert run.result is not None
    assert 0 < len(run.result["text"]) <= 200_000
