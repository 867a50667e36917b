"""Backoff arithmetic and Retry-After parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from bot.backoff import failure_delay, next_failure_poll, next_success_poll, parse_retry_after

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_failure_delay_doubles_and_is_capped_at_a_day() -> None:
    delays = [failure_delay(n, 300, 86400) for n in range(1, 12)]
    assert delays[:4] == [300, 600, 1200, 2400]
    assert delays[-1] == 86400
    assert all(a <= b for a, b in pairwise(delays))


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120") == 120.0
    later = "Sat, 28 Nov 2026 12:10:00 GMT"
    assert parse_retry_after(later, now=NOW) == 600.0
    assert parse_retry_after("not a date") is None
    assert parse_retry_after(None) is None


def test_retry_after_longer_than_backoff_wins_but_is_capped() -> None:
    when = next_failure_poll(NOW, error_count=1, interval=300, cap=86400, retry_after=3600)
    assert when == NOW + timedelta(seconds=3600)
    capped = next_failure_poll(NOW, error_count=1, interval=300, cap=86400, retry_after=10**9)
    assert capped == NOW + timedelta(seconds=86400)


def test_success_poll_is_one_interval_plus_small_jitter() -> None:
    when = next_success_poll(NOW, 300)
    assert NOW + timedelta(seconds=300) <= when <= NOW + timedelta(seconds=330)
