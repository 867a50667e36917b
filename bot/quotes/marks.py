"""Quotation marks as pages type them: which marks open a quotation, which close it, and
where a quotation opened in a paragraph closes (read once per paragraph, left to right)."""

from __future__ import annotations

import bisect
import re

DOUBLE_OPEN = "“„«"


SINGLE_OPEN = "‘‚"


STRAIGHT = "\"'"


CLOSERS = {
    "“": '”"',
    "„": '“”"',
    "«": "»",
    "»": "«",
    "‘": "’'",
    "‚": "‘’",
    '"': '"”',
    "'": "'’",
    "''": "''",
}


ALL_MARKS = "“”„«»‘’‚\"'"


OPEN_BEFORE = set(" \t\n([{—–-:;/") | set("“‘\"'")


WORD_CHAR = re.compile(r"[\w]")


def can_open(text: str, i: int, width: int) -> bool:
    """Whether a mark of ``width`` characters at ``i`` can open a quotation: after a space,
    a bracket, a dash or another mark, and before a word."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + width] if i + width < len(text) else " "
    return (before in OPEN_BEFORE or before.isspace()) and not after.isspace() and after != ""


def is_apostrophe(text: str, i: int) -> bool:
    """A ’ or ' between letters (don't, Putin’s) or after an s before a space (workers’ )."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return bool(WORD_CHAR.match(before)) and bool(WORD_CHAR.match(after))


class Closers:
    """Where quotations opened in one paragraph close. Every search is answered from one
    left-to-right reading of the paragraph, so a paragraph full of marks that never close
    costs no more than one that is read once."""

    def __init__(self, text: str, start: int, end: int) -> None:
        """For the paragraph text[start:end]."""
        self.text, self.start, self.end = text, start, end
        self._memo: dict[str, tuple[int, int]] = {}
        self._single: dict[str, tuple[list[int], list[int], list[int]]] = {}

    def find(self, mark: str, start: int) -> int:
        """The closing mark of ``mark`` opened just before ``start``, or -1."""
        if mark in ("'", "‘", "‚"):
            return self._single_close(CLOSERS[mark], start)
        memo = self._memo.get(mark)
        if memo is not None and memo[0] <= start and (memo[1] == -1 or memo[1] >= start):
            return memo[1]  # nothing closes between the last search's start and its answer
        match = _CLOSE_RE[mark].search(self.text, start, self.end)
        found = match.start() if match else -1
        self._memo[mark] = (start, found)
        return found

    def _single_close(self, closers: str, start: int) -> int:
        """For a single-quote-opened span: the first closing mark after punctuation, else the
        first not after an s (workers’ is a possessive), else the first."""
        table = self._single.get(closers)
        if table is None:
            table = self._single[closers] = self._single_table(closers)
        positions, after_stop, after_other = table
        index = bisect.bisect_left(positions, start)
        if index == len(positions):
            return -1
        for preferred in (after_stop, after_other):
            if preferred[index] < len(positions):
                return positions[preferred[index]]
        return positions[index]

    def _single_table(self, closers: str) -> tuple[list[int], list[int], list[int]]:
        text = self.text
        pattern = re.compile(f"[{closers}](?![\\w])")
        positions = [m.start() for m in pattern.finditer(text, self.start, self.end)]
        # For each candidate, the index of the next one after ,.!? (or after a non-s).
        after_stop = [len(positions)] * (len(positions) + 1)
        after_other = [len(positions)] * (len(positions) + 1)
        for index in range(len(positions) - 1, -1, -1):
            before = text[positions[index] - 1]
            after_stop[index] = index if before in ",.!?…—-" else after_stop[index + 1]
            after_other[index] = index if before not in "sS" else after_other[index + 1]
        return positions, after_stop, after_other


_CLOSE_RE = {
    # A straight mark closes unless it opens a word after a space ('said "yes" and "no"').
    '"': re.compile(r'”|"(?![\w])|(?<![\s])"'),
    "''": re.compile("''"),
    **{mark: re.compile(f"[{re.escape(CLOSERS[mark])}]") for mark in ("„", "«", "»")},
    # An opening mark typed for the closing one after the last word's punctuation also
    # closes (“We will,“ said Ann).
    "“": re.compile(r'[”"]|(?<=[,.!?…])“(?![^\s])'),
}


MARK_RE = re.compile("[“„«»‘‚\"']")
