"""Crash and shutdown: the bot as a real process against the fake Discord. SIGKILL in the middle
of a batch (even between a send and its record) loses no alert and doubles none."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.delivery import OutboxStatus
from bot.routing import Router
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from tests.conftest import cli_env
from tests.factories import make_article
from tests.fakediscord import Channel, FakeDiscord

pytest_plugins = ["tests.fakediscord.plugin"]

ALERTS = 30


async def seed(db: Path, guild_id: int, channel_id: int) -> None:
    """A server with an alerts channel and a batch of queued alerts, as the watcher leaves them."""
    now = datetime.now(UTC)
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    await store.database.migrate()
    source, _ = await store.sources.add_source("http://127.0.0.1:9/feed", added_url="x", now=now)
    await store.guilds.set_alerts_channel(guild_id, channel_id, user_id=1, now=now)
    await store.guilds.add_guild_source(guild_id, source.id, user_id=1, now=now)
    found = [make_article(source.id, f"g:{n}", now, title=f"Alert {n:02d}") for n in range(ALERTS)]
    change = PollSuccess("News Test", None, None, None, None, now + timedelta(days=1))
    planned = await Router(store.topics).plan(source, found)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=found, now=now, planned=planned
    )
    await store.close()


def bot_env(fake: FakeDiscord, db: Path) -> dict[str, str]:
    return cli_env(
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.rest_base,
        DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        ALLOW_PRIVATE_ADDRESSES="true",
        DELIVERY_INTERVAL_SECONDS="0.1",
        ROUTE_ALERT_CAP="100",
        POLL_INTERVAL_SECONDS="3600",
        PARSE_WORKERS="1",
        LOG_LEVEL="WARNING",
    )


async def start_bot(fake: FakeDiscord, db: Path, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=bot_env(fake, db),
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def titles(fake: FakeDiscord, channel: Channel) -> list[str]:
    return [m["embeds"][0]["title"] for m in fake.messages(channel) if m.get("embeds")]


async def test_sigkill_mid_batch_then_restart_delivers_each_alert_exactly_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.message_bucket = (4, 0.5)
    guild = fake.add_guild("Newsroom")
    channel = guild.add_channel("news")
    db = tmp_path / "bot.sqlite3"
    await seed(db, int(guild.id), int(channel.id))

    first = await start_bot(fake, db, tmp_path)
    try:
        await fake.wait_until(lambda: len(titles(fake, channel)) >= 8, timeout=30)
        # From now on Discord stores each message but answers late: the kill lands after a
        # send and before the bot could record it.
        fake.hold("POST", rf"/channels/{channel.id}/messages", 5.0)
        before = len(titles(fake, channel))
        await fake.wait_until(lambda: len(titles(fake, channel)) > before, timeout=10)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
    fake.holds.clear()
    interrupted = len(titles(fake, channel))
    assert 8 <= interrupted < ALERTS

    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    pending = await store.outbox.outbox_entries(status=OutboxStatus.PENDING)
    await store.close()
    assert len(pending) > ALERTS - interrupted  # the held one was sent but not recorded

    second = await start_bot(fake, db, tmp_path)
    try:
        await fake.wait_until(lambda: len(titles(fake, channel)) >= ALERTS, timeout=60)
        await asyncio.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 20)
    counts = Counter(titles(fake, channel))
    assert counts == Counter(f"Alert {n:02d}" for n in range(ALERTS))
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    statuses = Counter(e.status for e in await store.outbox.outbox_entries())
    await store.close()
    assert statuses == {OutboxStatus.SENT: ALERTS}
    assert fake.violations == []


async def test_sigterm_shuts_down_cleanly(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.add_guild("Newsroom")
    channel = guild.add_channel("news")
    db = tmp_path / "bot.sqlite3"
    await seed(db, int(guild.id), int(channel.id))
    process = await start_bot(fake, db, tmp_path)
    await fake.wait_until(lambda: len(titles(fake, channel)) >= 1, timeout=30)
    process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(process.wait(), 20)
    assert process.stderr is not None
    errors = (await process.stderr.read()).decode()
    assert code == 0, errors
    assert "Traceback" not in errors
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    entries = await store.outbox.outbox_entries()
    await store.close()
    sent = [e for e in entries if e.status is OutboxStatus.SENT]
    assert len(sent) == len(titles(fake, channel))  # everything that went out was recorded
