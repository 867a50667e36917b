"""The shape of a text: its lines, paragraphs and sentences, found once and looked up by
bisection (a text may be one enormous paragraph, so nothing here scans from a position)."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

from bot.quotes.lexicon import STOPWORDS_EN


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line or block of the text."""
    out = []
    for match in re.finditer(r"[^\n]+", text):
        if match.group().strip():
            out.append((match.start(), match.end()))
    return out


_BLANK = re.compile(r"\s*")


NEWLINES = re.compile(r"\n*")
"""A run of line breaks (matched where one starts)."""


def blank(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is all white space (read only as far as the first ink)."""
    return start >= end or _BLANK.match(text, start, end).end() == end  # type: ignore[union-attr]


def last_ink(text: str, end: int, start: int = 0) -> str:
    """The last character before ``end`` (and from ``start``) that is not white space."""
    at = end - 1
    while at >= start and text[at].isspace():
        at -= 1
    return text[at] if at >= start else ""


class Lines:
    """Where each line of a text starts and ends, found by bisection rather than a scan (a
    text may be one enormous paragraph)."""

    def __init__(self, text: str) -> None:
        """Index the line breaks of ``text`` once."""
        self.text = text
        self.breaks = [m.start() for m in re.finditer("\n", text)]
        self.inked = [m.start() for m in re.finditer(r"(?m)^\S", text)]
        """Starts of the lines that begin with ink (not white space)."""

    def start(self, position: int) -> int:
        """Start of the line holding ``position`` (text.rfind("\\n", 0, position) + 1)."""
        index = bisect.bisect_left(self.breaks, position) - 1
        return self.breaks[index] + 1 if index >= 0 else 0

    def end(self, position: int) -> int:
        """The line break at or after ``position``, else the end of the text."""
        index = bisect.bisect_left(self.breaks, position)
        return self.breaks[index] if index < len(self.breaks) else len(self.text)

    def inked_start(self, position: int) -> int:
        """The latest start of a line beginning with ink at or before ``position`` (else 0)."""
        index = bisect.bisect_right(self.inked, position) - 1
        return self.inked[index] if index >= 0 else 0


SENTENCE_BREAK = re.compile(r"[.!?…][”\"’'»]?\s+(?=[“\"‘'«A-Z0-9])")


_ABBREV_END = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov|St|Lt|Col|Capt|Sgt|Rev|Msgr|Fr|Maj|Adm|Cmdr|Ft|Mt"
    r"|Jan|Feb|Aug|Sept|Oct|Nov|Dec|No|U\.S|U\.K|[A-Z])\.$"
)


class Sentences:
    """Sentence boundaries of the text, ignoring full stops inside quotations."""

    def __init__(
        self, text: str, quoted: Sequence[tuple[int, int]], lines: Lines | None = None
    ) -> None:
        """Find the sentence starts of ``text`` (``quoted`` spans hold none)."""
        self.text = text
        self.lines = lines or Lines(text)
        starts = {0}
        starts.update(m.end() for m in re.finditer(r"\n+", text))
        spans = sorted(quoted)
        span_starts = [a for a, _ in spans]
        reach = list(itertools.accumulate((b for _, b in spans), max))
        for match in SENTENCE_BREAK.finditer(text):
            at = match.start()
            index = bisect.bisect_right(span_starts, at) - 1
            if index >= 0 and at < reach[index]:
                continue  # inside a quotation
            if _ABBREV_END.search(text, max(0, at - 6), at + 1):
                continue
            starts.add(match.end())
        self.starts = sorted(starts)

    def start(self, position: int) -> int:
        """The start of the sentence holding ``position``."""
        index = bisect.bisect_right(self.starts, position) - 1
        return self.starts[max(index, 0)]

    def after(self, position: int) -> int:
        """The start of the sentence after the one holding ``position`` (or the text's end)."""
        index = bisect.bisect_right(self.starts, position)
        return self.starts[index] if index < len(self.starts) else len(self.text)

    def end(self, position: int) -> int:
        """The end of the sentence holding ``position`` (never past its line)."""
        index = bisect.bisect_right(self.starts, position)
        end = self.starts[index] if index < len(self.starts) else len(self.text)
        return min(end, self.lines.end(position))


def is_english(text: str) -> bool:
    """Whether the text reads as English (enough common English words): speakers are only
    guessed in English."""
    words = re.findall(r"[a-zA-Z]+", text[:5000].lower())
    if len(words) < 8:
        return True
    return sum(word in STOPWORDS_EN for word in words) / len(words) >= 0.12


def proper_noun(text: str, word: str) -> bool:
    """Whether ``word`` is capitalised somewhere in ``text`` that a common word would not be:
    after a lower-case word, not at a sentence's start."""
    at = text.find(word)
    while at != -1:
        before = text[max(0, at - 2) : at]
        after = text[at + len(word) : at + len(word) + 1]
        if len(before) == 2 and before[1] == " " and before[0].islower() and not after.isalpha():
            return True
        at = text.find(word, at + 1)
    return False
