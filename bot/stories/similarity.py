"""When two texts are copies of one story: their likeness, measured (pure functions).

The thresholds were chosen with ``python bench/stories.py --tune`` on the tune half of the
realistic copies of real news and on the generated corpus (see the README's Stories section).
There no pair of different real articles shares 30 % of the smaller's shingles, while a copy's
best match to its original holds at least half of it 99 % of the time (sub-edited ones go down
to 46 %); the generated template pages (live blogs, weather, market closes) that share most of
their wording state at most half of each other's facts, and those near half contradict more
than 30 % of what they can check.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.stories.text import Fingerprint, agreement

CONTAINMENT = 0.5
"""A near-copy: the larger text holds this share of the smaller's shingles..."""
FACTS_AGREE = 0.7
"""...and bears out this share of the smaller's facts (see ``text.agreement``)."""
FACTS_COVERED = 0.5
"""...and states this share of all of them."""
FACTS_FROM = 0.3
"""Facts are read and compared only for pairs at least this contained."""


@dataclass(frozen=True, slots=True)
class Likeness:
    """How alike two texts are, measured on all their shingles and facts."""

    contained: float
    """The share of the smaller text's shingles the larger holds."""
    jaccard: float
    """Shingles in common over shingles in either (reported; the rule doesn't use it)."""
    shared: int
    """Shingles in common."""
    facts: float | None = None
    """How far the larger text bears out the smaller's facts (None: not compared, the pair is
    too far apart for it to matter)."""
    covered: float | None = None
    """The share of the smaller's facts the larger states."""

    @property
    def copy(self) -> bool:
        """Whether the two texts are copies of one story."""
        return (
            self.contained >= CONTAINMENT
            and self.facts is not None
            and self.facts >= FACTS_AGREE
            and self.covered is not None
            and self.covered >= FACTS_COVERED
        )

    @property
    def score(self) -> float:
        """How close a copy is (its containment: the Jaccard similarity is never higher)."""
        return self.contained


def likeness(a: Fingerprint, b: Fingerprint, a_set: set[int] | None = None) -> Likeness:
    """How alike two fingerprints are (``a_set``: a's shingles as a set, when already made)."""
    shared = len((a_set or set(a.shingles)).intersection(b.shingles))
    size_a, size_b = len(a.shingles), len(b.shingles)
    contained = shared / min(size_a, size_b)
    agree = covered = None
    if contained >= FACTS_FROM:
        small, large = (a, b) if size_a <= size_b else (b, a)
        agree, covered = agreement(small.facts, large.facts)
    return Likeness(contained, shared / (size_a + size_b - shared), shared, agree, covered)
