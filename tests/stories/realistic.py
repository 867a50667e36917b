"""Realistic copies of real news, for tuning and measuring story grouping (read in place).

`../shared/data/polnear-train/quotes.jsonl` (see its README: development use only, never copied)
holds 840 real political news articles from seven outlets, 2015-2016, with their dates and titles.
Nothing of their text is stored here: every variant is made at run time, in memory, from the
article itself and a few invented lines (wrappers, headlines, inserted sentences).

Each original gets copies made the way outlets and aggregators make them:

- "exact": the same text at another outlet;
- "cut": the leading paragraphs only, 20-40 % of the words (as outlets cut a wire story),
  sometimes with a "read the full story" line;
- "aggregator": such a cut inside an aggregator's page, with its own dates, times, counts,
  menus, related headlines of other articles and boilerplate;
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

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

_STOP = frozenset(
    """a about after again against all also an and any are as at be been before being but by can
    could did do does for from had has have he her here his how i if in into is it its just may me
    more most new no not now of on one or our out over says said say she so some than that the
    their them then there these they this to up us was we were what when where which who why will
    with would you your after amid back big calls first gets get make makes man just week day time
    year years news says than like over under why how""".split()
)
_NAME = re.compile(r"(?<![.!?\"“] )(?<!^)\b[A-Z][a-z]+(?:['’]s)?\b")


def topic_terms(article: RealArticle) -> set[str]:
    """What an article is about: its title's content words and the names in its title and first
    two paragraphs of body (capitalised words that don't open a sentence), lower-cased."""
    body = paragraphs_of(article.text)
    if starts_with_title(article):
        body = body[1:]
    lead = " ".join(body[:2])
    terms = {w for w in words(article.title) if len(w) > 3 and w not in _STOP}
    for match in _NAME.finditer(lead):
        name = match.group().lower().removesuffix("'s").removesuffix("’s")
        if name not in _STOP:
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


# --- the copies ------------------------------------------------------------------------------

OUTLETS = (
    "dailyledger.example", "capitolwire.example", "morningpost.example", "tribune.example",
    "heraldnews.example", "eveningstar.example", "citypress.example", "gazette.example",
    "thecourier.example", "nationaljournal.example",
)  # fmt: skip
AGGREGATORS = (
    ("newsnow.example", "NewsNow"), ("topbuzz.example", "TopBuzz"),
    ("flipfeed.example", "FlipFeed"), ("msnews.example", "MS News"),
    ("yfeed.example", "Y! News"), ("newsbreak.example", "NewsBreak"),
    ("smartnews.example", "SmartNews"), ("ground.example", "Ground Feed"),
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
          "Nov.", "Dec.")  # fmt: skip


_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[\"“A-Z])")


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s]


def cut(article: RealArticle, rng: Random, low: float = 0.2, high: float = 0.4) -> str:
    """The leading paragraphs, low-high of the words: at a paragraph end where one falls in the
    range, else at a sentence end, else at a word."""
    paragraphs = paragraphs_of(article.text)
    total = len(words(article.text))
    target = rng.uniform(low, high)
    kept: list[str] = []
    size = 0
    for paragraph in paragraphs:
        n = len(words(paragraph))
        if (size + n) / total <= high:
            kept.append(paragraph)
            size += n
            if size / total >= target:
                break
            continue
        for sentence in _sentences(paragraph):  # the paragraph is too long: its first sentences
            m = len(words(sentence))
            if (size + m) / total > high:
                break
            kept.append(sentence)
            size += m
        break
    if size / total < low:  # one huge sentence: cut at a word
        rest = " ".join(paragraphs)[len(" ".join(kept)) :].split()
        need = math.ceil(low * total) - size
        kept.append(" ".join(rest[: need + 1]))
    return "\n\n".join(kept)


def _stamp(rng: Random, when: datetime) -> str:
    hour = rng.randint(1, 12)
    return (
        f"{MONTHS[when.month - 1]} {when.day}, {when.year} {hour}:{rng.randint(0, 59):02d} "
        f"{rng.choice(('a.m.', 'p.m.', 'AM', 'PM'))} {rng.choice(('ET', 'EST', 'EDT', 'GMT'))}"
    )


def wrap(
    body: str,
    article: RealArticle,
    rng: Random,
    when: datetime,
    headlines: Sequence[str],
    *,
    aggregator: tuple[str, str],
) -> tuple[str, str]:
    """The body inside an aggregator's page: its menus, dates, counts, related headlines and
    boilerplate. Returns the aggregator's domain and the page text."""
    domain, name = aggregator
    related = rng.sample(list(headlines), min(len(headlines), rng.randint(2, 5)))
    header = [
        f"{name} | Top Stories | Politics | U.S. | World | Business | Tech | Sign In",
        rng.choice(
            (
                f"Posted {_stamp(rng, when)} | Updated {rng.randint(2, 59)} minutes ago",
                f"{WEEKDAYS[when.weekday()]}, {MONTHS[when.month - 1]} {when.day}, {when.year}",
                f"Published: {_stamp(rng, when)}",
                f"{rng.randint(2, 23)}h ago · {article.publisher} · {rng.randint(2, 9)} min read",
            )
        ),
        f"{rng.randint(12, 9800):,} views · {rng.randint(2, 980)} comments · "
        f"{rng.randint(1, 40)}.{rng.randint(0, 9)}k shares",
    ]
    footer = [
        f"Read the full story at {article.publisher}.",
        "Related coverage:\n" + "\n".join(related),
        rng.choice(
            (
                "Sign up for our daily newsletter: the top stories of the day, free in your inbox. "
                "Enter your email address. Subscribe.",
                "We use cookies to improve your experience and to show you personalised ads. By "
                "continuing to browse you agree to our use of cookies. Accept | Manage settings",
                f"Disclaimer: this story was aggregated automatically from {article.publisher}. "
                f"{name} is not responsible for the content of external sites.",
            )
        ),
        f"© {when.year} {name}. All rights reserved. Terms | Privacy | Contact "
        f"| Ad choices · Story ID {rng.randint(10**6, 10**8)}",
    ]
    rng.shuffle(footer[:2])
    # Sentences of the aggregator's own, with its own names, dates and numbers: a reader can't
    # tell them from the story's by their shape.
    notes = [
        f"This story was first published by {article.publisher} on {MONTHS[when.month - 1]} "
        f"{when.day}, {when.year}, and has been updated {rng.randint(2, 9)} times since; it is "
        "shared here as part of our news partnership.",
        f"{name} brings you the day's most important stories from more than "
        f"{rng.randint(2, 40) * 100:,} trusted publishers, chosen by our editors in "
        f"{rng.choice(('New York', 'London', 'Singapore'))} and updated around the clock.",
        f"More than {rng.randint(1000, 90000):,} readers have shared this story in the past "
        f"{rng.randint(2, 23)} hours, making it one of the most-read pieces on {name} this week.",
    ]
    chosen = rng.sample(notes, rng.randint(1, 2))
    head = header[: rng.randint(2, 3)]
    parts = [*head, *chosen[:1], body, *chosen[1:], *footer[: rng.randint(2, 4)]]
    return domain, "\n\n".join(parts)


def _entities(text: str) -> list[str]:
    counts = Counter(
        m.group().removesuffix("'s").removesuffix("’s")
        for m in _NAME.finditer(text)
        if m.group().lower() not in _STOP
    )
    return [name for name, _ in counts.most_common(4)] or ["Washington"]


HEADLINES = (
    "{a}: what you need to know",
    "{a} and {b} at the center of a new fight",
    "Analysis: what the latest on {a} means for {b}",
    "{a} under fire as {b} weighs in",
    "Why {a} matters now",
    "WATCH: {a} speaks out on {b}",
    "The latest: {a}, {b} and the week in politics",
    "{b} reacts to {a}",
)


def reheadline(article: RealArticle, rng: Random) -> tuple[str, str]:
    """Another headline for the same text: as its first paragraph where the text opens with
    its title, else added above it."""
    names = _entities(article.text)
    a = names[0]
    b = rng.choice(names[1:] or ["Congress"])
    title = rng.choice(HEADLINES).format(a=a, b=b)
    paragraphs = paragraphs_of(article.text)
    if starts_with_title(article):
        paragraphs[0] = title + "."
    else:
        paragraphs.insert(0, title + ".")
    return title, "\n\n".join(paragraphs)


SYNONYMS: dict[str, tuple[str, ...]] = {
    "said": ("stated", "added", "noted"), "says": ("states", "notes"),
    "also": ("additionally",), "about": ("around", "roughly"), "nearly": ("almost",),
    "percent": ("per cent", "%"), "officials": ("authorities",), "biggest": ("largest",),
    "largest": ("biggest",), "major": ("big",), "began": ("started",), "started": ("began",),
    "after": ("following",), "before": ("prior to",), "including": ("such as",),
    "several": ("a number of",), "people": ("Americans",), "lawmakers": ("legislators",),
    "protesters": ("demonstrators",), "candidate": ("contender",), "campaign": ("bid",),
    "election": ("race",), "voters": ("the electorate",), "administration": ("government",),
    "president": ("commander in chief",), "support": ("backing",), "plan": ("proposal",),
    "bill": ("measure",), "however": ("but",), "but": ("however,",), "because": ("as",),
    "while": ("whereas",), "important": ("key",), "key": ("crucial",), "big": ("large",),
    "very": ("",), "really": ("",), "just": ("",), "still": ("",), "already": ("",),
    "criticized": ("slammed",), "attacked": ("blasted",), "wants": ("hopes",),
    "claimed": ("asserted",), "called": ("labeled",), "asked": ("questioned",),
    "announced": ("unveiled",), "expected": ("anticipated",), "recent": ("latest",),
    "previous": ("prior",), "statement": ("written statement",), "week": ("week's end",),
    "reporters": ("journalists",), "interview": ("conversation",), "discussed": ("debated",),
    "argued": ("contended",), "speech": ("address",), "rally": ("event",),
    "Republican": ("GOP",), "Democrat": ("Dem",), "Tuesday": ("on Tuesday",),
    "Wednesday": ("on Wednesday",), "Thursday": ("on Thursday",), "Monday": ("on Monday",),
    "Friday": ("on Friday",), "U.S.": ("US",), "Mr.": ("",), "Mrs.": ("",), "Ms.": ("",),
    "that": ("",), "would": ("will",), "will": ("would",), "could": ("might",),
    "might": ("could",), "many": ("numerous",), "think": ("believe",), "believe": ("think",),
    "went": ("headed",), "made": ("gave",), "make": ("give",), "going": ("set",),
    "told": ("said to",), "according": ("per",), "win": ("victory",), "won": ("took",),
    "vote": ("ballot",), "votes": ("ballots",), "poll": ("survey",), "polls": ("surveys",),
    "former": ("ex-",), "new": ("fresh",), "last": ("past",), "during": ("in",),
    "against": ("versus",), "now": ("currently",), "when": ("as",), "if": ("should",),
    "state": ("statewide",), "House": ("chamber",), "Senate": ("upper chamber",),
}  # fmt: skip
INSERTS = (
    "{a}'s office did not immediately respond to a request for comment on {day}.",
    "This story has been updated with additional reporting and reaction from {a}.",
    "A spokesperson for {b} declined to comment when reached by {outlet} on {day}.",
    "{outlet} has reached out to {a} and {b} for comment and will update this story.",
    "The developments come as {a} and {b} prepare for a busy week, with more events planned in "
    "several states before the end of the month.",
    "Correspondents {r1} and {r2} contributed to this report from Washington.",
)
REPORTERS = ("Dana Whitfield", "Marcus Orr", "Lena Kowal", "Sam Ortega", "Priya Nandal",
             "Tom Brennick")  # fmt: skip


def _edit_sentence(sentence: str, rng: Random, rate: float) -> str:
    tokens = sentence.split(" ")
    out: list[str] = []
    for token in tokens:
        core = token.strip(".,;:!?\"“”'’()")
        options = SYNONYMS.get(core)
        if options and rng.random() < rate:
            new = rng.choice(options)
            out.append(token.replace(core, new, 1) if new else token.replace(core, "", 1))
        else:
            out.append(token)
    text = " ".join(t for t in out if t.strip(".,;:!?\"“”'’()") or t in (",", "."))
    # An aside between commas goes (", who ..., ").
    if rng.random() < rate * 2:
        text = re.sub(r", (?:who|which|a|an|the) [^,]{5,60}, ", " ", text, count=1)
    # A quotation's attribution turns round.
    if rng.random() < rate * 3:
        text = re.sub(
            r"^[\"“](.+),[\"”] ([A-Z][\w.]*(?: [A-Z][\w.]*)?) said\.$", r'\2 said: "\1."', text
        )
    return text


def _shorten_names(text: str) -> str:
    """Second mentions by surname: an editor's "Donald Trump" -> "Trump" after the first."""
    seen: set[str] = set()

    def shorten(match: re.Match[str]) -> str:
        full = match.group()
        if full in seen:
            return match.group(2)
        seen.add(full)
        return full

    return re.sub(r"\b([A-Z][a-z]+) ([A-Z][a-z]{2,})\b", shorten, text)


def edit(article: RealArticle, rng: Random, outlet: str) -> str:
    """A sub-edited copy: the end cut (keep 60-100 % of the words), one or two paragraphs
    dropped, words changed, and one or two paragraphs of the outlet's own inserted."""
    paragraphs = paragraphs_of(cut(article, rng, 0.6, 1.0))
    total = sum(len(words(p)) for p in paragraphs)
    for _ in range(rng.randint(1, 2)):
        droppable = [
            i for i in range(2, len(paragraphs)) if len(words(paragraphs[i])) <= 0.2 * total
        ]
        if len(paragraphs) > 4 and droppable:
            del paragraphs[rng.choice(droppable)]
    rate = rng.uniform(0.7, 1.0)
    edited = [" ".join(_edit_sentence(s, rng, rate) for s in _sentences(p)) for p in paragraphs]
    edited = paragraphs_of(_shorten_names("\n\n".join(edited)))
    names = _entities(article.text)
    when = datetime.fromisoformat(article.date)
    values = {
        "a": names[0],
        "b": rng.choice(names[1:] or ["the White House"]),
        "day": WEEKDAYS[when.weekday()],
        "outlet": outlet.split(".", maxsplit=1)[0].title(),
        "r1": rng.choice(REPORTERS[:3]),
        "r2": rng.choice(REPORTERS[3:]),
    }
    for line in rng.sample(INSERTS, rng.randint(1, 2)):
        edited.insert(rng.randint(2, max(2, len(edited))), line.format(**values))
    return "\n\n".join(edited)


def copies_of(article: RealArticle, headlines: Sequence[str], published: datetime) -> list[Variant]:
    """One copy of each kind (two cuts and two aggregator cuts), each at another outlet (an
    outlet publishes a story once), at random times within COPY_DELAY after the original."""
    rng = Random(f"copies:{article.id}")
    out: list[Variant] = []
    outlets = rng.sample(OUTLETS, len(OUTLETS))
    aggregators = rng.sample(AGGREGATORS, len(AGGREGATORS))

    def add(kind: str, text: str, outlet: str | None = None, title: str | None = None) -> None:
        delay = rng.uniform(COPY_DELAY[0].total_seconds(), COPY_DELAY[1].total_seconds())
        outlet = outlet or outlets.pop()
        n = sum(v.kind == kind for v in out)
        out.append(
            Variant(
                id=f"{article.id}~{kind}-{n}",
                story=story_of(article.id),
                kind=kind,
                outlet=outlet,
                url=f"https://www.{outlet}/{kind}/{n}/{hashlib.sha1(article.id.encode()).hexdigest()}",
                title=title or article.title,
                text=text,
                published=published + timedelta(seconds=round(delay)),
            )
        )

    others = [h for h in headlines if h != article.title]
    long_enough = len(words(article.text)) >= MIN_WORDS_TO_CUT
    add("exact", article.text)
    for _ in range(2 if long_enough else 0):
        text = cut(article, rng)
        if rng.random() < 0.4:
            text += f"\n\nRead the full story at {rng.choice(OUTLETS)}."
        add("cut", text)
    for _ in range(2 if long_enough else 0):
        when = published + timedelta(hours=rng.uniform(0.5, 12))
        domain, text = wrap(
            cut(article, rng), article, rng, when, others, aggregator=aggregators.pop()
        )
        add("aggregator", text, outlet=domain)
    when = published + timedelta(hours=rng.uniform(0.5, 12))
    domain, text = wrap(article.text, article, rng, when, others, aggregator=aggregators.pop())
    add("wrapped", text, outlet=domain)
    title, text = reheadline(article, rng)
    add("reheadlined", text, title=title)
    if long_enough:
        outlet = outlets.pop()
        add("edited", edit(article, rng, outlet), outlet=outlet)
    return out


def stream(half: str, *, copy: Callable[[RealArticle], bool] | None = None) -> list[Variant]:
    """A half's originals and their copies in publication order: the originals spread over
    SPREAD in a stable order (by the SHA-1 of the id), their copies after them."""
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
        if copy is None or copy(article):
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
