"""/subscriptions quiet end to end: setting, showing and ending quiet hours, in a server and in
a DM, with the zone's autocomplete and plain answers to what can't be used (the real bot
against the fake Discord, every payload checked by the fake)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_discord_e2e import Scene, scene

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
    assert await scene.store.quiet_hours([int(scene.admin.id)]) == {
        int(scene.admin.id): "22:00 07:00 Europe/London"
    }
    assert "Quiet hours: 22:00 to 07:00 Europe/London" in await listing(scene)
    # In a DM too, and the zone stays the one chosen last.
    said = await quiet(scene, {"from": "23:30", "to": "06:00"}, dm=True)
    assert said.startswith("Quiet hours 23:30 to 06:00 Europe/London")
    assert "Quiet hours: 23:30 to 06:00" in await listing(scene, dm=True)

    assert (await quiet(scene, {"from": "off"})).startswith("Quiet hours off")
    assert await scene.store.quiet_hours([int(scene.admin.id)]) == {}
    assert "Quiet hours" not in await listing(scene)


async def test_hours_that_cant_be_used_are_refused_plainly(scene: Scene) -> None:
    assert "Say when your quiet hours end" in await quiet(scene, {"from": "22:00"})
    assert "is not a time of day" in await quiet(scene, {"from": "22:00", "to": "31:00"})
    said = await quiet(scene, {"from": "22:00", "to": "07:00", "timezone": "Mars/Base"})
    assert "is not a time zone newsbot knows" in said
    assert await scene.store.quiet_hours([int(scene.admin.id)]) == {}

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
