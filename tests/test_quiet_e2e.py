"""/subscriptions quiet end to end: setting, showing and ending quiet hours, in a server and in
a DM, with the zone's autocomplete and plain answers to what can't be used; DM alerts held in
the hours and sent as one catch-up message when they end (the real bot
against the fake Discord, every payload checked by the fake)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from bot.discord_members import DiscordMembers
from bot.discord_sender import DiscordSender
from bot.membership import Membership
from bot.records import OutboxEntry, OutboxKind, OutboxStatus
from tests.conftest import deliverer_on, rss
from tests.test_discord_e2e import Scene, feed_with, scene, story

pytestmark = pytest.mark.both_engines
pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


async def quiet(scene: Scene, options: dict[str, Any], **where: Any) -> str:
    if not where:
        where = {"guild": scene.guild, "channel": scene.channel}
    handle = await scene.fake.invoke(
        "subscriptions", options, user=scene.admin, subcommand="quiet", **where
    )
    answer = await handle.response(timeout=10)
    assert answer.ephemeral
    return str(answer.content)


async def listing(scene: Scene, **where: Any) -> str:
    if not where:
        where = {"guild": scene.guild, "channel": scene.channel}
    handle = await scene.fake.invoke(
        "subscriptions", {}, user=scene.admin, subcommand="list", **where
    )
    return str((await handle.response(timeout=10, followups=1)).followups[0]["content"])


async def test_a_member_sets_shows_and_ends_quiet_hours(scene: Scene) -> None:
    await scene.bot.tree.sync()  # DMs see the global commands
    said = await quiet(scene, {"from": "10pm", "to": "7:00", "timezone": "Europe/London"})
    assert said.startswith("Quiet hours 22:00 to 07:00 Europe/London: DM alerts")
    assert "one catch-up message" in said
    assert await scene.store.quiet.quiet_hours([int(scene.admin.id)]) == {
        int(scene.admin.id): "22:00 07:00 Europe/London"
    }
    assert "Quiet hours: 22:00 to 07:00 Europe/London" in await listing(scene)
    # In a DM too, and the zone stays the one chosen last.
    said = await quiet(scene, {"from": "23:30", "to": "06:00"}, dm=True)
    assert said.startswith("Quiet hours 23:30 to 06:00 Europe/London")
    assert "Quiet hours: 23:30 to 06:00" in await listing(scene, dm=True)

    assert (await quiet(scene, {"from": "off"})).startswith("Quiet hours off")
    assert await scene.store.quiet.quiet_hours([int(scene.admin.id)]) == {}
    assert "Quiet hours" not in await listing(scene)


async def test_hours_that_cant_be_used_are_refused_plainly(scene: Scene) -> None:
    assert "Say when your quiet hours end" in await quiet(scene, {"from": "22:00"})
    assert "is not a time of day" in await quiet(scene, {"from": "22:00", "to": "31:00"})
    said = await quiet(scene, {"from": "22:00", "to": "07:00", "timezone": "Mars/Base"})
    assert "is not a time zone newsbot knows" in said
    assert await scene.store.quiet.quiet_hours([int(scene.admin.id)]) == {}

    handle = await scene.fake.invoke(
        "subscriptions",
        {"from": "22:00", "timezone": "tokyo"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="quiet",
        focused="timezone",
    )
    await handle.response(timeout=10)
    assert handle.choices[0] == {"name": "Asia/Tokyo", "value": "Asia/Tokyo"}


async def test_dm_alerts_in_quiet_hours_are_held_then_arrive_as_one_catch_up(scene: Scene) -> None:
    url = await feed_with(scene, [2, 1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    reader = scene.fake.add_user("reader")
    scene.guild.add_member(reader)
    where = {"guild": scene.guild, "channel": scene.channel, "user": reader}
    await (await scene.fake.invoke("subscribe", {"topic": "harbour"}, **where)).response(timeout=10)
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    hours = {"from": start.strftime("%H:%M"), "to": end.strftime("%H:%M"), "timezone": "UTC"}
    handle = await scene.fake.invoke("subscriptions", hours, subcommand="quiet", **where)
    assert (await handle.response(timeout=10)).content.startswith("Quiet hours")

    for n, title in ((9, "Harbour tunnel opens"), (8, "Harbour ferry returns")):
        item = story(n, scene.feeds) | {"title": title, "pubDate": format_datetime(now)}
        scene.feeds.serve("feed.xml", rss([item, story(2, scene.feeds), story(1, scene.feeds)]))
        await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())

    def held() -> list[OutboxEntry]:
        return [e for e in entries if e.kind is OutboxKind.DM and e.held]

    for _ in range(200):  # the bot's own delivery rounds hold them (every 2 s)
        entries = await scene.store.outbox.outbox_entries()
        if len(held()) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(held()) == 2 and all(e.status is OutboxStatus.PENDING for e in held())
    dm = scene.fake.dm_channel(reader)
    assert scene.fake.messages(dm) == []

    # When the hours end, the bot's delivery (its clock an hour on) sends one catch-up DM.
    def an_hour_on() -> datetime:
        return end + timedelta(seconds=1)

    later = deliverer_on(
        scene.store,
        sender=DiscordSender(scene.bot),
        route_alert_cap=20,
        clock=an_hour_on,
        members=Membership(DiscordMembers(scene.bot), clock=an_hour_on),
    )
    report = await later.deliver_due()
    assert report.summarized == 2
    assert (await later.deliver_due()).summarized == 0
    (message,) = scene.fake.messages(dm)
    (embed,) = message["embeds"]
    assert embed["title"] == "2 alerts while your quiet hours were on"
    assert "Harbour tunnel opens" in embed["description"]
    assert "Harbour ferry returns" in embed["description"]
    assert scene.fake.violations == []
