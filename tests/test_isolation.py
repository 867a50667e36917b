"""One article's failure stays that article's: the source keeps polling, the article is stored
degraded (the feed's text, no quotes, its own story, the server's alerts) or, if nothing can be
made of it, tried again and given up after three polls.

Failures are injected by replacing a stage function: the scene's PARSE_WORKERS=1 runs the pool
in a thread, so the replaced function is the one the watcher's jobs call."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import bot.articles
import bot.storage.ingest
from bot.articles import Stage
from bot.extract import ExtractedPage
from bot.logs import TRACE
from bot.quotes import Attribution, Quotation, QuoteKind
from bot.sources import SourceStatus
from bot.storage.repositories import Repositories
from bot.stories import Stories, StoryIndex
from tests.conftest import Clock, FeedServer, Scene, make_settings, open_watcher, outcome_for, rss

pytestmark = pytest.mark.both_engines

POISON = "Poison"
BROKEN = "'<' not supported between instances of 'Person' and 'Person'"


def failing_on_poison(real: object) -> object:
    """``real``, except that it raises TypeError when its first argument mentions POISON."""

    def stage(first: object, *args: object, **kwargs: object) -> object:
        text = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first)
        if POISON in text:
            raise TypeError(BROKEN)
        return real(first, *args, **kwargs)  # type: ignore[operator]

    return stage


def poison_and_normal(scene: Scene) -> list[dict[str, str]]:
    poison = scene.story("poison", description=f"{POISON} story that breaks a stage.")
    normal = scene.story("normal", description="A normal story about the harbour bridge.")
    return [poison, normal, scene.story("feed-1"), scene.story("feed-2")]


async def test_a_poison_article_does_not_silence_its_source(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.articles, "quotes_of", failing_on_poison(bot.articles.quotes_of))
    source = await scene.watched("feed")
    scene.server.serve("feed", rss(poison_and_normal(scene)))

    outcomes = [outcome_for(await scene.next_cycle(), source.id) for _ in range(3)]

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sorted(a.title for a in outcomes[0].articles) == ["Story normal", "Story poison"]
    assert outcomes[0].degraded == 1
    assert outcomes[1].new_items == outcomes[2].new_items == 0
    after = await scene.source(source.id)
    assert after.status is SourceStatus.OK and after.error_count == 0
    assert after.degraded_items == 1 and after.given_up_items == 0
    stored = {a.title: a for a in await scene.store.articles.recent_articles()}
    assert stored["Story poison"].quotes == ()
    assert stored["Story poison"].text.startswith(POISON)


async def test_a_page_that_breaks_extraction_leaves_the_feed_s_text(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        bot.articles, "extract_article", failing_on_poison(bot.articles.extract_article)
    )
    source = await scene.watched("feed")
    scene.server.serve(
        "story/poison", f"<html><body><p>{POISON}</p></body></html>", content_type="text/html"
    )
    scene.server.serve("feed", rss(poison_and_normal(scene)))

    outcome = outcome_for(await scene.next_cycle(), source.id)

    assert outcome.ok and outcome.degraded == 1
    article = next(a for a in outcome.articles if a.title == "Story poison")
    assert not article.from_page and article.text == f"{POISON} story that breaks a stage."
    assert [(p.stage, p.reason) for p in article.problems] == [(Stage.PAGE, f"TypeError: {BROKEN}")]


async def test_the_failure_is_logged_once_with_the_item_and_the_traceback(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bot.articles, "quotes_of", failing_on_poison(bot.articles.quotes_of))
    source = await scene.watched("feed")
    scene.server.serve("feed", rss(poison_and_normal(scene)))
    link = scene.story("poison")["link"]

    with caplog.at_level(logging.WARNING, logger="bot"):
        await scene.next_cycle()

    (record,) = [r for r in caplog.records if repr(link) in r.getMessage()]
    message = record.getMessage()
    assert f"source {source.id} item {scene.story_keys('poison')[0]!r}" in message
    assert "kept without its quotes" in message and BROKEN in message
    # The traceback goes with the record, after its one-line message (bot/logs.py).
    assert "Traceback (most recent call last)" in getattr(record, TRACE)


async def test_an_item_nothing_can_be_made_of_is_given_up_after_three_polls(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.articles, "html_to_text", failing_on_poison(bot.articles.html_to_text))
    source = await scene.watched("feed")
    scene.server.serve("feed", rss(poison_and_normal(scene)))

    outcomes, times = [], []
    for _ in range(4):
        outcomes.append(outcome_for(await scene.next_cycle(), source.id))
        times.append(scene.clock.now)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert [a.title for a in outcomes[0].articles] == ["Story normal"]
    assert [(o.new_items, o.failed_items, o.given_up) for o in outcomes] == [
        (2, 1, 0), (1, 1, 0), (1, 0, 1), (0, 0, 0)
    ]  # fmt: skip
    after = await scene.source(source.id)
    assert after.status is SourceStatus.OK and after.error_count == 0
    assert after.given_up_items == 1
    assert await scene.store.sources.unseen_keys(source.id, scene.story_keys("poison")) == set()
    (failure,) = await scene.store.sources.item_failures_of(source.id)
    assert failure.item_key == scene.story_keys("poison")[0]
    assert failure.attempts == 3 and failure.given_up_at == times[2]
    assert failure.reason == f"TypeError: {BROKEN}"
    assert failure.link == scene.story("poison")["link"]


@dataclass
class Parts:
    tmp_path: Path
    database_url: str
    store: Repositories
    server: FeedServer
    clock: Clock

    @asynccontextmanager
    async def scene(self, stories: Stories | None = None, **settings: Any) -> AsyncIterator[Scene]:
        """A scene whose watcher has these settings (and story index)."""
        built = make_settings(self.tmp_path, database_url=self.database_url, **settings)
        async with open_watcher(built, self.store, self.clock, stories=stories) as watcher:
            yield Scene(watcher, self.store, self.server, self.clock, built)


@pytest.fixture
def parts(
    tmp_path: Path, database_url: str, store: Repositories, feed_server: FeedServer, clock: Clock
) -> Parts:
    return Parts(tmp_path, database_url, store, feed_server, clock)


async def test_a_job_over_its_time_limit_leaves_the_feed_s_text(
    parts: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bot.articles.extract_article

    def slow_on_poison(page: bytes, **kwargs: object) -> ExtractedPage:
        if POISON.encode() in page:
            time.sleep(3)
        return real(page, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.articles, "extract_article", slow_on_poison)
    async with parts.scene(parse_time_limit_seconds=0.5) as scene:
        source = await scene.watched("feed")
        scene.server.serve("story/poison", f"<p>{POISON}</p>", content_type="text/html")
        scene.server.serve("feed", rss(poison_and_normal(scene)))
        outcome = outcome_for(await scene.next_cycle(), source.id)
    assert outcome.ok and outcome.degraded == 1
    article = next(a for a in outcome.articles if a.title == "Story poison")
    assert not article.from_page
    assert [(p.stage, p.reason) for p in article.problems] == [
        (Stage.PAGE, "JobTimedOut: Reading it took longer than 0.5 s.")
    ]


async def test_a_story_that_cannot_be_placed_starts_its_own(
    parts: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = StoryIndex.place

    def place(index: StoryIndex, article: bot.stories.StoryInput) -> bot.stories.Placement:
        if POISON in article.text:
            raise TypeError(BROKEN)
        return real(index, article)

    monkeypatch.setattr(StoryIndex, "place", place)
    async with parts.scene(stories=Stories()) as scene:
        source = await scene.watched("feed")
        scene.server.serve("feed", rss(poison_and_normal(scene)))
        outcome = outcome_for(await scene.next_cycle(), source.id)
    assert outcome.ok and outcome.degraded == 1
    article = next(a for a in outcome.articles if a.title == "Story poison")
    assert [p.stage for p in article.problems] == [Stage.STORY]
    assert article.id is not None
    (copies,) = [await parts.store.queries.story_copies([source.id], article.id)]
    assert [c.id for c in copies] == [article.id]


def quoted(text: str, model: str) -> list[Quotation]:
    return [
        Quotation(
            text="a quotation",
            spans=((0, 1),),
            speaker="Mara Olsen",
            role=None,
            cue="said",
            attribution=Attribution.NAMED,
            kind=QuoteKind.QUOTE,
            key=True,
        )
    ]


async def test_an_article_the_store_refuses_is_stored_without_its_quotes(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.articles, "quotes_of", quoted)
    real = bot.storage.ingest._quote_rows

    def quote_rows(article_id: int, found: object) -> object:
        raise ValueError("the index refused it")

    monkeypatch.setattr(bot.storage.ingest, "_quote_rows", quote_rows)
    source = await scene.watched("feed")
    scene.server.serve("feed", rss(poison_and_normal(scene)))

    outcome = outcome_for(await scene.next_cycle(), source.id)

    assert real is not quote_rows
    assert outcome.ok and outcome.degraded == 2 and len(outcome.articles) == 2
    assert all(a.quotes == () for a in outcome.articles)
    assert [[p.stage for p in a.problems] for a in outcome.articles] == [[Stage.INDEX]] * 2
    assert (await scene.source(source.id)).degraded_items == 2


def test_sources_list_counts_degraded_and_given_up_items_and_says_what_they_mean() -> None:
    from datetime import UTC, datetime

    from bot.guilds import ITEMS_LEGEND, SourceLine, describe_sources
    from bot.sources import Source

    now = datetime(2026, 12, 7, tzinfo=UTC)

    def source(n: int, degraded: int, given_up: int) -> Source:
        return Source(
            n, f"https://s{n}.example/feed", "x", f"S{n}", None, None, None,
            SourceStatus.OK, now, 0, None, None, now, now, now,
            degraded_items=degraded, given_up_items=given_up,
        )  # fmt: skip

    clean = describe_sources([SourceLine(source(1, 0, 0))], now)
    assert clean == f"✅ S1: ok, next poll <t:{int(now.timestamp())}:R>"
    text = describe_sources([SourceLine(source(1, 0, 0)), SourceLine(source(2, 3, 1))], now)
    assert text.splitlines() == [
        clean,
        f"✅ S2: ok, next poll <t:{int(now.timestamp())}:R> · 3 degraded, 1 given up",
        ITEMS_LEGEND,
    ]


async def test_pages_in_flight_are_bounded_per_source_and_in_all(parts: Parts) -> None:
    """Three sources of ten new items each: a source reads two pages at a time, and the
    watcher holds at most PAGES_PER_WORKER pages per pool worker (3 with one thread)."""
    import asyncio

    from aiohttp import web

    from bot.article_builder import ITEMS_AT_ONCE, PAGES_PER_WORKER

    open_pages: dict[str, int] = {}
    most: dict[str, int] = {}

    async def page(request: web.Request) -> web.Response:
        feed = request.path.split("/")[-1].split("-")[0]
        open_pages[feed] = open_pages.get(feed, 0) + 1
        most[feed] = max(most.get(feed, 0), open_pages[feed])
        most["all"] = max(most.get("all", 0), sum(open_pages.values()))
        await asyncio.sleep(0.05)
        open_pages[feed] -= 1
        return web.Response(text="<p>A page.</p>", content_type="text/html")

    async with parts.scene(spacy_model="") as scene:
        for feed in ("a", "b", "c"):
            await scene.watched(feed)
            items = []
            for n in range(10):
                story = scene.story(f"{feed}-new-{n}")
                story["link"] = scene.server.route(f"page/{feed}-{n}", page)
                items.append(story)
            scene.server.serve(feed, rss(items))
        report = await scene.next_cycle()

    assert report.sources_ok == 3 and report.new_articles == 30
    assert max(most[feed] for feed in ("a", "b", "c")) <= ITEMS_AT_ONCE
    assert most["all"] <= PAGES_PER_WORKER * 1  # PARSE_WORKERS=1: one thread
