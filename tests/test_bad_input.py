"""Bad input from feed servers, through the real Watcher against real HTTP on loopback.

Each test checks that nothing escapes the watcher, what the source's record says afterwards (status,
a sentence a server admin can act on, error count, next poll), and, where it matters, that a healthy
source polled in the same cycle carries on and that a failed fetch or parse leaves the seen state
as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.sources import SourceStatus
from tests.conftest import (
    Scene,
    assert_failing_once,
    break_beside_healthy,
    broken_feed_with_story_3,
    outcome_for,
    rss,
)

# ---- documents that are not (quite) feeds -------------------------------------------------------


async def test_malformed_xml_fails_with_a_readable_error_and_keeps_the_seen_state(
    scene: Scene,
) -> None:
    async def garbage(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"<<<rss>>> <item></rss", content_type="application/rss+xml")

    source, outcome = await break_beside_healthy(scene, garbage)

    assert_failing_once(scene, source, "not a feed", "not well-formed")
    assert "<unknown>" not in (source.last_error or "")
    assert outcome.error == source.last_error


async def test_feed_with_a_stray_ampersand_is_still_read(scene: Scene) -> None:
    # Real feeds often carry small XML mistakes; the parser's leniency is wanted here.
    body = rss([scene.story("1", title="Salt & Pepper")]).encode()
    url = scene.server.serve("amp.xml", body)

    outcome = await scene.watcher.add_source(url, backfill=1)

    assert outcome.ok
    assert [a.title for a in outcome.articles] == ["Salt & Pepper"]


async def test_html_page_naming_a_feed_is_followed_and_becomes_the_source_url(
    scene: Scene,
) -> None:
    feed_url = scene.server.serve("blog/feed.xml", rss([scene.story("1"), scene.story("2")]))
    page = (
        "<!DOCTYPE html><html><head><title>Blog</title>"
        '<link rel="alternate" type="application/rss+xml" href="/blog/feed.xml">'
        "</head><body><p>Hello</p></body></html>"
    )
    page_url = scene.server.serve("blog/", page, content_type="text/html")

    outcome = await scene.watcher.add_source(page_url)

    assert outcome.ok and outcome.baseline
    source = await scene.source(outcome.source.id)
    assert source.status is SourceStatus.OK
    assert source.url == feed_url
    assert source.added_url == page_url
    assert await scene.store.sources.count_seen(source.id) > 0
    assert await scene.store.sources.unseen_keys(source.id, scene.story_keys("1")) == set()


async def test_html_page_naming_no_feed_fails_with_a_clear_error(scene: Scene) -> None:
    page = "<!DOCTYPE html><html><head><title>Shop</title></head><body>Buy</body></html>"
    url = scene.server.serve("shop/", page, content_type="text/html")

    outcome = await scene.watcher.add_source(url)

    assert not outcome.ok
    source = await scene.source(outcome.source.id)
    assert_failing_once(scene, source, "web page", "not a feed", "names no feed")
    assert source.url == url
    assert await scene.store.sources.count_seen(source.id) == 0


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        None,
        "application/octet-stream",
        "text/html",
        "text/html; charset=utf-8",
    ],
)
async def test_feed_served_with_a_wrong_or_missing_content_type_still_parses(
    scene: Scene, content_type: str | None
) -> None:
    # No XML declaration: the document starts straight at <rss>, as many generators write it.
    body = rss([scene.story("1", title="Déjà vu “here”")]).split("?>", 1)[1].encode()
    url = scene.server.serve("feed", body, content_type=content_type)

    outcome = await scene.watcher.add_source(url, backfill=1)

    assert outcome.ok, outcome.error
    assert outcome.feed_kind == "rss20"
    assert [a.title for a in outcome.articles] == ["Déjà vu “here”"]
    assert (await scene.source(outcome.source.id)).status is SourceStatus.OK


@pytest.mark.parametrize("content_type", ["text/plain", None])
async def test_feed_with_no_items_yet_served_with_a_wrong_content_type_is_ok(
    scene: Scene, content_type: str | None
) -> None:
    url = scene.server.serve("quiet.xml", rss([], title="Quiet"), content_type=content_type)

    outcome = await scene.watcher.add_source(url)

    assert outcome.ok, outcome.error
    source = await scene.source(outcome.source.id)
    assert (source.status, source.title) == (SourceStatus.OK, "Quiet")


async def test_windows_1252_feed_without_a_declared_charset_has_readable_titles(
    scene: Scene,
) -> None:
    title = "Café “quoted” costs 5 €"
    story = scene.story("1", title=title)
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Kiosk</title>'
        f"<item><title>{story['title']}</title><link>{story['link']}</link></item>"
        "</channel></rss>"
    ).encode("windows-1252")
    url = scene.server.serve("cp1252.xml", body, content_type="application/rss+xml")

    outcome = await scene.watcher.add_source(url, backfill=1)

    assert outcome.ok, outcome.error
    assert [a.title for a in outcome.articles] == [title]


async def test_feed_declared_utf8_but_sent_in_latin1_has_readable_titles(scene: Scene) -> None:
    title = "Crème brûlée à la naïve"
    story = scene.story("1", title=title)
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Café</title>'
        f"<item><title>{story['title']}</title><link>{story['link']}</link></item>"
        "</channel></rss>"
    ).encode("latin-1")
    url = scene.server.serve("latin1.xml", body, content_type="application/rss+xml; charset=utf-8")

    outcome = await scene.watcher.add_source(url, backfill=1)

    assert outcome.ok, outcome.error
    assert [a.title for a in outcome.articles] == [title]
    assert outcome.feed_title == "Café"


async def test_empty_body_fails_with_a_readable_error(scene: Scene) -> None:
    async def empty(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"", content_type="application/rss+xml")

    source, _ = await break_beside_healthy(scene, empty)

    assert_failing_once(scene, source, "empty document")


# ---- servers that misbehave on the wire ---------------------------------------------------------


@pytest.mark.parametrize("stall_at", ["before headers", "mid-body"])
async def test_stalled_server_times_out_after_the_read_timeout(scene: Scene, stall_at: str) -> None:
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        if stall_at == "mid-body":
            await response.prepare(request)
            await response.write(broken_feed_with_story_3(scene)[:200])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(release.wait(), timeout=10)
        return response

    started = time.monotonic()
    try:
        source, _ = await break_beside_healthy(scene, stall)
    finally:
        release.set()
    elapsed = time.monotonic() - started

    assert_failing_once(scene, source, "too long")
    assert scene.settings.http_read_timeout <= elapsed < scene.settings.http_total_timeout


@pytest.mark.parametrize("reset_at", ["before headers", "mid-body"])
async def test_connection_closed_by_the_server_fails_readably(scene: Scene, reset_at: str) -> None:
    body = broken_feed_with_story_3(scene)

    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        response = web.StreamResponse(
            headers={"Content-Type": "application/rss+xml", "Content-Length": str(len(body))}
        )
        if reset_at == "mid-body":
            await response.prepare(request)
            await response.write(body[: len(body) // 2])
        request.transport.close()
        return response

    source, _ = await break_beside_healthy(scene, reset)

    assert_failing_once(scene, source, "connection")


# ---- redirects ----------------------------------------------------------------------------------


def redirect(scene: Scene, path: str, to: str, status: int = 302) -> str:
    return scene.server.serve(path, b"", status=status, headers={"Location": to})


async def test_redirect_loop_is_refused(scene: Scene) -> None:
    a = redirect(scene, "a", scene.server.url("b"))
    redirect(scene, "b", a)

    outcome = await scene.watcher.add_source(a)

    source = await scene.source(outcome.source.id)
    assert_failing_once(scene, source, "loop")
    assert scene.server.hits == {"/a": 1, "/b": 1}


async def test_redirect_chain_longer_than_five_is_refused(scene: Scene) -> None:
    scene.server.serve("end", rss([scene.story("1")]))
    for hop in range(6):
        redirect(scene, f"hop{hop}", scene.server.url(f"hop{hop + 1}" if hop < 5 else "end"))

    outcome = await scene.watcher.add_source(scene.server.url("hop0"))

    source = await scene.source(outcome.source.id)
    assert_failing_once(scene, source, "more than 5 times")
    assert "/end" not in scene.server.hits


async def test_redirect_chain_of_five_is_followed(scene: Scene) -> None:
    scene.server.serve("end", rss([scene.story("1")]))
    for hop in range(5):
        redirect(scene, f"hop{hop}", scene.server.url(f"hop{hop + 1}" if hop < 4 else "end"))

    outcome = await scene.watcher.add_source(scene.server.url("hop0"))

    assert outcome.ok, outcome.error


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_updates_the_stored_url(scene: Scene, status: int) -> None:
    new_url = scene.server.serve("new.xml", rss([scene.story("1")]))
    old_url = redirect(scene, "old.xml", new_url, status)

    outcome = await scene.watcher.add_source(old_url)

    assert outcome.ok, outcome.error
    source = await scene.source(outcome.source.id)
    assert source.url == new_url
    await scene.next_cycle()
    assert scene.server.hits == {"/old.xml": 1, "/new.xml": 2}


@pytest.mark.parametrize("status", [302, 307])
async def test_temporary_redirect_keeps_the_stored_url(scene: Scene, status: int) -> None:
    target = scene.server.serve("today.xml", rss([scene.story("1")]))
    url = redirect(scene, "feed.xml", target, status)

    outcome = await scene.watcher.add_source(url)

    assert outcome.ok, outcome.error
    assert (await scene.source(outcome.source.id)).url == url


async def test_permanent_then_temporary_redirect_keeps_the_stored_url(scene: Scene) -> None:
    target = scene.server.serve("today.xml", rss([scene.story("1")]))
    middle = redirect(scene, "middle.xml", target, 302)
    url = redirect(scene, "feed.xml", middle, 301)

    outcome = await scene.watcher.add_source(url)

    assert outcome.ok, outcome.error
    assert (await scene.source(outcome.source.id)).url == url


# ---- error statuses -----------------------------------------------------------------------------


async def test_404_marks_the_source_failing_with_backoff(scene: Scene) -> None:
    async def not_found(request: web.Request) -> web.StreamResponse:
        return web.Response(status=404, text="no such page")

    source, _ = await break_beside_healthy(scene, not_found)

    assert_failing_once(scene, source, "404", "not found")


async def test_410_marks_the_source_gone_and_it_is_never_polled_again(scene: Scene) -> None:
    async def gone(request: web.Request) -> web.StreamResponse:
        return web.Response(status=410, text="this feed has ended")

    source, _ = await break_beside_healthy(scene, gone)

    assert source.status is SourceStatus.GONE
    assert source.next_poll_at is None
    assert source.last_error == "The server answered 410 (gone for good)."
    hits = scene.server.hits["/broken"]
    scene.clock.advance(scene.settings.max_backoff_seconds * 10)
    report = await scene.watcher.poll_due()
    assert source.id not in {o.source.id for o in report.outcomes}
    report = await scene.watcher.poll_sources([source])
    assert report.outcomes == []
    assert scene.server.hits["/broken"] == hits


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_429_retry_after_sets_the_next_poll(scene: Scene, form: str) -> None:
    wait = timedelta(hours=3)  # longer than the first backoff step, so only Retry-After explains it
    assert wait > scene.backoff(1)
    if form == "seconds":
        retry_after = str(int(wait.total_seconds()))
    else:
        retry_after = format_datetime(datetime.now(UTC) + wait, usegmt=True)

    async def busy(request: web.Request) -> web.StreamResponse:
        return web.Response(status=429, text="slow down", headers={"Retry-After": retry_after})

    source, _ = await break_beside_healthy(scene, busy)

    assert source.status is SourceStatus.FAILING
    assert source.last_error == "The server answered 429 (too many requests)."
    assert source.next_poll_at is not None
    assert abs(source.next_poll_at - (scene.clock.now + wait)) < timedelta(seconds=5)


async def test_500_backoff_doubles_across_repeated_failures(scene: Scene) -> None:
    url = scene.server.serve("down.xml", "Internal Server Error", status=500)
    outcome = await scene.watcher.add_source(url)
    source_id = outcome.source.id

    delays = []
    for errors in (1, 2, 3, 4):
        source = await scene.source(source_id)
        assert source.status is SourceStatus.FAILING
        assert source.error_count == errors
        assert source.last_error == "The server answered 500 (server error)."
        assert source.next_poll_at is not None
        delay = source.next_poll_at - scene.clock.now
        delays.append(delay)
        scene.clock.advance(delay.total_seconds() - 1)
        assert (await scene.watcher.poll_due()).outcomes == []  # not due yet
        scene.clock.advance(1)
        assert len((await scene.watcher.poll_due()).outcomes) == 1

    assert delays == [scene.backoff(n) for n in (1, 2, 3, 4)]
    assert scene.server.hits["/down.xml"] == 5
    assert await scene.store.sources.count_seen(source_id) == 0


async def test_source_whose_first_poll_failed_takes_its_baseline_when_it_recovers(
    scene: Scene,
) -> None:
    url = scene.server.serve("later.xml", "Service Unavailable", status=503)
    outcome = await scene.watcher.add_source(url)
    assert not outcome.ok
    scene.server.serve("later.xml", rss([scene.story(str(n)) for n in range(10)]))

    scene.clock.advance(scene.settings.max_backoff_seconds)
    report = await scene.watcher.poll_due()

    (recovered,) = report.outcomes
    assert recovered.ok
    assert recovered.new_items == 0
    assert await scene.store.articles.count_articles() == 0


# ---- identities and dates -----------------------------------------------------------------------


async def test_duplicate_guids_make_an_item_new_only_once(scene: Scene) -> None:
    url = scene.server.serve("dup.xml", rss([scene.story("1")]))
    outcome = await scene.watcher.add_source(url)
    twice = scene.story("2")
    same_guid_other_link = {**scene.story("3"), "guid": twice["guid"]}
    scene.server.serve(
        "dup.xml", rss([twice, scene.story("1"), twice, same_guid_other_link, twice])
    )

    first = outcome_for(await scene.next_cycle(), outcome.source.id)
    second = outcome_for(await scene.next_cycle(), outcome.source.id)

    assert first.new_items == 1
    assert [a.title for a in first.articles] == ["Story 2"]
    assert second.ok and second.new_items == 0
    assert await scene.store.articles.count_articles() == 1


async def test_guids_that_change_on_every_poll_do_not_make_items_new_again(
    scene: Scene,
) -> None:
    polls = [0]
    extra: list[dict[str, str]] = []

    async def shifting(request: web.Request) -> web.StreamResponse:
        polls[0] += 1
        items = [
            {**scene.story(slug), "guid": f"urn:poll-{polls[0]}:{slug}"} for slug in ("1", "2", "3")
        ]
        return web.Response(text=rss(extra + items), content_type="application/rss+xml")

    url = scene.server.route("shifting.xml", shifting)
    source_id = (await scene.watcher.add_source(url)).source.id

    again = outcome_for(await scene.next_cycle(), source_id)
    extra.append(scene.story("4"))
    with_new = outcome_for(await scene.next_cycle(), source_id)

    assert again.ok and again.new_items == 0
    assert with_new.ok and with_new.new_items == 1
    assert [a.title for a in with_new.articles] == ["Story 4"]
    assert polls[0] == 3


async def test_items_without_dates_are_stored_with_the_fetch_time(scene: Scene) -> None:
    url = scene.server.serve("undated.xml", rss([scene.story("1"), scene.story("2")]))

    outcome = await scene.watcher.add_source(url, backfill=2)

    assert outcome.ok, outcome.error
    assert sorted(a.title for a in outcome.articles) == ["Story 1", "Story 2"]
    assert all(a.published == scene.clock.now for a in outcome.articles)
    assert await scene.store.articles.count_articles() == 2


async def test_future_dates_are_clamped_to_now(scene: Scene) -> None:
    url = scene.server.serve("dated.xml", rss([scene.story("1")]))
    source_id = (await scene.watcher.add_source(url)).source.id
    past = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    future = datetime(2099, 1, 1, tzinfo=UTC)
    scene.server.serve(
        "dated.xml",
        rss(
            [
                scene.story("2", pubDate=format_datetime(future, usegmt=True)),
                scene.story("3", pubDate=format_datetime(past, usegmt=True)),
                scene.story("1"),
            ]
        ),
    )

    before = datetime.now(UTC)
    outcome = outcome_for(await scene.next_cycle(), source_id)
    after = datetime.now(UTC)

    published = {a.title: a.published for a in outcome.articles}
    assert set(published) == {"Story 2", "Story 3"}
    assert before - timedelta(seconds=1) <= published["Story 2"] <= after
    assert published["Story 3"] == past
    stored = {a.title: a.published for a in await scene.store.articles.recent_articles()}
    assert stored == published


# ---- conditional GET ----------------------------------------------------------------------------


async def test_second_poll_is_conditional_and_a_304_parses_nothing(scene: Scene) -> None:
    url = scene.server.serve("etag.xml", rss([scene.story("1")]), headers={"ETag": '"v1"'})
    source_id = (await scene.watcher.add_source(url)).source.id
    assert (await scene.source(source_id)).etag == '"v1"'

    outcome = outcome_for(await scene.next_cycle(), source_id)

    assert outcome.ok and outcome.not_modified
    assert outcome.feed_kind is None and outcome.items_in_feed == 0
    first, second = scene.server.requests
    assert "If-None-Match" not in first.headers
    assert second.headers["If-None-Match"] == '"v1"'
    source = await scene.source(source_id)
    assert source.status is SourceStatus.OK
    assert source.last_success_at == scene.clock.now
    assert source.next_poll_at is not None and source.next_poll_at > scene.clock.now
