"""What newsbot knows about a watched source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.urls import host_of, source_label


class SourceStatus(StrEnum):
    """How a source's polling is going."""

    NEW = "new"
    """Added; its first poll (the baseline) has not succeeded yet."""
    OK = "ok"
    FAILING = "failing"
    GONE = "gone"
    """The server said 410 Gone: no longer polled."""


@dataclass(frozen=True, slots=True)
class Source:
    """A feed newsbot polls (one row however many servers watch it)."""

    id: int
    url: str
    added_url: str
    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    status: SourceStatus
    next_poll_at: datetime | None
    error_count: int
    last_error: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    last_polled_at: datetime | None
    created_at: datetime
    interval_seconds: int | None = None
    """Seconds between polls when healthy, as its servers chose (None: POLL_INTERVAL_SECONDS)."""
    user_agent: str | None = None
    """The User-Agent its requests carry instead of the default (set by a server's admins)."""
    degraded_items: int = 0
    """Articles stored without a stage's work (page, quotes, story, topics, index), in all."""
    given_up_items: int = 0
    """Items given up after failing MAX_ATTEMPTS polls running, in all."""

    @property
    def name(self) -> str:
        """What to call the source in messages: its title, or its host and path (never the
        query string or a login, which can hold a key)."""
        return self.title or source_label(self.url)

    def interval(self, default: int) -> int:
        """Seconds between polls of this source when healthy."""
        return max(default, self.interval_seconds or default)


@dataclass(frozen=True, slots=True)
class SourceName:
    """What answers about the news need of a source: which it is and what to call it."""

    id: int
    url: str
    title: str | None

    @property
    def name(self) -> str:
        """What the source is called: its feed's title, else its address."""
        return self.title or source_label(self.url)


@dataclass(frozen=True, slots=True)
class WatchedSource:
    """A source as one server watches it, with that server's own choices."""

    source: Source
    paused_since: datetime | None = None
    interval_seconds: int | None = None
    user_agent: str | None = None
    name: str | None = None
    """The server's own name for it (None: the feed's title)."""

    @property
    def display_name(self) -> str:
        """The name a server sees for the source."""
        return self.name or self.source.name


def source_matches(typed: str, title: str | None, url: str) -> bool:
    """Whether what someone typed names this source: part of its title or of its host. Never
    the rest of its address, so that no one can find a secret in a feed's query string one
    character at a time."""
    needle = typed.casefold().strip()
    return needle in (title or "").casefold() or needle in host_of(url)
