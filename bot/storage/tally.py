"""Coverage counted outside SQLite (bot.storage.coverage): the matching articles' numbers,
handed over as comma-separated lists, counted by day, source, story and speaker with numpy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.storage.rows import MICROSECONDS_A_DAY


def _numbers(listed: str | None) -> npt.NDArray[np.int64]:
    """A comma-separated list of integers (None: none) as an array."""
    if not listed:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(listed, dtype=np.int64, sep=",")


def _top(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """Where the counts are at least the fifth largest (everywhere when there are at most
    five): the five most are chosen among these, ties by name."""
    if len(counts) <= 5:
        return np.arange(len(counts))
    fifth = np.partition(counts, len(counts) - 5)[len(counts) - 5]
    return np.flatnonzero(counts >= fifth)


@dataclass(frozen=True, slots=True)
class Tally:
    """The coverage counts of the matching articles, before names and headlines are read."""

    days: dict[int, int]
    """Stories per day (days since 1970) of their first copy here."""
    articles: int
    sources: int
    source_counts: dict[int, int]
    """Articles per source, of the sources that may be among the five that carried most."""
    widest: list[tuple[int, int, int, int]]
    """(copies, first published, story, first id) of the five widest stories, widest first."""
    speaker_counts: dict[int, int]
    """Quotations per speaker (by number), of those that may be among the five most quoted."""


def tally_found(columns: Sequence[str | None]) -> Tally:
    """The counts ``bot.storage.coverage`` makes in SQL on PostgreSQL, from the lists of its
    ``_found_columns`` (id, published, source, story; (speaker, quotations) pairs), with numpy:
    SQLite's GROUP BYs each sort their rows, and four sorts of thousands of rows cost more
    than finding the articles (bench/queries.py, coverage over 30 days of 1,000 sources)."""
    ids, published, source_ids, stories, said = map(_numbers, columns)
    if not len(ids):
        return Tally({}, 0, 0, {}, [], {})
    # Each story's copies here, the first published first.
    order = np.lexsort((published, stories))
    by_story = stories[order]
    starts = np.flatnonzero(np.r_[True, by_story[1:] != by_story[:-1]])
    first_at = published[order][starts]
    first_id = np.minimum.reduceat(ids[order], starts)
    copies = np.diff(np.r_[starts, len(ids)])
    story_ids = by_story[starts]
    days, per_day = np.unique(first_at // MICROSECONDS_A_DAY, return_counts=True)
    wide = np.flatnonzero(copies > 1)
    wide = wide[np.lexsort((story_ids[wide], first_at[wide], -copies[wide]))][:5]
    carried, per_source = np.unique(source_ids, return_counts=True)
    pairs = said.reshape(-1, 2)
    speakers, which = np.unique(pairs[:, 0], return_inverse=True)
    quoted = np.bincount(which, weights=pairs[:, 1], minlength=len(speakers)).astype(np.int64)
    top_sources, top_speakers = _top(per_source), _top(quoted)
    return Tally(
        days=dict(zip(days.tolist(), per_day.tolist(), strict=True)),
        articles=len(ids),
        sources=len(carried),
        source_counts=dict(
            zip(carried[top_sources].tolist(), per_source[top_sources].tolist(), strict=True)
        ),
        widest=[
            (int(copies[i]), int(first_at[i]), int(story_ids[i]), int(first_id[i])) for i in wide
        ],
        speaker_counts=dict(
            zip(speakers[top_speakers].tolist(), quoted[top_speakers].tolist(), strict=True)
        ),
    )
