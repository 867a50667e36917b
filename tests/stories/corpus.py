"""A generated test corpus for story grouping: originals, their syndicated copies, and negatives.

`build_corpus()` writes, from a fixed seed and the grammar in `topics.py`:

- originals: full news articles (250-600 words, 5-10 paragraphs) about a small invented world in
  which the same officials, cities, parties and stock phrases keep coming back;
- negatives: more articles on the same subjects that are different stories, some deliberately
  close to an original (same kind of event, same person, same city, other facts and wording);
  "template" pages (weather, market tables, live blogs) that share most of their text with each
  other; and "short" items of a headline and one line;
- variants of each original as syndication produces them: "exact", "dateline", "wrapped",
  "truncated", "edited", "headline", plus "updated" republications at the same URL.

Originals and their variants share a `story`; every negative is a story of its own, so a grouping
is right when it puts together exactly the articles that share a `story`. Variants appear within 72
hours after their original; negatives spread over about 100 days, close ones both within hours and
weeks of the article they resemble. Everything is deterministic: the same seed, the same corpus,
built in about two seconds with the standard library alone.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from uuid import UUID

from tests.stories.topics import (
    FOLLOW_FRAMES,
    GENERIC,
    GENERIC_ANY,
    INTRO_FRAMES,
    MONTHS,
    TOPICS,
    WEEKDAYS,
    Facts,
    Scene,
    Topic,
    base_values,
    bio,
)
from tests.stories.world import (
    AGGREGATORS,
    COMPANIES,
    COUNTRIES,
    OUTLETS,
    REPORTERS,
    WIRES,
    Cast,
    Country,
    Person,
    make_cast,
)

ORIGINALS = 210
NEGATIVES = 1050
TEMPLATES = 180
SHORTS = 120
VARIANT_KINDS = ("exact", "dateline", "wrapped", "truncated", "edited", "headline")
KINDS = ("original", "negative", "template", "short", *VARIANT_KINDS, "updated")
MIN_WORDS, MAX_WORDS = 250, 600
EPOCH = datetime(2024, 9, 2, 6, 0, tzinfo=UTC)
SPAN = timedelta(days=100)
WINDOW = timedelta(hours=72)  # variants appear within this long after their original


@dataclass(frozen=True, slots=True)
class CorpusArticle:
    id: str  # unique
    story: str  # originals and their variants share it; every negative has its own
    kind: str  # one of KINDS
    outlet: str  # e.g. "reuters.com"
    url: str
    canonical_url: str | None
    guid: str
    title: str
    text: str  # paragraphs separated by "\n\n"
    published: datetime  # aware UTC


_WORD = re.compile(r"\w+(?:['’]\w+)*")


def words(text: str) -> list[str]:
    """Lower-cased word tokens: the unit every size and overlap figure in the tests counts."""
    return _WORD.findall(text.lower())


# --- the grammar -----------------------------------------------------------------------------

_CHOICE = re.compile(r"\[([^\[\]]*)\]")
_SPACES = re.compile(r"[ \t]{2,}")
_BEFORE_PUNCT = re.compile(r" +(?=[,.;:])")
_OPEN_QUOTE = re.compile(r'(^|[\s:(])"([a-z])')
# "an" before a vowel sound: "an extremely", "an 8% rise", "an 11-day"; not "a one-off", "a union"
_VOWEL_SOUND = r"(?:(?:8|11|18)(?![\d,])|8\d|(?!one\b|once|uni|use|usu|eu|Eu|Uni)[aeiouAEIOU])"
_A_AN = re.compile(rf"\b([Aa]) (?={_VOWEL_SOUND})")
_AN_A = re.compile(rf"\b([Aa])n (?!{_VOWEL_SOUND}|hour|honest)(?=\w)")


def articles(text: str) -> str:
    """Make every "a" and "an" agree with the word after it."""
    return _A_AN.sub(r"\1n ", _AN_A.sub(r"\1 ", text))


def expand(template: str, values: dict[str, str], rng: Random) -> str:
    """Fill the slots (values may hold slots and choices themselves), then pick the choices."""
    text = template
    for _ in range(4):
        if "{" not in text:
            break
        text = text.format_map(values)
    while "[" in text:  # innermost choices first, so a choice may hold choices
        text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    text = _BEFORE_PUNCT.sub("", text).replace(",.", ".").strip()
    if '"' in text:
        text = _OPEN_QUOTE.sub(lambda m: m.group(1) + '"' + m.group(2).upper(), text)
    text = articles(text)
    start = 1 if text.startswith('"') else 0
    return text[:start] + text[start : start + 1].upper() + text[start + 1 :]


POOLS = ("headline", "lede", "detail", "background", "outlook", "q1", "q2", "qa")
CONTINUE = {  # what a paragraph that opened with a role goes on with
    "lede": ("detail",),
    "detail": ("detail", "detail", "background", "generic"),
    "background": ("background", "detail", "generic"),
    "generic": ("detail", "background", "generic"),
    "bio": ("background", "detail"),
    "outlook": ("outlook", "generic"),
    "q1": ("q1", "detail", "q1"),
    "q2": ("q2", "detail"),
    "qa": ("qa", "detail"),
}
FALLBACK = ("detail", "background", "generic", "qa", "q2", "q1")
MIDDLE = (
    "detail",
    "detail",
    "detail",
    "q2",
    "qa",
    "background",
    "background",
    "generic",
    "bio",
    "q1",
    "q2",
    "qa",
)


class Writer:
    """Writes one article's sentences without repeating a template."""

    def __init__(self, topic: Topic, scene: Scene, facts: Facts, rng: Random) -> None:
        self.rng = rng
        self.facts = facts
        self.values = base_values(scene, facts)
        self.values |= facts.values
        self.pools: dict[str, list[str]] = {}
        for pool in POOLS:
            templates = [*getattr(topic, pool), *facts.extra.get(pool, ())]
            rng.shuffle(templates)
            self.pools[pool] = templates
        generic = [*GENERIC_ANY, *(GENERIC if topic.public else ())]
        self.pools["generic"] = rng.sample(generic, len(generic))
        self.frames_used: set[str] = set()
        self.introduced: set[str] = set()
        self.views: dict[frozenset[str], dict[str, str]] = {}  # the values as seen by who is known
        self.people = {"p1": facts.speaker, "p2": facts.other, "an": facts.expert}
        self.bios = [p for p in (facts.speaker, facts.other) if _has_bio(p)]

    def fill(self, template: str) -> str:
        # Whoever has not been named yet is named in full, not by surname alone.
        known = frozenset(self.introduced)
        if known not in self.views:
            strangers = [key for key in self.people if key not in known]
            overrides = {f"{key}_last": self.values[f"{key}_named"] for key in strangers}
            self.views[known] = self.values | overrides
        sentence = expand(template, self.views[known], self.rng)
        for key, person in self.people.items():
            if person.name in sentence:
                self.introduced.add(key)
        return sentence

    def headline(self, template: str | None = None) -> str:
        """Headlines name people by surname and introduce nobody."""
        if template is None:
            template = self.pools["headline"].pop()
        return expand(template, self.values, self.rng).rstrip(".")

    def take(self, pool: str) -> str | None:
        if pool in ("q1", "q2", "qa"):
            return self.quote(pool)
        if pool == "bio":
            known = [k for k, p in self.people.items() if k in self.introduced and p in self.bios]
            if not known:
                return None
            self.bios.remove(self.people[known[0]])
            return bio(self.people[known[0]])
        templates = self.pools[pool]
        return self.fill(templates.pop()) if templates else None

    def quote(self, pool: str) -> str | None:
        who = {"q1": "p1", "q2": "p2", "qa": "an"}[pool]
        quotes = self.pools[pool]
        if not quotes:
            return None
        frames = FOLLOW_FRAMES if who in self.introduced else INTRO_FRAMES
        fresh = [f for f in frames if f not in self.frames_used and f.count("{Q}") <= len(quotes)]
        frame = self.rng.choice(fresh or [frames[0]])
        self.frames_used.add(frame)
        while "{Q}" in frame:
            frame = frame.replace("{Q}", quotes.pop(), 1)
        return self.fill(frame.replace("{who", "{" + who))


def _has_bio(person: Person) -> bool:
    return bool(person.role) and "lawyer" not in person.role and "year-old" not in person.role


def write_body(writer: Writer, rng: Random) -> list[list[str]]:
    """Paragraphs of sentences: a lede, a quote early, a middle, an outlook; 250-600 words."""
    count = rng.randint(5, 10)
    roles = ["lede", "detail", "q1"]
    while len(roles) < count - 1:
        roles.append(rng.choice(MIDDLE))
    roles.append("outlook")
    paragraphs: list[list[str]] = []
    opened_with: list[str] = []
    total = 0
    for role in roles:
        for pool in (role, *FALLBACK):
            sentence = writer.take(pool)
            if sentence:
                opened_with.append(pool)
                paragraphs.append([sentence])
                total += len(words(sentence))
                break
        else:
            raise RuntimeError("the grammar ran out of sentences")
    target = rng.randint(MIN_WORDS + 30, MAX_WORDS - 40)
    growing = list(range(len(paragraphs)))
    while total < target and growing:
        index = rng.choice(growing)
        if len(paragraphs[index]) < (2 if index == 0 else 4):
            pools = CONTINUE["lede"] if index == 0 else (*CONTINUE[opened_with[index]], *FALLBACK)
            sentence = next(filter(None, (writer.take(pool) for pool in pools)), None)
            if sentence:
                paragraphs[index].append(sentence)
                total += len(words(sentence))
                continue
        growing.remove(index)
    while total < MIN_WORDS and len(paragraphs) < 10:  # a thin grammar: one paragraph more
        sentence = next(filter(None, (writer.take(pool) for pool in FALLBACK)), None)
        if sentence is None:
            break
        paragraphs.insert(-1, [sentence])
        total += len(words(sentence))
    while total > MAX_WORDS:
        longest = max(range(1, len(paragraphs)), key=lambda i: len(paragraphs[i]))
        if len(paragraphs[longest]) == 1:
            break
        total -= len(words(paragraphs[longest].pop()))
    if not MIN_WORDS <= total <= MAX_WORDS:
        raise RuntimeError(f"an article of {total} words")
    return paragraphs


def _count(paragraphs: Iterable[Iterable[str]]) -> int:
    return sum(len(words(sentence)) for paragraph in paragraphs for sentence in paragraph)


def join(paragraphs: Iterable[Iterable[str]]) -> str:
    return "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)


# --- articles --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What an article is about, before it is written: close negatives copy an original's."""

    topic: Topic
    country: Country
    city: str


@dataclass(slots=True)
class Draft:
    plan: Plan
    writer: Writer
    title: str
    paragraphs: list[list[str]]
    published: datetime
    outlet: str
    url: str
    canonical_url: str | None
    guid: str


def random_plan(rng: Random) -> Plan:
    topic = rng.choice(TOPICS)
    country = rng.choice([c for c in COUNTRIES if topic.where(c)])
    return Plan(topic, country, rng.choice(country.cities))


def write(
    plan: Plan, cast: Cast, when: datetime, rng: Random
) -> tuple[Writer, str, list[list[str]]]:
    scene = Scene(rng, cast, plan.country, plan.city, when, sign=rng.random() < 0.6)
    facts = plan.topic.facts(scene)
    writer = Writer(plan.topic, scene, facts, rng)
    return writer, writer.headline(), write_body(writer, rng)


def slug(title: str, limit: int = 9) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_title.lower())[:limit])


SECTIONS = (
    "world",
    "business",
    "politics",
    "news",
    "europe",
    "economy",
    "sport",
    "uk-news",
    "americas",
    "africa",
    "asia-pacific",
    "markets",
)


def make_url(outlet: str, title: str, when: datetime, rng: Random) -> str:
    section = rng.choice(SECTIONS)
    token = f"{rng.getrandbits(40):010x}"
    style = sum(map(ord, outlet)) % 4  # one outlet, one URL shape
    if style == 0:
        return f"https://www.{outlet}/{section}/{slug(title)}-{when:%Y-%m-%d}-{token[:6]}/"
    if style == 1:
        return f"https://www.{outlet}/{section}/{when:%Y/%b/%d}/{slug(title)}".lower() + token[:4]
    if style == 2:
        return f"https://www.{outlet}/news/articles/c{token}o"
    return f"https://{outlet}/{section}/{slug(title, 6)}-{rng.randrange(10**7, 10**8)}.html"


def make_guid(outlet: str, url: str, rng: Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return url
    if style == 1:
        return f"urn:uuid:{UUID(int=rng.getrandbits(128), version=4)}"
    return f"{outlet}:{rng.randrange(10**8, 10**9)}"


def new_draft(plan: Plan, cast: Cast, when: datetime, rng: Random) -> Draft:
    writer, title, paragraphs = write(plan, cast, when, rng)
    outlet = rng.choice(OUTLETS)
    url = make_url(outlet, title, when, rng)
    canonical = url if rng.random() < 0.8 else None
    guid = make_guid(outlet, url, rng)
    return Draft(plan, writer, title, paragraphs, when, outlet, url, canonical, guid)


# --- variants of an original -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Copy:
    """A variant as it was published somewhere: everything but its id, story and kind."""

    outlet: str
    url: str
    canonical_url: str | None
    guid: str
    title: str
    text: str
    published: datetime


def syndicate(
    draft: Draft,
    rng: Random,
    text: str,
    *,
    title: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
    canonical: float = 0.6,  # how often the copy declares itself canonical
) -> Copy:
    """The copy another outlet publishes, at its own URL, within 72 hours of the original."""
    outlet = outlet or rng.choice([o for o in OUTLETS if o != draft.outlet])
    url = url or make_url(outlet, draft.title, draft.published, rng)
    minutes = rng.uniform(8, WINDOW.total_seconds() / 60 - 30)
    return Copy(
        outlet=outlet,
        url=url,
        canonical_url=url if rng.random() < canonical else None,
        guid=make_guid(outlet, url, rng),
        title=draft.title if title is None else title,
        text=text,
        published=(draft.published + timedelta(minutes=minutes)).replace(microsecond=0),
    )


def exact(draft: Draft, rng: Random) -> Copy:
    """The same title and text elsewhere; some point back to the original, some keep its GUID."""
    copy = syndicate(draft, rng, join(draft.paragraphs))
    mode = rng.choice(("canonical", "guid", "own", "none"))
    if mode == "canonical":
        return dataclasses.replace(copy, canonical_url=draft.canonical_url or draft.url)
    if mode == "guid":
        return dataclasses.replace(copy, guid=draft.guid)
    return copy if mode == "own" else dataclasses.replace(copy, canonical_url=None)


def dateline(draft: Draft, rng: Random) -> Copy:
    """A wire copy: "LONDON, Nov 28 (Reuters) - " before the lede, a byline or credit added."""
    wire, agency, dash = rng.choice(WIRES)
    outlet = wire if wire != draft.outlet and rng.random() < 0.5 else None
    city = draft.plan.city.upper()
    day = f"{MONTHS[draft.published.month - 1][:3]} {draft.published.day}"
    reporter, editor, helper = rng.sample(REPORTERS, 3)
    paragraphs = [list(p) for p in draft.paragraphs]
    if agency == "AP":
        paragraphs[0][0] = f"{city} (AP){dash}{paragraphs[0][0]}"
        paragraphs.insert(0, [f"By {reporter.upper()} Associated Press"])
        capital = draft.plan.country.cities[0]
        paragraphs.append(
            [f"Associated Press writer {helper} in {capital} contributed to this report."]
        )
    else:
        paragraphs[0][0] = f"{city}, {day} ({agency}){dash}{paragraphs[0][0]}"
        if agency == "Reuters":
            credit = (
                f"Reporting by {reporter}; Additional reporting by {helper}; Editing by {editor}"
            )
        else:
            credit = f"{reporter[:2].lower()}-{editor[:2].lower()}/{agency}"
        paragraphs.append([credit])
    return syndicate(draft, rng, join(paragraphs), outlet=outlet, canonical=0.7)


MENU = (
    "Home", "World", "Business", "Politics", "Sport", "Technology", "Science", "Health", "Opinion",
    "Video", "Climate", "Culture",
)  # fmt: skip
COOKIES = (
    "We use cookies and similar technologies to personalise content and ads, to provide social "
    "media features and to analyse our traffic. By clicking Accept all you agree to our use of "
    "cookies. You can change your preferences at any time in Privacy settings. Accept all | Reject "
    "all | Manage preferences"
)


def wrapped(draft: Draft, rng: Random, headlines: Sequence[str]) -> Copy:
    """The full text inside an aggregator's page: menus, source link, related headlines, cookies.

    The wrapper has 100-250 words and at least a third as many as the article, as real ones do.
    """
    domain, name = rng.choice(AGGREGATORS)
    url = f"https://{domain}/story/{slug(draft.title, 7)}-{rng.randrange(10**5, 10**6)}"
    copy = syndicate(draft, rng, "", outlet=domain, url=url, canonical=0.5)
    menu = " | ".join([name, *rng.sample(MENU, rng.randint(6, 10))])
    header = [
        "Skip to main content",
        menu + " | Sign in | Subscribe",
        f"Home › {rng.choice(('World', 'News', 'Top stories'))} › {draft.plan.country.name}",
        f"Published {copy.published:%d %B %Y, %H:%M} GMT · Source: {draft.outlet} · "
        f"{rng.randint(2, 6)} min read",
        "Share this article: Facebook · X · WhatsApp · Email · Copy link",
    ]
    footer = [
        f"Read more at {draft.outlet}",
        f"Source link: {draft.url}",
        COOKIES,
        f"© {copy.published.year} {name}. All rights reserved. About us | Contact | Privacy "
        "policy | Terms of use | Advertise with us",
    ]
    optional = [
        f"Disclaimer: This article was automatically aggregated from {draft.outlet}. {name} is "
        "not responsible for the content of external sites.",
        "Sign up for our morning briefing: the day's top stories in your inbox, free. Enter your "
        "email address Subscribe",
        "Tags: " + ", ".join((draft.plan.country.name, draft.plan.city, draft.plan.topic.name)),
    ]
    low = max(100, math.ceil(0.36 * _count(draft.paragraphs)))
    high = min(250, low + rng.randint(20, 90))
    unused = list(headlines)
    related = [unused.pop(rng.randrange(len(unused))) for _ in range(rng.randint(2, 4))]

    def size() -> int:
        lines = [*header, *footer, *optional, *related, "Related headlines", "Advertisement"]
        return len(words(" ".join(lines)))

    while size() < low:
        related.append(unused.pop(rng.randrange(len(unused))))
    while size() > high and optional:
        optional.pop(rng.randrange(len(optional)))
    while size() > high and len(related) > 2:
        related.pop()
    body = [" ".join(p) for p in draft.paragraphs]
    body.insert(rng.randint(2, len(body) - 1), "Advertisement")
    related_block = "Related headlines\n" + "\n".join(related)
    text = "\n\n".join([*header, *body, *footer[:2], related_block, *optional, *footer[2:]])
    title = rng.choice((f"{draft.title} | {name}", f"{draft.title} - {draft.outlet}", draft.title))
    return dataclasses.replace(copy, title=title, text=text, guid=url)


def truncated(draft: Draft, rng: Random) -> Copy:
    """The first ~60% of the words, cut at a sentence, sometimes with a pointer to the rest."""
    total = _count(draft.paragraphs)
    suffix = f"… Read the full story at {draft.outlet}" if rng.random() < 0.6 else ""
    target = rng.uniform(0.56, 0.64)
    size = len(words(suffix))
    best: tuple[float, int, int] | None = None  # distance from target, paragraph, sentence
    for i, paragraph in enumerate(draft.paragraphs):
        for j, sentence in enumerate(paragraph):
            size += len(words(sentence))
            share = size / total
            if 0.5 < share < 0.7 and (best is None or abs(share - target) < best[0]):
                best = (abs(share - target), i, j)
    if best is None:
        raise RuntimeError("no sentence boundary falls between 50% and 70% of the article")
    _, last, end = best
    paragraphs = [*draft.paragraphs[:last], draft.paragraphs[last][: end + 1]]
    text = join(paragraphs) + (f"\n\n{suffix}" if suffix else "")
    return syndicate(draft, rng, text, canonical=0.5)


SYNONYMS: dict[str, tuple[str, ...]] = {  # safe in every sentence the grammar writes
    "said": ("stated", "added", "noted"), "told": ("informed",), "announced": ("unveiled",),
    "expected": ("anticipated", "forecast"), "about": ("around", "roughly"),
    "around": ("about", "roughly"), "roughly": ("about", "around"), "nearly": ("almost",),
    "officials": ("authorities",), "authorities": ("officials",), "biggest": ("largest",),
    "largest": ("biggest",), "major": ("big",), "main": ("principal",), "quickly": ("rapidly",),
    "began": ("started",), "started": ("began",), "rose": ("climbed",), "climbed": ("rose",),
    "fell": ("dropped",), "needed": ("required",),
    "showed": ("indicated",), "criticised": ("condemned",), "closely": ("carefully",),
    "recent": ("latest",), "latest": ("most recent",), "after": ("following",),
    "before": ("prior to",), "including": ("such as",), "several": ("a number of",),
    "residents": ("locals",), "homes": ("houses",), "workers": ("employees",),
    "talks": ("negotiations",),
    "ruling": ("judgment",), "plan": ("proposal",), "reported": ("said",), "strong": ("robust",),
    "sharp": ("steep",), "significant": ("considerable",), "reporters": ("journalists",),
    "lawmakers": ("legislators",), "protesters": ("demonstrators",),
    "demonstrators": ("protesters",), "heavy": ("intense",), "further": ("additional",),
    "extra": ("additional",), "people": ("residents",), "percent": ("per cent",),
    "rise": ("increase",), "decision": ("move",), "figures": ("data",), "country": ("nation",),
    "large": ("big",), "could": ("might",), "may": ("might",), "added": ("continued",),
    "wrote": ("said",), "because": ("as",), "discussed": ("debated",), "declined": ("refused",),
    "difficult": ("tough",), "argued": ("contended",), "moved": ("acted",), "faced": ("endured",),
    "crews": ("teams",), "across": ("throughout",), "dominated": ("led",),
    "publish": ("release",), "affect": ("influence",), "respond": ("reply",),
    "previous": ("prior",), "past": ("last",), "concern": ("worry",), "saying": ("arguing",),
    "Speaking": ("Talking",),
}  # fmt: skip
NOUNS: dict[str, str] = {  # synonyms for nouns, used only after an article
    "strike": "walkout", "fire": "blaze", "blaze": "fire", "protest": "demonstration",
    "march": "rally", "rally": "march", "results": "figures", "election": "poll",
    "company": "firm", "government": "administration", "country": "nation", "budget": "plan",
    "outbreak": "epidemic", "transfer": "move", "tariff": "duty", "court": "tribunal",
    "dispute": "row", "move": "step", "offer": "proposal", "economy": "wider economy",
    "vote": "ballot", "law": "legislation", "ministry": "department", "crowd": "gathering",
    "flooding": "floods", "statement": "written statement", "deal": "agreement",
    "agreement": "deal",
}  # fmt: skip
PAIRS: dict[tuple[str, str], str] = {  # a word that changes only before a certain next word
    ("warned", "that"): "cautioned", ("news", "conference"): "press", ("post", "on"): "message",
    ("More", "details"): "Further", ("next", "week"): "the coming", ("media", "said"): "press",
    ("media", "reported"): "press",
}  # fmt: skip
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
_DEGREES = re.compile(r"-?\d+C")
UNITS = {"km/h": "kilometres per hour", "mm": "millimetres"}  # a house style that spells them out
_TRAILING = ".,;:!?\"'"
_NAME = r'[A-Z][^\s,"]+(?: [A-Z][^\s,"]+)?'
_REORDERS: tuple[tuple[re.Pattern[str], str], ...] = (  # clauses an editor turns round
    (re.compile(r'^"(.+)," said ([^,"]+), ([^"]+)\.$'), r'\2, \3, said: "\1."'),
    (re.compile(rf'^"(.+)," ({_NAME}) said\.$'), r'\2 said: "\1."'),
    (re.compile(rf'^({_NAME}) said: "(.+)\."$'), r'"\2," \1 said.'),
    (
        re.compile(r"^(The|A|An|Some|More|About|Most) (.+), according to ([^,]+)\.$"),
        r"According to \3, \1 \2.",
    ),
)


def _synonyms(tokens: list[str], j: int) -> tuple[str, ...]:
    """Other ways to write tokens[j] in its place, punctuation kept."""
    token = tokens[j]
    core = token.rstrip(_TRAILING)
    rest = token[len(core) :]
    if core in SYNONYMS:
        return tuple(other + rest for other in SYNONYMS[core])
    if core in NOUNS and j and tokens[j - 1].lower() in ("the", "a", "an"):
        return (NOUNS[core] + rest,)
    if j + 1 < len(tokens) and (core, tokens[j + 1]) in PAIRS:
        return (PAIRS[core, tokens[j + 1]] + rest,)
    if core in UNITS:
        return (UNITS[core] + rest,)
    if core.endswith("%") and _PERCENT.fullmatch(core):
        return (_PERCENT.sub(r"\1 per cent", core) + rest,)
    if core.endswith("C") and _DEGREES.fullmatch(core):
        return (core[:-1] + " degrees Celsius" + rest,)
    return ()


def _reorder(sentence: str) -> str | None:
    for pattern, replacement in _REORDERS:
        if pattern.match(sentence):
            turned = pattern.sub(replacement, sentence)
            if replacement.startswith("According"):  # "According to police, the march ..."
                head, _, tail = turned.partition(", ")
                turned = f"{head}, {tail[:1].lower()}{tail[1:]}"
            return turned
    return None


def edited(draft: Draft, rng: Random) -> Copy:
    """A sub-edited copy: one paragraph dropped, about a tenth of the words changed.

    Words are swapped for synonyms and clauses turned round; where the article offers too few of
    either, some bare statements get an attribution, as a careful sub-editor would add.
    """
    paragraphs = [list(p) for p in draft.paragraphs]
    del paragraphs[rng.randrange(1, len(paragraphs))]
    size = sum(len(s.split(" ")) for p in paragraphs for s in p)
    sentences = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p))]
    reordered = 0
    for i, j in rng.sample(sentences, len(sentences)):
        turned = _reorder(paragraphs[i][j])
        if turned and reordered < 4:
            paragraphs[i][j] = turned
            reordered += 1
    wanted = round(size * rng.uniform(0.09, 0.11)) - 3 * reordered
    swaps = _swaps(paragraphs)
    shortfall = math.ceil(0.08 * size) - 3 * reordered - min(len(swaps), wanted)
    if shortfall > 0:
        bare = [(i, j) for i, j in sentences if _is_bare(paragraphs[i][j])]
        for i, j in rng.sample(bare, min(len(bare), math.ceil(shortfall / 2))):
            attribution = rng.choice(("officials said", "according to officials", "reports said"))
            paragraphs[i][j] = f"{paragraphs[i][j][:-1]}, {attribution}."
        swaps = _swaps(paragraphs)
    tokens = [" ".join(p).split(" ") for p in paragraphs]
    for i, j, others in rng.sample(swaps, min(len(swaps), max(wanted, 0))):
        tokens[i][j] = rng.choice(others)
    return syndicate(draft, rng, "\n\n".join(articles(" ".join(t)) for t in tokens))


def _swaps(paragraphs: list[list[str]]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Where a word of the joined paragraphs could be swapped, and for what."""
    tokens = [" ".join(p).split(" ") for p in paragraphs]
    return [
        (i, j, others)
        for i, line in enumerate(tokens)
        for j in range(len(line))
        if (others := _synonyms(line, j))
    ]


def _is_bare(sentence: str) -> bool:
    """A plain statement of fact with nobody named as its source."""
    return (
        sentence.endswith(".")
        and '"' not in sentence
        and not re.search(r"\b(said|says|according|told|reported|announced)\b", sentence)
        and len(sentence.split()) >= 8
    )


def headline(draft: Draft, rng: Random) -> Copy:
    """The same body under another headline from the same facts."""
    templates = [*draft.plan.topic.headline, *draft.writer.facts.extra.get("headline", ())]
    title = draft.title
    for template in rng.sample(templates, len(templates)):
        title = draft.writer.headline(template)
        if title != draft.title:
            break
    else:
        title = f"{draft.plan.city}: {draft.title[:1].lower()}{draft.title[1:]}"
    return syndicate(draft, rng, join(draft.paragraphs), title=title, canonical=0.7)


_NUMBER = re.compile(r"(?<![\w.,-])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w-])")
UPDATE_LINES = (
    "[Later on {day}|In the evening|Hours later], officials [revised|updated] the figures [as more "
    "information became available|after a review], [according to|said] a spokesperson.",
    "{p1_last}'s office [later|subsequently] issued a [brief|short] statement "
    "[confirming|clarifying] the [figures|details] and [promising|pledging] a fuller update [on "
    "{next_weekday}|next week].",
    "[The story was updated|This article was updated] on {day} with [new figures|the latest "
    "figures] and [further|additional] [reaction|comment] from officials in {capital}.",
)


def updated(draft: Draft, rng: Random, nth: int) -> Copy:
    """The original republished at its own URL: one number revised throughout, a paragraph added."""
    text = join(draft.paragraphs)
    numbers = sorted(
        {m.group(0) for m in _NUMBER.finditer(text) if not re.fullmatch(r"(19|20)\d\d", m.group(0))}
    )
    old = rng.choice(numbers)
    value = float(old.replace(",", ""))
    value += max(1, round(value * rng.uniform(0.05, 0.3)))
    places = len(old.partition(".")[2])
    new = f"{value:,.{places}f}" if "," in old else f"{value:.{places}f}"
    revise = re.compile(rf"(?<![\w.,-]){re.escape(old)}(?![\w-]|[.,]\d)")
    paragraphs = [[revise.sub(new, s) for s in p] for p in draft.paragraphs]
    addition = next(filter(None, (draft.writer.take(p) for p in ("q2", "qa", *FALLBACK))), None)
    if addition is None:
        addition = draft.writer.fill(rng.choice(UPDATE_LINES))
    paragraphs.insert(rng.randint(2, len(paragraphs) - 1), [addition])
    title = revise.sub(new, draft.title)
    if title == draft.title and draft.outlet == "reuters.com":
        title = f"UPDATE {nth}-{draft.title}"
    copy = syndicate(draft, rng, join(paragraphs), title=title, outlet=draft.outlet, url=draft.url)
    return dataclasses.replace(copy, canonical_url=draft.canonical_url, guid=draft.guid)


# --- pages that are mostly a shared template -------------------------------------------------

CONDITIONS = (
    "sunny",
    "sunny intervals",
    "partly cloudy",
    "cloudy",
    "light rain",
    "heavy rain",
    "showers",
    "thunderstorms",
    "fog",
    "drizzle",
    "clear skies",
    "strong winds",
)
WINDS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
WEATHER_SITES = (
    ("bbc.co.uk", "BBC Weather"),
    ("theguardian.com", "Guardian weather"),
    ("news.sky.com", "Sky News Weather"),
)


# What a site prints on every page of one kind, whatever the entries: most of such a page.
WEATHER_BOILERPLATE = (
    "Get the forecast on the go: download our free app for hourly forecasts, rain alerts and "
    "severe weather warnings for your saved locations. You can also add the forecast for this "
    "location to your home screen, and choose whether temperatures are shown in Celsius or "
    "Fahrenheit.",
    "About our forecasts: forecasts for the next 24 hours are updated every hour, and forecasts "
    "for the days after that are updated four times a day. Symbols show the weather expected for "
    "most of the period; the temperature shown is the highest for the day and the lowest for the "
    "night that follows.",
    "Feedback: we are always trying to improve our forecasts. If you think something on this page "
    "is wrong, or if you have a suggestion, please use the feedback link at the bottom of the "
    "page. We read every message, although we cannot reply to all of them.",
)
STOCK_BOILERPLATE = (
    "About this page: the table is compiled automatically after the close of trading from "
    "exchange data and is not checked by our journalists before it is published. Companies are "
    "listed in no particular order. Where a company has more than one class of shares, only the "
    "most traded class is shown.",
    "Get market alerts: sign up to our free markets newsletter for the day's biggest moves, "
    "company results and the numbers to watch tomorrow, delivered to your inbox every weekday "
    "evening. You can unsubscribe at any time using the link in every email.",
    "Corrections: if you think a figure on this page is wrong, please contact our markets desk "
    "using the form at the bottom of the page. We correct errors as quickly as we can and note "
    "significant corrections on the page.",
)
LIVE_BOILERPLATE = (
    "How we are covering this story: our reporters and editors are following developments as "
    "they happen and are checking what they can. Where we rely on reports from other media or "
    "from social media, we say so. We will correct any mistakes as quickly as possible.",
    "Catch up: you can find our full coverage, explainers and analysis of the story on our "
    "website and in our app. Sign up to our breaking news alerts to be told when something "
    "important happens, wherever you are.",
    "Contact us: if you have information about this story, you can contact our news desk "
    "securely using the details on our contact page. We cannot reply to every message, but we "
    "read them all.",
)


def weather_page(rng: Random, when: datetime) -> tuple[str, str, str]:
    """A forecast page: the site's boilerplate around one city's numbers for one week."""
    site_index = rng.randrange(len(WEATHER_SITES))
    outlet, site = WEATHER_SITES[site_index]
    cities = [city for country in COUNTRIES for city in country.cities]
    city = rng.choice(cities[site_index * 6 : site_index * 6 + 6])  # each site covers a few cities
    date = f"{WEEKDAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]}"

    mild = rng.randint(-2, 31)  # the season and place: one week's highs stay near it

    def day_line(name: str) -> str:
        high = mild + rng.randint(-4, 4)
        return (
            f"{name}: {rng.choice(CONDITIONS)}, high {high}C, low {high - rng.randint(4, 10)}C, "
            f"wind {rng.choice(WINDS)} {rng.randint(5, 60)} km/h, chance of rain "
            f"{rng.randrange(0, 100, 5)}%."
        )

    high = mild + rng.randint(-3, 3)
    paragraphs = [
        f"This is the {site} forecast for {city} and the surrounding area. Forecasts are produced "
        "by our team of meteorologists using data from national and international weather models, "
        "and are updated four times a day.",
        f"Today: {rng.choice(CONDITIONS)}. Highest temperature {high}C, lowest "
        f"{high - rng.randint(3, 12)}C. Wind {rng.choice(WINDS)} at {rng.randint(5, 45)} km/h, "
        f"gusting to {rng.randint(45, 90)} km/h. Chance of rain {rng.randrange(0, 100, 5)}%. UV "
        f"index {rng.randint(1, 9)}. Sunrise {rng.randint(5, 8)}:{rng.randint(10, 59)}, sunset "
        f"{rng.randint(16, 21)}:{rng.randint(10, 59)}.",
        f"Tonight: {rng.choice(CONDITIONS)}. Lowest temperature {high - rng.randint(4, 14)}C.",
        "\n".join(day_line(WEEKDAYS[(when.weekday() + k) % 7]) for k in range(1, 6)),
        "Weather warnings: check the national meteorological service for official warnings in your "
        "area. Temperatures are given in degrees Celsius and wind speeds in kilometres per hour. "
        "All times are local.",
        "How we make our forecasts: our meteorologists combine observations from weather stations, "
        "satellites and radar with the output of several computer models, then adjust the result "
        "for local conditions such as hills, coastlines and cities. The chance of rain is the "
        "likelihood of at least 0.1 mm falling at some point in the period shown.",
        f"Data: {site}, compiled from national weather services. Forecast accuracy decreases "
        f"beyond three days. Last updated {rng.randint(0, 23):02d}:{rng.randrange(0, 60, 15):02d} "
        "local time.",
        f"More from {site}: Radar and satellite | Severe weather warnings | Pollen and air quality "
        "| Sunrise and sunset times | Weather for the week ahead",
        *WEATHER_BOILERPLATE,
    ]
    return outlet, f"{city} weather forecast: {date}", "\n\n".join(paragraphs)


def stock_page(rng: Random, when: datetime) -> tuple[str, str, str]:
    outlet = rng.choice(("bloomberg.com", "ft.com", "reuters.com"))
    country = rng.choice(COUNTRIES)
    date = f"{MONTHS[when.month - 1]} {when.day}"
    index_move = rng.uniform(-2.2, 2.2)
    rows = []
    for name, ticker, _ in rng.sample(COMPANIES, rng.randint(8, 12)):
        move = rng.uniform(-6, 6)
        direction = "up" if move >= 0 else "down"
        volume = rng.uniform(0.1, 90)
        rows.append(
            f"{name} ({ticker}): {rng.uniform(4, 480):.2f}, {direction} {abs(move):.1f}%, "
            f"volume {volume:.1f}m"
        )
    paragraphs = [
        f"Markets at a glance: how shares in {country.name} closed on {date}. Prices are in "
        f"{country.currency} and are delayed by at least 15 minutes. Figures are provided for "
        "information only and do not constitute investment advice.",
        f"The benchmark index closed {'up' if index_move >= 0 else 'down'} {abs(index_move):.2f}% "
        f"at {rng.uniform(1800, 52000):,.2f} points, with {rng.randint(40, 160)} stocks rising and "
        f"{rng.randint(40, 160)} falling.",
        "\n".join(rows),
        f"Biggest riser: {rng.choice(COMPANIES)[0]}. Biggest faller: {rng.choice(COMPANIES)[0]}.",
        "How to read this table: each line shows the company name, its ticker, the closing price, "
        "the change on the previous close and the number of shares traded. Sources: exchange data, "
        "company filings.",
        "Market data terms of use apply. Past performance is not a guide to future returns. The "
        "value of investments can fall as well as rise. Nothing on this page is a recommendation "
        "to buy or sell any security, and you should seek independent financial advice before "
        "making any investment decision. Exchange data may be subject to revision after the close.",
        *STOCK_BOILERPLATE,
    ]
    title = f"Stocks to watch: {country.name} market close, {date}"
    return outlet, title, "\n\n".join(paragraphs)


def live_page(rng: Random, when: datetime, *, cast: Cast) -> tuple[str, str, str]:
    plan = random_plan(rng)
    writer, title, _ = write(plan, cast, when, rng)
    outlet = rng.choice(("theguardian.com", "bbc.co.uk", "news.sky.com", "aljazeera.com"))
    entries: list[str] = []
    clock = when.replace(hour=rng.randint(6, 12), minute=rng.randrange(0, 60, 3))
    pools = ("detail", "q1", "q2", "qa", "background", "generic")
    sentence = writer.take("lede")
    while sentence and len(entries) < rng.randint(6, 10):
        entries.append(f"{clock:%H:%M} GMT - {sentence}")
        clock += timedelta(minutes=rng.randint(4, 55))
        sentence = next(filter(None, (writer.take(pool) for pool in pools)), None)
    entries.reverse()  # newest first, as live pages run
    paragraphs = [
        "Welcome to our live coverage. This page is updated automatically as news comes in; "
        "refresh for the latest. Times are shown in GMT. Some posts may contain unverified "
        "information, which we will flag as such.",
        "Key points: we are bringing you the latest developments, reaction and analysis from our "
        "correspondents and from agencies. If you are in the area and it is safe to do so, you can "
        "share your pictures and experiences with us using the contact form on this page.",
        *entries,
        *LIVE_BOILERPLATE,
        "That's all from us for now. We will be back with more updates tomorrow. You can read our "
        "full coverage on our website and follow us on social media for breaking news alerts.",
    ]
    return outlet, f"Live: {title} - latest updates", "\n\n".join(paragraphs)


# --- the corpus ------------------------------------------------------------------------------


def _when(rng: Random, start: datetime = EPOCH, span: timedelta = SPAN) -> datetime:
    return (start + timedelta(seconds=rng.uniform(0, span.total_seconds()))).replace(microsecond=0)


def build_corpus(seed: int = 7) -> list[CorpusArticle]:
    """The whole corpus, in publication order. The same seed gives the same corpus."""
    cast = make_cast()

    def rng_for(*parts: object) -> Random:  # one stream per article, so parts don't shift others
        return Random(":".join(map(str, (seed, *parts))))

    def article(ident: str, kind: str, draft: Draft, story: str | None = None) -> CorpusArticle:
        return CorpusArticle(
            id=ident, story=story or ident, kind=kind, outlet=draft.outlet, url=draft.url,
            canonical_url=draft.canonical_url, guid=draft.guid, title=draft.title,
            text=join(draft.paragraphs), published=draft.published,
        )  # fmt: skip

    articles: list[CorpusArticle] = []
    originals: list[Draft] = []
    for n in range(ORIGINALS):
        rng = rng_for("original", n)
        originals.append(new_draft(random_plan(rng), cast, _when(rng), rng))
        articles.append(article(f"orig-{n:04d}", "original", originals[-1]))

    negatives: list[Draft] = []
    for n in range(NEGATIVES):
        rng = rng_for("negative", n)
        roll = rng.random()
        if roll < 0.4 and negatives:
            # Close: the same kind of event, person and city as an original (or as a negative),
            # with other facts and other words, some within days of it and some weeks away.
            near = rng.choice(originals if roll < 0.3 else negatives)
            plan = near.plan
            hours = rng.uniform(6, 60) if rng.random() < 0.5 else rng.uniform(80, 24 * 40)
            when = near.published + timedelta(hours=hours * rng.choice((1, -1)))
        else:
            plan = random_plan(rng)
            when = _when(rng)
        negatives.append(new_draft(plan, cast, when.replace(microsecond=0), rng))
        articles.append(article(f"neg-{n:04d}", "negative", negatives[-1]))

    pages = (weather_page, stock_page, functools.partial(live_page, cast=cast))
    for n in range(TEMPLATES):
        rng = rng_for("template", n)
        when = _when(rng)
        outlet, title, text = pages[n % len(pages)](rng, when)
        url = make_url(outlet, title, when, rng)
        ident = f"tpl-{n:04d}"
        articles.append(
            CorpusArticle(
                id=ident,
                story=ident,
                kind="template",
                outlet=outlet,
                url=url,
                canonical_url=url,
                guid=make_guid(outlet, url, rng),
                title=title,
                text=text,
                published=when,
            )
        )

    for n in range(SHORTS):
        rng = rng_for("short", n)
        when = _when(rng)
        writer, title, _ = write(random_plan(rng), cast, when, rng)
        outlet = rng.choice(OUTLETS)
        url = make_url(outlet, title, when, rng)
        ident = f"short-{n:04d}"
        articles.append(
            CorpusArticle(
                id=ident,
                story=ident,
                kind="short",
                outlet=outlet,
                url=url,
                canonical_url=None,
                guid=make_guid(outlet, url, rng),
                title=title,
                text=writer.take("lede") or title,
                published=when,
            )
        )

    headlines = [d.title for d in negatives]
    makers: dict[str, Callable[[Draft, Random], Copy]] = {
        "exact": exact,
        "dateline": dateline,
        "wrapped": functools.partial(wrapped, headlines=headlines),
        "truncated": truncated,
        "edited": edited,
        "headline": headline,
    }
    for n, draft in enumerate(originals):
        story = f"orig-{n:04d}"
        copies: list[tuple[str, int, Copy]] = []
        for kind, make in makers.items():
            for k in range(rng_for("count", n, kind).randint(1, 3)):
                copies.append((kind, k, make(draft, rng_for(kind, n, k))))
        for k in range(rng_for("count", n, "updated").randint(1, 2)):
            copies.append(("updated", k, updated(draft, rng_for("updated", n, k), k + 1)))
        for kind, k, copy in copies:
            fields = {f.name: getattr(copy, f.name) for f in dataclasses.fields(copy)}
            articles.append(CorpusArticle(f"{story}-{kind}-{k}", story, kind, **fields))
    articles.sort(key=lambda a: (a.published, a.id))
    return articles
