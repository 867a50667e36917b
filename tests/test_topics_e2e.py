"""Topics end to end: people subscribe, admins route topics to channels with a role, a matching
article in a served feed arrives once in each place, with why it matched; payloads valid."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from tests.conftest import rss
from tests.test_discord_e2e import Scene, feed_with, scene, story

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


async def new_story(scene: Scene, title: str) -> None:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    item = story(9, scene.feeds) | {"title": title, "pubDate": now}
    scene.feeds.serve("feed.xml", rss([item, story(2, scene.feeds), story(1, scene.feeds)]))
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())


async def test_subscribe_then_a_matching_article_arrives_by_dm_once(scene: Scene) -> None:
    url = await feed_with(scene, [2, 1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    reader = scene.fake.add_user("reader")
    scene.guild.add_member(reader)
    handle = await scene.fake.invoke(
        "subscribe",
        {"topic": "Harbour Bridge"},
        guild=scene.guild,
        channel=scene.channel,
        user=reader,
    )
    reply = await handle.response(timeout=10)
    assert reply.ephemeral and "Following “bridge harbour”" in reply.content
    await new_story(scene, "Harbour bridge reopens to cyclists")
    dm = scene.fake.dm_channel(reader)
    await scene.wait_for(lambda: len(scene.fake.messages(dm)) == 1)
    (message,) = scene.fake.messages(dm)
    assert message["embeds"][0]["footer"]["text"].endswith("matched: bridge, harbour in title")
    await new_story(scene, "Harbour bridge reopens to cyclists")
    assert len(scene.fake.messages(dm)) == 1
    listed = await scene.fake.invoke(
        "subscriptions",
        {},
        guild=scene.guild,
        channel=scene.channel,
        user=reader,
        subcommand="list",
    )
    assert (
        "1 match in 7 days"
        in (await listed.response(timeout=10, followups=1)).followups[0]["content"]
    )


async def test_a_topic_route_posts_to_its_channel_mentioning_only_its_role(scene: Scene) -> None:
    url = await feed_with(scene, [2, 1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    world = scene.guild.add_channel("world")
    await scene.fake.dispatch("CHANNEL_CREATE", world.payload())
    role = scene.guild.add_role("news", mentionable=True)
    await scene.fake.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": scene.guild.id, "role": role.payload()}
    )
    reply = await scene.command(
        "alerts", "add", {"topic": "cyclists OR pedestrians", "channel": world, "role": role}
    )
    assert reply.ephemeral and "will go to" in reply.content
    await new_story(scene, "Bridge reopens to cyclists")
    await scene.wait_for(lambda: len(scene.alerts(world)) == 1)
    (message,) = scene.alerts(world)
    assert message["content"] == f"<@&{role.id}>"
    (sent,) = scene.fake.requests_matching("POST", rf"/channels/{world.id}/messages")
    mentions = sent.json["allowed_mentions"]
    assert mentions["parse"] == [] and [int(r) for r in mentions["roles"]] == [int(role.id)]
    assert scene.alerts() == []  # the server's own channel was never configured


async def test_a_topic_that_would_match_everything_is_refused_privately(scene: Scene) -> None:
    handle = await scene.fake.invoke(
        "subscribe",
        {"topic": "-sports"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
    )
    reply = await handle.response(timeout=10)
    assert reply.ephemeral and "only excludes" in reply.content


async def test_a_role_the_bot_cannot_mention_is_refused(scene: Scene) -> None:
    everyone = scene.guild.roles[0]
    everyone.permissions &= ~(1 << 17)  # no Mention @everyone, @here and All Roles
    await scene.fake.dispatch(
        "GUILD_ROLE_UPDATE", {"guild_id": scene.guild.id, "role": everyone.payload()}
    )
    role = scene.guild.add_role("quiet")
    await scene.fake.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": scene.guild.id, "role": role.payload()}
    )
    reply = await scene.command(
        "alerts", "add", {"topic": "nato", "channel": scene.channel, "role": role}
    )
    assert reply.ephemeral and "can't mention that role" in reply.content


async def test_preview_shows_what_a_topic_would_have_matched(scene: Scene) -> None:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    items = [story(n, scene.feeds) | {"pubDate": now} for n in (2, 1)]
    url = scene.feeds.serve("feed.xml", rss(items))
    await scene.command("sources", "add", {"url": url, "backfill": 2}, followups=1)
    reply = await scene.command("alerts", "preview", {"topic": "harbour"}, followups=1)
    assert "2 matches in 7 days" in reply.followups[0]["content"]


async def test_help_topics_explains_the_language_privately(scene: Scene) -> None:
    handle = await scene.fake.invoke(
        "help", {}, guild=scene.guild, channel=scene.channel, user=scene.admin, subcommand="topics"
    )
    reply = await handle.response(timeout=10)
    assert reply.ephemeral and "ukraine OR crimea" in reply.content
    assert len(reply.content) <= 2000
