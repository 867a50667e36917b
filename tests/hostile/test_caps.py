"""Caps that hold when an admin (or a script) sends many commands at once: sources and topic
routes per server, on SQLite and PostgreSQL, through the fake Discord and at the store from two
connections racing; and the fetcher's per-host table, which forgets hosts it no longer uses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.errors import LimitReached
from bot.fetch import Fetcher
from bot.guilds import MAX_SOURCES_PER_GUILD, ServerSources
from bot.storage.repositories import Repositories
from tests.conftest import FeedServer, make_settings, rss
from tests.test_discord_e2e import Scene, scene

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
GUILD = 5005


def one_item(n: int, feeds: FeedServer) -> str:
    item = {
        "title": f"Story {n}",
        "link": feeds.url(f"s/{n}.html"),
        "guid": f"s{n}",
        "description": "The council said it met.",
    }
    return rss([item], title=f"Feed {n}")


async def command(scene: Scene, name: str, sub: str, options: dict[str, Any]) -> str:
    """The text of the (deferred or direct) answer to one command."""
    handle = await scene.fake.invoke(
        name, options, guild=scene.guild, channel=scene.channel, user=scene.admin, subcommand=sub
    )
    deferred = name == "sources" and sub == "add"
    answer = await handle.response(timeout=60, followups=1 if deferred else 0)
    return str(answer.followups[0]["content"] if deferred else answer.content)


async def test_many_concurrent_source_adds_stop_at_the_servers_cap(scene: Scene) -> None:
    urls = [scene.feeds.serve(f"f{n}.xml", one_item(n, scene.feeds)) for n in range(60)]
    answers = await asyncio.gather(
        *(command(scene, "sources", "add", {"url": url}) for url in urls)
    )
    watched = await scene.store.guilds.guild_sources(int(scene.guild.id))
    assert len(watched) == MAX_SOURCES_PER_GUILD
    refused = [a for a in answers if "the most it can" in a]
    assert len(refused) == 60 - MAX_SOURCES_PER_GUILD
    assert all("`/sources remove` one first" in a for a in refused)
    # No source is left behind that no server watches (it would be polled for nobody).
    assert len(await scene.store.sources.list_sources()) == MAX_SOURCES_PER_GUILD
    assert scene.fake.violations == []


async def test_starter_sources_stop_at_the_cap_and_say_how_many_were_left_out(
    scene: Scene,
) -> None:
    urls = [scene.feeds.serve(f"f{n}.xml", one_item(n, scene.feeds)) for n in range(40)]
    for url in urls:
        assert "Now watching" in await command(scene, "sources", "add", {"url": url})
    defaults = [scene.feeds.serve(f"d{n}.xml", one_item(100 + n, scene.feeds)) for n in range(12)]
    starter = ServerSources(
        guilds=scene.store.guilds,
        sources=scene.store.sources,
        outbox=scene.store.outbox,
        articles=scene.store.articles,
        threads=scene.store.threads,
        watcher=scene.bot.services.watcher,
        default_sources=[urls[0], *defaults],
        clock=lambda: NOW,
    )
    added = await starter.add_defaults(int(scene.guild.id), int(scene.admin.id))
    assert (added.added, added.already, added.left_out) == (10, 1, 2)
    assert len(await scene.store.guilds.guild_sources(int(scene.guild.id))) == MAX_SOURCES_PER_GUILD
    assert len(await scene.store.sources.list_sources()) == MAX_SOURCES_PER_GUILD
    answer = await command(scene, "sources", "defaults", {})  # the bot's own list: all left out
    assert "were left out: this server now watches 50 sources, the most it can." in answer
    assert len(await scene.store.guilds.guild_sources(int(scene.guild.id))) == MAX_SOURCES_PER_GUILD


@pytest.mark.serial  # its answers are timed against the fake Discord's 3 s interaction window
@pytest.mark.settings(routes_per_server=6)
async def test_many_concurrent_route_adds_stop_at_the_servers_cap(scene: Scene) -> None:
    # /alerts add answers at once (within Discord's 3 s): 16 at a time, not hundreds.
    answers = await asyncio.gather(
        *(
            command(scene, "alerts", "add", {"topic": f"bridge{n}", "channel": scene.channel})
            for n in range(16)
        )
    )
    assert len(await scene.store.topics.routes_of(int(scene.guild.id))) == 6
    refused = [a for a in answers if "the most it can" in a]
    assert len(refused) == 10
    assert all(a.startswith("This server has 6 topic routes") for a in refused)
    assert "`/alerts remove` one first" in refused[0]


async def test_two_connections_racing_never_pass_the_caps(database_url: str) -> None:
    """Two stores (two connection pools, as two processes would have) add at once."""
    first, second = Repositories.open(database_url), Repositories.open(database_url)
    try:
        await first.database.migrate()
        ids = []
        for n in range(80):
            source, _ = await first.sources.add_source(
                f"https://n{n}.test/f", added_url="x", now=NOW
            )
            ids.append(source.id)

        async def add_source(store: Repositories, source_id: int) -> bool:
            try:
                return await store.guilds.add_guild_source(
                    GUILD, source_id, user_id=1, now=NOW, cap=MAX_SOURCES_PER_GUILD
                )
            except LimitReached:
                return False

        async def add_route(store: Repositories, n: int) -> bool:
            try:
                return await store.topics.add_route(
                    GUILD, 7, f"topic {n}", None, role_id=None, user_id=1, now=NOW, cap=10
                )
            except LimitReached:
                return False

        added = await asyncio.gather(
            *(add_source((first, second)[n % 2], source_id) for n, source_id in enumerate(ids))
        )
        routed = await asyncio.gather(*(add_route((first, second)[n % 2], n) for n in range(40)))
        assert sum(added) == MAX_SOURCES_PER_GUILD
        assert len(await first.guilds.guild_sources(GUILD)) == MAX_SOURCES_PER_GUILD
        assert sum(routed) == 10 and len(await first.topics.routes_of(GUILD)) == 10
        # Everything routes (topic None) once per channel, even when added at the same moment.
        twice = await asyncio.gather(
            *(
                store.topics.add_route(GUILD + 1, 8, None, None, role_id=None, user_id=1, now=NOW)
                for store in (first, second)
            )
        )
        assert sorted(twice) == [False, True]
    finally:
        await first.close()
        await second.close()


async def test_the_fetcher_forgets_hosts_it_no_longer_uses(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    url = feed_server.serve("f.xml", one_item(1, feed_server))
    async with Fetcher.create_session(settings) as session:
        fetcher = Fetcher(session, settings)
        hosts = [url, url.replace("127.0.0.1", "localhost")]
        results = await asyncio.gather(*(fetcher.fetch(u) for u in hosts * 5))
        assert {r.status for r in results} == {200}
        assert fetcher.hosts_in_use == 0
