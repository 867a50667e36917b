"""Exactly once across a crash for forum posts and threads: the bot as a real process, killed
(SIGKILL) after Discord made a post or thread and before the bot recorded it; after the restart
each story has exactly one post (or thread) and one first message."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery import OutboxStatus
from bot.records import ThreadMode
from bot.routing import Router
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from tests.factories import make_article
from tests.fakediscord import Channel, FakeDiscord
from tests.test_crash import start_bot

pytest_plugins = ["tests.fakediscord.plugin"]

STORIES = 8


async def seed(db: Path, guild_id: int, channel_id: int, mode: ThreadMode) -> None:
    """A server whose alerts channel takes a post (or thread) per story, and a batch of queued
    alerts, each its own story."""
    now = datetime.now(UTC)
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    await store.database.migrate()
    source, _ = await store.sources.add_source("http://127.0.0.1:9/feed", added_url="x", now=now)
    await store.guilds.set_alerts_channel(guild_id, channel_id, user_id=1, now=now)
    await store.threads.set_thread_mode(guild_id, channel_id, mode, now=now)
    await store.guilds.add_guild_source(guild_id, source.id, user_id=1, now=now)
    found = [make_article(source.id, f"g:{n}", now, title=f"Story {n:02d}") for n in range(STORIES)]
    change = PollSuccess("News Test", None, None, None, None, now + timedelta(days=1))
    planned = await Router(store.topics).plan(source, found)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=found, now=now, planned=planned
    )
    await store.close()


def first_titles(fake: FakeDiscord, parent: Channel) -> list[str]:
    """The title of each thread's first message with an embed (the alert), per thread."""
    titles = []
    for thread in fake.threads_in(parent):
        embeds = [m for m in fake.messages(thread) if m.get("embeds")]
        titles += [m["embeds"][0]["title"] for m in embeds]
    return titles


@pytest.mark.parametrize("mode", [ThreadMode.FORUM, ThreadMode.PER_STORY])
async def test_sigkill_between_a_thread_and_its_record_makes_one_thread_per_story(
    fake_discord: FakeDiscord, tmp_path: Path, mode: ThreadMode
) -> None:
    fake = fake_discord
    guild = fake.add_guild("Newsroom")
    if mode is ThreadMode.FORUM:
        channel = guild.add_forum("news")
        creating = rf"/channels/{channel.id}/threads"
    else:
        channel = guild.add_channel("news")
        creating = rf"/channels/{channel.id}/messages/\d+/threads"
    db = tmp_path / "bot.sqlite3"
    await seed(db, int(guild.id), int(channel.id), mode)

    first = await start_bot(fake, db, tmp_path)
    try:
        await fake.wait_until(lambda: len(fake.threads_in(channel)) >= 3, timeout=30)
        # Discord makes the next thread at once but answers late: the kill lands after it
        # exists and before the bot could record it.
        fake.hold("POST", creating, 5.0)
        before = len(fake.threads_in(channel))
        await fake.wait_until(lambda: len(fake.threads_in(channel)) > before, timeout=10)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
    fake.holds.clear()
    interrupted = len(fake.threads_in(channel))
    assert 3 < interrupted < STORIES

    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    pending = await store.outbox.outbox_entries(status=OutboxStatus.PENDING)
    await store.close()
    assert len(pending) == STORIES - interrupted + 1  # the held one was made, not recorded

    second = await start_bot(fake, db, tmp_path)
    try:
        await fake.wait_until(lambda: len(fake.threads_in(channel)) >= STORIES, timeout=60)
        store = Repositories.open(f"sqlite+aiosqlite:///{db}")
        for _ in range(200):
            if not await store.outbox.outbox_entries(status=OutboxStatus.PENDING):
                break
            await asyncio.sleep(0.05)
        await store.close()
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 20)

    threads = fake.threads_in(channel)
    assert Counter(t.name for t in threads) == Counter(f"Story {n:02d}" for n in range(STORIES))
    if mode is ThreadMode.FORUM:
        assert all(len(fake.messages(t)) == 1 for t in threads)
        assert Counter(first_titles(fake, channel)) == Counter(t.name for t in threads)
    else:
        alerts = [m for m in fake.messages(channel) if m.get("embeds")]
        assert sorted(m["embeds"][0]["title"] for m in alerts) == sorted(t.name for t in threads)
        assert {m["id"] for m in alerts} == {t.id for t in threads}
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    entries = await store.outbox.outbox_entries()
    recorded = await store.threads.thread_ids(int(channel.id))
    await store.close()
    assert Counter(e.status for e in entries) == {OutboxStatus.SENT: STORIES}
    assert recorded == {int(t.id) for t in threads}
    assert fake.violations == []
