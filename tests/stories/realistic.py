"""Real news and realistic copies of it, for tuning and measuring story grouping (read in place).

`../shared/data/polnear-train/quotes.jsonl` (see its README: development use only, never copied)
holds 840 real political news articles from seven outlets, 2015-2016, with their dates and titles.
Nothing of their text is stored here: every variant is made at run time, in memory, from the
article itself and a few invented lines (wrappers, headlines, inserted sentences).

Each original gets copies made the way outlets and aggregators make them (tests/stories/copies.py):

- "exact": the same text at another outlet;
- "cut": the leading paragraphs only, 20-40 % of the words (as outlets cut a wire story),
  sometimes with a "read the full story" line;
- "aggregator": such a cut inside an aggregator's page, with its own dates, times, counts,
  menus, related headlines of other articles, boilerplate, and sentences of its own with names
  and numbers that no shape gives away;
- "wrapped": the whole text inside an aggregator's page;
- "reheadlined": another headline (the first paragraph, where the text starts with its title);
- "edited": a sub-edited copy: paragraphs dropped, the end cut, a tenth of the words changed
  (house style, shorter names, synonyms, clauses turned round, asides removed) and a paragraph or
  two of the outlet's own inserted.

Negatives are the corpus itself: every original is a story of its own, and "same-topic" pairs
(`same_topic_pairs`) are two articles published on different days that share specific names and
title words (the same debate, court case, scandal): the hard cases for a false merge.

The corpus is split in two halves by the SHA-1 of the article id (the rule of
`tests/quotes/corpus.py`, so the project's halves agree): thresholds are chosen on "tune" and
reported on "report".
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "polnear-train"
GOLD = CORPUS / "quotes.jsonl"
HALVES = ("tune", "report")
COPY_KINDS = ("exact", "cut", "aggregator", "wrapped", "reheadlined", "edited")
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
SPREAD = timedelta(hours=56)
"""Originals are spread over this long, and copies follow within COPY_DELAY: every article of a
half is within the 72-hour window of every other, so every pair is compared."""
COPY_DELAY = (timedelta(minutes=5), timedelta(hours=12))
MIN_WORDS_TO_CUT = 200
"""Cut, aggregated and edited copies are made of originals of at least this many words (a cut
keeps at least 40): outlets cut full stories, not two-paragraph briefs."""
REPUBLISHED = (
    (
        "wash-post_2015-12-22_as-spotlight-shines-on-trump-and",
        "wash-post_2015-12-23_as-spotlight-shines-on-trump-and",
    ),
    (
        "wash-post_2015-12-12_misinformation-enters-mainstream",
        "wash-post_2015-12-13_misinformation-enters-mainstream",
    ),
    (
        "nyt_2016-03-04_republicans-have-stake-in-a-deal",
        "nyt_2016-03-05_polls-suggest-possibility-of-dea",
    ),
    (
        "nyt_2015-11-25_golf-courses-forced-to-reach-int",
        "nyt_2015-11-26_with-fewer-golfers-in-u-s-course",
    ),
    (
        "nyt_2016-03-15_sanders-advances-agenda-via-side",
        "nyt_2016-03-16_via-legislative-side-doors-sande",
    ),
    (
        "breitbart_2016-03-15_the-latest-kasich-scores-all-del",
        "breitbart_2016-03-15_the-latest-sanders-declares-revo",
    ),
    (
        "usa-today_2016-04-06_sanders-says-he-s-riding-momentu",
        "usa-today_2016-04-06_sanders-winning-streak-continues",
    ),
)
"""Pairs of the corpus that are one article published twice (the next day's print edition under
another headline, an updated version, two states of a live page), found by their overlap (every
other pair of the corpus shares at most 53 % of the smaller's 3-word shingles; these share 74-99 %)
and checked by reading: in the streams each pair is one story. (Id prefixes, without
"polnear-train-".)"""


@dataclass(frozen=True, slots=True)
class RealArticle:
    id: str
    publisher: str
    date: str  # YYYY-MM-DD
    title: str
    text: str  # paragraphs separated by "\n\n"

    @property
    def half(self) -> str:
        return half_of(self.id)


@dataclass(frozen=True, slots=True)
class Variant:
    """One article of a stream: an original (kind "original") or a copy of one."""

    id: str
    story: str  # the original's id
    kind: str
    outlet: str
    url: str
    title: str
    text: str
    published: datetime


def half_of(article_id: str) -> str:
    """ "tune" or "report", by the last hexadecimal digit of the id's SHA-1 (as in
    tests/quotes/corpus.py)."""
    digit = int(hashlib.sha1(article_id.encode("utf-8")).hexdigest()[-1], 16)
    return "tune" if digit % 2 == 0 else "report"


_PREFIX = "polnear-train-"
_SAME = {_PREFIX + b: _PREFIX + a for a, b in REPUBLISHED}


def story_of(article_id: str) -> str:
    """The story an original belongs to: its own, or the first of a republished pair's."""
    return _SAME.get(article_id, article_id)


def available() -> bool:
    return GOLD.is_file()


def load(half: str | None = None) -> list[RealArticle]:
    out = []
    with GOLD.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            article = RealArticle(
                str(record["id"]),
                str(record["publisher"]),
                str(record["date"]),
                str(record["title"]),
                str(record["text"]),
            )
            if half is None or article.half == half:
                out.append(article)
    return out


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def paragraphs_of(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def starts_with_title(article: RealArticle) -> bool:
    first = paragraphs_of(article.text)[0].rstrip(". ")
    return first == article.title.strip().rstrip(". ")


# --- same-topic negatives --------------------------------------------------------------------

STOP_WORDS = frozenset(
    """a about after again against all also an and any are as at be been before being but by can
    could did do does for from had has have he her here his how i if in into is it its just may me
    more most new no not now of on one or our out over says said say she so some than that the
    their them then there these they this to up us was we were what when where which who why will
    with would you your after amid back big calls first gets get make makes man just week day time
    year years news says than like over under why how""".split()
)
NAME = re.compile(r"(?<![.!?\"“] )(?<!^)\b[A-Z][a-z]+(?:['’]s)?\b")


def topic_terms(article: RealArticle) -> set[str]:
    """What an article is about: its title's content words and the names in its title and first
    two paragraphs of body (capitalised words that don't open a sentence), lower-cased."""
    body = paragraphs_of(article.text)
    if starts_with_title(article):
        body = body[1:]
    lead = " ".join(body[:2])
    terms = {w for w in words(article.title) if len(w) > 3 and w not in STOP_WORDS}
    for match in NAME.finditer(lead):
        name = match.group().lower().removesuffix("'s").removesuffix("’s")
        if name not in STOP_WORDS:
            terms.add(name)
    return terms


@dataclass(frozen=True, slots=True)
class TopicPair:
    first: str
    second: str
    shared: int
    """How many specific terms (names, title words) the two share."""
    weight: float
    """The sum of the shared terms' inverse document frequencies."""


def same_topic_pairs(
    articles: Sequence[RealArticle], *, min_weight: float = 9.0, per_article: int = 3
) -> list[TopicPair]:
    """Pairs of articles on the same subject from different days: they share at least three
    specific terms (each in at most 5 % of the articles), weighing `min_weight` in IDF; each
    article is paired with its `per_article` closest. Computed over the whole corpus's document
    frequencies, so both halves define "same topic" alike."""
    terms = {a.id: topic_terms(a) for a in articles}
    everything = load() if available() else list(articles)
    frequency = Counter(t for a in everything for t in topic_terms(a))
    total = len(everything)
    idf = {t: math.log(total / n) for t, n in frequency.items()}
    specific = {t for t, n in frequency.items() if n <= 0.05 * total}
    best: dict[str, list[TopicPair]] = {}
    for i, a in enumerate(articles):
        for b in articles[i + 1 :]:
            if a.date == b.date:
                continue
            shared = terms[a.id] & terms[b.id] & specific
            if len(shared) < 3:
                continue
            weight = sum(idf[t] for t in shared)
            if weight < min_weight:
                continue
            pair = TopicPair(a.id, b.id, len(shared), round(weight, 2))
            best.setdefault(a.id, []).append(pair)
            best.setdefault(b.id, []).append(pair)
    chosen: set[TopicPair] = set()
    for pairs in best.values():
        pairs.sort(key=lambda p: -p.weight)
        chosen.update(pairs[:per_article])
    return sorted(chosen, key=lambda p: (-p.weight, p.first, p.second))


def stream(half: str) -> list[Variant]:
    """A half's originals and their copies in publication order: the originals spread over
    SPREAD in a stable order (by the SHA-1 of the id), their copies after them."""
    from tests.stories.copies import copies_of

    articles = sorted(load(half), key=lambda a: hashlib.sha1(a.id.encode()).hexdigest())
    headlines = [a.title for a in articles]
    step = SPREAD / max(1, len(articles))
    out: list[Variant] = []
    for n, article in enumerate(articles):
        published = START + step * n
        out.append(
            Variant(
                article.id,
                story_of(article.id),
                "original",
                article.publisher + ".example",
                f"https://www.{article.publisher}.example/{article.id}",
                article.title,
                article.text,
                published,
            )
        )
        out.extend(copies_of(article, headlines, published))
    out.sort(key=lambda v: (v.published, v.id))
    return out


# --- scoring a grouping ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    copies: dict[str, int]
    """Copies of each kind."""
    joined: dict[str, int]
    """Of them, those placed in their original's story."""
    false_merges: dict[str, int]
    """Articles (by kind) placed in a story that isn't theirs."""
    topic_pairs: int
    topic_merged: list[TopicPair]
    """Same-topic pairs whose two articles ended in one story."""
    originals_split: int
    """Republished pairs (see REPUBLISHED) whose two originals ended in different stories."""

    def recall(self, kind: str) -> float:
        return self.joined.get(kind, 0) / self.copies[kind] if self.copies.get(kind) else 0.0

    @property
    def cut_down(self) -> float:
        """Recall of every copy cut to 20-40 %, bare or inside an aggregator's page."""
        kinds = ("cut", "aggregator")
        total = sum(self.copies.get(k, 0) for k in kinds)
        return sum(self.joined.get(k, 0) for k in kinds) / total if total else 0.0


def score(
    articles: Sequence[Variant], stories: Sequence[int], pairs: Sequence[TopicPair]
) -> Scores:
    """Score a grouping: ``stories[i]`` is the story the grouper put ``articles[i]`` in, named
    by the position of its first article in ``articles``."""
    copies: Counter[str] = Counter()
    joined: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    split = 0
    for position, (variant, story) in enumerate(zip(articles, stories, strict=True)):
        right = articles[story].story == variant.story
        if not right:
            wrong[variant.kind] += 1
        # Joined: in the story its original (or the original's first publication) started.
        with_original = right and articles[story].kind == "original" and story != position
        if variant.kind == "original":
            continue
        copies[variant.kind] += 1
        joined[variant.kind] += with_original
    where = {v.id: story for v, story in zip(articles, stories, strict=True)}
    for first, second in REPUBLISHED:
        if _PREFIX + first in where and where[_PREFIX + first] != where.get(_PREFIX + second):
            split += 1
    merged = [p for p in pairs if p.first in where and where[p.first] == where.get(p.second)]
    return Scores(dict(copies), dict(joined), dict(wrong), len(pairs), merged, split)


@dataclass(frozen=True, slots=True)
class Run:
    articles: list[Variant]
    stories: list[int]
    """The story of each article, as the position of its first article."""
    scores: Scores
    seconds: float
    """CPU time spent placing the articles."""


def run(half: str, *, alone: bool = True) -> Run:
    """Place a half's stream with the story index, as the watcher would (each article from its
    outlet, in publication order). ``alone``: each copy is forgotten once placed, so it meets
    the originals only, never another copy of its story (the strict measure); otherwise the
    copies stay, as they would in the watcher."""
    import time

    from bot.stories import StoryIndex, StoryInput

    articles = stream(half)
    pairs = [p for p in same_topic_pairs(load(half)) if story_of(p.first) != story_of(p.second)]
    outlets: dict[str, int] = {}
    inputs = [
        StoryInput(
            n,
            outlets.setdefault(variant.outlet, len(outlets)),
            variant.url,
            None,
            None,
            variant.text,
            variant.published,
        )
        for n, variant in enumerate(articles)
    ]
    index = StoryIndex()
    stories = []
    started = time.process_time()
    for article, variant in zip(inputs, articles, strict=True):
        stories.append(index.place(article).story_id)
        if alone and variant.kind != "original":
            index.forget([article.article_id])
    seconds = time.process_time() - started
    return Run(articles, stories, score(articles, stories, pairs), seconds)
