"""The real bot, end to end: the real discord.py client against the fake Discord, real feeds
on loopback, a real SQLite store. Every payload the bot sends is checked against Discord's
OpenAPI spec by the fake (``fake.violations``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import NewsBot
from bot.fetch import Fetcher
from bot.pool import WorkPool
from bot.services import Services, build_bot
from bot.settings import Settings
from bot.storage.repositories import Repositories
from tests.conftest import FeedServer, cli_env, make_settings, rss
from tests.fakediscord import Channel, FakeDiscord, Guild, User, running

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]

MANAGE_SERVER = 1 << 5


@dataclass
class Scene:
    fake: FakeDiscord
    guild: Guild
    channel: Channel
    admin: User
    bot: NewsBot
    store: Repositories
    feeds: FeedServer
    settings: Settings

    async def command(
        self, name: str, sub: str, options: dict[str, Any] | None = None, **kw: Any
    ) -> Any:
        followups = kw.pop("followups", 0)
        handle = await self.fake.invoke(
            name,
            options or {},
            guild=kw.pop("guild", self.guild),
            channel=kw.pop("channel", self.channel),
            user=kw.pop("user", self.admin),
            subcommand=sub,
            **kw,
        )
        return await handle.response(timeout=10, followups=followups)

    def alerts(self, channel: Channel | None = None) -> list[Any]:
        return [m for m in self.fake.messages(channel or self.channel) if m.get("embeds")]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:  # noqa: ASYNC109
        await self.fake.wait_until(predicate, timeout=timeout)


def story(n: int, feeds: FeedServer) -> dict[str, str]:
    return {
        "title": f"Harbour bridge story {n}",
        "link": feeds.url(f"story/{n}.html"),
        "guid": f"story-{n}",
        "pubDate": f"Fri, {n:02d} Nov 2026 10:00:00 GMT",
        "description": f"The council said on Tuesday that story {n} about the harbour bridge "
        "had been settled after a long dispute between residents and shop owners.",
    }


@pytest.fixture
async def scene(
    fake_discord: FakeDiscord,
    feed_server: FeedServer,
    tmp_path: Path,
    database_url: str,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Scene]:
    """The bot in one server with an alerts-channel candidate; a test's
    ``@pytest.mark.settings(...)`` sets Settings fields for it."""
    marker = request.node.get_closest_marker("settings")
    fake = fake_discord
    fake.heartbeat_interval_ms = 500
    admin = fake.add_user("editor")
    guild = fake.add_guild("Newsroom", owner_id=admin.id)
    channel = guild.add_channel("news")
    guild.add_channel("no-embeds", embed_links=False)
    settings = make_settings(
        tmp_path,
        database_url=database_url,
        discord_token=fake.token,
        discord_api_base_url=fake.rest_base,
        dev_guild_id=int(guild.id),
        delivery_interval_seconds=0.1,
        **(marker.kwargs if marker else {}),
    )
    store = Repositories.open(settings.database_url)
    await store.database.migrate()
    pool = WorkPool.of(settings)
    try:
        async with Fetcher.create_session(settings) as session:
            services = Services(settings, store, Fetcher(session, settings), pool)
            bot = build_bot(settings, services, guild_ready_timeout=0.05)
            async with running(bot, fake):
                yield Scene(fake, guild, channel, admin, bot, store, feed_server, settings)
    finally:
        pool.close()
        await store.close()
    assert fake.violations == []


async def feed_with(scene: Scene, numbers: list[int]) -> str:
    return scene.feeds.serve("feed.xml", rss([story(n, scene.feeds) for n in numbers]))


async def test_commands_are_synced_to_the_dev_guild_as_specified(scene: Scene) -> None:
    names = {c["name"] for c in scene.fake.commands(scene.guild)}
    assert names == {
        "sources",
        "alerts",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "news",
        "help",
    }
    assert scene.fake.commands() == []  # nothing global on boot


async def test_a_server_goes_from_invite_to_alerts_with_slash_commands(scene: Scene) -> None:
    reply = await scene.command("alerts", "channel", {"channel": scene.channel})
    assert reply.ephemeral and f"<#{scene.channel.id}>" in reply.content
    url = await feed_with(scene, [3, 2, 1])
    reply = await scene.command("sources", "add", {"url": url, "backfill": 2}, followups=1)
    text = reply.followups[0]["content"]
    assert "Now watching **Test Feed**: 3 items" in text and "newest 2" in text
    await scene.wait_for(lambda: len(scene.alerts()) == 2)
    titles = [m["embeds"][0]["title"] for m in scene.alerts()]
    assert titles == ["Harbour bridge story 2", "Harbour bridge story 3"]

    await feed_with(scene, [4, 3, 2, 1])
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())
    await scene.wait_for(lambda: len(scene.alerts()) == 3)
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())
    await asyncio.sleep(0.5)
    assert [m["embeds"][0]["title"] for m in scene.alerts()][-1] == "Harbour bridge story 4"
    assert len(scene.alerts()) == 3


async def test_bad_urls_get_a_clear_private_reason(scene: Scene) -> None:
    reply = await scene.command("sources", "add", {"url": "ftp://example.com/feed"}, followups=1)
    assert "Only http and https URLs" in reply.followups[0]["content"]
    page = scene.feeds.serve(
        "page.html", "<html><body><p>hi</p></body></html>", content_type="text/html"
    )
    reply = await scene.command("sources", "add", {"url": page}, followups=1)
    assert "can't be used" in reply.followups[0]["content"]
    assert "names no feed" in reply.followups[0]["content"]
    assert await scene.store.sources.list_sources() == []


async def test_a_channel_the_bot_cannot_embed_in_is_refused_with_the_missing_permission(
    scene: Scene,
) -> None:
    (muted,) = [c for c in scene.guild.channels if c.name == "no-embeds"]
    reply = await scene.command("alerts", "channel", {"channel": muted})
    assert reply.ephemeral and "Embed Links" in reply.content
    assert (await scene.store.guilds.guild(int(scene.guild.id))) is None or (
        await scene.store.guilds.guild(int(scene.guild.id))
    ).alerts_channel_id is None


async def test_list_test_and_remove_with_autocomplete(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = await feed_with(scene, [2, 1])
    await scene.command("sources", "add", {"url": url, "backfill": 1}, followups=1)
    listed = await scene.command("sources", "list")
    assert "✅ Test Feed: ok" in listed.content
    (source,) = await scene.store.sources.list_sources()
    choices = await scene.fake.invoke(
        "sources",
        {"source": "test"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="remove",
        focused="source",
    )
    await choices.response(timeout=10)
    assert [c["value"] for c in choices.choices] == [source.id]
    preview = await scene.command("sources", "test", {"source": source.id})
    assert preview.ephemeral and preview.embeds[0]["title"] == "Harbour bridge story 2"
    removed = await scene.command("sources", "remove", {"source": source.id})
    assert "Stopped watching **Test Feed**" in removed.content
    assert await scene.store.sources.list_sources() == []


async def test_a_channel_that_refuses_alerts_is_paused_and_the_admin_told_once(
    scene: Scene,
) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    scene.fake.inject("POST", rf"/channels/{scene.channel.id}/messages", 403, times=5)
    url = await feed_with(scene, [3, 2, 1])
    await scene.command("sources", "add", {"url": url, "backfill": 3}, followups=1)
    dm = scene.fake.dm_channel(scene.admin)
    await scene.wait_for(lambda: len(scene.fake.messages(dm)) == 1)
    assert "can no longer post alerts" in scene.fake.messages(dm)[0]["content"]
    await asyncio.sleep(0.3)
    assert len(scene.fake.messages(dm)) == 1
    assert scene.alerts() == []


async def test_a_rate_limited_send_is_retried_and_arrives_once(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    scene.fake.inject("POST", rf"/channels/{scene.channel.id}/messages", 429, retry_after=0.2)
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url, "backfill": 1}, followups=1)
    await scene.wait_for(lambda: len(scene.alerts()) == 1)
    await asyncio.sleep(0.3)
    assert len(scene.alerts()) == 1


async def test_starter_sources_are_added_with_one_command(
    fake_discord: FakeDiscord, feed_server: FeedServer, tmp_path: Path, database_url: str
) -> None:
    defaults = tmp_path / "defaults.txt"
    defaults.write_text(
        "# starter feeds\n"
        + feed_server.serve("a.xml", rss([story(1, feed_server)]))
        + "\n"
        + feed_server.serve("b.xml", rss([story(2, feed_server)]))
        + "\n"
    )
    admin = fake_discord.add_user("editor")
    guild = fake_discord.add_guild("Newsroom", owner_id=admin.id)
    channel = guild.add_channel("news")
    settings = make_settings(
        tmp_path,
        database_url=database_url,
        discord_token=fake_discord.token,
        discord_api_base_url=fake_discord.rest_base,
        dev_guild_id=int(guild.id),
        default_sources_file=defaults,
    )
    store = Repositories.open(settings.database_url)
    await store.database.migrate()
    pool = WorkPool(1)
    try:
        async with Fetcher.create_session(settings) as session:
            services = Services(settings, store, Fetcher(session, settings), pool)
            bot = build_bot(settings, services, guild_ready_timeout=0.05)
            async with running(bot, fake_discord):
                handle = await fake_discord.invoke(
                    "sources", {}, guild=guild, channel=channel, user=admin, subcommand="defaults"
                )
                reply = await handle.response(timeout=10)
                assert reply.ephemeral and "Added 2 starter sources" in reply.content
                again = await fake_discord.invoke(
                    "sources", {}, guild=guild, channel=channel, user=admin, subcommand="defaults"
                )
                assert "2 were already here" in (await again.response(timeout=10)).content
        assert len(await store.guilds.guild_sources(int(guild.id))) == 2
    finally:
        pool.close()
        await store.close()


async def test_sync_commands_registers_globally_and_exits(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    import sys

    env = cli_env(
        DISCORD_TOKEN=fake_discord.token,
        DISCORD_API_BASE_URL=fake_discord.rest_base,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'sync.sqlite3'}",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync-commands",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "registered 7 slash commands globally" in out.decode()
    assert {c["name"] for c in fake_discord.commands()} == {
        "sources",
        "alerts",
        "news",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "help",
    }
    assert fake_discord.identifies == 0  # commands registered over REST alone, no gateway
    assert fake_discord.violations == []


async def test_a_url_two_servers_add_is_one_source_fetched_for_each(scene: Scene) -> None:
    # Fetched again for the second server, so that its answer can't tell it that another
    # server watches the URL (tests/hostile/test_privacy.py compares the two answers).
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = await feed_with(scene, [2, 1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    other = await scene.bot.services.server_sources.add(777, 888, url, backfill=0)
    assert other.title == "Test Feed" and other.items == 2
    assert scene.feeds.hits["/feed.xml"] == 2
    assert len(await scene.store.sources.list_sources()) == 1
