"""Delivery throughput: alerts per second from the outbox to a (fake) Discord that enforces
per-channel rate limits, and how many 429s our own pacing provoked.

    python bench/deliver.py [--channels 10] [--alerts 300] [--bucket 5/5] [--digests 3]
                            [--lines 50]

The real Deliverer and DiscordSender (discord.py's HTTP client, which follows Discord's
rate-limit headers) against tests/fakediscord on loopback, with Discord's per-channel message
limit (5 per 5 s by default). A steady stream: every alert is queued, then delivered. Then, in
the same run, ``--digests`` digest routes per channel come due at once: each digest is queued
(its stories read from the store, ranked) and delivered, and its rate is printed beside the
alerts'. Then, still in the same run, one forum per server gets a story's post and ``--lines``
later copies of it, which go into the post as lines (batched per thread): the posts and the
lines are timed apart. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def seed(store: object, guild_ids: list[int], channel_ids: list[int], alerts: int) -> None:
    from bot.routing import Router
    from bot.storage.ingest import PollSuccess
    from bot.storage.repositories import Repositories
    from tests.factories import make_article

    assert isinstance(store, Repositories)
    now = datetime.now(UTC)
    per_channel = alerts // len(channel_ids)
    for index, (guild_id, channel_id) in enumerate(zip(guild_ids, channel_ids, strict=True)):
        source, _ = await store.sources.add_source(
            f"http://127.0.0.1:9/{index}", added_url="x", now=now
        )
        await store.guilds.set_alerts_channel(guild_id, channel_id, user_id=1, now=now)
        await store.guilds.add_guild_source(guild_id, source.id, user_id=1, now=now)
        found = [
            make_article(
                source.id,
                f"g:{n}",
                now,
                title=f"Story {n} from outlet {index}",
                lead="A lead sentence of realistic length that says what happened and where.",
                site=f"Outlet {index}",
            )
            for n in range(per_channel)
        ]
        change = PollSuccess(f"Outlet {index}", None, None, None, None, now + timedelta(days=1))
        planned = await Router(store.topics).plan(source, found)  # the server's alerts channel
        await store.ingest.record_poll_success(
            source, change, seen_keys=[], new_articles=found, now=now, planned=planned
        )


async def drain(store: object, deliverer: object, *, deadline: float) -> None:
    """Delivery rounds until nothing is pending in the outbox, or the deadline (a
    ``time.perf_counter()`` reading) has passed."""
    from bot.delivery import Deliverer, OutboxStatus
    from bot.storage.repositories import Repositories

    assert isinstance(store, Repositories) and isinstance(deliverer, Deliverer)
    while time.perf_counter() < deadline:
        await deliverer.deliver_due()
        if not await store.outbox.outbox_entries(status=OutboxStatus.PENDING):
            break


async def run(args: argparse.Namespace) -> dict[str, float]:
    import discord

    from bot.delivery import Deliverer, OutboxStatus
    from bot.discord_sender import DiscordSender
    from bot.storage.repositories import Repositories
    from tests.fakediscord import FakeDiscord

    limit, per = (float(x) for x in args.bucket.split("/"))
    fake = FakeDiscord()
    fake.message_bucket = (int(limit), per)
    await fake.start()
    guild_ids, channel_ids = [], []
    for index in range(args.channels):
        guild = fake.add_guild(f"Server {index}")
        channel = guild.add_channel("news")
        guild_ids.append(int(guild.id))
        channel_ids.append(int(channel.id))
    with tempfile.TemporaryDirectory() as tmp:
        store = Repositories.open(f"sqlite+aiosqlite:///{Path(tmp) / 'deliver.sqlite3'}")
        await store.database.migrate()
        await seed(store, guild_ids, channel_ids, args.alerts)
        queued = len(await store.outbox.outbox_entries(status=OutboxStatus.PENDING))
        discord.http.Route.BASE = fake.rest_base
        client = discord.Client(intents=discord.Intents.none())
        await client.login(fake.token)
        deliverer = Deliverer(
            outbox=store.outbox,
            guilds=store.guilds,
            topics=store.topics,
            quiet=store.quiet,
            threads=store.threads,
            articles=store.articles,
            digests=store.digests,
            queries=store.queries,
            sender=DiscordSender(client),
            route_alert_cap=10_000,
            clock=lambda: datetime.now(UTC),
        )
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        await drain(store, deliverer, deadline=started + args.max_seconds)
        wall = time.perf_counter() - started
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        sent = len(await store.outbox.outbox_entries(status=OutboxStatus.SENT))
        digest_figures = await run_digests(store, deliverer, guild_ids, channel_ids, args)
        thread_figures = await run_threads(fake, store, deliverer, args)
        await client.close()
        await store.close()
    posts = fake.requests_matching("POST", r"/channels/\d+/messages")
    too_many = [r for r in posts if r.status == 429]
    delivered = sum(
        len(fake.messages(c)) for g in fake.guilds.values() for c in g.channels if c.type == 0
    )
    await fake.stop()
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    # The ceiling Discord's own limit allows: limit per `per` seconds in each channel.
    ceiling = args.channels * limit / per
    return {
        "channels": args.channels,
        "alerts_queued": queued,
        "alerts_sent": sent,
        "messages_in_channels": delivered,
        "wall_s": round(wall, 2),
        "alerts_per_s": round(sent / wall, 1) if wall else 0.0,
        "rate_limit_ceiling_per_s": round(ceiling, 1),
        "http_429s": len(too_many),
        "violations": len(fake.violations),
        "cpu_ms_per_alert": round(1000 * cpu / max(sent, 1), 2),
        **digest_figures,
        **thread_figures,
    }


DIGEST_TOPICS = ("story", "outlet", "sentence", "realistic", "happened", "lead")


async def run_digests(
    store: object,
    deliverer: object,
    guild_ids: list[int],
    channel_ids: list[int],
    args: argparse.Namespace,
) -> dict[str, float]:
    """Digest routes that all come due now: queued, then delivered; timed like the alerts."""
    from bot.delivery import Deliverer, OutboxStatus
    from bot.digests import Period, Schedule
    from bot.storage.repositories import Repositories

    assert isinstance(store, Repositories) and isinstance(deliverer, Deliverer)
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    schedule = Schedule(Period.DAILY, due, "UTC").encode()
    for guild_id, channel_id in zip(guild_ids, channel_ids, strict=True):
        for topic in DIGEST_TOPICS[: args.digests]:
            await store.topics.add_route(
                guild_id,
                channel_id,
                topic,
                topic,
                role_id=None,
                user_id=1,
                now=now - timedelta(hours=1),
                digest=schedule,
            )
    before = len(await store.outbox.outbox_entries(status=OutboxStatus.SENT))
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    queued = await deliverer.queue_due_digests()
    queue_s = time.perf_counter() - started
    await drain(store, deliverer, deadline=started + args.max_seconds)
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    sent = len(await store.outbox.outbox_entries(status=OutboxStatus.SENT)) - before
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {
        "digests_queued": queued,
        "digests_sent": sent,
        "digests_queue_ms": round(1000 * queue_s, 1),
        "digests_wall_s": round(wall, 2),
        "digests_per_s": round(sent / wall, 1) if wall else 0.0,
        "cpu_ms_per_digest": round(1000 * cpu / max(sent, 1), 2),
    }


class OneStoryPerSource:
    """Story placement for the bench: each source's articles are copies of its first."""

    def __init__(self) -> None:
        self.first: dict[int, int] = {}

    def place(self, article: object, article_id: int) -> object:
        from bot.articles import Article
        from bot.stories.index import Placement, Reason

        assert isinstance(article, Article)
        first = self.first.setdefault(article.source_id, article_id)
        if first == article_id:
            return Placement(article_id, Reason.NEW)
        return Placement(first, Reason.TEXT, 0.9)

    def merge(self, into: int, absorbed: object) -> None:
        pass

    def forget(self, article_ids: object) -> None:
        pass


async def run_threads(
    fake: object, store: object, deliverer: object, args: argparse.Namespace
) -> dict[str, float]:
    """A forum per server: a story opens a post, then ``args.lines`` copies of it arrive and
    go in the post as lines. Posts and lines are timed apart."""
    from bot.delivery import Deliverer, OutboxStatus
    from bot.records import OutboxKind, ThreadMode
    from bot.routing import Router
    from bot.storage.ingest import PollSuccess
    from bot.storage.repositories import Repositories
    from tests.factories import make_article
    from tests.fakediscord import FakeDiscord

    assert isinstance(store, Repositories) and isinstance(deliverer, Deliverer)
    assert isinstance(fake, FakeDiscord)
    if not args.lines:
        return {}
    now = datetime.now(UTC)
    placer = OneStoryPerSource()
    change = PollSuccess("Wire", None, None, None, None, now + timedelta(days=1))
    sources = []
    forums = []
    for index in range(args.channels):
        guild = fake.add_guild(f"Forum server {index}")
        forum = guild.add_forum("stories", tags=("Story", "Outlet"))
        forums.append(forum)
        source, _ = await store.sources.add_source(
            f"http://127.0.0.1:9/w{index}", added_url="x", now=now
        )
        sources.append(source)
        await store.guilds.set_alerts_channel(int(guild.id), int(forum.id), user_id=1, now=now)
        await store.threads.set_thread_mode(int(guild.id), int(forum.id), ThreadMode.FORUM, now=now)
        await store.guilds.add_guild_source(int(guild.id), source.id, user_id=1, now=now)
        first = make_article(source.id, "w:0", now, title=f"Story {index}", site="Wire")
        await store.ingest.record_poll_success(
            source,
            change,
            seen_keys=[],
            new_articles=[first],
            now=now,
            stories=placer,
            planned=await Router(store.topics).plan(source, [first]),
        )
    started = time.perf_counter()
    await drain(store, deliverer, deadline=started + args.max_seconds)
    posts_wall = time.perf_counter() - started
    posts = sum(len(fake.threads_in(forum)) for forum in forums)
    for source in sources:
        copies = [
            make_article(
                source.id, f"w:{n}", now, title=f"Copy {n} of the story", site=f"Paper {n}"
            )
            for n in range(1, args.lines + 1)
        ]
        await store.ingest.record_poll_success(
            source,
            change,
            seen_keys=[],
            new_articles=copies,
            now=now,
            stories=placer,
            planned=await Router(store.topics).plan(source, copies),
        )
    queued = [
        e
        for e in await store.outbox.outbox_entries(status=OutboxStatus.PENDING)
        if e.kind is OutboxKind.LINE
    ]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    await drain(store, deliverer, deadline=started + args.max_seconds)
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    sent = [
        e
        for e in await store.outbox.outbox_entries(status=OutboxStatus.SENT)
        if e.kind is OutboxKind.LINE
    ]
    messages = sum(len(fake.messages(t)) - 1 for forum in forums for t in fake.threads_in(forum))
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {
        "forum_posts": posts,
        "forum_posts_per_s": round(posts / posts_wall, 1) if posts_wall else 0.0,
        "lines_queued": len(queued),
        "lines_sent": len(sent),
        "line_messages": messages,
        "lines_wall_s": round(wall, 2),
        "lines_per_s": round(len(sent) / wall, 1) if wall else 0.0,
        "cpu_ms_per_line": round(1000 * cpu / max(len(sent), 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--bucket", default="5/5", help="per-channel limit: messages/seconds")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument(
        "--digests",
        type=int,
        default=3,
        choices=range(len(DIGEST_TOPICS) + 1),
        help="digest routes per channel, all due at once after the alerts (0: none)",
    )
    parser.add_argument(
        "--lines",
        type=int,
        default=50,
        help="later copies of one story per forum, sent as lines in its post (0: none)",
    )
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(
        f"delivered {figures['alerts_sent']} of {figures['alerts_queued']} alerts to "
        f"{figures['channels']} channels in {figures['wall_s']} s: "
        f"{figures['alerts_per_s']} alerts/s (Discord's per-channel limit allows "
        f"{figures['rate_limit_ceiling_per_s']}/s here)"
    )
    print(f"429 responses provoked: {figures['http_429s']}   (goal: 0)")
    print(f"payloads against the spec: {figures['violations']} violations")
    print(f"CPU per alert: {figures['cpu_ms_per_alert']} ms")
    print(
        f"digests: {figures['digests_sent']} of {figures['digests_queued']} sent in "
        f"{figures['digests_wall_s']} s ({figures['digests_per_s']}/s; queued in "
        f"{figures['digests_queue_ms']} ms), CPU per digest {figures['cpu_ms_per_digest']} ms"
    )
    if "lines_sent" in figures:
        print(
            f"forum posts: {figures['forum_posts']} ({figures['forum_posts_per_s']}/s); "
            f"thread lines: {figures['lines_sent']} of {figures['lines_queued']} in "
            f"{figures['line_messages']} messages, {figures['lines_wall_s']} s "
            f"({figures['lines_per_s']} lines/s), CPU per line {figures['cpu_ms_per_line']} ms"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
