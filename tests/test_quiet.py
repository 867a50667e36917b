"""Quiet hours: the hours themselves (wall-clock, across midnight and daylight saving changes),
and DM alerts held through them on a real store, then sent as one catch-up message, once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.digests import ScheduleError
from bot.quiet import QuietHours, quiet_hours_from
from bot.records import OutboxKind, OutboxStatus, Planned
from bot.routing import Router
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from tests.conftest import Clock, deliverer_on
from tests.factories import make_article
from tests.test_delivery import ADMIN, CHANNEL, GUILD, Recorder

READER = 4040
NIGHT = QuietHours(time(22, 0), time(7, 0), "Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_hours_across_midnight_hold_by_the_local_wall_clock() -> None:
    assert NIGHT.holds(utc(2026, 12, 7, 22, 0))  # GMT in winter
    assert NIGHT.holds(utc(2026, 12, 8, 6, 59))
    assert not NIGHT.holds(utc(2026, 12, 8, 7, 0))
    assert not NIGHT.holds(utc(2026, 12, 7, 21, 59))
    assert NIGHT.holds(utc(2026, 7, 7, 21, 0))  # 22:00 BST
    assert not NIGHT.holds(utc(2026, 7, 8, 6, 0))  # 07:00 BST
    lunch = QuietHours(time(12, 0), time(13, 30), "UTC")
    assert lunch.holds(utc(2026, 12, 7, 12, 45))
    assert not lunch.holds(utc(2026, 12, 7, 13, 30)) and not lunch.holds(utc(2026, 12, 7, 2))


def test_the_end_is_the_next_local_end_across_a_daylight_saving_change() -> None:
    # The night clocks go forward in London (01:00 UTC on 29 March 2026): 07:00 is BST.
    assert NIGHT.ends_after(utc(2026, 3, 28, 23, 0)) == utc(2026, 3, 29, 6, 0)
    assert NIGHT.ends_after(utc(2026, 12, 7, 23, 0)) == utc(2026, 12, 8, 7, 0)
    assert NIGHT.ends_after(utc(2026, 12, 8, 6, 59)) == utc(2026, 12, 8, 7, 0)
    assert NIGHT.ends_after(utc(2026, 12, 8, 7, 0)) == utc(2026, 12, 9, 7, 0)


def test_typed_hours_are_read_or_refused_plainly() -> None:
    assert quiet_hours_from("10pm", "7am", "Europe/London") == NIGHT
    assert QuietHours.decode(NIGHT.encode()) == NIGHT
    assert NIGHT.describe() == "22:00 to 07:00 Europe/London"
    assert quiet_hours_from("OFF", None, "UTC") is None
    with pytest.raises(ScheduleError, match="end too"):
        quiet_hours_from("22:00", None, "UTC")
    with pytest.raises(ScheduleError, match="differ"):
        quiet_hours_from("22:00", "10pm", "UTC")
    with pytest.raises(ScheduleError, match="not a time of day"):
        quiet_hours_from("25:00", "07:00", "UTC")
    with pytest.raises(ScheduleError, match="not a time zone"):
        quiet_hours_from("22:00", "07:00", "Mars/Base")


async def watched(store: Repositories, now: datetime) -> Source:
    source, _ = await store.sources.add_source("https://news.test/feed", added_url="x", now=now)
    await store.guilds.add_guild_source(GUILD, source.id, user_id=ADMIN, now=now)
    await store.guilds.set_alerts_channel(GUILD, CHANNEL, user_id=ADMIN, now=now)
    return source


async def publish(store: Repositories, source: Source, titles: list[str], now: datetime) -> None:
    """Store these articles; each is the channel's alert and a DM for the reader."""
    change = PollSuccess(None, None, None, None, None, now + timedelta(minutes=5))
    new = [make_article(source.id, f"g:{t}", now, title=t, lead=f"{t}.") for t in titles]
    dm = Planned(OutboxKind.DM, GUILD, READER, READER, None, "harbour in title")
    channel = await Router(store.topics).plan(source, new)  # the server's alerts channel
    planned = {a.item_key: [*channel.get(a.item_key, []), dm] for a in new}
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=new, now=now, planned=planned
    )


def at(clock: Clock, moment: datetime) -> None:
    clock.advance((moment - clock.now).total_seconds())


@pytest.mark.both_engines
async def test_dm_alerts_in_quiet_hours_arrive_as_one_catch_up_once(
    store: Repositories, clock: Clock
) -> None:
    at(clock, utc(2026, 12, 7, 21, 0))
    source = await watched(store, clock.now)
    await store.quiet.set_quiet_hours(READER, NIGHT.encode(), now=clock.now)
    recorder = Recorder()
    delivery = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)

    await publish(store, source, ["Harbour before nine"], clock.now)
    assert (await delivery.deliver_due()).sent == 2  # 21:00 in London: not quiet yet
    at(clock, utc(2026, 12, 7, 23, 0))
    await publish(store, source, ["Harbour at eleven", "Harbour at midnight"], clock.now)
    report = await delivery.deliver_due()
    assert report.held == 2 and report.sent == 2  # the channel's alerts are not held
    at(clock, utc(2026, 12, 8, 3, 0))
    await publish(store, source, ["Harbour at three"], clock.now)
    assert (await delivery.deliver_due()).held == 1
    at(clock, utc(2026, 12, 8, 6, 59))
    assert (await delivery.deliver_due()).sent == 0  # still quiet
    (before,) = recorder.messages[-READER]

    at(clock, utc(2026, 12, 8, 7, 0, 30))
    restarted = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)
    report = await restarted.deliver_due()
    assert report.summarized == 3 and report.sent == 0
    assert await restarted.deliver_due() == type(report)()
    first, catch_up = (message for _, message in recorder.messages[-READER])
    assert first is before[1]
    (embed,) = catch_up.embeds
    assert embed.title == "3 alerts while your quiet hours were on"
    assert [line.split("](")[0] for line in embed.description.splitlines()] == [
        "• [Harbour at eleven",
        "• [Harbour at midnight",
        "• [Harbour at three",
    ]
    held = [e for e in await store.outbox.outbox_entries() if e.kind is OutboxKind.DM and e.held]
    assert {e.status for e in held} == {OutboxStatus.SUMMARIZED}
    assert len({e.message_id for e in held}) == 1


@pytest.mark.both_engines
async def test_one_held_alert_comes_as_itself_and_quiet_hours_can_end(
    store: Repositories, clock: Clock
) -> None:
    at(clock, utc(2026, 12, 7, 23, 0))
    source = await watched(store, clock.now)
    await store.quiet.set_quiet_hours(READER, NIGHT.encode(), now=clock.now)
    recorder = Recorder()
    delivery = deliverer_on(store, sender=recorder, route_alert_cap=20, clock=clock)
    await publish(store, source, ["Harbour late"], clock.now)
    assert (await delivery.deliver_due()).held == 1
    at(clock, utc(2026, 12, 8, 7, 1))
    assert (await delivery.deliver_due()).sent == 1
    ((_, alert),) = recorder.messages[-READER]
    assert alert.embeds[0].title == "Harbour late"

    await store.quiet.set_quiet_hours(READER, None, now=clock.now)
    assert await store.quiet.quiet_hours([READER]) == {}
    at(clock, utc(2026, 12, 8, 23, 0))
    await publish(store, source, ["Harbour next night"], clock.now)
    report = await delivery.deliver_due()
    assert report.held == 0 and len(recorder.messages[-READER]) == 2
