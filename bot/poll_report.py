"""What polling did: one source's poll (PollOutcome), and a whole cycle's (CycleReport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.articles import Article
    from bot.sources import Source


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of a source did."""

    source: Source
    ok: bool
    not_modified: bool = False
    baseline: bool = False
    feed_title: str | None = None
    feed_kind: str | None = None
    items_in_feed: int = 0
    new_items: int = 0
    articles: tuple[Article, ...] = ()
    error: str | None = None
    failed_items: int = 0
    """Items no article could be made of this time (tried again next poll)."""
    given_up: int = 0
    """Items given up in this poll, after MAX_ATTEMPTS failed polls."""

    @property
    def degraded(self) -> int:
        """Articles stored without some stage's work."""
        return sum(1 for a in self.articles if a.problems)


@dataclass(slots=True)
class CycleReport:
    """What a polling cycle did, source by source."""

    sources_ok: int = 0
    sources_failed: int = 0
    not_modified: int = 0
    new_items: int = 0
    new_articles: int = 0
    degraded: int = 0
    failed_items: int = 0
    given_up: int = 0
    outcomes: list[PollOutcome] = field(default_factory=list)

    def add(self, outcome: PollOutcome) -> None:
        """Count one source's poll."""
        self.outcomes.append(outcome)
        if outcome.ok:
            self.sources_ok += 1
        else:
            self.sources_failed += 1
        self.not_modified += outcome.not_modified
        self.new_items += outcome.new_items
        self.new_articles += len(outcome.articles)
        self.degraded += outcome.degraded
        self.failed_items += outcome.failed_items
        self.given_up += outcome.given_up
