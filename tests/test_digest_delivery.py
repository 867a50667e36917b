"""Digests queued and sent on a real store: once per local day (or Monday) across daylight
saving changes and restarts, covering the period since the previous one; a person's by DM."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.alerts import AlertStyle, StyleName
from bot.digests import Period, Schedule
from bot.records import Delivery, OutboxStatus
from bot.routing import Router
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from tests.conftest import Clock, deliverer_on
from tests.factories import make_article
from tests.test_delivery import ADMIN, GUILD, Recorder

pytestmark = pytest.mark.both_engines

DESK, READER = 2020, 4040
LONDON_DAILY = Schedule(Period.DAILY, time(8, 0), "Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def watched(store: Repositories, now: datetime) -> Source:
    source, _ = await store.sources.add_source("https://news.test/feed", added_url="x", now=now)
    await store.guilds.add_guild_source(GUILD, source.id, user_id=ADMIN, now=now)
    return source


async def publish(store: Repositories, source: Source, title: str, when: datetime) -> None:
    change = PollSuccess(None, None, None, None, None, when + timedelta(minutes=5))
    new = [make_article(source.id, f"g:{title}", when, title=title, lead=f"{title}.")]
    await store.ingest.record_poll_success(source, change, seen_keys=[], new_articles=new, now=when)


def at(clock: Clock, moment: datetime) -> None:
    clock.advance((moment - clock.now).total_seconds())


def digests(recorder: Recorder, where: int) -> list[str]:
    return [m.embeds[0].description for _, m in recorder.messages.get(where, [])]


async def test_a_daily_route_digest_goes_once_a_local_day_across_the_spring_change(
    store: Repositories, clock: Clock
) -> None:
    at(clock, utc(2026, 3, 27, 12))
    source = await watched(store, clock.now)
    schedule = LONDON_DAILY.encode()
    assert await store.topics.add_route(
        GUILD,
        DESK,
        "harbour",
        "harbour",
        role_id=None,
        user_id=ADMIN,
        now=clock.now,
        digest=schedule,
    )
    await publish(store, source, "Harbour strike day one", utc(2026, 3, 27, 20))
    await publish(store, source, "Harbour strike day two", utc(2026, 3, 28, 18))
    await publish(store, source, "Unrelated weather", utc(2026, 3, 28, 19))
    recorder = Recorder()
    delivery = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)

    at(clock, utc(2026, 3, 28, 7, 59))
    assert await delivery.queue_due_digests() == 0  # 07:59 in London (GMT)
    at(clock, utc(2026, 3, 28, 8, 0, 30))
    assert await delivery.queue_due_digests() == 1
    assert await delivery.queue_due_digests() == 0  # once, however often it looks
    restarted = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)
    assert await restarted.queue_due_digests() == 0  # and after a restart
    await delivery.deliver_due()
    (first,) = digests(recorder, DESK)
    assert "Harbour strike day one" in first and "day two" not in first

    at(clock, utc(2026, 3, 29, 6, 59))  # clocks went forward at 01:00 UTC: 07:59 BST
    assert await delivery.queue_due_digests() == 0
    at(clock, utc(2026, 3, 29, 7, 0, 30))  # 08:00 BST
    assert await delivery.queue_due_digests() == 1
    await delivery.deliver_due()
    first, second = digests(recorder, DESK)
    assert "Harbour strike day two" in second
    assert "day one" not in second and "weather" not in second.lower()
    (_, message), _ = recorder.messages[DESK]
    assert message.embeds[0].title == "Daily digest: harbour"


async def test_a_routes_digest_takes_the_routes_style(store: Repositories, clock: Clock) -> None:
    at(clock, utc(2026, 12, 6, 12))
    source = await watched(store, clock.now)
    assert await store.topics.add_route(
        GUILD,
        DESK,
        "harbour",
        "harbour",
        role_id=None,
        user_id=ADMIN,
        now=clock.now,
        digest=LONDON_DAILY.encode(),
    )
    (route,) = await store.topics.routes_of(GUILD)
    full = AlertStyle(StyleName.FULL)
    assert await store.topics.set_route_style(GUILD, route.id, full.encode())
    when = utc(2026, 12, 6, 13)
    new = make_article(source.id, "g:pic", when, title="Harbour reopens", lead="Harbour.")
    new = dataclasses.replace(new, image="https://img.test/harbour.jpg")
    change = PollSuccess(None, None, None, None, None, when)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=[new], now=when
    )
    recorder = Recorder()
    delivery = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)
    at(clock, utc(2026, 12, 7, 8, 0, 30))
    assert await delivery.queue_due_digests() == 1
    (queued,) = await store.outbox.outbox_entries(status=OutboxStatus.PENDING)
    assert AlertStyle.decode(queued.style) == full
    await delivery.deliver_due()
    ((_, message),) = recorder.messages[DESK]
    assert message.embeds[0].image_url == "https://img.test/harbour.jpg"


async def test_a_weekly_digest_goes_on_monday_and_a_long_missed_one_is_skipped(
    store: Repositories, clock: Clock
) -> None:
    at(clock, utc(2026, 12, 2, 12))  # a Wednesday
    source = await watched(store, clock.now)
    weekly = Schedule(Period.WEEKLY, time(9, 0), "UTC").encode()
    assert await store.topics.add_route(
        GUILD,
        DESK,
        "harbour",
        "harbour",
        role_id=None,
        user_id=ADMIN,
        now=clock.now,
        digest=weekly,
    )
    await publish(store, source, "Harbour week", utc(2026, 12, 3, 10))
    recorder = Recorder()
    delivery = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)
    at(clock, utc(2026, 12, 6, 9, 30))  # Sunday
    assert await delivery.queue_due_digests() == 0
    at(clock, utc(2026, 12, 7, 9, 1))  # Monday
    assert await delivery.queue_due_digests() == 1
    await delivery.deliver_due()
    assert "Harbour week" in digests(recorder, DESK)[0]
    at(clock, utc(2026, 12, 14, 16))  # the next Monday, 7 hours late (the bot was off)
    assert await delivery.queue_due_digests() == 0


async def test_a_persons_digest_comes_by_dm_and_their_topic_sends_nothing_else(
    store: Repositories, clock: Clock
) -> None:
    at(clock, utc(2026, 12, 6, 12))
    source = await watched(store, clock.now)
    await store.topics.add_subscription(
        READER,
        GUILD,
        "harbour",
        "harbour",
        Delivery.DM,
        now=clock.now,
        digest=Schedule(Period.DAILY, time(7, 0), "Asia/Tokyo").encode(),
    )
    (sub,) = await store.topics.subscriptions_of(READER, GUILD)
    assert sub.digest == "daily 07:00 Asia/Tokyo"
    assert await store.topics.add_route(
        GUILD,
        DESK,
        "harbour",
        "harbour",
        role_id=None,
        user_id=ADMIN,
        now=clock.now,
        digest=LONDON_DAILY.encode(),
    )
    router = Router(store.topics)
    await router.reload()
    new = make_article(source.id, "g:x", clock.now, title="Harbour news", lead="Harbour.")
    assert await router.plan(source, [new]) == {new.item_key: []}  # nothing as it comes
    await publish(store, source, "Harbour reopens", utc(2026, 12, 6, 13))
    recorder = Recorder()
    delivery = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)
    at(clock, utc(2026, 12, 6, 22, 0, 5))  # 07:00 on the 7th in Tokyo
    assert await delivery.queue_due_digests() == 1
    await delivery.deliver_due()
    (dm,) = digests(recorder, -READER)
    assert "Harbour reopens" in dm
