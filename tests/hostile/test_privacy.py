"""Permissions and privacy, end to end through the fake Discord: admin commands stay with
admins even where a server loosened them, people only see and change their own topics, a DM
names no server, and a server that removes the bot takes its data with it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from bot.subscriptions import Delivery
from tests.conftest import rss
from tests.fakediscord import Perm
from tests.test_discord_e2e import Scene, feed_with, scene, story

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

# Every admin command, with options it would accept from an admin.
ADMIN: dict[str, tuple[str, str, dict[str, Any]]] = {
    "alerts channel": ("alerts", "channel", {"channel": "CHANNEL"}),
    "alerts add": ("alerts", "add", {"topic": "bridge", "channel": "CHANNEL"}),
    "alerts remove": ("alerts", "remove", {"route": 1}),
    "alerts list": ("alerts", "list", {}),
    "alerts pause": ("alerts", "pause", {"route": 1}),
    "alerts resume": ("alerts", "resume", {"route": 1}),
    "alerts preview": ("alerts", "preview", {"topic": "bridge"}),
    "alerts style": ("alerts", "style", {"style": "compact"}),
    "sources add": ("sources", "add", {"url": "http://127.0.0.1:9/feed"}),
    "sources remove": ("sources", "remove", {"source": 1}),
    "sources list": ("sources", "list", {}),
    "sources test": ("sources", "test", {"source": 1}),
    "sources defaults": ("sources", "defaults", {}),
}


async def second_server(scene: Scene, name: str) -> tuple[Any, Any]:
    """Another server with the bot (its commands registered there too), and its channel."""
    guild = scene.fake.add_guild(name, owner_id=scene.admin.id)
    channel = guild.add_channel("news")
    scene.fake.guild_commands[guild.id] = list(scene.fake.guild_commands[scene.guild.id])
    await scene.fake.dispatch("GUILD_CREATE", guild.create_payload())
    return guild, channel


async def member(scene: Scene, name: str = "reader") -> Any:
    user = scene.fake.add_user(name)
    scene.guild.add_member(user)
    return user


@pytest.mark.parametrize("case", list(ADMIN))
async def test_admin_commands_refuse_members_without_manage_server_even_if_allowed(
    scene: Scene, case: str
) -> None:
    """The server gave everyone the command (integration permissions), but not Manage Server."""
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    await scene.command("alerts", "add", {"topic": "bridge", "channel": scene.channel})
    before = (
        await scene.store.sources.list_sources(),
        await scene.store.topics.routes_of(int(scene.guild.id)),
    )
    group, sub, options = ADMIN[case]
    options = {k: scene.channel if v == "CHANNEL" else v for k, v in options.items()}
    reader = await member(scene)
    reply = await scene.command(
        group, sub, options, user=reader, member_permissions=0, enforce_permissions=False
    )
    assert reply.ephemeral and "Manage Server" in (reply.content or "")
    after = (
        await scene.store.sources.list_sources(),
        await scene.store.topics.routes_of(int(scene.guild.id)),
    )
    assert after == before


@pytest.mark.parametrize(
    ("group", "sub", "option"),
    [
        ("sources", "remove", "source"),
        ("sources", "test", "source"),
        ("alerts", "remove", "route"),
        ("alerts", "pause", "route"),
    ],
)
async def test_admin_autocomplete_shows_nothing_to_members_without_manage_server(
    scene: Scene, group: str, sub: str, option: str
) -> None:
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    await scene.command("alerts", "add", {"topic": "secret plans", "channel": scene.channel})
    reader = await member(scene)

    async def choices(user: Any, permissions: int | None) -> list[Any]:
        handle = await scene.fake.invoke(
            group,
            {option: ""},
            guild=scene.guild,
            channel=scene.channel,
            user=user,
            subcommand=sub,
            focused=option,
            member_permissions=permissions,
            enforce_permissions=False,
        )
        await handle.response(timeout=10)
        return list(handle.choices)

    assert await choices(scene.admin, None)  # an admin sees them
    assert await choices(reader, 0) == []


async def test_people_only_see_and_change_their_own_topics(scene: Scene) -> None:
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    alice, bob = await member(scene, "alice"), await member(scene, "bob")

    async def as_user(user: Any, command: str, options: dict[str, Any], **kw: Any) -> Any:
        handle = await scene.fake.invoke(
            command, options, guild=scene.guild, channel=scene.channel, user=user, **kw
        )
        return await handle.response(timeout=10, followups=kw.get("followups_expected", 0))

    await as_user(alice, "subscribe", {"topic": "alice private interest"})
    listed = await scene.fake.invoke(
        "subscriptions", {}, guild=scene.guild, channel=scene.channel, user=bob, subcommand="list"
    )
    shown = (await listed.response(timeout=10, followups=1)).followups[0]["content"]
    assert "alice" not in shown and "follow no topics" in shown
    typed = await scene.fake.invoke(
        "unsubscribe",
        {"topic": "alice"},
        guild=scene.guild,
        channel=scene.channel,
        user=bob,
        focused="topic",
    )
    await typed.response(timeout=10)
    assert typed.choices == []
    refused = await as_user(bob, "unsubscribe", {"topic": "alice private interest"})
    assert refused.ephemeral and "You don't follow" in (refused.content or "")
    (kept,) = await scene.store.topics.all_subscriptions()
    assert kept.user_id == int(alice.id)


async def test_a_dm_alert_names_no_server(scene: Scene) -> None:
    """Someone in two servers that share a source gets one DM, naming neither server."""
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    other, other_channel = await second_server(scene, "Secret Society")
    await scene.command(
        "sources", "add", {"url": url}, guild=other, channel=other_channel, followups=1
    )
    reader = await member(scene)
    other.add_member(reader)
    for guild, channel in ((scene.guild, scene.channel), (other, other_channel)):
        handle = await scene.fake.invoke(
            "subscribe", {"topic": "harbour"}, guild=guild, channel=channel, user=reader
        )
        await handle.response(timeout=10)
    now = format_datetime(datetime.now(UTC), usegmt=True)
    item = story(9, scene.feeds) | {"title": "Harbour tunnel opens", "pubDate": now}
    scene.feeds.serve("feed.xml", rss([item, story(1, scene.feeds)]))
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())
    dm = scene.fake.dm_channel(reader)
    await scene.wait_for(lambda: len(scene.fake.messages(dm)) >= 1)
    await asyncio.sleep(0.5)
    (message,) = scene.fake.messages(dm)
    shown = str(message)
    for guild in (scene.guild, other):
        assert guild.name not in shown and guild.id not in shown


async def test_removing_the_bot_forgets_the_server_and_the_sources_only_it_used(
    scene: Scene,
) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    shared = await feed_with(scene, [1])
    alone = scene.feeds.serve("alone.xml", rss([story(2, scene.feeds)], title="Only Here"))
    await scene.command("sources", "add", {"url": shared}, followups=1)
    await scene.command("sources", "add", {"url": alone}, followups=1)
    await scene.command("alerts", "add", {"topic": "bridge", "channel": scene.channel})
    other, other_channel = await second_server(scene, "Neighbours")
    await scene.command(
        "sources", "add", {"url": shared}, guild=other, channel=other_channel, followups=1
    )
    handle = await scene.fake.invoke(
        "subscribe",
        {"topic": "harbour"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
    )
    await handle.response(timeout=10)
    guild_id = int(scene.guild.id)
    await scene.fake.dispatch("GUILD_DELETE", {"id": scene.guild.id})
    for _ in range(100):
        if await scene.store.guilds.guild(guild_id) is None:
            break
        await asyncio.sleep(0.05)
    assert await scene.store.guilds.guild(guild_id) is None
    assert [s.url for s in await scene.store.sources.list_sources()] == [shared]
    assert await scene.store.topics.routes_of(guild_id) == []
    assert await scene.store.topics.all_subscriptions() == []
    assert scene.bot.services.router._routes == {}


async def test_servers_removed_while_offline_are_forgotten_at_start(scene: Scene) -> None:
    now = datetime.now(UTC)
    await scene.store.guilds.join_guild(424242, now=now)
    await scene.store.topics.add_subscription(7, 424242, "nato", "NATO", Delivery.DM, now=now)
    cog: Any = scene.bot.get_cog("BackgroundCog")
    await cog.on_ready()
    assert 424242 not in await scene.store.guilds.guild_ids()
    assert int(scene.guild.id) in await scene.store.guilds.guild_ids()
    assert await scene.store.topics.all_subscriptions() == []


# ---- what the admin may do themselves -----------------------------------------------------------


async def moderator(scene: Scene) -> Any:
    """A member whose role gives Manage Server, in a server where @everyone may not mention
    every role (the bot may)."""
    everyone, bot_role = scene.guild.roles[0], scene.guild.bot_member.roles[0]
    everyone.permissions &= ~Perm.MENTION_EVERYONE
    bot_role.permissions |= Perm.MENTION_EVERYONE
    mods = scene.guild.add_role("mods", permissions=Perm.MANAGE_GUILD)
    for role in (everyone, bot_role):
        await scene.fake.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": scene.guild.id, "role": role.payload()}
        )
    await scene.fake.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": scene.guild.id, "role": mods.payload()}
    )
    user = scene.fake.add_user("moderator")
    scene.guild.add_member(user, roles=(mods,))
    return user


async def test_a_role_is_pinged_only_for_an_admin_who_could_ping_it(scene: Scene) -> None:
    mod = await moderator(scene)
    quiet = scene.guild.add_role("quiet")  # not mentionable
    await scene.fake.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": scene.guild.id, "role": quiet.payload()}
    )
    options = {"topic": "nato", "channel": scene.channel, "role": quiet}
    refused = await scene.command("alerts", "add", options, user=mod)
    assert refused.ephemeral and "you lack **Mention @everyone" in (refused.content or "")
    assert await scene.store.topics.routes_of(int(scene.guild.id)) == []
    allowed = await scene.command("alerts", "add", options)  # the owner may ping it
    assert "will go to" in (allowed.content or "")
    (route,) = await scene.store.topics.routes_of(int(scene.guild.id))
    assert route.role_id == int(quiet.id)


async def test_alerts_go_only_where_the_admin_may_post(scene: Scene) -> None:
    mod = await moderator(scene)
    (mods,) = [r for r in scene.guild.roles if r.name == "mods"]
    closed = scene.guild.add_channel("announcements")
    closed.set_overwrite(mods, deny=Perm.SEND_MESSAGES)
    await scene.fake.dispatch("CHANNEL_CREATE", closed.payload())
    for sub, options in (
        ("channel", {"channel": closed}),
        ("add", {"topic": "nato", "channel": closed}),
    ):
        refused = await scene.command("alerts", sub, options, user=mod)
        assert refused.ephemeral and "You can't post in" in (refused.content or ""), sub
    assert await scene.store.topics.routes_of(int(scene.guild.id)) == []
    config = await scene.store.guilds.guild(int(scene.guild.id))
    assert config is None or config.alerts_channel_id is None
    allowed = await scene.command("alerts", "channel", {"channel": scene.channel}, user=mod)
    assert "Alerts will go to" in (allowed.content or "")
