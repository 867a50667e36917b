"""People's topics and server routes in the store, and the topic preview."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.subscriptions import Delivery, SubscriptionLimit, TopicNotFound, Topics
from bot.topics import TopicError
from tests.conftest import Clock
from tests.factories import make_article

pytestmark = pytest.mark.both_engines

USER, OTHER, GUILD, CHANNEL = 11, 12, 21, 31


@pytest.fixture
def topics(store: Repositories, clock: Clock) -> Topics:
    return Topics(
        topics=store.topics,
        queries=store.queries,
        guilds=store.guilds,
        quiet=store.quiet,
        per_user_cap=3,
        clock=clock,
    )


async def test_the_same_topic_typed_twice_is_one_subscription(topics: Topics) -> None:
    first = await topics.subscribe(USER, GUILD, "NATO Russia")
    assert first.topic == "nato russia" and first.delivery is Delivery.DM
    with pytest.raises(SubscriptionLimit, match="already follow"):
        await topics.subscribe(USER, GUILD, "russia nato")
    assert [s.topic for s in await topics.mine(USER, GUILD)] == ["nato russia"]


async def test_people_only_see_and_change_their_own(topics: Topics) -> None:
    await topics.subscribe(USER, GUILD, "nato")
    await topics.subscribe(OTHER, GUILD, "nato", Delivery.HERE)
    assert [s.user_id for s in await topics.mine(OTHER, GUILD)] == [OTHER]
    assert await topics.unsubscribe(OTHER, GUILD, "NATO") == "nato"
    assert [s.user_id for s in await topics.mine(USER, GUILD)] == [USER]
    with pytest.raises(TopicNotFound):
        await topics.unsubscribe(OTHER, GUILD, "nato")


async def test_a_user_at_the_cap_is_told_so(topics: Topics) -> None:
    for word in ("a1", "b2", "c3"):
        await topics.subscribe(USER, GUILD, word)
    with pytest.raises(SubscriptionLimit, match="most one person can"):
        await topics.subscribe(USER, GUILD, "d4")


async def test_bad_topics_are_refused_before_anything_is_stored(topics: Topics) -> None:
    with pytest.raises(TopicError):
        await topics.subscribe(USER, GUILD, "-sports")
    assert await topics.mine(USER, GUILD) == []


async def test_routes_with_and_without_topics_pause_and_remove(
    topics: Topics, store: Repositories
) -> None:
    everything = await topics.add_route(GUILD, CHANNEL, None, role_id=None, user_id=USER)
    world = await topics.add_route(GUILD, CHANNEL, "ukraine OR crimea", role_id=77, user_id=USER)
    assert (everything.topic, world.topic, world.role_id) == (None, "crimea OR ukraine", 77)
    with pytest.raises(SubscriptionLimit):
        await topics.add_route(GUILD, CHANNEL, "Crimea | Ukraine", role_id=None, user_id=USER)
    assert await store.topics.set_route_paused(GUILD, world.id, paused=True)
    assert [r.paused for r in await store.topics.routes_of(GUILD)] == [False, True]
    assert not await store.topics.remove_route(GUILD + 1, world.id)  # another server's route
    assert await store.topics.remove_route(GUILD, world.id)


async def test_preview_lists_last_weeks_matches_with_why(
    topics: Topics, store: Repositories, clock: Clock
) -> None:
    source, _ = await store.sources.add_source(
        "https://news.test/feed", added_url="x", now=clock.now
    )
    await store.guilds.add_guild_source(GUILD, source.id, user_id=USER, now=clock.now)
    old = clock.now - timedelta(days=9)
    found = [
        make_article(source.id, "g:1", clock.now, title="NATO warns Russia"),
        make_article(source.id, "g:2", clock.now, title="Harbour bridge reopens"),
        make_article(source.id, "g:3", old, title="NATO and Russia, long ago"),
    ]
    change = PollSuccess(None, None, None, None, None, clock.now)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=found, now=clock.now
    )
    preview = await topics.preview(GUILD, "russia NATO")
    assert [(h.headline, h.explanation) for h in preview.hits] == [
        ("NATO warns Russia", "nato, russia in title")
    ]
    assert preview.total == 1
    other = await topics.preview(GUILD + 1, "nato")  # another server's sources: nothing
    assert (other.hits, other.total) == ([], 0)
