"""Digest options end to end: /subscribe delivery daily|weekly and /alerts add mode digest|weekly,
their time and time zone (with autocomplete), and a clear answer to a zone or time that can't be
used (the real bot against the fake Discord, every payload checked by the fake)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.discord_sender import DiscordSender
from tests.conftest import deliverer_on
from tests.test_discord_e2e import Scene, feed_with, scene

pytestmark = pytest.mark.both_engines
pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


async def test_a_member_and_a_route_choose_digests_at_a_local_time(scene: Scene) -> None:
    reply = await scene.command(
        "subscribe",
        "",
        {"topic": "harbour", "delivery": "daily", "time": "7am", "timezone": "Europe/London"},
    )
    assert reply.ephemeral
    assert reply.content == (
        "Following “harbour”: a digest of the matching articles from this server's sources "
        "reaches you by DM, daily at 07:00 Europe/London."
    )
    # The route's zone defaults to the one this admin last chose.
    reply = await scene.command(
        "alerts", "add", {"topic": "bridge", "channel": scene.channel, "mode": "weekly"}
    )
    assert reply.content == (
        f"A digest of articles about “bridge” will go to <#{scene.channel.id}>, "
        "weekly on Mondays at 08:00 Europe/London."
    )
    (route,) = await scene.store.topics.routes_of(int(scene.guild.id))
    assert route.digest == "weekly 08:00 Europe/London"

    handle = await scene.fake.invoke(
        "subscribe",
        {"topic": "x", "timezone": "new york"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        focused="timezone",
    )
    await handle.response(timeout=10)
    assert handle.choices[0] == {"name": "America/New_York", "value": "America/New_York"}


async def test_a_zone_or_time_that_cant_be_used_is_refused_plainly(scene: Scene) -> None:
    reply = await scene.command(
        "subscribe", "", {"topic": "harbour", "delivery": "daily", "timezone": "Mars/Base"}
    )
    assert reply.ephemeral and "is not a time zone newsbot knows" in reply.content
    reply = await scene.command(
        "subscribe", "", {"topic": "harbour", "delivery": "weekly", "time": "25:00"}
    )
    assert "is not a time of day" in reply.content
    assert await scene.store.topics.subscriptions_of(int(scene.admin.id)) == []


async def test_a_route_digest_goes_once_at_08_00_london_across_the_spring_change(
    scene: Scene,
) -> None:
    await scene.bot.remove_cog("BackgroundCog")  # this test's own clock delivers, not the wall's
    url = await feed_with(scene, [2, 1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    options = {"topic": "harbour", "channel": scene.channel, "mode": "digest", "time": "08:00"}
    await scene.command("alerts", "add", options | {"timezone": "Europe/London"})
    options = {"topic": "bridge", "channel": scene.channel, "mode": "weekly", "time": "9am"}
    await scene.command("alerts", "add", options | {"timezone": "UTC"})
    before = len(scene.fake.messages(scene.channel))

    async def round_at(*when: int) -> list[str]:
        moment = datetime(*when, tzinfo=UTC)  # type: ignore[misc]
        delivery = deliverer_on(
            scene.store,
            sender=DiscordSender(scene.bot),
            route_alert_cap=20,
            clock=lambda: moment,
        )
        await delivery.queue_due_digests()
        await delivery.deliver_due()
        sent = scene.fake.messages(scene.channel)[before:]
        return [m["embeds"][0]["title"] for m in sent]

    # London's clocks go forward at 01:00 UTC on 28 March 2027: 08:00 there is 07:00 UTC.
    assert await round_at(2027, 3, 27, 7, 59) == []
    assert await round_at(2027, 3, 27, 8, 0, 30) == ["Daily digest: harbour"]
    assert await round_at(2027, 3, 28, 6, 59) == ["Daily digest: harbour"]  # 07:59 BST
    assert await round_at(2027, 3, 28, 7, 0, 30) == ["Daily digest: harbour"] * 2
    assert await round_at(2027, 3, 28, 7, 5) == ["Daily digest: harbour"] * 2  # once
    # On Monday the daily one comes at 08:00 BST again, and the weekly route's at 09:00 UTC, once.
    monday = await round_at(2027, 3, 29, 9, 0, 30)
    assert monday.count("Daily digest: harbour") == 3
    assert monday.count("Weekly digest: bridge") == 1
    assert len(await round_at(2027, 3, 29, 9, 30)) == 4
    assert scene.fake.violations == []
