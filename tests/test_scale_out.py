"""Many processes on one PostgreSQL, as real processes: two `newsbot worker`s polling and two
gateway processes (`newsbot run --no-worker`, shards 0 and 1 of 2) delivering, against loopback
feeds and the fake Discord. Every source is polled once per cycle, every alert arrives once, a
worker killed mid-cycle loses nothing, and a topic added through one process matches in another.
Needs NEWSBOT_TEST_POSTGRES_URL (.ci/run sets it)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.guilds import shard_of
from bot.storage.repositories import Repositories
from bot.storage.schema import sources
from tests.conftest import (
    POSTGRES_URL_VARIABLE,
    FeedServer,
    cli_env,
    postgres_database,
    rss,
)
from tests.fakediscord import Channel, FakeDiscord, Guild

pytest_plugins = ["tests.fakediscord.plugin"]

FEEDS = 8
LEASE_SECONDS = 3


@pytest.fixture
async def database() -> AsyncIterator[str]:
    admin = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin:
        pytest.skip(f"needs PostgreSQL: {POSTGRES_URL_VARIABLE} is not set (.ci/postgres.sh)")
    async with postgres_database(admin) as url:
        yield url


def items(feeds: FeedServer, feed: int, count: int) -> list[dict[str, str]]:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    return [
        {
            "title": f"Feed {feed} story {n}",
            "link": feeds.url(f"missing/{feed}/{n}.html"),
            "guid": f"f{feed}-{n}",
            "pubDate": now,
            "description": f"Story {n} of feed {feed} about the harbour ferry timetable.",
        }
        for n in reversed(range(count))
    ]


class Cluster:
    """The processes, their shared database, and the world they see."""

    def __init__(self, fake: FakeDiscord, feeds: FeedServer, url: str, cwd: Path) -> None:
        self.fake, self.feeds, self.url, self.cwd = fake, feeds, url, cwd
        self.store = Repositories.open(url)
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.guilds: dict[int, tuple[Guild, Channel]] = {}

    def env(self, name: str, **extra: str) -> dict[str, str]:
        return cli_env(
            DATABASE_URL=self.url,
            DISCORD_TOKEN=self.fake.token,
            DISCORD_API_BASE_URL=self.fake.rest_base,
            ALLOW_PRIVATE_ADDRESSES="true",
            POLL_INTERVAL_SECONDS="3600",
            DELIVERY_INTERVAL_SECONDS="0.2",
            LEASE_SECONDS=str(LEASE_SECONDS),
            PARSE_WORKERS="1",
            ROUTE_ALERT_CAP="1000",
            LOG_LEVEL="WARNING",
            WORKER_ID=name,
            **extra,
        )

    async def start(self, name: str, *args: str, **extra: str) -> None:
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            env=self.env(name, **extra),
            cwd=self.cwd,
            stderr=asyncio.subprocess.PIPE,
        )

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
        await self.store.close()

    async def make_due(self) -> datetime:
        now = datetime.now(UTC)
        async with self.store.database.engine.begin() as conn:
            await conn.execute(update(sources).values(next_poll_at=now))
        return now

    async def polled_since(self, moment: datetime) -> int:
        return sum(
            1
            for s in await self.store.sources.list_sources()
            if s.last_polled_at is not None and s.last_polled_at >= moment
        )

    async def wait_polled(self, moment: datetime, timeout: float = 60) -> None:  # noqa: ASYNC109
        for _ in range(int(timeout / 0.1)):
            if await self.polled_since(moment) == FEEDS:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"only {await self.polled_since(moment)} of {FEEDS} polled")

    def titles(self) -> Counter[tuple[str, str]]:
        return Counter(
            (channel.id, m["embeds"][0]["title"])
            for _, channel in self.guilds.values()
            for m in self.fake.messages(channel)
            if m.get("embeds")
        )


@pytest.fixture
async def cluster(
    fake_discord: FakeDiscord, feed_server: FeedServer, database: str, tmp_path: Path
) -> AsyncIterator[Cluster]:
    fake = fake_discord
    found = Cluster(fake, feed_server, database, tmp_path)
    await found.store.database.migrate()
    now = datetime.now(UTC)
    while {0, 1} - {shard_of(int(g.id), 2) for g, _ in found.guilds.values()}:
        guild = fake.add_guild(f"Server {len(found.guilds)}")
        channel = guild.add_channel("news")
        found.guilds[int(guild.id)] = (guild, channel)
        await asyncio.sleep(0.002)  # the next id, another millisecond: maybe another shard
    sources = []
    for n in range(FEEDS):
        url = feed_server.serve(f"feed{n}.xml", rss(items(feed_server, n, 2), title=f"Feed {n}"))
        source, _ = await found.store.sources.add_source(url, added_url=url, now=now)
        sources.append(source)
    for guild_id, (_, channel) in found.guilds.items():
        await found.store.guilds.join_guild(guild_id, now=now)
        await found.store.guilds.set_alerts_channel(guild_id, int(channel.id), user_id=1, now=now)
        for source in sources:
            await found.store.guilds.add_guild_source(guild_id, source.id, user_id=1, now=now)
    try:
        yield found
    finally:
        await found.stop()
    assert fake.violations == []


async def test_two_workers_and_two_shards_poll_once_deliver_once_and_survive_a_kill(
    cluster: Cluster,
) -> None:
    feeds, fake = cluster.feeds, cluster.fake
    on_shard_1 = next(g for g in cluster.guilds if shard_of(g, 2) == 1)
    dev = {"DEV_GUILD_ID": str(on_shard_1)}
    for shard in (0, 1):
        await cluster.start(
            f"gateway{shard}", "run", "--no-worker", SHARD_COUNT="2", SHARD_IDS=str(shard), **dev
        )
    for name in ("w1", "w2"):
        await cluster.start(name, "worker")

    # The first cycle: each feed read once (its baseline: no alerts).
    first = await cluster.make_due()
    await cluster.wait_polled(first)
    assert all(feeds.hits[f"/feed{n}.xml"] == 1 for n in range(FEEDS)), feeds.hits

    # Someone on shard 1 follows a topic through gateway 1; the workers learn of it.
    guild, channel = cluster.guilds[on_shard_1]
    reader = fake.add_user("reader")
    guild.add_member(reader)
    await fake.wait_until(lambda: fake.connected_shards() == {0, 1}, timeout=30)
    await fake.wait_until(lambda: bool(fake.guild_commands.get(guild.id)), timeout=30)
    handle = await fake.invoke(
        "subscribe", {"topic": "ferry"}, guild=guild, channel=channel, user=reader
    )
    assert "Following" in ((await handle.response(timeout=15)).content or "")

    # Every feed gains two stories; a worker is killed in the middle of the cycle.
    for n in range(FEEDS):
        feeds.serve(f"feed{n}.xml", rss(items(feeds, n, 4), title=f"Feed {n}"))
    second = await cluster.make_due()
    killed = None
    for _ in range(1500):
        async with cluster.store.database.engine.connect() as conn:
            holding = (
                (
                    await conn.execute(
                        select(sources.c.lease_owner).where(sources.c.lease_owner.is_not(None))
                    )
                )
                .scalars()
                .first()
            )
        if holding is not None:
            cluster.processes[holding].send_signal(signal.SIGKILL)
            killed = holding
            break
        await asyncio.sleep(0.01)
    assert killed, "no worker took a source"
    await cluster.wait_polled(second, timeout=LEASE_SECONDS + 60)

    expected = Counter(
        {
            (channel.id, f"Feed {n} story {k}"): 1
            for _, channel in cluster.guilds.values()
            for n in range(FEEDS)
            for k in (2, 3)
        }
    )
    await fake.wait_until(lambda: cluster.titles() == expected, timeout=60)
    dm = fake.dm_channel(reader)
    await fake.wait_until(lambda: len(fake.messages(dm)) == 2 * FEEDS, timeout=60)
    await asyncio.sleep(1)  # nothing more arrives
    assert cluster.titles() == expected
    assert len(fake.messages(dm)) == 2 * FEEDS  # one DM per matching article, across servers
    # Each feed was read once per cycle, a killed worker's ones at most once more.
    for n in range(FEEDS):
        assert 2 <= feeds.hits[f"/feed{n}.xml"] <= 3, feeds.hits
