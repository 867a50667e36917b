"""Forums and a thread per story, end to end through the fake Discord: a forum post per story
(title, first message, the forum's matching tags), a thread per story in a text channel, later
copies as lines in it, archived threads unarchived, deleted ones never made again, and the
permission messages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from bot.records import OutboxKind, OutboxStatus, ThreadMode
from tests.conftest import rss
from tests.fakediscord import Channel
from tests.test_discord_e2e import Scene, scene
from tests.test_stories import BODY

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

COPY = "Home | World | Sport\n\n" + BODY + "\n\nSource link"


def item(scene: Scene, name: str, text: str) -> dict[str, str]:
    return {
        "title": f"Pyrmont bridge to reopen ({name})",
        "link": scene.feeds.url(f"{name}.html"),
        "guid": name,
        "pubDate": format_datetime(datetime.now(UTC), usegmt=True),
        "description": text,
    }


async def watch(scene: Scene, *outlets: str) -> None:
    for feed in outlets:
        url = scene.feeds.serve(
            f"{feed}.xml", rss([item(scene, f"{feed}-old", "Old.")], title=feed.title())
        )
        await scene.command("sources", "add", {"url": url}, followups=1)


async def publish(scene: Scene, feed: str, text: str) -> None:
    """One outlet publishes (its copy of) the story, and the watcher polls."""
    scene.feeds.serve(f"{feed}.xml", rss([item(scene, f"{feed}-1", text)], title=feed.title()))
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())


async def add_forum(scene: Scene, name: str, **kwargs: Any) -> Channel:
    """A forum made while the bot runs (Discord tells it with CHANNEL_CREATE)."""
    forum = scene.guild.add_forum(name, **kwargs)
    await scene.fake.dispatch("CHANNEL_CREATE", forum.payload())
    await scene.wait_for(lambda: scene.bot.get_channel(int(forum.id)) is not None)
    return forum


async def add_channel(scene: Scene, name: str, **kwargs: Any) -> Channel:
    channel = scene.guild.add_channel(name, **kwargs)
    await scene.fake.dispatch("CHANNEL_CREATE", channel.payload())
    await scene.wait_for(lambda: scene.bot.get_channel(int(channel.id)) is not None)
    return channel


async def settled(scene: Scene, rows: int) -> None:
    """Wait until the outbox has this many rows, none of them pending."""
    for _ in range(200):
        entries = await scene.store.outbox.outbox_entries()
        if len(entries) == rows and all(e.status is not OutboxStatus.PENDING for e in entries):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox not settled: {await scene.store.outbox.outbox_entries()}")


def first_messages(scene: Scene, parent: Channel) -> list[dict[str, Any]]:
    return [scene.fake.messages(t)[0] for t in scene.fake.threads_in(parent)]


def lines_in(scene: Scene, thread: Channel) -> list[str]:
    return [
        line
        for m in scene.fake.messages(thread)
        if not m.get("embeds")
        for line in m["content"].splitlines()
    ]


async def test_a_forum_post_per_story_with_the_forum_tags_and_later_copies_as_lines(
    scene: Scene,
) -> None:
    forum = await add_forum(scene, "news-forum", tags=("Sports", "PYRMONT", "Bridges"))
    answer = await scene.command("alerts", "add", {"topic": "pyrmont", "channel": forum.id})
    assert "Each story opens a post there" in answer.content
    assert await scene.store.threads.thread_mode(int(forum.id)) is ThreadMode.FORUM
    await watch(scene, "wire", "paper")
    await publish(scene, "wire", BODY)
    await scene.wait_for(lambda: len(scene.fake.threads_in(forum)) == 1)
    (post,) = scene.fake.threads_in(forum)
    assert post.name == "Pyrmont bridge to reopen (wire-1)"
    assert post.applied_tags == [forum.tag("PYRMONT").id]  # not "Sports" or "Bridges"
    (first,) = scene.fake.messages(post)
    assert first["id"] == post.id
    assert first["embeds"][0]["title"] == "Pyrmont bridge to reopen (wire-1)"

    await publish(scene, "paper", COPY)
    await scene.wait_for(lambda: len(lines_in(scene, post)) == 1)
    (line,) = lines_in(scene, post)
    assert line.startswith("📰 **Paper**: [Pyrmont bridge to reopen (paper-1)](<")
    # The first message says who else reported it, as alerts do; no second post.
    await scene.wait_for(
        lambda: any(
            f["name"] == "Also reported by"
            for f in scene.fake.messages(post)[0]["embeds"][0].get("fields", [])
        )
    )
    assert len(scene.fake.threads_in(forum)) == 1
    assert scene.fake.messages(forum) == []
    sent = await scene.store.outbox.outbox_entries(status=OutboxStatus.SENT)
    assert sorted(e.kind for e in sent) == [OutboxKind.ALERT, OutboxKind.LINE]
    assert scene.fake.violations == []


async def test_a_text_channel_per_story_starts_a_thread_from_the_alert(scene: Scene) -> None:
    answer = await scene.command(
        "alerts", "channel", {"channel": scene.channel.id, "threads": "per-story"}
    )
    assert "starts a thread there" in answer.content
    await watch(scene, "wire", "paper")
    await publish(scene, "wire", BODY)
    await scene.wait_for(lambda: len(scene.fake.threads_in(scene.channel)) == 1)
    (thread,) = scene.fake.threads_in(scene.channel)
    (alert,) = scene.alerts()
    assert thread.id == alert["id"]
    assert thread.name == "Pyrmont bridge to reopen (wire-1)"

    await publish(scene, "paper", COPY)
    await scene.wait_for(lambda: len(lines_in(scene, thread)) == 1)
    assert lines_in(scene, thread)[0].startswith("📰 **Paper**: ")
    assert len(scene.alerts()) == 1  # no second alert in the channel
    assert scene.fake.violations == []


async def test_an_archived_thread_is_unarchived_for_the_next_line(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel.id, "threads": "per-story"})
    await watch(scene, "wire", "paper")
    await publish(scene, "wire", BODY)
    await scene.wait_for(lambda: len(scene.fake.threads_in(scene.channel)) == 1)
    (thread,) = scene.fake.threads_in(scene.channel)
    await scene.fake.archive_thread(thread)

    await publish(scene, "paper", COPY)
    await scene.wait_for(lambda: len(lines_in(scene, thread)) == 1)
    assert not thread.archived
    unarchived = scene.fake.requests_matching("PATCH", rf"/channels/{thread.id}")
    assert [r.json for r in unarchived] == [{"archived": False}]


async def test_a_deleted_thread_is_not_made_again_for_its_story(scene: Scene) -> None:
    forum = await add_forum(scene, "news-forum")
    await scene.command("alerts", "channel", {"channel": forum.id})
    await watch(scene, "wire", "paper", "daily")
    await publish(scene, "wire", BODY)
    await scene.wait_for(lambda: len(scene.fake.threads_in(forum)) == 1)
    (post,) = scene.fake.threads_in(forum)
    await scene.fake.delete_thread(post)

    await publish(scene, "paper", COPY)
    await settled(scene, 2)
    await publish(scene, "daily", "Sydney | " + BODY)
    await settled(scene, 3)
    entries = await scene.store.outbox.outbox_entries()
    assert [(e.kind, e.status) for e in entries] == [
        (OutboxKind.ALERT, OutboxStatus.SENT),
        (OutboxKind.LINE, OutboxStatus.DROPPED),
        (OutboxKind.LINE, OutboxStatus.DROPPED),
    ]
    assert scene.fake.threads_in(forum) == []  # never made again
    assert scene.fake.requests_matching("POST", rf"/channels/{forum.id}/threads", status=201)
    assert len(scene.fake.requests_matching("POST", rf"/channels/{forum.id}/threads")) == 1


async def test_the_permission_check_names_the_missing_thread_permissions(scene: Scene) -> None:
    closed = await add_forum(scene, "closed-forum", create_posts=False, send_in_threads=False)
    answer = await scene.command("alerts", "channel", {"channel": closed.id})
    # (Without Send Messages, Discord doesn't let a bot embed links there either.)
    assert "lacks Create Posts, Embed Links and Send Messages in Threads there" in answer.content
    guild = await scene.store.guilds.guild(int(scene.guild.id))
    assert guild is None or guild.alerts_channel_id is None
    assert await scene.store.threads.thread_mode(int(closed.id)) is None
    quiet = await add_channel(scene, "quiet", create_threads=False, send_in_threads=False)
    answer = await scene.command("alerts", "channel", {"channel": quiet.id, "threads": "per-story"})
    assert "lacks Create Public Threads and Send Messages in Threads there" in answer.content
    answer = await scene.command(
        "alerts", "add", {"topic": "nato", "channel": quiet.id, "threads": "per-story"}
    )
    assert "Create Public Threads and Send Messages in Threads" in answer.content
    # Without threads, the same channel is fine for plain alerts.
    answer = await scene.command("alerts", "channel", {"channel": quiet.id})
    assert answer.content == f"Alerts will go to <#{quiet.id}>."
    assert await scene.store.threads.thread_mode(int(quiet.id)) is None


async def test_a_forum_that_refuses_posts_later_tells_the_admins_what_it_needs(
    scene: Scene,
) -> None:
    from tests.fakediscord import Perm

    forum = await add_forum(scene, "news-forum")
    await scene.command("alerts", "channel", {"channel": forum.id})
    forum.set_overwrite(scene.guild.bot_member, deny=Perm.SEND_MESSAGES)  # Create Posts
    await watch(scene, "wire")
    await publish(scene, "wire", BODY)
    dm = scene.fake.dm_channel(scene.admin)
    await scene.wait_for(lambda: bool(scene.fake.messages(dm)))
    (told,) = scene.fake.messages(dm)
    assert f"can no longer post alerts in <#{forum.id}>" in told["content"]
    assert "View Channel, Create Posts, Embed Links and Send Messages in Threads" in told["content"]
    assert scene.fake.threads_in(forum) == []
