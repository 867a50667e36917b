"""Realistic copies of real articles, made as outlets and aggregators make them (see
tests/stories/realistic.py): cut, wrapped in an aggregator's page, re-headlined, sub-edited.
Everything they add (wrappers, headlines, inserted sentences, edits) is invented here; the
articles' own text is only read, at run time."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from random import Random

from tests.stories.realistic import (
    COPY_DELAY,
    MIN_WORDS_TO_CUT,
    NAME,
    STOP_WORDS,
    RealArticle,
    Variant,
    paragraphs_of,
    starts_with_title,
    story_of,
    words,
)

# --- outlets and aggregators ----------------------------------------------------------------------

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
        for m in NAME.finditer(text)
        if m.group().lower() not in STOP_WORDS
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
