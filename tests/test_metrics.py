"""What each part reports to the metrics it is given: polling cycles (articles stored and
degraded, items given up), the parsing pool's jobs, the topic matcher, the fetcher."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.articles import Problem, Stage
from bot.fetch import PAGE_ACCEPT, Fetcher
from bot.metrics import Metrics
from bot.poll_report import CycleReport, PollOutcome
from bot.pool import WorkPool
from bot.routing import Router
from bot.settings import Settings
from bot.storage.repositories import Repositories
from tests.conftest import FeedServer, rss
from tests.factories import make_article


def fresh() -> Metrics:
    return Metrics(role="worker", version="t", process_metrics=False)


async def test_a_cycle_counts_its_polls_articles_and_given_up_items(store: Repositories) -> None:
    now = datetime.now(UTC)
    source, _ = await store.sources.add_source("https://news.test/feed", added_url="x", now=now)
    kept = make_article(source.id, "a", now)
    degraded = replace(make_article(source.id, "b", now), problems=(Problem(Stage.PAGE, "x"),))
    report = CycleReport()
    report.add(PollOutcome(source, ok=True, articles=(kept, degraded), given_up=2))
    report.add(PollOutcome(source, ok=True, not_modified=True))
    report.add(PollOutcome(source, ok=False, error="down"))
    metrics = fresh()

    metrics.cycle(report)

    assert metrics.value("newsbot_polls_total", {"outcome": "ok"}) == 1
    assert metrics.value("newsbot_polls_total", {"outcome": "not_modified"}) == 1
    assert metrics.value("newsbot_polls_total", {"outcome": "failed"}) == 1
    assert metrics.value("newsbot_articles_total", {"state": "complete"}) == 1
    assert metrics.value("newsbot_articles_total", {"state": "degraded"}) == 1
    assert metrics.value("newsbot_items_given_up_total") == 2


def double(value: int) -> int:
    return value * 2


async def test_the_pool_reports_each_jobs_time_by_its_function() -> None:
    metrics = fresh()
    for workers in (1, 2):  # in a thread, and in a worker process
        pool = WorkPool(workers, observe=metrics.pool_job)
        try:
            assert await pool.run(double, 21) == 42
        finally:
            pool.close()
    assert metrics.value("newsbot_pool_job_seconds_count", {"job": "double"}) == 2
    assert metrics.value("newsbot_pool_job_seconds_sum", {"job": "double"}) > 0


async def test_the_router_reports_the_matchers_time_per_article(store: Repositories) -> None:
    now = datetime.now(UTC)
    source, _ = await store.sources.add_source("https://news.test/feed", added_url="x", now=now)
    await store.guilds.add_guild_source(5, source.id, user_id=1, now=now)
    await store.topics.add_route(5, 50, "harbour", "harbour", role_id=None, user_id=1, now=now)
    metrics = fresh()
    router = Router(store.topics, observe=metrics.matched)
    await router.reload()

    planned = await router.plan(
        source, [make_article(source.id, k, now, title=f"Harbour {k}") for k in "abc"]
    )

    assert len(planned) == 3
    assert metrics.value("newsbot_matcher_seconds_count") == 3


async def test_the_fetcher_reports_feed_and_page_times(
    settings: Settings, feed_server: FeedServer
) -> None:
    metrics = fresh()
    feed = feed_server.serve("feed.xml", rss([]))
    page = feed_server.serve("page.html", "<html></html>", content_type="text/html")
    async with Fetcher.create_session(settings) as session:
        fetcher = Fetcher(session, settings, observe=metrics.fetched)
        await fetcher.fetch(feed)
        await fetcher.fetch(page, accept=PAGE_ACCEPT)
        await fetcher.fetch(feed)
    assert metrics.value("newsbot_fetch_seconds_count", {"kind": "feed"}) == 2
    assert metrics.value("newsbot_fetch_seconds_count", {"kind": "page"}) == 1
