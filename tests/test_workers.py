"""Several processes on one database (the store's half of many workers): poll leases on
sources, delivery claims on outbox rows, topic changes seen by other processes, and stories
shared between workers. Each "process" here is its own Repositories (its own connections) on the
same database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import text

from bot.articles import Article
from bot.delivery import OutboxStatus
from bot.guilds import ServerSources, shard_of
from bot.routing import Router
from bot.settings import Settings
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.storage.schema import outbox
from bot.stories import Placement, Reason, Stories
from bot.subscriptions import Delivery
from tests.conftest import Clock, FeedServer, cli_env, make_settings, open_watcher, rss
from tests.factories import make_article
from tests.waiting import eventually

pytestmark = pytest.mark.both_engines

LEASE = timedelta(minutes=5)
WIRE_STORY = """<!DOCTYPE html><html lang="en"><head><title>Harbour bridge</title>
<link rel="canonical" href="{url}"></head><body><article><h1>Harbour bridge</h1>
<p>The city council voted on Tuesday to reopen the harbour bridge to cyclists after a two-year
closure, ending a dispute that had divided residents and shop owners along the waterfront for
most of that time. Council leader Mara Olsen said the repairs had cost 4.2 million euros.</p>
<p>Shop owners said the decision would bring customers back, while some residents worried
about safety at the busy junction near the ferry terminal, which still lacks a crossing; the
council promised lights there by March. Reporting by the {outlet} desk.</p>
</article></body></html>"""
GUILD, ADMIN = 1001, 3003


@pytest.fixture
def shared(store: Repositories) -> None:
    """Cases of several processes claiming work: PostgreSQL's (SQLite serves one process and
    takes no claims)."""
    if not store.database.shares_work:
        pytest.skip("SQLite serves one process: work is not claimed in it")


@pytest.fixture
async def other(database_url: str, store: Repositories) -> AsyncIterator[Repositories]:
    """A second process's store on the same (already migrated) database."""
    second = Repositories.open(database_url)
    yield second
    await second.close()


async def add_sources(store: Repositories, count: int, clock: Clock) -> list[Source]:
    added = []
    for n in range(count):
        source, _ = await store.sources.add_source(
            f"https://s{n}.test/feed", added_url="x", now=clock.now
        )
        added.append(source)
    return added


@pytest.mark.usefixtures("shared")
async def test_two_workers_claiming_at_once_never_take_the_same_source(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    await add_sources(store, 40, clock)
    first, second = await asyncio.gather(
        store.sources.claim_due_sources(clock.now, owner="a", lease=LEASE, limit=25),
        other.sources.claim_due_sources(clock.now, owner="b", lease=LEASE, limit=25),
    )
    ids_a, ids_b = {s.id for s in first}, {s.id for s in second}
    assert not ids_a & ids_b
    assert len(ids_a | ids_b) == 40
    assert await store.sources.claim_due_sources(clock.now, owner="c", lease=LEASE) == []


@pytest.mark.usefixtures("shared")
async def test_a_dead_workers_sources_are_taken_over_when_its_lease_runs_out(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    await add_sources(store, 3, clock)
    held = await store.sources.claim_due_sources(clock.now, owner="dies", lease=LEASE)
    assert len(held) == 3
    clock.advance(LEASE.total_seconds() - 1)
    assert await other.sources.claim_due_sources(clock.now, owner="lives", lease=LEASE) == []
    clock.advance(2)
    taken = await other.sources.claim_due_sources(clock.now, owner="lives", lease=LEASE)
    assert {s.id for s in taken} == {s.id for s in held}


@pytest.mark.usefixtures("shared")
async def test_the_next_claimable_source_leaves_out_those_other_workers_hold(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    early, late = await add_sources(store, 2, clock)
    change = PollSuccess(None, None, None, None, None, clock.now + timedelta(seconds=30))
    await store.ingest.record_poll_success(
        late, change, seen_keys=[], new_articles=[], now=clock.now
    )
    assert await other.sources.next_claimable_at(clock.now, owner="b") == early.next_poll_at
    await store.sources.claim_due_sources(clock.now, owner="a", lease=LEASE)
    assert await other.sources.next_claimable_at(clock.now, owner="b") == change.next_poll_at
    assert await store.sources.next_claimable_at(clock.now, owner="a") == early.next_poll_at


@pytest.mark.usefixtures("shared")
async def test_workers_polling_at_once_share_the_due_sources_batch_by_batch(
    store: Repositories, other: Repositories, clock: Clock, feed_server: FeedServer, tmp_path: Path
) -> None:
    # Each feed answers once a first batch of both workers is in flight (4 requests: one
    # worker's 3 and at least one of the other's), so a worker that started late on a busy
    # machine still gets its share; after 10 s a feed answers anyway.
    both_polling = asyncio.Event()
    asked = 0

    def feed(n: int) -> Any:
        async def answer(request: web.Request) -> web.StreamResponse:
            nonlocal asked
            asked += 1
            if asked >= 4:
                both_polling.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(both_polling.wait(), 10)
            body = rss([{"title": "T", "guid": f"g{n}"}])
            return web.Response(body=body.encode(), content_type="application/rss+xml")

        return answer

    urls = [feed_server.route(f"f{n}.xml", feed(n)) for n in range(7)]
    for url in urls:
        await store.sources.add_source(url, added_url=url, now=clock.now)
    async with (
        open_watcher(make_settings(tmp_path, worker_id="a", poll_batch=3), store, clock) as one,
        open_watcher(make_settings(tmp_path, worker_id="b", poll_batch=3), other, clock) as two,
    ):
        first, second = await asyncio.gather(one.poll_due(), two.poll_due())
    assert len(first.outcomes) >= 3 and len(second.outcomes) >= 3
    assert len(first.outcomes) + len(second.outcomes) == 7
    assert all(feed_server.hits[f"/f{n}.xml"] == 1 for n in range(7))


async def test_recording_a_poll_ends_its_lease(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    (source,) = await add_sources(store, 1, clock)
    (held,) = await store.sources.claim_due_sources(clock.now, owner="a", lease=LEASE)
    await store.sources.record_failure(held, "timed out", now=clock.now, next_poll_at=clock.now)
    (again,) = await other.sources.claim_due_sources(clock.now, owner="b", lease=LEASE)
    assert again.id == source.id
    change = PollSuccess(None, None, None, None, None, clock.now)
    await other.ingest.record_poll_success(
        again, change, seen_keys=[], new_articles=[], now=clock.now
    )
    assert [
        s.id for s in await store.sources.claim_due_sources(clock.now, owner="a", lease=LEASE)
    ] == [source.id]


async def queue_alerts(store: Repositories, clock: Clock, channels: int, each: int) -> None:
    """``each`` alerts for each of ``channels`` servers' alerts channels."""
    source, _ = await store.sources.add_source(
        "https://news.test/feed", added_url="x", now=clock.now
    )
    for guild in range(channels):
        await store.guilds.add_guild_source(GUILD + guild, source.id, user_id=ADMIN, now=clock.now)
        await store.guilds.set_alerts_channel(
            GUILD + guild, 5000 + guild, user_id=ADMIN, now=clock.now
        )
    change = PollSuccess(None, None, None, None, None, clock.now + timedelta(minutes=5))
    found = [make_article(source.id, f"a{n}", clock.now, title=f"A{n}") for n in range(each)]
    planned = await Router(store.topics).plan(source, found)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=found, now=clock.now, planned=planned
    )


@pytest.mark.usefixtures("shared")
async def test_two_delivery_processes_never_claim_one_alert_or_share_a_channel(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    await queue_alerts(store, clock, channels=4, each=3)
    first = await store.outbox.claim_due_outbox(clock.now, owner="a", hold=LEASE, limit=2)
    held = {e.channel_id for e in first}
    assert len(first) == 2
    second = await other.outbox.claim_due_outbox(clock.now, owner="b", hold=LEASE)
    again = await store.outbox.claim_due_outbox(clock.now, owner="a", hold=LEASE)
    # "b" takes every alert of the channels "a" isn't sending to, and none of the others;
    # "a" then takes the rest of its channels' (a claim it holds is its own to take again).
    assert {e.channel_id for e in second} == {5000, 5001, 5002, 5003} - held
    assert len(second) == 3 * (4 - len(held))
    assert {e.channel_id for e in again} == held and len(again) == 3 * len(held)
    assert not {e.id for e in again} & {e.id for e in second}
    # Claiming at the same moment: never the same row.
    clock.advance(LEASE.total_seconds() + 1)
    racing = await asyncio.gather(
        store.outbox.claim_due_outbox(clock.now, owner="c", hold=LEASE),
        other.outbox.claim_due_outbox(clock.now, owner="d", hold=LEASE),
    )
    assert sorted(e.id for batch in racing for e in batch) == list(range(1, 13))


@pytest.mark.usefixtures("shared")
async def test_a_sent_alert_is_never_claimed_again_and_a_dead_processes_alerts_are(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    await queue_alerts(store, clock, channels=1, each=2)
    sent, lost = await store.outbox.claim_due_outbox(clock.now, owner="a", hold=LEASE)
    await store.outbox.mark_sent([sent.id], 99, now=clock.now)
    assert await other.outbox.claim_due_outbox(clock.now, owner="b", hold=LEASE) == []
    clock.advance(LEASE.total_seconds() + 1)
    (taken,) = await other.outbox.claim_due_outbox(clock.now, owner="b", hold=LEASE)
    assert taken.id == lost.id
    statuses = {e.id: e.status for e in await store.outbox.outbox_entries()}
    assert statuses == {sent.id: OutboxStatus.SENT, lost.id: OutboxStatus.PENDING}


async def test_a_topic_added_in_one_process_reaches_the_matcher_in_another(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    elsewhere = Router(other.topics)
    assert await elsewhere.refresh()  # the first look loads
    assert not await elsewhere.refresh()  # nothing changed
    await store.topics.add_subscription(7, GUILD, "bridge", "bridge", Delivery.DM, now=clock.now)
    assert await elsewhere.refresh()
    assert [s.topic for s in elsewhere._subscriptions.values()] == ["bridge"]
    await store.topics.remove_subscription(7, GUILD, "bridge")
    assert await elsewhere.refresh()
    assert elsewhere._subscriptions == {}


async def test_a_copy_polled_by_one_worker_joins_the_story_another_worker_started(
    store: Repositories,
    other: Repositories,
    settings: Settings,
    feed_server: FeedServer,
    clock: Clock,
) -> None:
    """Each worker has its own story index; each cycle first takes in what others stored."""
    for outlet in ("one", "two"):
        feed_server.serve(
            f"{outlet}/harbour.html",
            WIRE_STORY.format(outlet=outlet, url=feed_server.url(f"{outlet}/harbour.html")),
            content_type="text/html; charset=utf-8",
        )

    def feed(name: str, items: list[tuple[str, str]]) -> str:
        return feed_server.serve(
            f"{name}.xml",
            rss(
                [
                    {"title": title, "link": link, "guid": f"{name}-{title}"}
                    | {"pubDate": format_datetime(clock.now, usegmt=True)}
                    for title, link in items
                ],
                title=name,
            ),
        )

    one = feed("one", [("Old one", feed_server.url("one/old.html"))])
    two = feed("two", [("Old two", feed_server.url("two/old.html"))])
    # The second worker has been running: its story index is built (empty) before the first
    # worker stores the original.
    running = Stories()
    running.load([])
    async with (
        open_watcher(settings, store, clock, stories=Stories()) as first,
        open_watcher(settings, other, clock, stories=running) as second,
    ):
        await first.add_source(one)
        await second.add_source(two)
        feed("one", [("Harbour bridge reopens", feed_server.url("one/harbour.html"))])
        feed("two", [("Harbour bridge reopens to cyclists", feed_server.url("two/harbour.html"))])
        clock.advance(settings.poll_interval_seconds + 1)
        sources = {s.url: s for s in await store.sources.list_sources()}
        await first.poll_sources([sources[one]])
        await second.poll_sources([sources[two]])
    (original,) = [
        a for a in await store.articles.recent_articles() if a.title == "Harbour bridge reopens"
    ]
    (copy,) = [a for a in await store.articles.recent_articles() if a.title.endswith("to cyclists")]
    assert original.id is not None and copy.id is not None
    copies = await store.queries.story_copies([sources[one].id, sources[two].id], copy.id)
    assert {c.id for c in copies} == {original.id, copy.id}


class IntoStory:
    """A story index that places every article in one story (another worker's, already
    stored)."""

    def __init__(self, story_id: int) -> None:
        self.story_id = story_id

    def place(self, article: Article, article_id: int) -> Placement:
        return Placement(self.story_id, Reason.SIMILAR)

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        pass

    def forget(self, article_ids: Sequence[int]) -> None:
        pass


@pytest.mark.usefixtures("shared")
async def test_two_workers_storing_copies_of_one_story_at_once_alert_the_channel_once(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    """Worker one has queued its copy's alert and not committed yet; worker two, planning from
    what it sees (no alert of the story there), stores its copy meanwhile: it waits for worker
    one and queues no second alert of the story to the channel."""
    one, two, three = await add_sources(store, 3, clock)
    await store.guilds.set_alerts_channel(GUILD, 5000, user_id=ADMIN, now=clock.now)
    for source in (one, two, three):
        await store.guilds.add_guild_source(GUILD, source.id, user_id=ADMIN, now=clock.now)
    change = PollSuccess(None, None, None, None, None, clock.now + timedelta(minutes=5))
    story = make_article(one.id, "g:story", clock.now, title="Harbour bridge")
    (first,) = await store.ingest.record_poll_success(
        one, change, seen_keys=[], new_articles=[story], now=clock.now
    )
    assert first.id is not None
    copy = make_article(three.id, "g:copy-3", clock.now, title="Harbour bridge reopens")
    planned = await Router(other.topics).plan(three, [copy])
    assert [p.channel_id for p in planned["g:copy-3"]] == [5000]  # nothing of the story seen
    async with store.database.engine.connect() as worker_one:
        transaction = await worker_one.begin()
        await worker_one.execute(
            outbox.insert().values(
                kind="alert",
                guild_id=GUILD,
                channel_id=5000,
                source_id=two.id,
                status="pending",
                attempts=0,
                next_attempt_at=clock.now,
                created_at=clock.now,
                story_id=first.id,
            )
        )
        worker_two = asyncio.create_task(
            other.ingest.record_poll_success(
                three,
                change,
                seen_keys=[],
                new_articles=[copy],
                now=clock.now,
                planned=planned,
                stories=IntoStory(first.id),
            )
        )

        async def waiting_for_worker_one() -> bool:
            async with store.database.engine.connect() as conn:
                waits = await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                )
                return bool(waits.scalar_one())

        await eventually(waiting_for_worker_one)
        assert not worker_two.done()
        await transaction.commit()
    (stored,) = await worker_two
    to_channel = [e for e in await store.outbox.outbox_entries() if e.channel_id == 5000]
    assert [e.source_id for e in to_channel] == [two.id]  # worker one's; worker two's skipped
    assert stored.id is not None and stored.title == "Harbour bridge reopens"


@pytest.mark.usefixtures("shared")
async def test_work_of_a_crashed_process_on_this_host_is_taken_over_at_start(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    gone = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os; print(os.getpid())", stdout=asyncio.subprocess.PIPE
    )
    printed, _ = await gone.communicate()
    dead = f"{socket.gethostname()}-{int(printed)}"
    alive = f"{socket.gethostname()}-{os.getpid()}"
    await add_sources(store, 2, clock)
    await store.sources.claim_due_sources(clock.now, owner=dead, lease=LEASE, limit=1)
    await store.sources.claim_due_sources(clock.now, owner=alive, lease=LEASE, limit=1)
    await queue_alerts(store, clock, channels=1, each=1)
    await store.outbox.claim_due_outbox(clock.now, owner=dead, hold=LEASE)
    owners = await other.sources.claim_owners()
    assert owners == {dead, alive}
    assert Settings.dead_local_workers([*owners, "elsewhere-1", "worker-7"]) == [dead]
    await other.sources.release_claims([dead])
    assert await other.sources.claim_owners() == {alive}
    assert len(await other.sources.claim_due_sources(clock.now, owner="next", lease=LEASE)) == 1
    assert len(await other.outbox.claim_due_outbox(clock.now, owner="next", hold=LEASE)) == 1


@pytest.mark.usefixtures("shared")
async def test_a_worker_restarted_under_its_own_name_takes_its_leases_at_once(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    await add_sources(store, 2, clock)
    assert len(await store.sources.claim_due_sources(clock.now, owner="worker-1", lease=LEASE)) == 2
    assert await other.sources.claim_due_sources(clock.now, owner="worker-2", lease=LEASE) == []
    assert len(await other.sources.claim_due_sources(clock.now, owner="worker-1", lease=LEASE)) == 2


async def test_newsbot_worker_polls_matches_and_queues_then_stops_on_sigterm(
    store: Repositories, database_url: str, feed_server: FeedServer, clock: Clock, tmp_path: Path
) -> None:
    """The `newsbot worker` process: a topic added here (as through the bot) matches there."""
    url = feed_server.serve("feed.xml", rss([{"title": "Old", "guid": "old"}]))
    source, _ = await store.sources.add_source(url, added_url=url, now=clock.now)
    await store.guilds.add_guild_source(GUILD, source.id, user_id=ADMIN, now=clock.now)
    env = cli_env(
        DATABASE_URL=database_url,
        ALLOW_PRIVATE_ADDRESSES="true",
        POLL_INTERVAL_SECONDS="5",
        PARSE_WORKERS="1",
        LOG_LEVEL="WARNING",
        WORKER_ID="w1",
        STATS_FILE=str(tmp_path / "stats.jsonl"),
    )
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "worker",
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        for _ in range(200):
            polled = await store.sources.get_source(source.id)
            if polled is not None and polled.last_success_at is not None:
                break
            await asyncio.sleep(0.05)
        await store.topics.add_subscription(
            7, GUILD, "harbour", "harbour", Delivery.DM, now=clock.now
        )
        feed_server.serve(
            "feed.xml",
            rss(
                [
                    {"title": "Harbour bridge reopens", "guid": "new"},
                    {"title": "Old", "guid": "old"},
                ]
            ),
        )
        for _ in range(400):
            queued = await store.outbox.outbox_entries()
            if any(e.user_id == 7 for e in queued):
                break
            await asyncio.sleep(0.05)
        assert any(e.user_id == 7 for e in queued), "the worker never matched the new topic"
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(worker.communicate(), 30)
    assert worker.returncode == 0, errors.decode()
    lines = [json.loads(line) for line in (tmp_path / "stats.jsonl").read_text().splitlines()]
    assert {line["worker"] for line in lines} == {"w1"}
    assert lines[-1]["polled"] >= 2 and lines[-1]["statements"] > lines[0]["statements"]


async def test_a_process_running_some_shards_delivers_only_their_servers_alerts(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    source, _ = await store.sources.add_source(
        "https://news.test/feed", added_url="x", now=clock.now
    )
    on_shard = {0: 2 << 22, 1: 3 << 22}  # Discord puts a server on (id >> 22) % shard count
    for shard, guild in on_shard.items():
        assert shard_of(guild, 2) == shard
        await store.guilds.add_guild_source(guild, source.id, user_id=ADMIN, now=clock.now)
        await store.guilds.set_alerts_channel(guild, 7000 + shard, user_id=ADMIN, now=clock.now)
    change = PollSuccess(None, None, None, None, None, clock.now + timedelta(minutes=5))
    found = [make_article(source.id, f"a{n}", clock.now, title=f"A{n}") for n in range(2)]
    planned = await Router(store.topics).plan(source, found)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=found, now=clock.now, planned=planned
    )
    zero, one = await asyncio.gather(
        store.outbox.claim_due_outbox(clock.now, owner="s0", hold=LEASE, shards=(2, [0])),
        other.outbox.claim_due_outbox(clock.now, owner="s1", hold=LEASE, shards=(2, [1])),
    )
    assert {e.guild_id for e in zero} == {on_shard[0]} and len(zero) == 2
    assert {e.guild_id for e in one} == {on_shard[1]} and len(one) == 2


async def test_a_failing_source_is_told_once_when_two_processes_notice_it(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    source, _ = await store.sources.add_source(
        "https://news.test/feed", added_url="x", now=clock.now
    )
    await store.guilds.add_guild_source(GUILD, source.id, user_id=ADMIN, now=clock.now)
    await store.guilds.set_alerts_channel(GUILD, 5000, user_id=ADMIN, now=clock.now)
    await store.sources.record_failure(source, "timed out", now=clock.now, next_poll_at=clock.now)
    clock.advance(2 * 86400)
    seen = await asyncio.gather(
        store.outbox.source_health_notices(failing_before=clock.now - timedelta(days=1)),
        other.outbox.source_health_notices(failing_before=clock.now - timedelta(days=1)),
    )
    assert all(len(notices) == 1 for notices in seen)
    await asyncio.gather(
        store.outbox.record_source_notice(seen[0][0], "failing", now=clock.now),
        other.outbox.record_source_notice(seen[1][0], "failing", now=clock.now),
    )
    assert len(await store.outbox.outbox_entries()) == 1


async def test_reconciling_some_shards_forgets_only_their_servers(
    store: Repositories, clock: Clock
) -> None:
    for guild in (2 << 22, 3 << 22):
        await store.guilds.join_guild(guild, now=clock.now)
    sources = ServerSources(
        guilds=store.guilds,
        sources=store.sources,
        outbox=store.outbox,
        articles=store.articles,
        threads=store.threads,
        watcher=None,  # type: ignore[arg-type]
        default_sources=[],
        clock=clock,
    )
    # The process of shard 0 sees none of its servers: it forgets shard 0's only.
    assert await sources.reconcile([], shards=(2, [0])) == 1
    assert await store.guilds.guild_ids() == {3 << 22}


async def test_a_source_being_added_is_left_to_the_poll_that_adds_it(
    store: Repositories, other: Repositories, clock: Clock
) -> None:
    """The add polls it at once (its backfill); no cycle, here or elsewhere, takes it too."""
    source, created = await store.sources.add_source(
        "https://new.test/feed",
        added_url="x",
        now=clock.now,
        leased_to=("w1 (adding)", clock.now + LEASE),
    )
    assert created
    assert await store.sources.claim_due_sources(clock.now, owner="w1", lease=LEASE) == []
    assert await other.sources.claim_due_sources(clock.now, owner="w2", lease=LEASE) == []
    await store.sources.record_failure(source, "timed out", now=clock.now, next_poll_at=clock.now)
    (again,) = await other.sources.claim_due_sources(clock.now, owner="w2", lease=LEASE)
    assert again.id == source.id


class Workers:
    """Two `newsbot worker` processes on one database, each writing a line per cycle to its
    STATS_FILE (so a test can wait for cycles that began after something it did)."""

    NAMES = ("w1", "w2")

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url, self.tmp_path = database_url, tmp_path
        self.processes: list[asyncio.subprocess.Process] = []

    def stats(self, name: str) -> Path:
        return self.tmp_path / f"stats-{name}.jsonl"

    def cycles(self, name: str) -> int:
        path = self.stats(name)
        return len(path.read_text().splitlines()) if path.exists() else 0

    async def start(self) -> None:
        for name in self.NAMES:
            env = cli_env(
                DATABASE_URL=self.database_url,
                ALLOW_PRIVATE_ADDRESSES="true",
                POLL_INTERVAL_SECONDS="3600",
                PARSE_WORKERS="1",
                LOG_LEVEL="WARNING",
                WORKER_ID=name,
                STATS_FILE=str(self.stats(name)),
            )
            self.processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "worker",
                    env=env,
                    cwd=self.tmp_path,
                    stderr=asyncio.subprocess.PIPE,
                )
            )
        await self.wait_cycles(1)

    async def wait_cycles(self, more: int, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Until each worker has finished ``more`` cycles from now (the last of them began
        after this call, when ``more`` is 2)."""
        target = {name: self.cycles(name) + more for name in self.NAMES}
        for _ in range(int(timeout / 0.05)):
            if all(self.cycles(name) >= n for name, n in target.items()):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the workers ran too few cycles: {target}")

    async def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            _, errors = await asyncio.wait_for(process.communicate(), 30)
            assert process.returncode == 0, errors.decode()


@pytest.mark.usefixtures("shared")
async def test_a_source_added_by_command_is_polled_once_while_two_workers_poll(
    store: Repositories, database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    """`/sources add`, `/sources import` and `/sources edit` beside two `newsbot worker`s:
    each new source is polled once in its first cycle, by the command (add) or by one worker
    (import, edit), never by both or by both workers. The add's own fetch is held until both
    workers have run two cycles, so a worker that could take the source would have taken it."""
    from bot.services import open_services

    workers = Workers(database_url, tmp_path)

    def serve(path: str) -> str:
        return feed_server.serve(path, rss([{"title": f"{path} story", "guid": path}]))

    added_url = serve("added.xml")
    held = feed_server.routes["/added.xml"]

    async def slow_first_fetch(request: web.Request) -> web.StreamResponse:
        if feed_server.hits["/added.xml"] == 1:
            await workers.wait_cycles(2)
        return await held(request)

    feed_server.route("added.xml", slow_first_fetch)
    imported_url, moved_url, old_url = serve("imported.xml"), serve("moved.xml"), serve("old.xml")
    settings = make_settings(
        tmp_path,
        database_url=database_url,
        worker_id="gateway",
        http_read_timeout=60.0,
        http_total_timeout=90.0,
    )
    await workers.start()
    try:
        async with open_services(settings) as services:
            router = services.router()
            watcher = services.watcher(router=router)
            sources = services.server_sources(watcher, router=router)
            controls = services.source_controls()
            await store.guilds.join_guild(GUILD, now=datetime.now(UTC))

            added = await sources.add(GUILD, ADMIN, added_url, backfill=0)
            assert feed_server.hits["/added.xml"] == 1

            preview = await controls.preview_import(GUILD, f"{imported_url}\n".encode())
            assert (await controls.confirm_import(preview, user_id=ADMIN)).added == 1
            old = await sources.add(GUILD, ADMIN, old_url, backfill=0)
            await controls.edit(GUILD, old.source.id, url=moved_url)
            probed = {path: feed_server.hits[path] for path in ("/imported.xml", "/moved.xml")}
            assert probed == {"/imported.xml": 1, "/moved.xml": 1}  # each checked once first

            await workers.wait_cycles(2)
        await workers.wait_cycles(2)
    finally:
        await workers.stop()
    polled = {s.url: s for s in await store.sources.list_sources()}
    assert feed_server.hits["/added.xml"] == 1, "a worker polled the source being added"
    assert polled[added_url].last_success_at is not None
    assert feed_server.hits["/imported.xml"] == 2 and feed_server.hits["/moved.xml"] == 2
    assert polled[imported_url].last_polled_at is not None
    assert polled[moved_url].last_polled_at is not None
    assert feed_server.hits["/old.xml"] == 1
    assert added.items == 1
