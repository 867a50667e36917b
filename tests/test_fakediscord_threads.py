"""The fake Discord's forums and threads, driven by the real discord.py client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest

from tests.fakediscord import FakeDiscord, Guild, running
from tests.fakediscord.spec import component_errors
from tests.test_fakediscord import ProbeBot

pytest_plugins = ["tests.fakediscord.plugin"]


@dataclass
class World:
    fake: FakeDiscord
    guild: Guild
    bot: ProbeBot


@pytest.fixture
async def world(fake_discord: FakeDiscord) -> AsyncIterator[World]:
    fake_discord.heartbeat_interval_ms = 200
    guild = fake_discord.add_guild("Newsroom")
    bot = ProbeBot(discord.Object(int(guild.id)))
    # Channels added before the bot connects are in its cache from GUILD_CREATE.
    guild.add_forum("news-forum", tags=("NATO", "Russia", "Sports"))
    guild.add_channel("news")
    guild.add_forum("locked-forum", tags=("NATO",), create_posts=False)
    guild.add_channel("no-threads", create_threads=False)
    guild.add_channel("no-thread-posts", send_in_threads=False)
    async with running(bot, fake_discord):
        yield World(fake_discord, guild, bot)


def _channel(world: World, name: str) -> discord.abc.GuildChannel:
    found = discord.utils.get(world.bot.get_all_channels(), name=name)
    assert found is not None
    return found


async def test_forum_post_has_title_first_message_and_tags(world: World) -> None:
    forum = _channel(world, "news-forum")
    assert isinstance(forum, discord.ForumChannel)
    assert [t.name for t in forum.available_tags] == ["NATO", "Russia", "Sports"]
    tags = [t for t in forum.available_tags if t.name in ("NATO", "Russia")]
    made = await forum.create_thread(
        name="NATO meets in Vilnius",
        embed=discord.Embed(title="NATO meets"),
        applied_tags=tags,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    [thread] = world.fake.threads_in(world.fake.channels[str(forum.id)])
    assert made.thread.id == made.message.id == int(thread.id)
    assert thread.name == "NATO meets in Vilnius"
    assert thread.applied_tags == [str(t.id) for t in tags]
    [first] = world.fake.messages(thread)
    assert first["embeds"][0]["title"] == "NATO meets"
    assert component_errors("ThreadResponse", thread.payload()) == []
    assert component_errors("GuildChannelResponse", thread.parent.payload()) == []  # type: ignore[union-attr]
    assert world.fake.violations == []


async def test_a_forum_post_with_a_tag_the_forum_lacks_is_refused(world: World) -> None:
    forum = _channel(world, "news-forum")
    assert isinstance(forum, discord.ForumChannel)
    stranger = discord.ForumTag(name="Made up")
    stranger.id = 42
    with pytest.raises(discord.HTTPException) as refused:
        await forum.create_thread(name="x", content="x", applied_tags=[stranger])
    assert refused.value.code == 50035
    assert world.fake.threads_in(world.fake.channels[str(forum.id)]) == []


async def test_a_thread_from_a_message_has_its_id_and_a_message_starts_one_only(
    world: World,
) -> None:
    channel = _channel(world, "news")
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("an alert")
    thread = await message.create_thread(name="A story")
    assert thread.id == message.id
    await thread.send("a line in the thread")
    fake_thread = world.fake.channels[str(thread.id)]
    assert [m["content"] for m in world.fake.messages(fake_thread)] == ["a line in the thread"]
    with pytest.raises(discord.HTTPException) as again:
        await message.create_thread(name="A story")
    assert again.value.code == 160004
    assert len(world.fake.threads_in(world.fake.channels[str(channel.id)])) == 1
    assert component_errors("ThreadResponse", fake_thread.payload()) == []
    assert world.fake.violations == []


async def test_an_archived_thread_refuses_messages_until_unarchived(world: World) -> None:
    channel = _channel(world, "news")
    assert isinstance(channel, discord.TextChannel)
    thread = await (await channel.send("an alert")).create_thread(name="A story")
    fake_thread = world.fake.channels[str(thread.id)]
    await world.fake.archive_thread(fake_thread)
    partial = world.bot.get_partial_messageable(thread.id)
    with pytest.raises(discord.HTTPException) as archived:
        await partial.send("too late")
    assert (archived.value.status, archived.value.code) == (400, 50083)
    await world.bot.http.edit_channel(thread.id, archived=False)
    assert not fake_thread.archived
    await partial.send("back again")
    assert [m["content"] for m in world.fake.messages(fake_thread)] == ["back again"]
    assert world.fake.violations == []


async def test_a_deleted_thread_is_an_unknown_channel(world: World) -> None:
    channel = _channel(world, "news")
    assert isinstance(channel, discord.TextChannel)
    thread = await (await channel.send("an alert")).create_thread(name="A story")
    await world.fake.delete_thread(world.fake.channels[str(thread.id)])
    with pytest.raises(discord.NotFound) as gone:
        await world.bot.get_partial_messageable(thread.id).send("hello?")
    assert gone.value.code == 10003


async def test_thread_permissions_are_enforced(world: World) -> None:
    locked = _channel(world, "locked-forum")
    assert isinstance(locked, discord.ForumChannel)
    with pytest.raises(discord.Forbidden):
        await locked.create_thread(name="x", content="no Create Posts")
    no_threads = _channel(world, "no-threads")
    assert isinstance(no_threads, discord.TextChannel)
    message = await no_threads.send("allowed to post")
    with pytest.raises(discord.Forbidden):
        await message.create_thread(name="no Create Public Threads")
    quiet = _channel(world, "no-thread-posts")
    assert isinstance(quiet, discord.TextChannel)
    thread = await (await quiet.send("alert")).create_thread(name="made")
    with pytest.raises(discord.Forbidden):
        await thread.send("no Send Messages in Threads")
    # The bot's permissions as discord.py computes them from the fake's overwrites.
    me = quiet.guild.me
    assert not no_threads.permissions_for(me).create_public_threads
    assert not quiet.permissions_for(me).send_messages_in_threads
    assert not locked.permissions_for(me).send_messages


async def test_messages_cannot_be_sent_to_the_forum_itself(world: World) -> None:
    forum = _channel(world, "news-forum")
    with pytest.raises(discord.HTTPException) as refused:
        await world.bot.get_partial_messageable(forum.id).send("not in a post")
    assert refused.value.code == 50024
