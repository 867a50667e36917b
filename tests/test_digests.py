"""Digests (pure): due times in local zones across daylight saving changes, and the message."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.alerts import AlertStyle, KeyQuote, StyleName
from bot.digests import (
    DigestEntry,
    Period,
    Schedule,
    ScheduleError,
    digest_message,
    digest_text,
    parse_clock,
    ranked,
    zone_choices,
)
from bot.messages import DESCRIPTION_LIMIT
from tests.fakediscord import spec
from tests.test_alert_styles import HOSTILE, create_body


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def runs(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    found, moment = [], start
    for _ in range(count):
        moment = schedule.next_after(moment)
        found.append(moment)
    return found


def test_a_daily_digest_keeps_its_local_time_across_the_spring_change() -> None:
    london = Schedule(Period.DAILY, time(8, 0), "Europe/London")
    # Clocks go forward on Sunday 29 March 2026: 08:00 is 08:00 UTC before, 07:00 UTC after.
    assert runs(london, utc(2026, 3, 27, 12), 4) == [
        utc(2026, 3, 28, 8),
        utc(2026, 3, 29, 7),
        utc(2026, 3, 30, 7),
        utc(2026, 3, 31, 7),
    ]


def test_a_daily_digest_keeps_its_local_time_across_the_autumn_change() -> None:
    new_york = Schedule(Period.DAILY, time(8, 0), "America/New_York")
    # Clocks go back on Sunday 1 November 2026.
    assert runs(new_york, utc(2026, 10, 31, 0), 3) == [
        utc(2026, 10, 31, 12),
        utc(2026, 11, 1, 13),
        utc(2026, 11, 2, 13),
    ]


def test_a_skipped_local_time_comes_once_an_hour_on_and_a_repeated_one_once() -> None:
    skipped = Schedule(Period.DAILY, time(2, 30), "America/New_York")
    # 02:30 doesn't exist on 8 March 2026 there: the digest goes at 03:30 EDT (07:30 UTC).
    assert runs(skipped, utc(2026, 3, 7, 12), 2) == [utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)]
    repeated = Schedule(Period.DAILY, time(1, 30), "America/New_York")
    # 01:30 happens twice on 1 November 2026: only the first (EDT, 05:30 UTC) is a run.
    assert runs(repeated, utc(2026, 10, 31, 12), 2) == [
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 2, 6, 30),
    ]


def test_a_weekly_digest_goes_on_mondays() -> None:
    weekly = Schedule(Period.WEEKLY, time(9, 15), "Asia/Tokyo")
    found = runs(weekly, utc(2026, 12, 7, 3), 3)  # Monday 7 Dec, 12:00 in Tokyo
    assert [d.astimezone(ZoneInfo("Asia/Tokyo")).isoweekday() for d in found] == [1, 1, 1]
    assert found[0] == utc(2026, 12, 14, 0, 15)
    assert found[1] - found[0] == timedelta(days=7)


def test_a_period_starts_where_the_previous_digest_was_due() -> None:
    london = Schedule(Period.DAILY, time(8, 0), "Europe/London")
    assert london.previous_before(utc(2026, 3, 29, 7)) == utc(2026, 3, 29, 7)
    assert london.previous_before(utc(2026, 3, 29, 6, 59)) == utc(2026, 3, 28, 8)
    weekly = Schedule(Period.WEEKLY, time(8, 0), "Europe/London")
    assert weekly.previous_before(utc(2026, 12, 10)) == utc(2026, 12, 7, 8)


def test_times_and_zones_are_read_as_people_type_them() -> None:
    assert parse_clock("8") == time(8, 0)
    assert parse_clock("18:30") == time(18, 30)
    assert parse_clock("6pm") == time(18, 0)
    assert parse_clock("12am") == time(0, 0)
    assert parse_clock(" 6:45 AM ") == time(6, 45)
    for bad in ("25:00", "13pm", "noon", "8:60", ""):
        with pytest.raises(ScheduleError):
            parse_clock(bad)
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "EST5EDT"):
        with pytest.raises(ScheduleError):
            Schedule(Period.DAILY, zone=bad)
    assert "Europe/London" in zone_choices("london")
    assert zone_choices("new york")[0] == "America/New_York"
    assert len(zone_choices("")) == 25


def entry(n: int, outlets: int, hours_ago: int, **extra: object) -> DigestEntry:
    values: dict[str, object] = {
        "headline": f"Story {n}",
        "url": f"https://news.test/{n}",
        "outlets": outlets,
        "published": utc(2026, 12, 7, 12) - timedelta(hours=hours_ago),
    }
    values.update(extra)
    return DigestEntry(**values)  # type: ignore[arg-type]


def test_stories_are_ranked_by_outlets_then_recency() -> None:
    stories = [entry(1, 1, 1), entry(2, 4, 10), entry(3, 4, 2), entry(4, 2, 0)]
    assert [e.headline for e in ranked(stories)] == ["Story 3", "Story 2", "Story 4", "Story 1"]
    (embed,) = digest_message("Daily digest: harbour", stories).embeds
    assert embed.description.startswith("**1.** [Story 3](https://news.test/3) · 4 outlets")


def test_a_long_digest_says_how_many_more_and_stays_within_every_limit() -> None:
    quote = KeyQuote(HOSTILE * 10, HOSTILE, None)
    stories = [
        entry(n, n % 5 + 1, n, headline=HOSTILE + "Long " * 100, quote=quote) for n in range(60)
    ]
    message = digest_message(HOSTILE * 20, stories, role_id=9)
    (embed,) = message.embeds
    assert len(embed.description) <= DESCRIPTION_LIMIT
    assert embed.description.rstrip().endswith("more stories.")
    _, problems = spec.validate_body("POST", "/channels/1/messages", create_body(message))
    assert problems == []
    assert "@everyone" not in embed.description and "discord.gg/" not in embed.description
    assert message.content == "<@&9>"


def test_an_empty_digest_says_so_and_prints_as_text() -> None:
    (embed,) = digest_message("Weekly digest: nato", []).embeds
    assert embed.description == "Nothing new about this topic in this period."
    text = digest_text("Daily digest: nato", [entry(1, 3, 1, quote=KeyQuote("Yes", "Ana", None))])
    assert "1. Story 1 · 3 outlets" in text and "“Yes” — Ana" in text


def test_a_digest_takes_its_channels_style() -> None:
    said = KeyQuote("We will reopen the harbour", "Ana Diaz", "harbour master")
    stories = [
        entry(1, 3, 1, quote=said, image="https://img.test/1.jpg"),
        entry(2, 1, 2, image="https://img.test/2.jpg"),
    ]
    standard = digest_message("Daily digest: harbour", stories).embeds[0]
    assert "> “We will reopen the harbour” — Ana Diaz\n" in standard.description + "\n"
    assert standard.image_url is None

    compact = digest_message("d", stories, style=AlertStyle(StyleName.COMPACT)).embeds[0]
    assert compact.description.splitlines() == [
        "**1.** [Story 1](https://news.test/1) · 3 outlets",
        "",
        "**2.** [Story 2](https://news.test/2) · 1 outlet",
    ]
    no_quotes = digest_message("d", stories, style=AlertStyle(quotes=0)).embeds[0]
    assert "Ana Diaz" not in no_quotes.description

    full = digest_message("d", stories, style=AlertStyle(StyleName.FULL))
    assert "— Ana Diaz, harbour master" in full.embeds[0].description
    assert full.embeds[0].image_url == "https://img.test/1.jpg"  # the top story's picture
    plain = digest_message("d", stories, style=AlertStyle(StyleName.FULL, image=False))
    assert plain.embeds[0].image_url is None
    for message in (full, plain):
        _, problems = spec.validate_body("POST", "/channels/1/messages", create_body(message))
        assert problems == []
