"""Commands that can't stall every server: a member whose topics match a week of long articles
runs /subscriptions, and an admin runs /alerts preview, while a poll is under way; another
server's commands, kept coming until that answer arrives, are each acknowledged within a
deadline of 1 s (Discord's is 3 s). The fake Discord refuses an answer that comes later, as
Discord does. (The fake runs on the bot's event loop: a command sent just before a stall is the
one whose answer the stall holds up.)"""

from __future__ import annotations

import asyncio
import gc
import random
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.articles import Article
from bot.storage.ingest import PollSuccess
from tests.conftest import DEMO_WWW, rss
from tests.fakediscord import Channel, Guild, InteractionHandle, User
from tests.test_discord_e2e import Scene, scene
from tests.test_stories import BODY

# Each test times other servers' answers against the fake Discord's 10 s wait: run alone (make test
# runs the `serial` tests after the parallel run), where no other test competes for the CPU.
pytestmark = [pytest.mark.both_engines, pytest.mark.serial]

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

LONG_ARTICLES = 120
ARTICLE_CHARS = 100_000
DEADLINE = 1.0
UNANSWERED = 3
NATO_PAGE = DEMO_WWW / "globaltimes" / "2022" / "01" / "nato-chief-warns-real-risk.html"


def long_text(rng: random.Random) -> str:
    """About ARTICLE_CHARS characters of news prose (the same story's sentences, shuffled)."""
    sentences = [s.strip() + "." for s in BODY.replace("\n", " ").split(".") if s.strip()]
    parts: list[str] = []
    size = 0
    while size < ARTICLE_CHARS:
        sentence = rng.choice(sentences)
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)


async def store_a_week_of_long_articles(scene: Scene, *, days_ago: int = 4) -> None:
    """LONG_ARTICLES long articles published and fetched four days ago (within the
    week /subscriptions and /alerts preview look at; before the three days the story index
    keeps, so the poll under way doesn't load them into it), or ``days_ago``."""
    now = datetime.now(UTC) - timedelta(days=days_ago)
    source, _ = await scene.store.sources.add_source(
        "https://wire.test/feed", added_url="x", now=now
    )
    await scene.store.guilds.add_guild_source(int(scene.guild.id), source.id, user_id=1, now=now)
    rng = random.Random(7)
    found = [
        Article(
            source_id=source.id,
            item_key=f"long-{n}",
            url=f"https://wire.test/{n}",
            canonical_url=None,
            title=f"Harbour bridge report {n}",
            published=now - timedelta(minutes=n),  # the newest first
            author=None,
            site_name="Wire",
            lead="The harbour authority said the bridge would reopen.",
            text=long_text(rng),
            image=None,
            from_page=True,
            fetched_at=now,
        )
        for n in range(LONG_ARTICLES)
    ]
    change = PollSuccess(None, None, None, None, None, now + timedelta(hours=1))
    for start in range(0, LONG_ARTICLES, 20):
        await scene.store.ingest.record_poll_success(
            source, change, seen_keys=[], new_articles=found[start : start + 20], now=now
        )


def another_server(scene: Scene) -> tuple[Guild, Channel, User]:
    """A second server using the bot's commands (registered globally, as `newsbot
    sync-commands` does)."""
    fake = scene.fake
    fake.global_commands.extend(
        c for c in fake.commands(scene.guild) if c not in fake.global_commands
    )
    reader = fake.add_user("elsewhere")
    guild = fake.add_guild("Elsewhere", owner_id=reader.id)
    return guild, guild.add_channel("general"), reader


async def meanwhile_elsewhere(scene: Scene, done: Callable[[], bool]) -> int:
    """Until ``done()``, another server's members run /subscriptions: three of them, each
    sending their next command as soon as the one before it was acknowledged, so that one is
    always on its way (whenever a stall would begin, it holds one up); each waits for the
    answers to all but their last UNANSWERED commands, so they never pile up. Each must be
    acknowledged in time, and answered. Returns how many were sent."""
    guild, channel, reader = another_server(scene)
    sent: list[InteractionHandle] = []
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 60

    async def one_after_another() -> None:
        unanswered: deque[InteractionHandle] = deque()
        while not done() and loop.time() < give_up:
            handle = await scene.fake.invoke(
                "subscriptions", {}, guild=guild, channel=channel, user=reader, subcommand="list"
            )
            sent.append(handle)
            unanswered.append(handle)
            await handle.response(timeout=15)  # the fake refuses an acknowledgement too late
            if len(unanswered) > UNANSWERED:
                await unanswered.popleft().response(timeout=15, followups=1)

    await asyncio.gather(*(one_after_another() for _ in range(3)))
    for handle in sent:
        answer = await handle.response(timeout=15, followups=1)
        assert "You follow no topics here yet" in answer.followups[0]["content"]
    return len(sent)


async def a_poll_under_way(scene: Scene) -> asyncio.Task[object]:
    page = NATO_PAGE.read_text(encoding="utf-8")
    items = []
    for n in range(8):
        link = scene.feeds.serve(f"page{n}.html", page, content_type="text/html")
        items.append({"title": f"Item {n}", "link": link, "guid": f"i{n}"})
    url = scene.feeds.serve("busy.xml", rss(items[:1], title="Busy"))
    await scene.command("sources", "add", {"url": url}, followups=1)
    scene.feeds.serve("busy.xml", rss(items, title="Busy"))
    watcher = scene.bot.services.watcher
    sources = [s for s in await scene.store.sources.list_sources() if s.url == url]
    return asyncio.create_task(watcher.poll_sources(sources))


# Pages are parsed in worker processes, as in production (one per core by default).
@pytest.mark.settings(parse_workers=2)
async def test_subscriptions_over_long_articles_during_a_poll_stall_no_other_server(
    scene: Scene,
) -> None:
    await store_a_week_of_long_articles(scene)
    member = scene.fake.add_user("reader")
    scene.guild.add_member(member)
    for topic in ("harbour", "bridge reopen", '"lord mayor"', "cyclists -trains", "pyrmont"):
        handle = await scene.fake.invoke(
            "subscribe", {"topic": topic}, guild=scene.guild, channel=scene.channel, user=member
        )
        await handle.response(timeout=10)
    # The set-up's garbage (120 long texts) is collected now, not in a pause while measuring.
    gc.collect()
    poll = await a_poll_under_way(scene)
    scene.fake.interaction_deadline = DEADLINE

    mine = await scene.fake.invoke(
        "subscriptions",
        {},
        guild=scene.guild,
        channel=scene.channel,
        user=member,
        subcommand="list",
    )
    assert await meanwhile_elsewhere(scene, lambda: len(mine.followups) >= 1) >= 1
    counted = (await mine.response(timeout=30, followups=1)).followups[0]["content"]
    assert f"“harbour” (dm): {LONG_ARTICLES} matches in 7 days" in counted
    assert "“cyclists -trains” (dm):" in counted
    await poll
    assert scene.fake.violations == []


@pytest.mark.settings(parse_workers=2)
async def test_alerts_preview_over_long_articles_stalls_no_other_server(scene: Scene) -> None:
    await store_a_week_of_long_articles(scene)
    # The set-up's garbage (120 long texts) is collected now, not in a pause while measuring.
    gc.collect()
    poll = await a_poll_under_way(scene)
    scene.fake.interaction_deadline = DEADLINE

    preview = await scene.fake.invoke(
        "alerts",
        {"topic": "harbour bridge"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="preview",
    )
    assert await meanwhile_elsewhere(scene, lambda: len(preview.followups) >= 1) >= 1
    shown = (await preview.response(timeout=30, followups=1)).followups[0]["content"]
    assert shown.startswith(f"{LONG_ARTICLES} matches in 7 days:")
    assert "Harbour bridge report 0" in shown and "bridge, harbour in title" in shown
    assert f"…and {LONG_ARTICLES - 10} more." in shown
    await poll
    assert scene.fake.violations == []


@pytest.mark.settings(parse_workers=2)
async def test_loading_the_story_index_after_a_restart_stalls_no_other_server(
    scene: Scene,
) -> None:
    """The first articles stored after a start load the last days' long articles into the
    story index (seconds of work): another server's commands are acknowledged in time
    meanwhile."""
    await store_a_week_of_long_articles(scene, days_ago=1)
    gc.collect()
    stories = scene.bot.services.watcher._stories
    assert stories is not None
    poll = await a_poll_under_way(scene)
    assert not stories.loaded
    scene.fake.interaction_deadline = DEADLINE

    assert await meanwhile_elsewhere(scene, poll.done) >= 1
    await poll
    assert stories.loaded and len(stories.index) > LONG_ARTICLES
    assert scene.fake.violations == []
