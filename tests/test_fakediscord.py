"""The real discord.py client against the wire-level fake Discord in tests/fakediscord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from tests.fakediscord import Channel, FakeDiscord, Guild, running

# The fixture lives with the fake; a conftest could list this plugin instead.
pytest_plugins = ["tests.fakediscord.plugin"]


class ProbeBot(commands.Bot):
    """A plain Bot wired as ours is: gateway from GET /gateway/bot, commands synced to a guild."""

    def __init__(self, sync_guild: discord.Object) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # discord.py waits guild_ready_timeout after the last GUILD_CREATE before on_ready.
        super().__init__(command_prefix=[], intents=intents, guild_ready_timeout=0.05)
        self.sync_guild = sync_guild

    async def setup_hook(self) -> None:
        _, url, _ = await self.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await self.tree.sync(guild=self.sync_guild)


@app_commands.command(name="ping", description="Answer privately with a word")
@app_commands.describe(word="The word to send back")
async def ping(interaction: discord.Interaction, word: str) -> None:
    await interaction.response.send_message(f"pong {word}", ephemeral=True)


@dataclass
class World:
    fake: FakeDiscord
    guild: Guild
    channel: Channel
    bot: ProbeBot

    def text_channel(self) -> discord.TextChannel:
        channel = self.bot.get_channel(int(self.channel.id))
        assert isinstance(channel, discord.TextChannel)
        return channel


@pytest.fixture
async def world(fake_discord: FakeDiscord) -> AsyncIterator[World]:
    fake_discord.heartbeat_interval_ms = 200
    guild = fake_discord.add_guild("Newsroom")
    channel = guild.add_channel("alerts")
    guild.add_channel("hidden", view=False)
    bot = ProbeBot(discord.Object(int(guild.id)))
    bot.tree.add_command(ping, guild=bot.sync_guild)
    async with running(bot, fake_discord):
        yield World(fake_discord, guild, channel, bot)


async def test_bot_logs_in_syncs_commands_and_sees_the_guild(world: World) -> None:
    seen = world.bot.get_guild(int(world.guild.id))
    assert seen is not None
    assert [c.name for c in seen.text_channels] == ["alerts", "hidden"]
    assert [c["name"] for c in world.fake.commands(world.guild)] == ["ping"]
    assert world.fake.identifies == 1
    assert world.fake.unknown_routes == []
    assert world.fake.violations == []


async def test_slash_command_is_answered_ephemerally(world: World) -> None:
    handle = await world.fake.invoke("ping", {"word": "hello"})

    answer = await handle.response()

    assert answer.callback_type == 4
    assert answer.content == "pong hello"
    assert answer.flags & 64
    assert world.fake.messages(world.channel) == []
    assert world.fake.violations == []


async def test_channel_message_with_embed_is_stored_and_valid(world: World) -> None:
    embed = discord.Embed(title="Storm warning", description="Winds of 120 km/h")
    embed.add_field(name="Source", value="Met Office").set_footer(text="newsbot")

    sent = await world.text_channel().send("Alert", embed=embed)

    [stored] = world.fake.messages(world.channel)
    assert stored["id"] == str(sent.id)
    assert stored["embeds"][0]["title"] == "Storm warning"
    assert stored["embeds"][0]["fields"] == [
        {"name": "Source", "value": "Met Office", "inline": True}
    ]
    assert world.fake.violations == []


async def test_same_nonce_with_enforce_nonce_makes_one_message(world: World) -> None:
    channel = world.text_channel()

    # discord.py 2.7 sends enforce_nonce=True with every nonce (and a random nonce by default).
    first = await channel.send("only once", nonce="alert-42")
    second = await channel.send("only once", nonce="alert-42")

    creates = world.fake.requests_matching("POST", r"/channels/\d+/messages")
    assert [r.json["enforce_nonce"] for r in creates] == [True, True]
    assert first.id == second.id
    assert len(world.fake.messages(world.channel)) == 1
    assert world.fake.violations == []


async def test_injected_429_is_retried_until_the_message_arrives(world: World) -> None:
    injected = world.fake.inject("POST", r"/channels/\d+/messages", 429, retry_after=0.2)

    await world.text_channel().send("after the rate limit")

    assert injected.hits == 1
    assert len(world.fake.requests_matching("POST", r"/channels/\d+/messages", status=429)) == 1
    assert [m["content"] for m in world.fake.messages(world.channel)] == ["after the rate limit"]
    assert world.fake.violations == []


async def test_gateway_drop_is_followed_by_resume(world: World) -> None:
    resumed: list[bool] = []

    async def on_resumed() -> None:
        resumed.append(True)

    world.bot.add_listener(on_resumed)

    await world.fake.drop_gateway()
    await world.fake.wait_until(lambda: world.fake.resumes == 1, what="a RESUME")
    handle = await world.fake.invoke("ping", {"word": "again"})

    assert (await handle.response()).content == "pong again"
    assert world.fake.identifies == 1
    assert resumed == [True]
    assert world.fake.violations == []


async def test_a_processed_fault_stores_the_message_before_failing(world: World) -> None:
    world.fake.inject("POST", r"/channels/\d+/messages", 503, processed=True)

    with pytest.raises(discord.DiscordServerError):
        await world.text_channel().send("stored, then 503")

    assert [m["content"] for m in world.fake.messages(world.channel)] == ["stored, then 503"]
    assert world.fake.violations == []


async def test_a_refused_resume_makes_the_client_identify_again(world: World) -> None:
    await world.fake.drop_gateway(invalidate=True)
    # discord.py waits 5 s before any IDENTIFY but the first.
    await world.fake.wait_until(lambda: world.fake.identifies == 2, timeout=10, what="IDENTIFY")

    assert world.fake.resumes == 0
    assert any(f.op == 9 for f in world.fake.gateway_log)  # INVALID_SESSION
    assert world.fake.violations == []


async def test_overlong_content_is_recorded_as_a_violation(fake_discord: FakeDiscord) -> None:
    channel = fake_discord.add_guild("Newsroom").add_channel("alerts")
    old_base = Route.BASE
    Route.BASE = fake_discord.rest_base
    http = HTTPClient(discord.utils.MISSING)
    try:
        await http.static_login(fake_discord.token)
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
        with pytest.raises(discord.HTTPException) as raised:
            await http.request(route, json={"content": "x" * 2001})
    finally:
        await http.close()
        Route.BASE = old_base

    assert raised.value.status == 400
    assert raised.value.code == 50035
    assert fake_discord.violations == [
        "create_message: body.content: 2001 characters, more than 2000"
    ]
    assert fake_discord.messages(channel) == []


async def test_an_embed_link_discord_would_refuse_is_a_400_and_a_violation(
    fake_discord: FakeDiscord,
) -> None:
    channel = fake_discord.add_guild("Newsroom").add_channel("alerts")
    old_base = Route.BASE
    Route.BASE = fake_discord.rest_base
    http = HTTPClient(discord.utils.MISSING)
    statuses = []
    try:
        await http.static_login(fake_discord.token)
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
        for link in ("https://news.example/a\nb", "https://", "https://news.example/ok"):
            try:
                await http.request(route, json={"embeds": [{"title": "t", "url": link}]})
                statuses.append(200)
            except discord.HTTPException as exc:
                statuses.append(exc.status)
    finally:
        await http.close()
        Route.BASE = old_base

    assert statuses == [400, 400, 200]
    assert fake_discord.violations == [
        "create_message: body.embeds[0].url: Not a well formed URL.",
        "create_message: body.embeds[0].url: Not a well formed URL.",
    ]
    assert len(fake_discord.messages(channel)) == 1
