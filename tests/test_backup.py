"""Backups: a consistent copy of a live SQLite store, daily ones kept in BACKUP_DIR, `newsbot
backup` on both engines, and a restore that sends nothing twice (backed up while delivery runs,
restored, run again against the same fake Discord)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import NewsBot
from bot.backup import backup_sqlite, backups_in, daily_backup, pg_dump_command
from bot.fetch import Fetcher
from bot.pool import WorkPool
from bot.services import Services, build_bot
from bot.settings import Settings
from bot.storage.database import HEAD_REVISION
from bot.storage.repositories import Repositories
from tests.conftest import FeedServer, cli_env, make_settings, rss
from tests.fakediscord import FakeDiscord, running
from tests.waiting import eventually

pytest_plugins = ["tests.fakediscord.plugin"]


async def test_a_backup_taken_while_the_store_is_written_is_consistent(tmp_path: Path) -> None:
    db = tmp_path / "live.sqlite3"
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    await store.database.migrate()
    stop = asyncio.Event()
    written = 0
    milestones = {50: asyncio.Event()}

    async def write() -> None:
        nonlocal written
        while not stop.is_set():
            await store.sources.add_source(
                f"https://feed{written}.example/", added_url="x", now=datetime.now(UTC)
            )
            written += 1
            if written in milestones:
                milestones[written].set()

    writer = asyncio.create_task(write())
    try:
        await asyncio.wait_for(milestones[50].wait(), 30)
        done = await asyncio.to_thread(backup_sqlite, db, tmp_path / "copy.sqlite3")
        at_backup = written
        milestones[at_backup + 50] = asyncio.Event()
        # The writer was never held up for long: it goes on while the copy is read.
        await asyncio.wait_for(milestones[at_backup + 50].wait(), 30)
    finally:
        stop.set()
        await writer
        await store.close()

    copy = sqlite3.connect(done.path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        (count,) = copy.execute("SELECT count(*) FROM sources").fetchone()
        (revision,) = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        copy.close()
    assert 50 <= count <= at_backup + 1
    assert revision == HEAD_REVISION
    assert not (tmp_path / "copy.sqlite3.partial").exists()


def test_daily_backups_skip_a_recent_one_and_keep_the_newest(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    folder = tmp_path / "backups"
    day = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    made = []
    for n in range(4):
        done = daily_backup(db, folder, keep=2, now=day + timedelta(days=n))
        assert done is not None
        made.append(done.path.name)
        again = daily_backup(db, folder, keep=2, now=day + timedelta(days=n, hours=1))
        assert again is None  # one a day, however often the bot restarts
        old = time.time() - 86400
        os.utime(done.path, (old, old))
    assert [p.name for p in backups_in(folder)] == made[-2:]
    assert made[0] == "newsbot-20261201-030000.sqlite3"


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_backup_copies_a_sqlite_store(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    await store.database.migrate()
    await store.sources.add_source("https://a.example/feed", added_url="x", now=datetime.now(UTC))
    await store.close()

    status, out, err = await run_cli(
        "backup",
        str(tmp_path / "out" / "copy.sqlite3"),
        "--db",
        str(db),
        env=cli_env(),
        cwd=tmp_path,
    )

    assert status == 0, err
    assert out.startswith(f"backed up {db} to {tmp_path / 'out' / 'copy.sqlite3'} (")
    copied = Repositories.open(f"sqlite+aiosqlite:///{tmp_path / 'out' / 'copy.sqlite3'}")
    try:
        assert [s.url for s in await copied.sources.list_sources()] == ["https://a.example/feed"]
    finally:
        await copied.close()


async def test_cli_backup_on_postgresql_prints_the_pg_dump_command(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://newsbot:hunter2@db.internal:5433/news"
    status, out, err = await run_cli(
        "backup", "nightly.dump", env=cli_env(DATABASE_URL=url), cwd=tmp_path
    )
    assert status == 2
    assert out == ""
    assert (
        "pg_dump --format=custom --file=nightly.dump postgresql://newsbot@db.internal:5433/news"
        in err
    )
    assert (
        "pg_restore --no-owner --dbname=postgresql://newsbot@db.internal:5433/NEW_DATABASE" in err
    )
    assert "hunter2" not in err
    assert pg_dump_command(url, "a b.dump") == (
        "pg_dump --format=custom --file='a b.dump' postgresql://newsbot@db.internal:5433/news"
    )


# ---- a restore while delivery runs -------------------------------------------------------------


@asynccontextmanager
async def bot_on(
    settings: Settings, fake: FakeDiscord
) -> AsyncIterator[tuple[NewsBot, Repositories]]:
    store = Repositories.open(settings.database_url)
    await store.database.migrate()
    pool = WorkPool(1)
    try:
        async with Fetcher.create_session(settings) as session:
            services = Services(settings, store, Fetcher(session, settings), pool)
            bot = build_bot(settings, services, guild_ready_timeout=0.05)
            async with running(bot, fake):
                yield bot, store
    finally:
        pool.close()
        await store.close()


def story(n: int, feeds: FeedServer) -> dict[str, str]:
    return {
        "title": f"Restore story {n:02d}",
        "link": feeds.url(f"restore/{n}.html"),
        "guid": f"restore-{n}",
        "pubDate": f"Fri, 27 Nov 2026 10:{n:02d}:00 GMT",
        "description": f"Story {n} of the restore test, long enough to be an article lead.",
    }


async def test_a_store_restored_from_a_backup_taken_mid_delivery_sends_nothing_twice(
    fake_discord: FakeDiscord, feed_server: FeedServer, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.heartbeat_interval_ms = 500
    fake.message_bucket = (100, 1.0)
    admin = fake.add_user("editor")
    guild = fake.add_guild("Newsroom", owner_id=admin.id)
    channel = guild.add_channel("news")
    settings = make_settings(
        tmp_path,
        discord_token=fake.token,
        discord_api_base_url=fake.rest_base,
        dev_guild_id=int(guild.id),
        delivery_interval_seconds=0.05,
        route_alert_cap=100,
    )
    db = tmp_path / "test.sqlite3"
    count = 24
    url = feed_server.serve("feed.xml", rss([story(0, feed_server)]))
    # Each send is answered late (the message is stored at once), so delivery is mid-way
    # through the 24 alerts when the backup is taken.
    fake.hold("POST", r"/channels/\d+/messages", 0.08)

    async with bot_on(settings, fake) as (bot, store):
        await (
            await fake.invoke(
                "alerts", {"channel": channel}, guild=guild, user=admin, subcommand="channel"
            )
        ).response(timeout=10)
        await (
            await fake.invoke("sources", {"url": url}, guild=guild, user=admin, subcommand="add")
        ).response(timeout=10, followups=1)
        feed_server.serve("feed.xml", rss([story(n, feed_server) for n in range(count + 1)]))
        await bot.services.watcher.poll_sources(await store.sources.list_sources())
        await fake.wait_until(lambda: len(alerts(fake, channel)) >= 6, timeout=20)
        await asyncio.to_thread(backup_sqlite, db, tmp_path / "backup.sqlite3")
        await wait_for_empty_outbox(store)
        sent_before = {
            e.id for e in await store.outbox.outbox_entries() if e.message_id is not None
        }

    backup = sqlite3.connect(tmp_path / "backup.sqlite3")
    in_backup = dict(backup.execute("SELECT id, status FROM outbox").fetchall())
    backup.close()
    pending_then = {i for i, status in in_backup.items() if status == "pending"}
    assert len(in_backup) == count
    assert 0 < len(pending_then) < count  # the backup caught delivery in the middle
    assert len(sent_before) == count

    # Restore: the backup replaces the database (its WAL and index files go with the old one).
    await asyncio.to_thread(restore, tmp_path / "backup.sqlite3", db)
    posts_before = len(fake.requests_matching("POST", r"/channels/\d+/messages"))

    async with bot_on(settings, fake) as (_, store):
        await wait_for_empty_outbox(store)
        entries = await store.outbox.outbox_entries()

    titles = [m["embeds"][0]["title"] for m in alerts(fake, channel)]
    assert sorted(titles) == [f"Restore story {n:02d}" for n in range(1, count + 1)]
    assert all(e.message_id is not None for e in entries)
    resent = len(fake.requests_matching("POST", r"/channels/\d+/messages")) - posts_before
    assert resent == len(pending_then)  # only what the backup had not recorded as sent


def restore(backup: Path, db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, db)


def alerts(fake: FakeDiscord, channel: object) -> list[dict[str, object]]:
    return [m for m in fake.messages(channel) if m.get("embeds")]  # type: ignore[arg-type]


async def wait_for_empty_outbox(store: Repositories) -> None:
    async def empty() -> bool:
        return all(e.message_id is not None for e in await store.outbox.outbox_entries())

    await eventually(empty)


async def test_the_bot_makes_its_daily_backup_into_backup_dir(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    guild = fake_discord.add_guild("Newsroom")
    guild.add_channel("news")
    settings = make_settings(
        tmp_path,
        discord_token=fake_discord.token,
        discord_api_base_url=fake_discord.rest_base,
        dev_guild_id=int(guild.id),
        backup_dir=tmp_path / "backups",
        backup_keep=3,
    )

    async def made() -> bool:
        return bool(await asyncio.to_thread(backups_in, tmp_path / "backups"))

    async with bot_on(settings, fake_discord):
        await eventually(made)
    (made,) = backups_in(tmp_path / "backups")
    copy = sqlite3.connect(made)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()
