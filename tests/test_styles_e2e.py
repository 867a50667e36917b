"""/alerts style end to end: the preview on the server's latest article, the Save and Cancel
buttons, and alerts then posted in the channel's or the route's style (the real bot against the
fake Discord, every payload checked against Discord's spec by the fake)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from tests.conftest import rss
from tests.test_discord_e2e import Scene, scene
from tests.test_discord_e2e import story as dated_story

pytestmark = pytest.mark.both_engines
pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


async def preview(scene: Scene, options: dict[str, Any]) -> Any:
    handle = await scene.fake.invoke(
        "alerts",
        options,
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="style",
    )
    await handle.wait(lambda h: any(e.get("components") for e in h.edits), timeout=20)
    assert handle.deferred and handle.ephemeral
    return handle.original


async def feed_with(scene: Scene, numbers: list[int]) -> str:
    """The e2e feed's stories, published in the last hours (the preview looks 30 days back)."""
    now = datetime.now(UTC)
    items = [
        dated_story(n, scene.feeds)
        | {"pubDate": format_datetime(now - timedelta(hours=10 - n), usegmt=True)}
        for n in numbers
    ]
    return scene.feeds.serve("feed.xml", rss(items))


async def poll(scene: Scene) -> None:
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())


async def test_a_channel_style_is_previewed_saved_and_used_for_the_next_alert(
    scene: Scene,
) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url, "backfill": 1}, followups=1)
    await scene.wait_for(lambda: len(scene.alerts()) == 1)

    shown = await preview(scene, {"style": "compact"})
    text = shown["content"]
    assert text.startswith(f"Alerts for <#{scene.channel.id}> would look like this (compact")
    assert "\n\n📰 **[Harbour bridge story 1](<http" in text and shown["embeds"] == []
    assert await scene.store.topics.channel_style(int(scene.channel.id)) is None  # not saved yet

    saved = await (await scene.fake.click(shown, "style:save", scene.admin)).response(timeout=20)
    assert saved.callback_type == 7
    assert saved.original["content"].startswith(f"Saved: <#{scene.channel.id}>'s alerts now")
    assert saved.original["components"] == [] and saved.original["embeds"] == []

    await feed_with(scene, [2, 1])
    await poll(scene)
    await scene.wait_for(
        lambda: any(
            (m.get("content") or "").startswith("📰 **[Harbour bridge story 2](<")
            for m in scene.fake.messages(scene.channel)
        )
    )
    (line,) = [m for m in scene.fake.messages(scene.channel) if "story 2" in str(m)]
    assert line["embeds"] == [] and "\n" not in line["content"]


async def test_a_route_keeps_its_own_style_and_cancel_changes_nothing(scene: Scene) -> None:
    other = scene.guild.add_channel("harbour-desk")
    role = scene.guild.add_role("harbour", mentionable=True)
    await scene.fake.dispatch("CHANNEL_CREATE", other.payload())
    await scene.fake.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": scene.guild.id, "role": role.payload()}
    )
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url, "backfill": 1}, followups=1)
    await scene.command("alerts", "add", {"topic": "harbour", "channel": other, "role": role})
    (route,) = await scene.store.topics.routes_of(int(scene.guild.id))

    cancelled = await preview(scene, {"style": "full", "channel": scene.channel})
    clicked = await (await scene.fake.click(cancelled, "style:cancel", scene.admin)).response(
        timeout=20
    )
    assert clicked.original["content"] == "Nothing changed."
    assert await scene.store.topics.channel_style(int(scene.channel.id)) is None

    shown = await preview(scene, {"style": "compact", "route": route.id})
    assert "the route “harbour”" in shown["content"]
    await (await scene.fake.click(shown, "style:save", scene.admin)).response(timeout=20)
    (route,) = await scene.store.topics.routes_of(int(scene.guild.id))
    assert route.style is not None and route.style.startswith("compact")

    await feed_with(scene, [2, 1])
    await poll(scene)

    def posted(channel: Any) -> list[Any]:
        return [m for m in scene.fake.messages(channel) if "story 2" in str(m)]

    await scene.wait_for(lambda: bool(posted(other)) and bool(posted(scene.channel)))
    (in_route,) = posted(other)
    assert in_route["embeds"] == []
    assert in_route["content"].startswith(f"<@&{role.id}> 📰 **[Harbour bridge story 2]")
    (in_channel,) = posted(scene.channel)
    assert in_channel["embeds"][0]["title"] == "Harbour bridge story 2"  # the channel's: standard


async def test_only_the_admin_who_asked_can_save_the_preview(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    shown = await preview(scene, {"style": "compact"})
    someone = scene.fake.add_user("someone")
    scene.guild.add_member(someone)
    pressed = await (await scene.fake.click(shown, "style:save", someone)).response(timeout=20)
    assert pressed.ephemeral
    assert pressed.content == "Only the admin who asked for this preview can save it."
    assert await scene.store.topics.channel_style(int(scene.channel.id)) is None
