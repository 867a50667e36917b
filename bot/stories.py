"""Stories: copies and near-copies of one news story, grouped (pure core; no discord imports).

News is syndicated: one wire story appears on a dozen sites, wrapped in their headers and
footers, cut short, lightly edited, under another headline. Each article is placed in a story:

1. exact copies first: the same canonical URL or link (normalised), the same GUID, or the same
   text (a hash of its words, for texts long enough to mean something);
2. then near-copies: the text's word shingles are MinHashed (rensa) into an LSH index of the
   last WINDOW of articles; each candidate is confirmed by the estimated Jaccard similarity or,
   for a copy cut short or wrapped in an aggregator's page, by how much of the smaller text the
   larger contains.

Paragraphs a source repeats across its own articles (its template: a live blog's header, a
weather page's legend) are left out of the comparison, and a text with too few words of its
own never joins another on similarity alone.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from rensa import RMinHash, RMinHashLSH

from bot.articles import Article
from bot.topics import fold, tokens
from bot.urls import normalize_url

WINDOW = timedelta(hours=72)
NUM_PERM = 120
NUM_BANDS = 40
"""40 bands of 3 rows: a pair at Jaccard 0.4 is a candidate 93 % of the time, at 0.2 in 28 %."""
SEED = 7
SHINGLE_WORDS = 3
MIN_SHINGLES = 40
"""A text with fewer shingles of its own (about 40 words) only joins by URL, GUID or equal text."""
MIN_WORDS_FOR_TEXT_HASH = 25
JACCARD = 0.5
CONTAINMENT = 0.75
FACTS_PERM = 128
FACTS_CONTAINED = 0.7
"""A near-copy must also share the smaller text's facts: its names and numbers. Template pages
(weather, market closes, live blogs) share their wording but not their facts."""
TEMPLATE_REPEATS = 3
"""A paragraph a source has used in this many of its recent articles is its template."""


class Reason(StrEnum):
    NEW = "new"
    URL = "url"
    GUID = "guid"
    TEXT = "text"
    SIMILAR = "similar"


@dataclass(frozen=True, slots=True)
class StoryInput:
    article_id: int
    source_id: int
    url: str
    canonical_url: str | None
    guid: str | None
    text: str
    published: datetime


@dataclass(frozen=True, slots=True)
class Placement:
    story_id: int
    """The id of the story's first article."""
    reason: Reason
    similarity: float | None = None
    """For near-copies: the estimated Jaccard similarity or containment that decided it."""

    @property
    def new(self) -> bool:
        return self.reason is Reason.NEW


@dataclass(frozen=True, slots=True)
class _Signature:
    minhash: RMinHash
    shingles: int
    facts: RMinHash
    fact_count: int

    def likeness(self, other: _Signature) -> float | None:
        """How alike two texts are (estimated Jaccard, or how much of the smaller the larger
        holds), or None when they aren't copies of one story."""
        jaccard = float(self.minhash.jaccard(other.minhash))
        contained = _containment(jaccard, self.shingles, other.shingles)
        if jaccard < JACCARD and contained < CONTAINMENT:
            return None
        shared = float(self.facts.jaccard(other.facts))
        if _containment(shared, self.fact_count, other.fact_count) < FACTS_CONTAINED:
            return None
        return max(jaccard, contained)


@dataclass(slots=True)
class _Recent:
    article_id: int
    story_id: int
    source_id: int
    published: datetime
    signature: _Signature | None
    keys: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


class StoryIndex:
    """The last WINDOW of articles, for placing new ones. Not thread-safe; one per process."""

    def __init__(self, *, window: timedelta = WINDOW) -> None:
        self.window = window
        self._recent: dict[int, _Recent] = {}
        self._order: deque[tuple[datetime, int]] = deque()
        self._keys: dict[str, int] = {}
        """URL/GUID/text-hash keys -> story id."""
        self._lsh = RMinHashLSH(JACCARD, NUM_PERM, NUM_BANDS)
        self._templates: Counter[tuple[int, str]] = Counter()

    def __len__(self) -> int:
        return len(self._recent)

    def __contains__(self, article_id: int) -> bool:
        return article_id in self._recent

    def place(self, article: StoryInput) -> Placement:
        """Put the article in a story (a known one, or its own) and remember it."""
        self.forget_before(article.published - self.window)
        keys = _identity_keys(article)
        paragraphs = _paragraph_hashes(article.text)
        placement = self._exact(keys)
        signature = self._signature(article, paragraphs)
        if placement is None and signature is not None:
            placement = self._similar(article, signature)
        if placement is None:
            placement = Placement(article.article_id, Reason.NEW)
        self._remember(
            article,
            story_id=placement.story_id,
            keys=keys,
            paragraphs=paragraphs,
            signature=signature,
        )
        return placement

    def _exact(self, keys: list[str]) -> Placement | None:
        for key in keys:
            story = self._keys.get(key)
            if story is not None:
                kind = key.split(":", 1)[0]
                return Placement(story, Reason(kind))
        return None

    def _signature(self, article: StoryInput, paragraphs: list[str]) -> _Signature | None:
        own: list[str] = []
        for paragraph, digest in zip(_paragraphs(article.text), paragraphs, strict=True):
            if self._templates[(article.source_id, digest)] < TEMPLATE_REPEATS - 1:
                own.append(paragraph)
        text = " ".join(own)
        shingles = _shingles(text)
        facts = _facts(text)
        if len(shingles) < MIN_SHINGLES or not facts:
            return None
        minhash = RMinHash(NUM_PERM, SEED)
        minhash.update(list(shingles))
        fact_hash = RMinHash(FACTS_PERM, SEED)
        fact_hash.update(list(facts))
        return _Signature(minhash, len(shingles), fact_hash, len(facts))

    def _similar(self, article: StoryInput, signature: _Signature) -> Placement | None:
        best: tuple[float, int] | None = None
        for key in self._lsh.query(signature.minhash):
            other = self._recent.get(int(key))
            if other is None or other.signature is None:
                continue
            if abs(other.published - article.published) > self.window:
                continue
            score = signature.likeness(other.signature)
            if score is not None and (best is None or score > best[0]):
                best = (score, other.story_id)
        if best is None:
            return None
        return Placement(best[1], Reason.SIMILAR, round(best[0], 3))

    def _remember(
        self,
        article: StoryInput,
        *,
        story_id: int,
        keys: list[str],
        paragraphs: list[str],
        signature: _Signature | None,
    ) -> None:
        recent = _Recent(
            article.article_id,
            story_id,
            article.source_id,
            article.published,
            signature,
            [k for k in keys if k not in self._keys],
            paragraphs,
        )
        for key in recent.keys:
            self._keys[key] = story_id
        for digest in set(paragraphs):
            self._templates[(article.source_id, digest)] += 1
        if signature is not None:
            self._lsh.insert(article.article_id, signature.minhash)
        self._recent[article.article_id] = recent
        self._order.append((article.published, article.article_id))

    def add(self, article: StoryInput, story_id: int) -> None:
        """Remember an article already placed (when the index is rebuilt after a restart)."""
        keys = _identity_keys(article)
        paragraphs = _paragraph_hashes(article.text)
        signature = self._signature(article, paragraphs)
        self._remember(
            article,
            story_id=story_id,
            keys=keys,
            paragraphs=paragraphs,
            signature=signature,
        )

    def forget(self, article_ids: Iterable[int]) -> None:
        """Drop these articles (their storing failed, so no story may point at them)."""
        for article_id in article_ids:
            self._drop(article_id)

    def _drop(self, article_id: int) -> None:
        recent = self._recent.pop(article_id, None)
        if recent is None:
            return
        for key in recent.keys:
            if self._keys.get(key) == recent.story_id:
                del self._keys[key]
        for digest in set(recent.paragraphs):
            slot = (recent.source_id, digest)
            self._templates[slot] -= 1
            if self._templates[slot] <= 0:
                del self._templates[slot]
        if recent.signature is not None:
            self._lsh.remove(article_id)

    def forget_before(self, moment: datetime) -> None:
        """Drop articles published before then (they no longer attract copies)."""
        # Articles arrive roughly in time order; an old one arriving late is dropped when the
        # clock passes the one before it.
        while self._order and self._order[0][0] < moment:
            self._drop(self._order.popleft()[1])


def _containment(jaccard: float, size_a: int, size_b: int) -> float:
    """How much of the smaller set the larger holds, from their Jaccard similarity and sizes:
    |A∩B| = J(|A|+|B|)/(1+J)."""
    if not size_a or not size_b:
        return 0.0
    common = jaccard * (size_a + size_b) / (1 + jaccard)
    return min(1.0, common / min(size_a, size_b))


def _identity_keys(article: StoryInput) -> list[str]:
    keys = []
    for url in (article.canonical_url, article.url):
        if url:
            keys.append("url:" + normalize_url(url))
    if article.guid:
        keys.append("guid:" + article.guid.strip())
    words = tokens(article.text)
    if len(words) >= MIN_WORDS_FOR_TEXT_HASH:
        keys.append("text:" + hashlib.blake2b(" ".join(words).encode(), digest_size=12).hexdigest())
    return list(dict.fromkeys(keys))


def _paragraphs(text: str) -> list[str]:
    return [p for p in (part.strip() for part in text.split("\n")) if p]


def _paragraph_hashes(text: str) -> list[str]:
    return [
        hashlib.blake2b(" ".join(tokens(p)).encode(), digest_size=8).hexdigest()
        for p in _paragraphs(text)
    ]


_FACT = re.compile(r"\b(?:[A-Z][\w'’-]*[A-Za-z]|\w*\d[\w.,%]*)")


def _facts(text: str) -> set[str]:
    """Names and numbers: capitalised words (after a sentence's first) and anything with a
    digit, folded."""
    found = set()
    for match in _FACT.finditer(text):
        before = text[max(0, match.start() - 2) : match.start()]
        if match.group()[0].isupper() and (not before.strip() or before.rstrip()[-1:] in '.!?"“'):
            continue  # a sentence's first word says nothing
        # Whole: "377.76" and "57.3m" are facts; their pieces "377", "76" are not.
        found.add(fold(match.group().rstrip(".,")))
    return found


def _shingles(text: str) -> set[str]:
    words = tokens(text)
    n = SHINGLE_WORDS
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


class Stories:
    """The watcher's story placer (a ``StoryPlacer`` for the store): stored articles in, their
    story out."""

    def __init__(self, index: StoryIndex | None = None) -> None:
        self.index = index or StoryIndex()
        self.loaded = False
        self.caught_up: datetime | None = None
        """When the index last took in what other processes stored (``unknown``)."""

    def place(self, article: Article, article_id: int) -> tuple[int, bool]:
        placement = self.index.place(story_input(article, article_id))
        return placement.story_id, placement.new

    def forget(self, article_ids: Sequence[int]) -> None:
        self.index.forget(article_ids)

    def unknown(self, article_ids: Iterable[int]) -> list[int]:
        """Of these stored articles, the ones not in the index (another worker stored them)."""
        return [i for i in article_ids if i not in self.index]

    def load(self, recent: Iterable[tuple[Article, int]]) -> None:
        """Rebuild the index from the stored articles of the last WINDOW (oldest first)."""
        for article, story_id in recent:
            if article.id is not None:
                self.index.add(story_input(article, article.id), story_id)
        self.loaded = True


def story_input(article: Article, article_id: int) -> StoryInput:
    guid = article.item_key if article.item_key.startswith("g:") else None
    return StoryInput(
        article_id=article_id,
        source_id=article.source_id,
        url=article.url,
        canonical_url=article.canonical_url,
        guid=guid,
        text=article.text,
        published=min(article.published, article.fetched_at),
    )
