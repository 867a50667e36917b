"""What of an article's text is compared, and its fingerprint (pure functions).

An article page carries more than the article: menus, bylines, time stamps, share counts,
related headlines, cookie and paywall notices, a site's own footer. Those lines say nothing about
the story and must never make two stories one, nor keep a copy from its original. A line is left
out when its *shape* says it is page furniture (`is_furniture`), or when its source has already
used it in another article (its template: see the index).

What remains is fingerprinted: its 3-word shingles hashed (rensa's stable 64-bit token hash),
a sample of them as anchors for finding candidates, and its facts (names and numbers).
"""

from __future__ import annotations

import re
import sys
from array import array
from dataclasses import dataclass

from rensa import RMinHash

from bot.topics import fold

SHINGLE_WORDS = 3
ANCHOR_MASK = 7
"""A shingle whose hash is 0 modulo 8 is an anchor: one in eight, the same in every text, so a
copy shares about that share of its anchors with its original wherever the copy was cut."""
MIN_WORDS_FOR_TEXT_KEY = 20

_WORD = re.compile(r"\w+")
_PUNCTUATION = re.compile(r"[^\w\s©]+")
_SEPARATORS = (" | ", " · ", " • ", " › ", " » ")
"""Menus and metadata lines: "Home | World | Sign in", "5 min read · Reuters"."""
_CLOSERS = "\"”’')]"
_SENTENCE_ENDS = (".", "!", "?", "…")
# Words that are rare in news prose and common in what sites print around every article:
# sign-up, paywall, cookies, copyright, newsletters, ads.
_TRIGGERS = frozenset(
    """copyright © subscribe subscribed subscriber subscribers subscription subscriptions
    unsubscribe newsletter newsletters cookie cookies login javascript adblocker advertisement
    disclaimer aggregated inbox paywall""".split()
)
_STEMS = ("copyright", "©", "subscri", "newsletter", "cookie", "login", "javascript", "adblock",
          "advertisement", "disclaimer", "aggregated", "inbox", "paywall", "read the full",
          "read more", "sign up", "sign in", "log in", "rights reserved", "continue reading",
          "click here")  # fmt: skip
# Phrases that count with them (only looked for in a line with a trigger word).
_PHRASES = re.compile(
    r"\b(?:all rights reserved|sign (?:up|in)|log in|privacy (?:policy|settings)|terms of "
    r"(?:use|service)|read (?:the full|more)|continue reading|click here|share this|min read|"
    r"already (?:have an account|a subscriber)|create (?:a free |an )?account|free trial|"
    r"unlimited access|your email|enter your|ad choices|story id)\b"
)
_STAMP_WORDS = frozenset(
    """am pm p m et est edt gmt utc bst cet updated posted published ago minutes minute hours
    hour min read views comments shares share likes jan feb mar apr jun jul aug sep sept oct nov
    dec january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday k m by""".split()
)


def lines(text: str) -> list[str]:
    """The text's non-empty lines (paragraphs, list items), stripped."""
    return [line for line in (part.strip() for part in text.split("\n")) if line]


def furniture(text_lines: list[str]) -> list[bool]:
    """Which lines are page furniture by their shape (see `is_furniture`)."""
    low = [line.casefold() for line in text_lines]
    joined = "\n".join(low)
    stems = [stem for stem in _STEMS if stem in joined]  # most texts have none
    return [_furniture(a, b, stems) for a, b in zip(text_lines, low, strict=True)]


def is_furniture(line: str) -> bool:
    """Whether a line is page furniture by its shape: a menu or metadata line, a heading-like
    short line without a sentence's end (a byline, a related headline), a time stamp or
    counter, or a line sites print around every article (sign-up, paywall, cookies,
    copyright: a word of theirs in a short line, or two in a long one)."""
    return furniture([line])[0]


def _furniture(line: str, low: str, stems: list[str]) -> bool:
    size = low.count(" ") + 1
    if size < 40 and any(separator in line for separator in _SEPARATORS):
        return True
    if size < 25 and not line.rstrip(_CLOSERS).endswith(_SENTENCE_ENDS):
        return True
    if size < 30 and _title_case(line):
        return True  # a headline, with or without a full stop: a related story's
    if size > 15 and not any(stem in low for stem in stems):
        return False
    words = _PUNCTUATION.sub(" ", low).split()
    if not words:
        return True
    hits = len(_TRIGGERS.intersection(words)) + len(_PHRASES.findall(" ".join(words)))
    if hits >= 2 or (hits and len(words) < 15):
        return True
    if len(words) <= 15:
        dated = sum(1 for w in words if w.isdigit() or w in _STAMP_WORDS)
        if dated * 5 >= len(words) * 2:
            return True  # "Posted Nov. 3, 2016 10:32 a.m. ET | Updated 5 minutes ago"
    return False


_LONG_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")


def _title_case(line: str) -> bool:
    """Whether most of a line's longer words are capitalised, as in headlines."""
    found = _LONG_WORD.findall(line)
    if len(found) < 4:
        return False
    return sum(1 for w in found if w[0].isupper()) >= 0.75 * len(found)


def line_digests(text_lines: list[str]) -> list[int]:
    """A stable 64-bit digest of each line (case and spacing ignored)."""
    keys = [" ".join(line.casefold().split()) for line in text_lines]
    return list(RMinHash.hash_token_sets([keys])[0])


# Names and numbers. A capitalised word counts unless it opens a sentence, a line or a quotation
# ("The", "But", "We"); a number is kept whole ("377.76", "57.3m", "1,200", "4.5%").
# (Each branch opens with a character class, which the regex engine scans for quickly; the
# look-behinds then test the characters before it.)
_FACT_PATTERN = (
    r"[A-Z](?<!\w[A-Z])(?<![.!?\"“”]\s[A-Z])(?<![\"“\n][A-Z])[\w'’-]*[A-Za-z]"
    r"|[0-9](?<![\w.,][0-9])(?:[\w%]|[.,][0-9])*"
)
_FACT = re.compile(_FACT_PATTERN)
# A fact and the two words after it: its frame.
_FRAMED = re.compile(rf"({_FACT_PATTERN})(?=\W+(\w+)(?:\W+(\w+))?)?")


@dataclass(frozen=True, slots=True)
class Facts:
    """A text's names and numbers and their frames (the two words after each), as 32-bit
    hashes: fact, frame, fact, frame... in text order."""

    found: array[int]

    @property
    def facts(self) -> set[int]:
        """The hashes of the text's names and numbers."""
        return set(self.found[0::2])

    @property
    def frames(self) -> set[int]:
        """The hashes of the words after each of them."""
        return set(self.found[1::2])


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a text is compared by."""

    shingles: array[int]
    """The 32-bit hashes of its distinct 3-word shingles."""
    anchor_count: int
    facts: Facts

    def anchors(self) -> list[int]:
        """The shingles whose hash is 0 modulo 8."""
        return [h for h in self.shingles if not h & ANCHOR_MASK]


def _low32(hashes: list[int]) -> array[int]:
    """The low 32 bits of each 64-bit hash, in a compact array."""
    wide = array("Q", hashes)
    narrow = array("I")
    narrow.frombytes(wide.tobytes())
    return narrow[0::2] if sys.byteorder == "little" else narrow[1::2]


def facts_of(text: str) -> Facts:
    """The text's facts, each framed by the two words after it (a number among them stands
    for any number: "high 14C, low 9C" and "high 17C, low 11C" share the frame of 14C and
    17C)."""
    names: list[str] = []
    frames: list[str] = []
    for fact, first, second in dict.fromkeys(_FRAMED.findall("\n" + text)):
        name = fact.casefold()
        names.append(name[:-2] if name.endswith(("'s", "’s")) else name)
        frames.append(
            f"{'#' if fact[0].isdigit() else 'A'} {first.casefold() if first.isalpha() else '#'} "
            f"{second.casefold() if second.isalpha() else '#'}"
        )
    if not names:
        return Facts(array("I"))
    hashed_names, hashed_frames = RMinHash.hash_token_sets([names, frames])
    found = array("I", bytes(8 * len(names)))
    found[0::2] = _low32(hashed_names)
    found[1::2] = _low32(hashed_frames)
    return Facts(found)


def agreement(small: Facts, large: Facts) -> tuple[float, float]:
    """How far the larger text bears out the smaller one's facts: of the smaller's facts the
    larger either states (confirmed) or contradicts (states another name or number in the
    same frame, as pages built on one template do), the share confirmed. Facts of the smaller
    text's own, in words the larger doesn't have (an aggregator's date, its readers' count),
    neither confirm nor contradict. Also: the share of all the smaller's facts confirmed.
    (0, 0) when nothing is confirmed."""
    facts, frames = large.facts, large.frames
    confirmed: set[int] = set()
    contradicted: set[int] = set()
    found = small.found
    for fact, frame in zip(found[0::2], found[1::2], strict=True):
        if fact in facts:
            confirmed.add(fact)
        elif frame in frames:
            contradicted.add(fact)
    if not confirmed:
        return 0.0, 0.0
    own = len(set(found[0::2]))
    return len(confirmed) / (len(confirmed) + len(contradicted - confirmed)), len(confirmed) / own


def words_of(text: str) -> list[str]:
    """The folded words of a text (case, accents and apostrophe forms ignored)."""
    return _WORD.findall(fold(text))


def fingerprint(text: str, words: list[str]) -> Fingerprint | None:
    """The text's fingerprint, or None when it states no facts (nothing to check a likeness
    of wording against)."""
    facts = facts_of(text)
    if not facts.found:
        return None
    columns = (words[i:] for i in range(SHINGLE_WORDS))
    shingles = list(map(" ".join, zip(*columns, strict=False)))  # the last ones run short
    distinct = array("I", set(_low32(RMinHash.hash_token_sets([shingles])[0])))
    anchors = sum(1 for h in distinct if not h & ANCHOR_MASK)
    return Fingerprint(distinct, anchors, facts)


def text_key(words: list[str]) -> str | None:
    """A key for the exact text (its words), for texts long enough to mean something."""
    if len(words) < MIN_WORDS_FOR_TEXT_KEY:
        return None
    return f"text:{RMinHash.hash_token_sets([[' '.join(words)]])[0][0]:016x}"
