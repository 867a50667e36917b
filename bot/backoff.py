"""When to poll a source next (pure arithmetic)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def next_success_poll(now: datetime, interval: float, *, jitter: float = 0.1) -> datetime:
    """A healthy source: one interval from now, spread by up to ``jitter`` to avoid bursts."""
    spread = interval * jitter * random.random()
    return now + timedelta(seconds=interval + spread)


def failure_delay(error_count: int, interval: float, cap: float) -> float:
    """Exponential backoff: interval * 2**(errors-1), capped."""
    exponent = min(max(error_count - 1, 0), 30)
    return float(min(cap, interval * (2**exponent)))


def next_failure_poll(
    now: datetime,
    *,
    error_count: int,
    interval: float,
    cap: float,
    retry_after: float | None = None,
) -> datetime:
    """A failing source: backoff, or the server's Retry-After when longer; both capped."""
    delay = failure_delay(error_count, interval, cap)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return now + timedelta(seconds=delay)
