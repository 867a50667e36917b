"""Alerts that can't stall a channel: links Discord would refuse, a message Discord rejects, and
one member's 'here' topic flooding the alerts channel. The real bot against the fake Discord,
which answers 400 to what Discord refuses (and records it as a violation)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from bot.delivery import OutboxKind, OutboxStatus
from tests.conftest import rss
from tests.test_discord_e2e import Scene, scene
from tests.test_stories import BODY

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


def item(scene: Scene, name: str, text: str, *, title: str | None = None) -> dict[str, str]:
    return {
        "title": title or f"Pyrmont bridge to reopen ({name})",
        "link": scene.feeds.url(f"{name}.html"),
        "guid": name,
        "pubDate": format_datetime(datetime.now(UTC), usegmt=True),
        "description": text,
    }


def json_feed(items: list[dict[str, str]]) -> str:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "Links", "items": items}
    )


def titles(scene: Scene) -> list[str]:
    return [m["embeds"][0].get("title", "") for m in scene.alerts()]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:  # noqa: ASYNC109
    """Wait for a condition of the store (the fake's own wait covers only its state)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def settled(scene: Scene) -> bool:
    """Nothing left to send."""
    return not await scene.store.outbox.outbox_entries(status=OutboxStatus.PENDING)


async def test_feed_links_discord_would_refuse_are_made_safe_or_left_out(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = scene.feeds.serve("links.json", json_feed([]), content_type="application/feed+json")
    await scene.command("sources", "add", {"url": url}, followups=1)
    hostile = [
        ("newline", "https://news.example/a\nb"),
        ("no-host", "https://"),
        ("spaces", "https://news.example/a long path/"),
        ("userinfo", "https://bbc.co.uk@evil.example/"),
    ]
    scene.feeds.serve(
        "links.json",
        json_feed(
            [
                {
                    "id": name,
                    "url": link,
                    "title": f"Link test {name}",
                    "content_text": f"The council said the {name} link was tested today.",
                    "date_published": "2026-11-20T10:00:00Z",
                    "image": link,
                }
                for name, link in hostile
            ]
        ),
        content_type="application/feed+json",
    )
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())
    await scene.wait_for(lambda: len(scene.alerts()) == len(hostile))
    links = {m["embeds"][0]["title"]: m["embeds"][0].get("url") for m in scene.alerts()}
    assert links == {
        "Link test newline": "https://news.example/ab",
        "Link test no-host": None,
        "Link test spaces": "https://news.example/a%20long%20path/",
        "Link test userinfo": None,
    }
    await until(lambda: settled(scene))
    assert {e.status for e in await scene.store.outbox.outbox_entries()} == {OutboxStatus.SENT}
    assert scene.fake.violations == []


async def test_an_alert_discord_rejects_fails_after_three_tries_and_the_channel_goes_on(
    scene: Scene,
) -> None:
    """The rejected alert is tried three times, then given up with Discord's reason; the alerts
    after it in the channel arrive meanwhile, and the sent alert of a story is still edited to
    say who else reported it."""
    await scene.command("alerts", "channel", {"channel": scene.channel})
    for feed in ("wire", "paper"):
        url = scene.feeds.serve(
            f"{feed}.xml", rss([item(scene, f"{feed}-old", "Old.")], title=feed)
        )
        await scene.command("sources", "add", {"url": url}, followups=1)

    def poisoned(body: Any) -> bool:
        return "Poison pill" in json.dumps(body)

    channel_messages = rf"/channels/{scene.channel.id}/messages"
    rejected = scene.fake.inject("POST", channel_messages, 400, times=100, when=poisoned)
    watcher = scene.bot.services.watcher
    poison = item(scene, "poison", "The mayor said the pill was poison.", title="Poison pill")
    scene.feeds.serve("wire.xml", rss([poison], title="Wire"))
    await watcher.poll_sources(await scene.store.sources.list_sources())
    await scene.wait_for(lambda: rejected.hits >= 1)

    scene.feeds.serve("wire.xml", rss([item(scene, "wire-1", BODY), poison], title="Wire"))
    await watcher.poll_sources(await scene.store.sources.list_sources())
    scene.feeds.serve("paper.xml", rss([item(scene, "paper-1", "Sydney | " + BODY)], title="P"))
    await watcher.poll_sources(await scene.store.sources.list_sources())

    def also_reported() -> bool:
        return any(
            field["name"] == "Also reported by"
            for message in scene.alerts()
            for field in message["embeds"][0].get("fields", [])
        )

    await scene.wait_for(also_reported, timeout=20)
    assert titles(scene) == ["Pyrmont bridge to reopen (wire-1)"]

    async def given_up() -> bool:
        return bool(await scene.store.outbox.outbox_entries(status=OutboxStatus.FAILED))

    await until(given_up)
    failed = await scene.store.outbox.outbox_entries(status=OutboxStatus.FAILED)
    (entry,) = failed
    assert entry.attempts == 3 and rejected.hits == 3
    assert entry.last_error is not None and "400" in entry.last_error
    assert titles(scene) == ["Pyrmont bridge to reopen (wire-1)"]


@pytest.mark.settings(route_alert_cap=5)
async def test_one_members_here_topic_stays_within_the_channels_cap(scene: Scene) -> None:
    member = scene.fake.add_user("reader")
    scene.guild.add_member(member)
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = scene.feeds.serve("flood.xml", rss([item(scene, "old", "Old.")], title="Flood"))
    await scene.command("sources", "add", {"url": url}, followups=1)
    host = url.split("/")[2].split(":")[0]
    handle = await scene.fake.invoke(
        "subscribe",
        {"topic": f"source:{host}", "delivery": "here"},
        guild=scene.guild,
        channel=scene.channel,
        user=member,
    )
    assert "Following" in (await handle.response(timeout=10)).content
    cap = scene.settings.route_alert_cap
    many = [item(scene, f"n{n}", f"The council said item {n} was filed.") for n in range(40)]
    scene.feeds.serve("flood.xml", rss(many, title="Flood"))
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())

    entries = await scene.store.outbox.outbox_entries()
    assert sum(e.kind is OutboxKind.HERE for e in entries) == 40
    await until(lambda: settled(scene))
    posted = scene.fake.messages(scene.channel)
    assert len(posted) == cap + 1  # 80 alerts (40 to the channel, 40 'here'): cap, and a summary
    summary = posted[-1]
    # The first five were channel alerts of articles 0-2 and 'here' alerts of articles 0-1.
    assert summary["embeds"][0]["title"] == "38 more alerts in the last few minutes"
    assert [u["id"] for u in summary["mentions"]] == [member.id]
    here_sent = [
        e
        for e in await scene.store.outbox.outbox_entries(status=OutboxStatus.SENT)
        if e.kind is OutboxKind.HERE
    ]
    pinged = [m for m in posted if m["mentions"]]
    assert len(pinged) == len(here_sent) + 1 == 3
    assert scene.fake.violations == []
