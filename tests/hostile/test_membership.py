"""Membership, end to end through the fake Discord: someone who left a server gets nothing more
from it and loses their topics there (the bot has no members intent: it asks Discord's REST
member lookup before a personal alert, and remembers a yes for a few hours); topics are counted
per person per server, so one server's topics never lock a person out of another, and a DM with
the bot lists and stops a person's topics in every server; /subscribe stays in servers."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from bot.delivery import OutboxStatus
from bot.settings import Settings
from bot.storage.repositories import Repositories
from bot.subscriptions import Added, Delivery
from tests.conftest import make_settings, rss
from tests.fakediscord import CommandUnavailable
from tests.hostile.test_privacy import member, second_server
from tests.test_discord_e2e import Scene, feed_with, scene, story

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


async def as_user(scene: Scene, user: Any, command: str, options: dict[str, Any], **kw: Any) -> Any:
    followups = kw.pop("followups", 0)
    where = (
        {"dm": True} if kw.pop("dm", False) else {"guild": scene.guild, "channel": scene.channel}
    )
    where.update(kw)
    handle = await scene.fake.invoke(command, options, user=user, **where)
    return await handle.response(timeout=10, followups=followups)


async def publish(scene: Scene, n: int, title: str) -> None:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    item = story(n, scene.feeds) | {"title": title, "guid": f"member-{n}", "pubDate": now}
    scene.feeds.serve("feed.xml", rss([item, story(1, scene.feeds)]))
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())


async def settled(scene: Scene, user_id: int) -> None:
    """Every personal alert queued for this person has been dealt with."""
    for _ in range(200):
        entries = [e for e in await scene.store.outbox.outbox_entries() if e.user_id == user_id]
        if entries and all(e.status is not OutboxStatus.PENDING for e in entries):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"alerts for {user_id} still pending")


async def test_someone_who_left_gets_nothing_and_loses_their_topics_there(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    other, other_channel = await second_server(scene, "Neighbours")
    leaver, stayer = await member(scene, "leaver"), await member(scene, "stayer")
    other.add_member(leaver)
    await as_user(scene, leaver, "subscribe", {"topic": "harbour"})
    await as_user(scene, leaver, "subscribe", {"topic": "tunnel", "delivery": "here"})
    await as_user(
        scene, leaver, "subscribe", {"topic": "bridge"}, guild=other, channel=other_channel
    )
    await as_user(scene, stayer, "subscribe", {"topic": "tunnel", "delivery": "here"})
    scene.guild.remove_member(leaver)

    await publish(scene, 9, "Harbour tunnel opens")
    await scene.wait_for(lambda: any(f"<@{stayer.id}>" == m.get("content") for m in scene.alerts()))
    await settled(scene, int(leaver.id))

    assert scene.fake.messages(scene.fake.dm_channel(leaver)) == []
    assert not any(f"<@{leaver.id}>" in (m.get("content") or "") for m in scene.alerts())
    kept = await scene.store.topics.subscriptions_of(int(leaver.id))
    assert [(s.guild_id, s.topic) for s in kept] == [(int(other.id), "bridge")]
    (lookup,) = scene.fake.requests_matching(
        "GET", rf"/guilds/{scene.guild.id}/members/{leaver.id}"
    )
    assert (lookup.status, lookup.operation) == (404, "get_guild_member")  # as in the spec
    assert scene.fake.unknown_routes == []


async def test_a_member_is_looked_up_once_in_a_few_hours(scene: Scene) -> None:
    url = await feed_with(scene, [1])
    await scene.command("sources", "add", {"url": url}, followups=1)
    reader = await member(scene)
    await as_user(scene, reader, "subscribe", {"topic": "harbour"})
    dm = scene.fake.dm_channel(reader)
    for n, title in ((8, "Harbour tunnel opens"), (9, "Harbour ferry returns")):
        await publish(scene, n, title)
        await scene.wait_for(lambda n=n: len(scene.fake.messages(dm)) == n - 7)
    lookups = scene.fake.requests_matching("GET", rf"/guilds/{scene.guild.id}/members/{reader.id}")
    assert [r.status for r in lookups] == [200]


async def test_topics_are_counted_per_server(scene: Scene) -> None:
    """25 topics in one server used to lock a person out of every other one, where they could
    neither see nor remove them."""
    reader = await member(scene)
    other, other_channel = await second_server(scene, "Neighbours")
    cap = scene.settings.topics_per_user
    for n in range(cap):
        typed = f"topic{n}"
        await scene.store.topics.add_subscription(
            int(reader.id), int(other.id), typed, typed, Delivery.DM, now=datetime.now(UTC)
        )
    here = await as_user(scene, reader, "subscribe", {"topic": "harbour"})
    assert "Following “harbour”" in (here.content or "")
    there = await as_user(
        scene, reader, "subscribe", {"topic": "one more"}, guild=other, channel=other_channel
    )
    assert there.ephemeral and f"You follow {cap} topics in this server" in (there.content or "")
    assert len(await scene.store.topics.subscriptions_of(int(reader.id), int(other.id))) == cap


@pytest.mark.both_engines
async def test_the_cap_holds_when_many_subscribe_at_once(database_url: str, tmp_path: Path) -> None:
    """Eight stores (eight processes' worth of connections) adding 80 topics for one person in
    one server at the same moment: the cap of 5 holds."""
    settings: Settings = make_settings(tmp_path, database_url=database_url)
    stores = [Repositories.open(settings.database_url) for _ in range(8)]
    await stores[0].database.migrate()
    try:
        now = datetime.now(UTC)
        results = await asyncio.gather(
            *(
                stores[n % len(stores)].topics.add_subscription(
                    7, 100, f"topic{n}", f"topic{n}", Delivery.DM, now=now, cap=5
                )
                for n in range(80)
            )
        )
        assert results.count(Added.ADDED) == 5 and results.count(Added.FULL) == 75
        assert len(await stores[0].topics.subscriptions_of(7, 100)) == 5
        again = await stores[1].topics.add_subscription(
            7, 100, "topic0", "x", Delivery.DM, now=now, cap=5
        )
        assert again in (Added.ALREADY, Added.FULL)
    finally:
        for store in stores:
            await store.close()


async def test_a_dm_lists_topics_in_every_server_naming_only_the_persons_own(
    scene: Scene,
) -> None:
    await scene.bot.tree.sync()  # DMs see the global commands
    other, other_channel = await second_server(scene, "Neighbours")
    alice, bob = await member(scene, "alice"), await member(scene, "bob")
    other.add_member(alice)
    await as_user(scene, alice, "subscribe", {"topic": "harbour"})
    await as_user(
        scene, alice, "subscribe", {"topic": "bridge"}, guild=other, channel=other_channel
    )
    await as_user(scene, bob, "subscribe", {"topic": "ferry"})

    listed = (
        await as_user(scene, alice, "subscriptions", {}, dm=True, followups=1, subcommand="list")
    ).followups[0]
    text = listed["content"]
    assert listed["flags"] & 64  # ephemeral
    assert "**Newsroom**" in text and "“harbour”" in text
    assert "**Neighbours**" in text and "“bridge”" in text
    assert "ferry" not in text
    bobs = (
        await as_user(scene, bob, "subscriptions", {}, dm=True, followups=1, subcommand="list")
    ).followups[0]
    assert "Neighbours" not in bobs["content"] and "“ferry”" in bobs["content"]
    in_server = await as_user(scene, alice, "subscriptions", {}, followups=1, subcommand="list")
    shown = in_server.followups[0]["content"]
    assert "“harbour”" in shown and "bridge" not in shown and "Neighbours" not in shown
    assert "1 topic in other servers" in shown


async def test_a_dm_stops_a_topic_in_a_server_the_person_left(scene: Scene) -> None:
    await scene.bot.tree.sync()
    other, other_channel = await second_server(scene, "Neighbours")
    reader = await member(scene)
    other.add_member(reader)
    await as_user(scene, reader, "subscribe", {"topic": "harbour"})
    await as_user(
        scene, reader, "subscribe", {"topic": "harbour"}, guild=other, channel=other_channel
    )
    await as_user(
        scene, reader, "subscribe", {"topic": "tunnel"}, guild=other, channel=other_channel
    )
    other.remove_member(reader)

    typed = await as_user(scene, reader, "unsubscribe", {"topic": "harbour"}, dm=True)
    assert typed.ephemeral and "in 2 servers" in (typed.content or "")
    choices = await scene.fake.invoke(
        "unsubscribe", {"topic": "tun"}, dm=True, user=reader, focused="topic"
    )
    await choices.response(timeout=10)
    (choice,) = choices.choices
    assert choice["name"] == "tunnel — Neighbours"
    stopped = await as_user(scene, reader, "unsubscribe", {"topic": choice["value"]}, dm=True)
    assert "No longer following “tunnel”" in (stopped.content or "")
    left = await scene.store.topics.subscriptions_of(int(reader.id))
    assert sorted((s.guild_id, s.topic) for s in left) == sorted(
        [(int(scene.guild.id), "harbour"), (int(other.id), "harbour")]
    )
    someone_else = await member(scene, "mallory")
    (harbour,) = [s for s in left if s.guild_id == int(other.id)]
    refused = await as_user(
        scene, someone_else, "unsubscribe", {"topic": f"topic#{harbour.id}"}, dm=True
    )
    assert "don't follow" in (refused.content or "")
    assert len(await scene.store.topics.subscriptions_of(int(reader.id))) == 2


IN_A_DM: dict[str, tuple[str, str | None, dict[str, Any], str]] = {
    "/subscribe": ("subscribe", None, {"topic": "harbour"}, "Subscribe from inside a server"),
    "/news latest": ("news", "latest", {}, "only works in a server"),
    "/alerts list": ("alerts", "list", {}, "only works in a server"),
    "/sources list": ("sources", "list", {}, "only works in a server"),
}


@pytest.mark.parametrize("case", list(IN_A_DM))
async def test_server_commands_in_a_dm_are_not_offered_and_answer_cleanly_anyway(
    scene: Scene, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    command, sub, options, says = IN_A_DM[case]
    await scene.bot.tree.sync()
    reader = await member(scene)
    with pytest.raises(CommandUnavailable):  # Discord doesn't offer it in a DM...
        await scene.fake.invoke(command, options, dm=True, user=reader, subcommand=sub)
    handle = await scene.fake.invoke(  # ...and an old client that sends it anyway is answered
        command, options, dm=True, user=reader, subcommand=sub, enforce_permissions=False
    )
    reply = await handle.response(timeout=10)
    assert reply.ephemeral and says in (reply.content or "")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert await scene.store.topics.subscriptions_of(int(reader.id)) == []
