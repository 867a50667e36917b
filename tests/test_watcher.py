"""The watcher end to end on loopback: baselines, new items, articles, conditional GET."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from aiohttp import web

from bot.articles import Article
from bot.sources import Source, SourceStatus
from bot.storage.repositories import Repositories
from bot.watcher import Watcher
from tests.conftest import Clock, FeedServer, make_settings, open_watcher, rss

pytestmark = pytest.mark.both_engines

ARTICLE_HTML = """<!DOCTYPE html><html lang="en"><head><title>{title}</title>
<meta property="og:site_name" content="Loopback News">
<link rel="canonical" href="{canonical}"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> Subscribe</nav>
<article><h1>{title}</h1>
<p>The city council voted on Tuesday to reopen the harbour bridge to cyclists after a two-year
closure, ending a dispute that had divided residents and shop owners along the waterfront.</p>
<p>“We listened to everyone, and this is the fairest outcome,” said council leader Mara Olsen,
who had pushed for the reopening since the repairs began in the spring of last year.</p>
<p>Shop owners said the decision would bring customers back, while some residents worried
about safety at the busy junction near the ferry terminal, which still lacks a crossing.</p>
</article><footer>Copyright Loopback News. Leave a Reply</footer></body></html>"""


def item(n: int, server: FeedServer) -> dict[str, str]:
    return {
        "title": f"Story {n}",
        "link": server.url(f"story/{n}.html"),
        "guid": f"story-{n}",
        "pubDate": f"Fri, {n:02d} Nov 2026 10:00:00 GMT",
        "description": f"Feed summary of story {n}, which is about the harbour bridge reopening.",
    }


def serve_story_pages(server: FeedServer, count: int) -> None:
    for n in range(1, count + 1):
        html = ARTICLE_HTML.format(title=f"Story {n}", canonical=server.url(f"story/{n}.html"))
        server.serve(f"story/{n}.html", html, content_type="text/html; charset=utf-8")


async def test_first_poll_is_a_baseline_without_articles(
    watcher: Watcher, store: Repositories, feed_server: FeedServer
) -> None:
    url = feed_server.serve("feed", rss([item(n, feed_server) for n in (3, 2, 1)]))
    outcome = await watcher.add_source(url)
    assert outcome.ok and outcome.baseline and outcome.articles == ()
    assert outcome.items_in_feed == 3
    assert await store.sources.count_seen(outcome.source.id) == 6  # a GUID key and a link key each
    assert feed_server.hits.get("/story/1.html") is None


async def test_backfill_turns_the_newest_items_into_articles(
    watcher: Watcher, feed_server: FeedServer
) -> None:
    serve_story_pages(feed_server, 3)
    url = feed_server.serve("feed", rss([item(n, feed_server) for n in (1, 3, 2)]))
    outcome = await watcher.add_source(url, backfill=2)
    assert [a.title for a in outcome.articles] == ["Story 2", "Story 3"]


async def test_a_new_item_becomes_an_article_extracted_from_its_page(
    watcher: Watcher, store: Repositories, feed_server: FeedServer, clock: Clock
) -> None:
    serve_story_pages(feed_server, 3)
    url = feed_server.serve("feed", rss([item(n, feed_server) for n in (2, 1)]))
    await watcher.add_source(url)
    feed_server.serve("feed", rss([item(n, feed_server) for n in (3, 2, 1)]))
    clock.advance(3600)
    report = await watcher.poll_due()
    assert (report.sources_ok, report.new_items, report.new_articles) == (1, 1, 1)
    (stored,) = report.outcomes[0].articles
    assert stored.id is not None and stored.from_page
    assert stored.title == "Story 3"
    assert stored.site_name == "Loopback News"
    assert stored.lead.startswith("The city council voted on Tuesday")
    assert "Subscribe" not in stored.text and "Leave a Reply" not in stored.text
    assert stored.canonical_url == feed_server.url("story/3.html")
    assert await store.articles.count_articles() == 1


async def test_an_unreachable_page_falls_back_to_the_feed_text(
    watcher: Watcher, feed_server: FeedServer, clock: Clock
) -> None:
    url = feed_server.serve("feed", rss([item(1, feed_server)]))
    await watcher.add_source(url)
    feed_server.serve("feed", rss([item(2, feed_server), item(1, feed_server)]))
    clock.advance(3600)
    report = await watcher.poll_due()
    (stored,) = report.outcomes[0].articles
    assert not stored.from_page
    assert stored.text.startswith("Feed summary of story 2")
    assert stored.lead == stored.text


async def test_the_same_document_again_yields_nothing_new(
    watcher: Watcher, feed_server: FeedServer, clock: Clock
) -> None:
    url = feed_server.serve("feed", rss([item(n, feed_server) for n in (2, 1)]))
    await watcher.add_source(url)
    clock.advance(3600)
    report = await watcher.poll_due()
    assert report.sources_ok == 1 and report.new_items == 0 and report.not_modified == 0


async def test_conditional_get_304_parses_nothing(
    watcher: Watcher, store: Repositories, feed_server: FeedServer, clock: Clock
) -> None:
    url = feed_server.serve("feed", rss([item(1, feed_server)]), headers={"ETag": '"v1"'})
    added = await watcher.add_source(url)
    clock.advance(3600)
    report = await watcher.poll_due()
    assert report.not_modified == 1
    assert feed_server.requests[-1].headers.get("If-None-Match") == '"v1"'
    source = await store.sources.get_source(added.source.id)
    assert source is not None and source.status is SourceStatus.OK
    assert source.next_poll_at is not None and source.next_poll_at > clock.now


async def test_sources_not_yet_due_are_not_polled(
    watcher: Watcher, feed_server: FeedServer
) -> None:
    url = feed_server.serve("feed", rss([item(1, feed_server)]))
    await watcher.add_source(url)
    report = await watcher.poll_due()
    assert report.outcomes == [] and feed_server.hits["/feed"] == 1


async def test_one_poll_takes_every_due_source_however_many_batches_that_is(
    store: Repositories, clock: Clock, feed_server: FeedServer, tmp_path: Path
) -> None:
    for n in range(5):
        url = feed_server.serve(f"f{n}.xml", rss([{"title": "T", "guid": f"g{n}"}]))
        await store.sources.add_source(url, added_url=url, now=clock.now)
    async with open_watcher(make_settings(tmp_path, poll_batch=2), store, clock) as watcher:
        report = await watcher.poll_due()
    assert report.sources_ok == 5
    assert all(feed_server.hits[f"/f{n}.xml"] == 1 for n in range(5))


async def test_articles_reach_the_sink_once(
    tmp_path: Path, feed_server: FeedServer, clock: Clock, database_url: str
) -> None:
    settings = make_settings(
        tmp_path, database_url=database_url, parse_workers=2
    )  # a real process pool this time
    received: list[tuple[int, str]] = []

    async def sink(source: Source, articles: Sequence[Article]) -> None:
        received.extend((source.id, a.title) for a in articles)

    serve_story_pages(feed_server, 2)
    url = feed_server.serve("feed", rss([item(1, feed_server)]))
    store = Repositories.open(settings.database_url)
    await store.database.migrate()
    try:
        async with open_watcher(settings, store, clock, on_articles=sink) as watcher:
            added = await watcher.add_source(url)
            feed_server.serve("feed", rss([item(2, feed_server), item(1, feed_server)]))
            for _ in range(3):
                clock.advance(3600)
                await watcher.poll_due()
    finally:
        await store.close()
    assert received == [(added.source.id, "Story 2")]


async def test_a_url_already_watched_is_not_fetched_again(
    watcher: Watcher, feed_server: FeedServer
) -> None:
    url = feed_server.serve("feed", rss([item(1, feed_server)]))
    first = await watcher.add_source(url)
    second = await watcher.add_source(url)
    assert first.source.id == second.source.id
    assert feed_server.hits["/feed"] == 1


async def test_new_articles_carry_their_quotations_into_the_store_and_alert(
    watcher: Watcher, store: Repositories, feed_server: FeedServer, clock: Clock
) -> None:
    from bot.alerts import alert_for

    serve_story_pages(feed_server, 2)
    url = feed_server.serve("feed", rss([item(1, feed_server)]))
    added = await watcher.add_source(url)
    feed_server.serve("feed", rss([item(2, feed_server), item(1, feed_server)]))
    clock.advance(3600)
    (article,) = (await watcher.poll_due()).outcomes[0].articles
    (quote,) = article.quotes
    assert (quote.speaker, quote.role, quote.key) == ("Mara Olsen", "council leader", True)
    (stored,) = await store.articles.recent_articles()
    assert stored.quotes == article.quotes
    alert = alert_for(stored, added.source)
    assert [q.line() for q in alert.quotes] == [
        "“We listened to everyone, and this is the fairest outcome” — Mara Olsen"
    ]


async def test_a_cycle_polls_at_most_http_concurrency_sources_at_once_and_reports_in_order(
    store: Repositories, clock: Clock, feed_server: FeedServer, tmp_path: Path
) -> None:
    in_flight = most = 0

    async def slow_feed(request: web.Request) -> web.StreamResponse:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)  # time for the other polls to arrive, if they may
        in_flight -= 1
        body = rss([{"title": "T", "guid": request.path}])
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    for n in range(7):
        url = feed_server.route(f"f{n}.xml", slow_feed)
        await store.sources.add_source(url, added_url=url, now=clock.now)
    sources = await store.sources.list_sources()
    settings = make_settings(tmp_path, http_concurrency=2)
    async with open_watcher(settings, store, clock) as watcher:
        report = await watcher.poll_sources(sources)
    assert report.sources_ok == 7 and most <= 2
    assert [o.source.id for o in report.outcomes] == [s.id for s in sources]
