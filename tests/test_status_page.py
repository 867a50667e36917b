"""The operator's status page in a real browser: headless Chromium (Debian's package) loads it
from the real web server, without and with the token, over a store in a realistic state. The
page must show its content with no console error (a blocked style or script would be one: the
Content-Security-Policy allows nothing but its own stylesheet), and a screenshot is kept."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.articles import FailedItem, Problem, Stage
from bot.metrics import Metrics
from bot.status import ProcessState, minute_of
from bot.storage.repositories import Repositories
from bot.web import OpsServer, Readiness
from tests.browser import chromium_path, headless_chromium
from tests.factories import make_article

TOKEN = "status-page-token"
REQUIRED = "NEWSBOT_REQUIRE_CHROMIUM"
"""Set by .ci/run: there a missing Chromium is a failure, not a skip."""

if chromium_path() is None and not os.environ.get(REQUIRED):
    pytest.skip(
        "chromium is not installed here (apt-get install chromium; CI installs it)",
        allow_module_level=True,
    )


async def fill(store: Repositories, now: datetime) -> None:
    """Sources in every state, a queued alert, two processes with leases, an hour of activity."""
    from bot.storage.ingest import PollSuccess

    ok = []
    for n in range(3):
        source, _ = await store.sources.add_source(
            f"http://news{n}.test/feed", added_url="x", now=now - timedelta(days=1)
        )
        ok.append(source)
        await store.ingest.record_poll_success(
            source,
            PollSuccess(f"Daily News {n}", None, None, None, None, now + timedelta(minutes=5)),
            seen_keys=[],
            new_articles=[make_article(source.id, f"a{n}", now)] if n == 0 else [],
            now=now,
        )
    degraded = replace(
        make_article(ok[1].id, "d1", now - timedelta(minutes=30), title="Budget <i>vote</i>"),
        problems=(Problem(Stage.QUOTES, "TimeoutError: quotations took over 12 s"),),
    )
    await store.ingest.record_poll_success(
        ok[1],
        PollSuccess("Daily News 1", None, None, None, None, now + timedelta(minutes=5)),
        seen_keys=[],
        new_articles=[degraded],
        now=now - timedelta(minutes=30),
    )
    for attempt in range(3):
        await store.ingest.record_poll(
            ok[1],
            PollSuccess("Daily News 1", None, None, None, None, now + timedelta(minutes=5)),
            seen_keys=[],
            new_articles=[],
            now=now - timedelta(minutes=20 - attempt),
            failed=[FailedItem(ok[1].id, ("k-huge",), "http://news1.test/huge", "page too big")],
        )
    bad, _ = await store.sources.add_source("http://broken.test/rss", added_url="x", now=now)
    await store.sources.record_failure(
        bad,
        'The server said 503 <img src=x onerror="alert(1)">.',
        now=now - timedelta(hours=3),
        next_poll_at=now + timedelta(hours=1),
    )
    await store.sources.add_source("http://new.test/feed", added_url="x", now=now)
    await store.guilds.set_alerts_channel(7, 70, user_id=1, now=now)
    for source in ok:
        await store.guilds.add_guild_source(7, source.id, user_id=1, now=now)
    await store.guilds.set_guild_source_paused(7, ok[2].id, paused=True, now=now)
    # One alert waiting (article 1 from source 0), queued 4 minutes ago.
    latest = await store.articles.latest_articles_of(ok[0].id, limit=1)
    await store.outbox.enqueue_articles(7, 70, latest, now=now - timedelta(minutes=4))
    activity: dict[tuple[datetime, str], int] = {}
    for back in range(60):
        minute = minute_of(now) - timedelta(minutes=back)
        activity[(minute, "poll_ok")] = 5 + back % 7
        activity[(minute, "poll_not_modified")] = 20 + back % 5
        if back % 9 == 0:
            activity[(minute, "poll_failed")] = 2
        if back % 4 == 0:
            activity[(minute, "alert_sent")] = 3
    await store.operations.record_heartbeat(
        ProcessState("worker-1", "worker", None, "0.1.0", now - timedelta(hours=5), now),
        activity,
        now=now,
    )
    await store.operations.record_heartbeat(
        ProcessState("gateway-<0>", "gateway", "0 of 1", "0.1.0", now - timedelta(hours=5), now),
        {},
        now=now - timedelta(minutes=10),
    )
    await store.sources.claim_due_sources(
        now + timedelta(hours=2), owner="worker-1", lease=timedelta(minutes=5)
    )


@pytest.fixture
async def served(store: Repositories) -> AsyncIterator[str]:
    now = datetime.now(UTC)
    await fill(store, now)
    metrics = Metrics(role="gateway", version="0.1.0", process_metrics=False)
    server = OpsServer(
        store=store.operations,
        metrics=metrics,
        readiness=Readiness(loops=(), within=timedelta(minutes=5)),
        version="0.1.0",
        status_token=TOKEN,
    )
    await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.port}/status"
    finally:
        await server.stop()


async def test_status_page_renders_in_chromium_with_no_console_errors(
    served: str, tmp_path: Path
) -> None:
    async with headless_chromium(tmp_path / "profile") as tab:
        locked = await tab.load(served)
        assert locked.status == 401
        assert "This page needs the status token" in locked.text
        assert "Failing sources" not in locked.text

        page = await tab.load(f"{served}?token={TOKEN}")
        shot = await tab.screenshot(tmp_path / "status.png")
        charts = await tab.evaluate("document.querySelectorAll('svg.chart').length")
        bars = await tab.evaluate("document.querySelectorAll('svg.chart rect').length")
        styled = await tab.evaluate("getComputedStyle(document.body).maxWidth")
        scripts = await tab.evaluate("document.scripts.length")

    assert page.status == 200
    assert page.errors == []
    assert styled == "1000px"  # the stylesheet ran: its hash is what the policy allows
    assert scripts == 0
    assert charts == 2 and bars > 60
    text = page.text
    for expected in (
        "newsbot status",
        "Sources",
        "Failing sources",
        "http://broken.test/rss",
        '<img src=x onerror="alert(1)">',  # shown as text, not markup
        "Polls per minute",
        "Alerts per minute",
        "1 alert waiting, the oldest waiting 4 min ago",
        "worker-1",
        "gateway-<0>",
        "stale",
        "Degraded articles",
        "Budget <i>vote</i>",
        "quotes: TimeoutError: quotations took over 12 s",
        "http://news1.test/huge",
        "given up after 3 polls: page too big",
    ):
        assert expected in text, expected
    assert "<img" not in page.html.split("<body>", 1)[1].replace("&lt;img", "")
    cards = source_cards(text)
    assert cards == {"ok": 2, "failing": 1, "paused": 1, "waiting for a first poll": 1}
    assert shot.stat().st_size > 10_000


def source_cards(text: str) -> dict[str, int]:
    """The source counts as the page shows them (a number above each label)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = {}
    for label in ("ok", "failing", "paused", "waiting for a first poll"):
        index = lines.index(label)
        found[label] = int(lines[index - 1])
    return found
