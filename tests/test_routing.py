"""Topic routes and personal topics: matched articles queued with their article, one alert per
channel or person, delivered with why they matched and only the configured role pinged."""

from __future__ import annotations

import pytest

from bot.delivery import ChannelRefused, OutboxKind, OutboxStatus, Planned
from bot.errors import UserFacingError
from bot.records import ThreadMode
from bot.routing import Router
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.subscriptions import Topics
from tests.conftest import Clock, deliverer_on
from tests.factories import make_article
from tests.test_delivery import Recorder

pytestmark = pytest.mark.both_engines

GUILD, OTHER_GUILD, CHANNEL, WORLD, ALICE, BOB, ROLE = 1, 2, 10, 11, 100, 101, 500


@pytest.fixture
async def setup(store: Repositories, clock: Clock) -> tuple[Source, Topics, Router]:
    source, _ = await store.sources.add_source(
        "https://news.bbc.co.uk/feed", added_url="x", now=clock.now
    )
    await store.guilds.add_guild_source(GUILD, source.id, user_id=ALICE, now=clock.now)
    return (
        source,
        Topics(
            topics=store.topics,
            queries=store.queries,
            guilds=store.guilds,
            quiet=store.quiet,
            per_user_cap=25,
            clock=clock,
        ),
        Router(store.topics),
    )


async def publish(
    store: Repositories, router: Router, source: Source, clock: Clock, *titles: str
) -> None:
    found = [make_article(source.id, f"g:{t}", clock.now, title=t) for t in titles]
    planned = await router.plan(source, found)
    change = PollSuccess(None, None, None, None, None, clock.now)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=found, now=clock.now, planned=planned
    )


async def test_a_topic_route_gets_matching_articles_with_its_role_and_the_reason(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    source, topics, router = setup
    await topics.add_route(GUILD, WORLD, "ukraine OR crimea", role_id=ROLE, user_id=ALICE)
    await router.reload()
    await publish(store, router, source, clock, "Crimea bridge reopens", "Port strike ends")
    (entry,) = await store.outbox.due_outbox(clock.now)
    assert (entry.kind, entry.channel_id, entry.role_id) == (OutboxKind.ALERT, WORLD, ROLE)
    assert entry.explanation == "crimea in title"
    assert entry.terms == ("crimea",)  # kept as data, not parsed back from the text
    recorder = Recorder()
    await deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock).deliver_due()
    ((_, message),) = recorder.messages[WORLD]
    assert message.content == f"<@&{ROLE}>" and message.mention_role == ROLE
    assert message.embeds[0].footer == "News Test · matched: crimea in title"


async def test_a_person_gets_one_dm_per_article_listing_all_their_topics(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    source, topics, router = setup
    await topics.subscribe(ALICE, GUILD, "nato")
    await topics.subscribe(ALICE, GUILD, "russia")
    await topics.subscribe(BOB, GUILD, "harbour")
    await router.reload()
    await publish(store, router, source, clock, "NATO warns Russia")
    (entry,) = await store.outbox.due_outbox(clock.now)
    assert (entry.kind, entry.user_id) == (OutboxKind.DM, ALICE)
    assert entry.explanation == "nato in title; russia in title"
    assert entry.terms == ("nato", "russia")
    recorder = Recorder()
    await deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock).deliver_due()
    assert len(recorder.messages[-ALICE]) == 1 and BOB not in recorder.messages


async def test_only_servers_that_watch_the_source_are_routed(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    source, topics, router = setup
    await topics.subscribe(ALICE, OTHER_GUILD, "nato")
    await topics.add_route(OTHER_GUILD, WORLD, "nato", role_id=None, user_id=ALICE)
    await router.reload()
    await publish(store, router, source, clock, "NATO summit")
    assert await store.outbox.due_outbox(clock.now) == []


async def test_the_plan_holds_a_line_for_each_thread_channel_of_a_watching_server(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    """Lines of a story's later copies are planned by the router like every other destination:
    one in each thread-mode channel of each server watching the source, unpaused (the store
    writes one only where the story was alerted)."""
    source, _topics, router = setup
    await store.guilds.add_guild_source(OTHER_GUILD, source.id, user_id=BOB, now=clock.now)
    await store.threads.set_thread_mode(GUILD, WORLD, ThreadMode.FORUM, now=clock.now)
    await store.threads.set_thread_mode(OTHER_GUILD, CHANNEL, ThreadMode.PER_STORY, now=clock.now)
    await store.threads.set_thread_mode(3, 12, ThreadMode.FORUM, now=clock.now)  # not watching
    found = make_article(source.id, "g:1", clock.now, title="A story")
    lines = (await router.plan(source, [found]))[found.item_key]
    assert [(p.kind, p.guild_id, p.channel_id) for p in lines] == [
        (OutboxKind.LINE, GUILD, WORLD),
        (OutboxKind.LINE, OTHER_GUILD, CHANNEL),
    ]
    await store.guilds.set_guild_source_paused(OTHER_GUILD, source.id, paused=True, now=clock.now)
    planned = (await router.plan(source, [found]))[found.item_key]
    assert [(p.kind, p.channel_id) for p in planned] == [(OutboxKind.LINE, WORLD)]


async def test_paused_routes_get_nothing_and_a_channel_gets_an_article_once(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    source, topics, router = setup
    paused = await topics.add_route(GUILD, WORLD, "nato", role_id=None, user_id=ALICE)
    await store.topics.set_route_paused(GUILD, paused.id, paused=True)
    await topics.add_route(GUILD, CHANNEL, None, role_id=None, user_id=ALICE)
    await topics.add_route(GUILD, CHANNEL, "summit", role_id=None, user_id=ALICE)
    await router.reload()
    await publish(store, router, source, clock, "NATO summit")
    entries = await store.outbox.due_outbox(clock.now)
    assert [(e.channel_id, e.explanation) for e in entries] == [(CHANNEL, "summit in title")]


async def test_closed_dms_drop_only_that_alert(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    source, topics, router = setup
    await topics.subscribe(ALICE, GUILD, "nato")
    await router.reload()
    await publish(store, router, source, clock, "NATO summit")
    recorder = Recorder(fail_with=[ChannelRefused("Cannot send messages to this user")])
    report = await deliverer_on(
        store, sender=recorder, route_alert_cap=20, clock=clock
    ).deliver_due()
    assert report.dropped == 1 and recorder.told == []
    (entry,) = await store.outbox.outbox_entries()
    assert entry.status is OutboxStatus.FAILED and "DMs closed" in (entry.last_error or "")


async def test_here_delivery_mentions_the_person_in_the_alerts_channel(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    from bot.subscriptions import Delivery

    source, topics, router = setup
    await store.guilds.set_alerts_channel(GUILD, CHANNEL, user_id=ALICE, now=clock.now)
    await topics.subscribe(BOB, GUILD, "harbour", Delivery.HERE)
    await router.reload()
    await publish(store, router, source, clock, "Harbour bridge reopens")
    recorder = Recorder()
    await deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock).deliver_due()
    messages = [m for _, m in recorder.messages[CHANNEL]]
    assert len(messages) == 2  # the channel's own alert, and the one mentioning Bob
    (mention,) = [m for m in messages if m.mention_user == BOB]
    assert mention.content == f"<@{BOB}>" and mention.mention_role is None


async def test_closed_dms_are_remembered_once_for_the_next_command(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    source, topics, router = setup
    await topics.subscribe(ALICE, GUILD, "nato")
    await router.reload()
    await publish(store, router, source, clock, "NATO summit")
    recorder = Recorder(fail_with=[ChannelRefused("Cannot send messages to this user")])
    await deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock).deliver_due()
    assert await store.topics.take_dms_closed(ALICE) is True
    assert await store.topics.take_dms_closed(ALICE) is False


async def test_changes_are_patched_in_and_route_as_a_full_reload_would(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    """Topics, routes, pauses and a server's removal, in random batches: the router that takes
    in each batch from the change log plans every article exactly as one that reads everything,
    and reads everything only once (at its first look)."""
    import random

    from bot.subscriptions import Delivery

    source, _, router = setup
    await store.guilds.add_guild_source(OTHER_GUILD, source.id, user_id=BOB, now=clock.now)
    topics = Topics(
        topics=store.topics,
        queries=store.queries,
        guilds=store.guilds,
        quiet=store.quiet,
        per_user_cap=25,
        clock=clock,
        on_change=router.changed,
    )
    rng = random.Random(3)
    words = ["nato", "russia", "crimea", "harbour", "bridge", "strike", "title:nato", "-sports"]
    articles = [
        make_article(source.id, f"g:{n}", clock.now, title=" ".join(rng.sample(words[:6], 2)))
        for n in range(12)
    ]

    def typed() -> str:
        return " ".join(rng.sample(words, rng.randint(1, 2))).removeprefix("-") or "nato"

    async def plans(of: Router) -> dict[str, set[Planned]]:
        return {key: set(found) for key, found in (await of.plan(source, articles)).items()}

    await router.refresh()
    for step in range(40):
        guild = rng.choice([GUILD, OTHER_GUILD])
        roll = rng.random()
        routes = await topics.routes(guild)
        mine = await topics.mine(ALICE, guild)
        try:
            if roll < 0.35:
                delivery = rng.choice(list(Delivery))
                await topics.subscribe(rng.choice([ALICE, BOB]), guild, typed(), delivery)
            elif roll < 0.5 and mine:
                await topics.unsubscribe(ALICE, guild, rng.choice(mine).topic)
            elif roll < 0.75:
                await topics.add_route(
                    guild, rng.choice([WORLD, CHANNEL]), typed(), role_id=None, user_id=ALICE
                )
            elif roll < 0.85 and routes:
                await topics.pause_route(guild, rng.choice(routes).id, paused=rng.random() < 0.5)
            elif roll < 0.95 and routes:
                await topics.remove_route(guild, rng.choice(routes).id)
            elif step > 20:
                await store.guilds.remove_guild(OTHER_GUILD)
                await router.changed()
        except UserFacingError:
            continue  # already followed, or already routed there
        if step % 5 == 4:
            fresh = Router(store.topics)
            await fresh.reload()
            assert await plans(router) == await plans(fresh)
    assert router.full_loads == 1


async def test_the_change_log_answers_only_for_an_unbroken_run_of_changes(
    store: Repositories, clock: Clock, setup: tuple[Source, Topics, Router]
) -> None:
    _, topics, _ = setup
    start = await store.topics.topics_version()
    await topics.subscribe(ALICE, GUILD, "nato")
    route = await topics.add_route(GUILD, WORLD, "crimea", role_id=None, user_id=ALICE)
    await store.guilds.remove_guild(OTHER_GUILD)
    now = await store.topics.topics_version()
    assert now == start + 3
    changes = await store.topics.topic_changes(start, now)
    assert changes is not None
    (sub,) = await topics.mine(ALICE, GUILD)
    assert (changes.subscriptions, changes.routes) == ({sub.id}, {route.id})
    assert changes.servers == {OTHER_GUILD}
    assert await store.topics.topic_changes(start + 1, now) is not None
    assert await store.topics.topic_changes(now, now + 1) is None  # not (yet) logged
    assert await store.topics.topic_changes(-1, now) is None
