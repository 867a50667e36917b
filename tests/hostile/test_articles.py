"""Articles that can't stall their source or the others: a stage that raises on one article,
topics that can't be matched, and a 5 MB page of 340,000 short paragraphs. The real bot
against the fake Discord, real feeds on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web

import bot.articles
import bot.matcher
from bot.articles import Stage
from bot.sources import SourceStatus
from tests.conftest import rss
from tests.hostile.test_alert_poison import settled, titles, until
from tests.test_discord_e2e import Scene, scene

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

POISON = "Poison"
BROKEN = "'<' not supported between instances of 'Person' and 'Person'"


def item(scene: Scene, name: str, text: str, *, link: str | None = None) -> dict[str, str]:
    return {
        "title": f"Harbour bridge story ({name})",
        "link": link or scene.feeds.url(f"{name}.html"),
        "guid": name,
        "pubDate": format_datetime(datetime.now(UTC), usegmt=True),
        "description": text,
    }


async def watched(scene: Scene, name: str) -> str:
    """A source of this server, its first poll (the baseline) taken."""
    url = scene.feeds.serve(f"{name}.xml", rss([item(scene, f"{name}-old", "Old.")], title=name))
    await scene.command("sources", "add", {"url": url}, followups=1)
    return url


def failing_on_poison(real: Any) -> Any:
    def stage(first: Any, *args: Any, **kwargs: Any) -> Any:
        if POISON in str(first):
            raise TypeError(BROKEN)
        return real(first, *args, **kwargs)

    return stage


async def test_an_article_a_stage_fails_on_is_alerted_with_the_next_and_the_source_stays_ok(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PARSE_WORKERS=1: the pool runs in a thread, so the replaced stage is the one jobs call.
    monkeypatch.setattr(bot.articles, "quotes_of", failing_on_poison(bot.articles.quotes_of))
    await scene.command("alerts", "channel", {"channel": scene.channel})
    await watched(scene, "wire")
    scene.feeds.serve(
        "wire.xml",
        rss(
            [
                item(scene, "poison", f"{POISON}: the council said the bridge would reopen."),
                item(scene, "normal", "The council said the ferry would run all winter."),
                item(scene, "wire-old", "Old."),
            ],
            title="wire",
        ),
    )

    report = await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())

    assert (report.sources_ok, report.sources_failed, report.degraded) == (1, 0, 1)
    await scene.wait_for(lambda: len(scene.alerts()) == 2)
    assert sorted(titles(scene)) == [
        "Harbour bridge story (normal)",
        "Harbour bridge story (poison)",
    ]
    (source,) = await scene.store.sources.list_sources()
    assert source.status is SourceStatus.OK and source.error_count == 0
    assert source.degraded_items == 1
    reply = await scene.command("sources", "list")
    assert "· 1 degraded" in reply.content
    await until(lambda: settled(scene))


async def test_topics_that_cannot_be_matched_still_alert_the_servers_channel(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bot.matcher.Matcher.match

    def match(matcher: bot.matcher.Matcher, article: bot.matcher.MatchInput) -> Any:
        if POISON in article.text:
            raise TypeError(BROKEN)
        return real(matcher, article)

    monkeypatch.setattr(bot.matcher.Matcher, "match", match)
    topics = scene.guild.add_channel("bridges")
    await scene.fake.dispatch("CHANNEL_CREATE", topics.payload())
    await scene.command("alerts", "channel", {"channel": scene.channel})
    added = await scene.command("alerts", "add", {"topic": "harbour", "channel": topics})
    assert "will go to" in added.content
    await watched(scene, "wire")
    scene.feeds.serve(
        "wire.xml",
        rss(
            [
                item(scene, "poison", f"{POISON}: the harbour bridge would reopen, he said."),
                item(scene, "normal", "The harbour ferry would run all winter, she said."),
            ],
            title="wire",
        ),
    )

    report = await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())

    assert report.sources_ok == 1
    (outcome,) = report.outcomes
    poison = next(a for a in outcome.articles if "poison" in a.url)
    assert [p.stage for p in poison.problems] == [Stage.TOPICS]
    await scene.wait_for(lambda: len(scene.alerts()) == 2 and len(scene.alerts(topics)) == 1)
    assert [m["embeds"][0]["title"] for m in scene.alerts(topics)] == [
        "Harbour bridge story (normal)"
    ]
    await until(lambda: settled(scene))


PARAGRAPHS = 340_000


def said_he_page() -> bytes:
    """5 MB of ``<p>Said he.</p>``: under MAX_BODY_BYTES, and once 424 s of extraction."""
    return (
        b"<!DOCTYPE html><html><head><title>Short paragraphs</title></head><body><article>"
        + b"<p>Said he.</p>" * PARAGRAPHS
        + b"</article></body></html>"
    )


@pytest.mark.serial  # times the other source's alert against a wall-clock wait
@pytest.mark.settings(
    parse_workers=2,
    max_body_bytes=6 * 1024 * 1024,
    spacy_model="",
    http_read_timeout=120,
    http_total_timeout=120,
)
async def test_a_5_mb_page_of_short_paragraphs_holds_up_no_other_source(scene: Scene) -> None:
    """Three sources' new articles are stored and alerted while the big page is still on its
    way; then it is read (cut to its first paragraphs) and alerted too."""
    await scene.command("alerts", "channel", {"channel": scene.channel})
    names = ["heavy", "a", "b", "c"]
    for name in names:
        await watched(scene, name)
    arrived = asyncio.Event()
    release = asyncio.Event()
    page = said_he_page()
    assert len(page) > 5_000_000

    async def big_page(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.Response(body=page, content_type="text/html")

    big = scene.feeds.route("said-he.html", big_page)
    for name in names:
        new = item(scene, f"{name}-new", f"The council said {name} was settled.")
        if name == "heavy":
            new = item(scene, "heavy-new", "Said he.", link=big)
        scene.feeds.serve(f"{name}.xml", rss([new], title=name))

    watcher = scene.bot.services.watcher
    poll = asyncio.ensure_future(watcher.poll_sources(await scene.store.sources.list_sources()))
    await asyncio.wait_for(arrived.wait(), timeout=20)
    await scene.wait_for(lambda: len(scene.alerts()) == 3, timeout=30)
    assert not poll.done()
    assert sorted(titles(scene)) == [f"Harbour bridge story ({n}-new)" for n in ("a", "b", "c")]

    release.set()
    report = await asyncio.wait_for(poll, timeout=120)
    assert (report.sources_ok, report.sources_failed) == (4, 0)
    heavy = next(o for o in report.outcomes if o.source.url.endswith("heavy.xml"))
    (article,) = heavy.articles
    assert article.from_page and article.problems == ()
    assert article.text.startswith("Said he.\nSaid he.")
    assert len(article.text) < len(page) // 10
    await scene.wait_for(lambda: len(scene.alerts()) == 4, timeout=30)
    await until(lambda: settled(scene))
