"""Digest options end to end: /subscribe delivery daily|weekly and /alerts add mode digest|weekly,
their time and time zone (with autocomplete), and a clear answer to a zone or time that can't be
used (the real bot against the fake Discord, every payload checked by the fake)."""

from __future__ import annotations

import pytest

from tests.test_discord_e2e import Scene, scene

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
    (route,) = await scene.store.routes_of(int(scene.guild.id))
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
    assert await scene.store.subscriptions_of(int(scene.admin.id)) == []
