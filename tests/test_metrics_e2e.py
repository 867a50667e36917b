"""The bot's own metrics, measured end to end against the fake Discord: commands by outcome,
interactions answered and how long after their creation, Discord's 429s (from discord.py's own
requests), alerts sent and polls; read back through /metrics with prometheus-client's parser."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.web import OpsServer, Readiness
from tests.conftest import rss
from tests.test_discord_e2e import Scene, scene, story
from tests.waiting import eventually

pytestmark = pytest.mark.both_engines
pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


async def scrape(scene: Scene) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the bot's /metrics, by name and labels."""
    server = OpsServer(
        store=scene.store.operations,
        metrics=scene.bot.metrics,
        readiness=Readiness(loops=("deliver",), within=timedelta(minutes=5)),
        version="t",
        status_token=None,
    )
    await server.start("127.0.0.1", 0)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{server.port}/metrics") as resp,
        ):
            text = await resp.text()
    finally:
        await server.stop()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_commands_interactions_and_rate_limits_are_counted(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = scene.feeds.serve("feed.xml", rss([story(1, scene.feeds)]))
    await scene.command("sources", "add", {"url": url}, followups=1)
    await scene.command("sources", "remove", {"source": 999})  # refused: not this server's
    scene.fake.inject("POST", r"/channels/\d+/messages", 429, retry_after=0.05, times=2)
    scene.feeds.serve("feed.xml", rss([story(1, scene.feeds), story(2, scene.feeds)]))
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())
    await scene.wait_for(lambda: len(scene.alerts()) == 1)
    await scene.wait_for(lambda: scene.bot.metrics.value("newsbot_alerts_total") >= 1)

    samples = await scrape(scene)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("newsbot_commands_total", command="alerts channel", outcome="ok") == 1
    assert value("newsbot_commands_total", command="sources add", outcome="ok") == 1
    assert value("newsbot_commands_total", command="sources remove", outcome="refused") == 1
    answered = value("newsbot_interaction_answer_seconds_count")
    assert answered == 3
    within_3s = value("newsbot_interaction_answer_seconds_bucket", le="3.0")
    assert within_3s == answered
    assert value("newsbot_discord_rate_limited_total", scope="user") == 2
    assert value("newsbot_alerts_total", result="sent") == 1


async def test_readyz_of_a_running_bot_checks_its_gateway_and_delivery(scene: Scene) -> None:
    server = OpsServer(
        store=scene.store.operations,
        metrics=scene.bot.metrics,
        readiness=Readiness(
            loops=("poll", "deliver"),
            within=timedelta(minutes=5),
            gateway=scene.bot.gateway_problems,
        ),
        version="t",
        status_token=None,
    )
    await server.start("127.0.0.1", 0)
    try:

        async def ready() -> bool:
            return await server.problems() == []

        await eventually(ready)
        assert scene.bot.shards_text() == "0 of 1"
        await scene.bot.close()
        assert await server.problems() == ["the bot is shutting down"]
    finally:
        await server.stop()
