"""A realistic /news store for bench/queries.py, generated fast but through the real schema.

The database is made by the real migrations (``Database.migrate``); the rows are then written with
plain sqlite3 ``executemany`` on the same file, and the FTS5 triggers on ``articles`` fill the
full-text index exactly as they do when the poller stores an article.

What it holds (all drawn with a fixed seed):

* ~2,000 sources on ~1,300 outlets (some outlets have several feeds), each publishing at its own
  rate (a power law: a few wires publish hundreds of articles a day, most feeds a handful);
* articles over 90 days, ids increasing with ``fetched_at`` (a daily rhythm), each published a few
  minutes to hours before it was fetched;
* titles, leads and texts (350-700 words) from a vocabulary with Zipf-like word frequencies (the
  words of the labelled news passages in tests/quotes/ first, then made-up words as the long
  tail), with news subjects mixed in: over half the articles are mainly about one listed subject
  (Ukraine, inflation, "climate summit", ...; popular ones far more often) and mention related
  ones of its cluster, the rest are about other things (a rarer word), so queries have realistic
  selectivity;
* 3-6 quotations per article, 1-2 of them key, said by speakers from a pool of 20,000 names (a few
  quoted very often, most rarely), embedded in the text as quotations are;
* syndication: a quarter of the articles are another outlet's copy of a story stored up to two
  days before (the same text and quotations, sometimes the outlet's name after the headline),
  filed in that story as the store files them (``articles.story_id`` and ``stories``);
* what the store writes beside each article: its ``seen_items`` key, the ``speakers`` and
  ``speaker_words`` rows of its key quotes' speakers, ``speaker_names``, ``quoted_speakers``
  and ``article_hours`` (``article_keys`` by its triggers); and three servers watching 20, 200
  and 1,000 sources (alerts and the outbox are left out: /news never reads them).

bench/_pgstore.py writes the same world into PostgreSQL.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import random
import re
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

END = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
"""The store's "now": the newest article is fetched just before it."""
DAYS = 90
SEED = 20261128
SOURCES = 2000
OUTLETS = 1300
SPEAKERS = 20_000
VOCABULARY = 40_000
BATCH = 5000
PROGRESS_EVERY = 100_000
GUILDS = {1001: 20, 1002: 200, 1003: 1000}
"""Server id -> how many sources it watches."""

WORD_SKEW = 1.0
CLUSTER_SKEW = 1.0
SUBJECT_SKEW = 0.9
SPEAKER_SKEW = 0.8
SOURCE_SKEW = 0.7
SENTENCE_WORDS = 17
"""Mean words per sentence."""

_DAY = 86400.0
_STAMP = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's SQLite DateTime stores a (naive UTC) datetime; the store compares these
strings, so they must be byte-for-byte what it would write."""

# News subjects in clusters that are covered together, most covered cluster first; within a
# cluster, the most mentioned subject first.
CLUSTERS: tuple[tuple[str, ...], ...] = (
    ("Ukraine", "Russia", "Kyiv", "Moscow", "Zelensky", "Putin", "Crimea", "Donbas"),
    ("election", "polls", "parliament", "opposition", "coalition", "referendum", "campaign"),
    ("inflation", "interest rates", "central bank", "recession", "Federal Reserve", "bond yields"),
    ("Israel", "Gaza", "Hamas", "West Bank", "Hezbollah", "Lebanon", "ceasefire"),
    ("China", "Beijing", "Taiwan", "Xi Jinping", "South China Sea", "Hong Kong"),
    ("NATO", "Russia", "alliance", "defence spending", "Ukraine", "Stoltenberg", "Baltic"),
    ("climate", "emissions", "climate summit", "net zero", "carbon tax", "heatwave", "drought"),
    ("United States", "Washington", "White House", "Congress", "Senate", "Supreme Court"),
    ("oil prices", "OPEC", "gas prices", "energy crisis", "pipeline", "Saudi Arabia"),
    ("artificial intelligence", "OpenAI", "chatbot", "chips", "semiconductors", "Nvidia"),
    ("European Union", "Brussels", "European Commission", "von der Leyen", "eurozone"),
    ("Iran", "Tehran", "nuclear talks", "sanctions", "uranium", "Strait of Hormuz"),
    ("trade", "tariffs", "China", "exports", "trade deal", "supply chain", "inflation"),
    ("migration", "asylum", "border", "refugees", "smugglers", "deportation"),
    ("Germany", "Berlin", "Bundestag", "chancellor", "election", "Bavaria", "Poland"),
    ("France", "Paris", "Elysee", "Macron", "National Assembly", "Finland"),
    ("United Kingdom", "London", "Downing Street", "Labour", "Conservatives", "Brexit"),
    ("India", "New Delhi", "Modi", "Mumbai", "Kashmir"),
    ("stock market", "shares", "Wall Street", "Dow Jones", "earnings", "bitcoin"),
    ("storm", "floods", "hurricane", "typhoon", "evacuation", "wildfire", "earthquake"),
    ("health", "hospital", "vaccine", "measles", "bird flu", "pandemic", "cancer research"),
    ("football", "Premier League", "Champions League", "World Cup", "transfer window"),
    ("housing", "mortgage", "interest rates", "rent", "house prices", "housing crisis"),
    ("strike", "unions", "wages", "minimum wage", "pensions"),
    ("Japan", "Tokyo", "yen", "South Korea", "Seoul", "North Korea", "Pyongyang"),
    ("Africa", "Nigeria", "Kenya", "Ethiopia", "Sudan", "South Africa", "Sahel"),
    ("Latin America", "Brazil", "Mexico", "Argentina", "Venezuela", "Colombia"),
    ("technology", "Apple", "Google", "Microsoft", "Amazon", "Meta", "antitrust"),
    ("space", "NASA", "rocket launch", "Mars", "moon mission", "satellite"),
    ("courts", "trial", "verdict", "prosecutors", "corruption", "human rights"),
    ("airline", "Boeing", "Airbus", "airport", "flight cancellations"),
    ("tennis", "Wimbledon", "Formula One", "Olympics", "Tour de France"),
    ("Turkey", "Ankara", "Erdogan", "Syria", "Kurdish"),
    ("electric vehicles", "Tesla", "batteries", "carmakers", "charging stations"),
    ("biodiversity", "deforestation", "Amazon rainforest", "coral reef", "endangered species"),
    ("cyberattack", "hackers", "ransomware", "data breach", "espionage"),
    ("Australia", "Canberra", "New Zealand", "Pacific islands"),
    ("Oscars", "film festival", "Eurovision", "box office", "streaming"),
    ("royal family", "King Charles", "Buckingham Palace", "coronation"),
    ("Nobel Prize", "universities", "research funding", "scientists"),
    ("Arctic", "Antarctica", "glaciers", "sea ice", "polar bears"),
    ("Myanmar", "Bangladesh", "Rohingya", "Sri Lanka", "Nepal"),
)
_CLUSTER_FOCUS = 0.65
"""How often an article's other subjects come from its main subject's cluster."""
_LISTED_SUBJECT = 0.55
"""How many stories are mainly about one of the subjects above (the rest about other things)."""
COPY_SHARE = 0.25
"""Articles that are another outlet's copy of a story stored before (syndication)."""
COPY_HOURS = 48.0
_MASK = (1 << 64) - 1

_GIVEN = sorted(
    """mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa emily
    margaret sandra ashley michelle amanda melissa stephanie rebecca laura kathleen amy angela anna
    emma nicole helen samantha katherine christine rachel janet catherine maria heather olivia
    victoria lauren christina megan andrea hannah martha teresa sophia grace diana natalie claire
    sophie chloe lucy ingrid katrin hana clara ursula birgit annika agnieszka katarzyna ewa irina
    olga natalia tatiana svetlana yulia elena ana ines isabel carmen lucia rosa marta giulia
    francesca chiara nadia fatima aisha amina leila yasmin priya anjali sunita mei yuki keiko naomi
    kaja joanna miriam lena fiona siobhan niamh aoife ngozi adaeze chiamaka helena annette monique
    isabelle camille nathalie kristina jana petra zuzana britta astrid sigrid solveig karin maja
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark paul andrew joshua kenneth kevin brian george timothy edward jason ryan
    jacob nicholas eric jonathan stephen justin scott benjamin samuel gregory alexander frank
    patrick raymond jack dennis aaron jose adam nathan henry douglas peter ethan walter noah
    christian keith roger gerald arthur lawrence dylan jordan gabriel albert juan elijah vincent
    philip louis hans jens karl klaus jurgen olaf lars sven nils erik henrik mats pieter jan joost
    tomasz piotr pawel krzysztof marek andrei sergei dmitri vladimir oleg igor alexei nikolai ivan
    mikhail pierre francois jacques philippe michel alain marco luca giuseppe giovanni francesco
    matteo alessandro lorenzo carlos miguel javier alvaro luis jorge pedro pablo diego rafael
    tomas mohammed ahmed ali omar hassan youssef rahul amit raj arjun hiroshi takeshi kenji wei
    jian chen yusuf emre mehmet kemal oskar gustav anders jonas mikael johan niklas felix oliver
    colin graham nigel gareth rhys owen callum angus fergus declan liam niall ronan kwame kofi
    chinedu emeka tunde femi marcus nikos giorgos dimitris kostas""".split()
)
_FAMILY_STEMS = (
    "Ander Berg Kowal Nakam Fern Okon Mart Hal Lind Schm Petr Ivan Garc Ros Kim Sat Rahm Mor Dub "
    "Nov Hor Kal Wal Rich Edw Ade Mbek Chen Wang Tan Del Vand Mac Ryb Hoff Weiss Kraus Bauer Lor "
    "Russ Bian Cost Silv Sant Oliv Perei Yam Tak Hash Nguy Tran Pham Osei Asa Kib Ngug Abd Haddad "
    "Nasr Kar Soren Dahl Vik Strand Eng Holm Sz Nag Horv Pop Ion Dimit Georg Papad Kon Zhan Liu "
    "Sing Shar Pat Gupt Khan Mal Quin Murph Kell Walsh Byrn Gall"
).split()
_FAMILY_ENDINGS = (
    "son sen berg ström ski ska ova enko ez es ini elli oglu yan idze ura moto ama afor ubu ley "
    "ton ford well er mann stein feld ić ov ev ard ier ault ado eira ian ani ović escu akis "
    "opoulos a o i in on"
).split()
_ROLES = (
    "Prime Minister",
    "foreign minister",
    "finance minister",
    "defence minister",
    "health minister",
    "President",
    "spokesperson for the government",
    "opposition leader",
    "chief executive",
    "chief economist",
    "senior analyst",
    "professor of economics",
    "professor of international relations",
    "senior fellow",
    "mayor",
    "police chief",
    "union leader",
    "central bank governor",
    "ambassador",
    "army general",
    "head coach",
    "lawyer",
    "campaign director",
    "researcher",
    "resident",
    "eyewitness",
)
_CUES = ("said", "said", "said", "told reporters", "added", "warned", "argued", "told the BBC")
_OUTLET_WORDS = (
    "times post herald news daily tribune chronicle gazette observer journal today wire radio "
    "press star courier express mirror telegraph sentinel monitor record review standard"
).split()
_TLDS = ("com", "com", "com", "co.uk", "de", "fr", "com.au", "ca", "in", "org", "net", "ie", "nz")
_FEED_PATHS = (
    "/rss/world",
    "/rss/politics",
    "/feeds/business.xml",
    "/news/rss.xml",
    "/rss/europe",
    "/feed",
    "/rss/science",
    "/rss/sport",
)
_ONSETS = "b c d f g h k l m n p r s t v w z br cr dr gr pl st tr ch sh th".split()
_VOWELS = "a e i o u ai ea io ou".split()
_CODAS = ["", "", "", "n", "r", "s", "l", "t", "m", "nd", "st", "x"]

ARTICLE_INSERT = (
    "INSERT INTO articles (id, source_id, item_key, url, canonical_url, title, published_at, "
    "author, site_name, lead, text, image_url, from_page, fetched_at, search_tags, story_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SEEN_INSERT = "INSERT INTO seen_items (source_id, item_key, first_seen_at) VALUES (?, ?, ?)"
QUOTE_INSERT = (
    "INSERT INTO quotes (article_id, position, text, speaker, role, cue, attribution, kind, "
    "is_key, spans) VALUES (?, ?, ?, ?, ?, ?, 'named', 'quote', ?, ?)"
)


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: int
    url: str
    host: str
    title: str
    tags: str


@dataclass(frozen=True, slots=True)
class World:
    """Everything a batch of articles is drawn from (pickled to the generating process)."""

    articles: int
    seed: int
    start: float
    words: list[str]
    """Four forms of each vocabulary word (plain, "word.", "Word", "Word."), then the subjects."""
    word_cdf: npt.NDArray[np.float64]
    subjects: list[str]
    clusters: list[list[int]]
    cluster_of: list[int]
    subject_cdf: npt.NDArray[np.float64]
    speakers: list[str]
    roles: list[str | None]
    speaker_cdf: npt.NDArray[np.float64]
    sources: list[SourceRow]
    source_cdf: npt.NDArray[np.float64]

    @property
    def vocabulary(self) -> int:
        return (len(self.words) - len(self.subjects)) // 4


@dataclass(frozen=True, slots=True)
class Content:
    title: str
    lead: str
    body: str
    quotes: list[tuple[str, int, bool, str]]
    """(text, speaker's index, key, cue) of each quotation, in text order."""


@dataclass(frozen=True, slots=True)
class Batch:
    articles: list[tuple[Any, ...]]
    quotes: list[tuple[Any, ...]]
    seen: list[tuple[int, str, str]]
    key_speakers: list[tuple[int, str, str]]
    """(source id, speaker, published_at) of each key quote: the speakers table's input."""
    stories: list[tuple[int, int, str]]
    """(story id, source id, published_at) of each article: the stories table's input."""


def _cdf(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    cdf = np.cumsum(weights)
    result: npt.NDArray[np.float64] = cdf / cdf[-1]  # the last is exactly 1.0
    return result


def _zipf_cdf(count: int, skew: float) -> npt.NDArray[np.float64]:
    return _cdf(np.arange(1, count + 1, dtype=np.float64) ** -skew)


_LISTS: dict[int, tuple[npt.NDArray[np.float64], list[float]]] = {}
_TABLES: dict[int, tuple[npt.NDArray[np.float64], npt.NDArray[np.intp], npt.NDArray[np.bool_]]] = {}
_TABLE_BITS = 20


def _cdf_list(cdf: npt.NDArray[np.float64]) -> list[float]:
    """The cdf as a Python list (cached per process), for bisect: a scalar draw without
    numpy's per-call overhead, with searchsorted's answer."""
    known = _LISTS.get(id(cdf))
    if known is None or known[0] is not cdf:
        known = _LISTS[id(cdf)] = (cdf, cdf.tolist())
    return known[1]


def _pick(cdf: npt.NDArray[np.float64], rng: random.Random) -> int:
    return bisect.bisect_right(_cdf_list(cdf), rng.random())


def _inverse(cdf: npt.NDArray[np.float64], u: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """``np.searchsorted(cdf, u, side="right")``, exactly, mostly by table: u's bucket of
    2**-20 holds no cdf value in most buckets, and then every u in it has the same answer;
    the few others are searched."""
    known = _TABLES.get(id(cdf))
    if known is None or known[0] is not cdf:
        edges = np.arange(1 << _TABLE_BITS, dtype=np.float64) / (1 << _TABLE_BITS)
        low = np.searchsorted(cdf, edges, side="right")
        high = np.searchsorted(cdf, edges + 1.0 / (1 << _TABLE_BITS), side="left")
        known = _TABLES[id(cdf)] = (cdf, low, low != high)
    _, low, mixed = known
    bucket = (u * (1 << _TABLE_BITS)).astype(np.intp)
    found = low[bucket]
    check = mixed[bucket]
    if check.any():
        found[check] = np.searchsorted(cdf, u[check], side="right")
    return found


def _head_words() -> list[str]:
    """Words of the labelled news passages, most frequent first (in their commonest spelling)."""
    import json
    from collections import Counter

    root = Path(__file__).resolve().parent.parent / "tests" / "quotes"
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for name in ("passages.jsonl", "heldout.jsonl"):
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            for word in re.findall(r"[^\W\d_]+", json.loads(line)["text"]):
                key = word.casefold()
                counts[key] += 1
                spellings.setdefault(key, Counter())[word] += 1
    return [spellings[key].most_common(1)[0][0] for key, _ in counts.most_common()]


def _made_up_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    found: list[str] = []
    while len(found) < count:
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choice((2, 2, 2, 3)))
        )
        if word not in taken:
            taken.add(word)
            found.append(word)
    return found


def _speaker_pool(rng: random.Random) -> tuple[list[str], list[str | None]]:
    family = sorted({stem + ending for stem in _FAMILY_STEMS for ending in _FAMILY_ENDINGS})
    names: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < SPEAKERS:
        name = f"{rng.choice(_GIVEN).capitalize()} {rng.choice(family)}"
        if name not in names:
            names.add(name)
            ordered.append(name)
    roles: list[str | None] = [
        rng.choice(_ROLES) if rng.random() < 0.75 else None for _ in range(SPEAKERS)
    ]
    return ordered, roles


def _source_rows(rng: random.Random, words: list[str]) -> list[SourceRow]:
    from bot.storage.fulltext import search_tags

    outlets: list[tuple[str, str]] = []
    hosts: set[str] = set()
    while len(outlets) < OUTLETS:
        stem = rng.choice(words[2000:12000]).lower()
        kind = rng.choice(_OUTLET_WORDS)
        tld = rng.choice(_TLDS)
        host = f"{rng.choice(('www.', 'www.', 'feeds.', 'rss.', ''))}{stem}{kind}.{tld}"
        if host not in hosts:
            hosts.add(host)
            outlets.append((host, f"The {stem.capitalize()} {kind.capitalize()}"))
    rows: list[SourceRow] = []
    urls: set[str] = set()
    while len(rows) < SOURCES:
        # The first outlets get the extra feeds: several sections of one big site.
        host, title = outlets[len(rows)] if len(rows) < OUTLETS else rng.choice(outlets[:300])
        path = rng.choice(_FEED_PATHS)
        url = f"https://{host}{path}"
        if url in urls:
            continue
        urls.add(url)
        source_id = len(rows) + 1
        section = path.rsplit("/", 1)[-1].removesuffix(".xml")
        named = title if section in ("feed", "rss") else f"{title}: {section.capitalize()}"
        rows.append(SourceRow(source_id, url, host, named, search_tags(source_id, url)))
    return rows


def make_world(articles: int, *, seed: int = SEED) -> World:
    rng = random.Random(seed)
    subjects = [subject for cluster in CLUSTERS for subject in cluster]
    # Subjects appear where an article is about them, not as everyday words: "Ukraine" and
    # "NATO" are frequent in the passages, "interest" and "rates" may stay.
    named = {w.casefold() for s in subjects for w in s.split() if " " not in s or w[:1].isupper()}
    head = [w for w in _head_words() if w.casefold() not in named]
    taken = {w.casefold() for w in head} | named
    vocabulary = head[: VOCABULARY // 4] + _made_up_words(
        rng, VOCABULARY - min(len(head), VOCABULARY // 4), taken
    )
    clusters: list[list[int]] = []
    cluster_of: list[int] = []
    for index, cluster in enumerate(CLUSTERS):
        first = len(cluster_of)
        clusters.append(list(range(first, first + len(cluster))))
        cluster_of.extend([index] * len(cluster))
    # How often each is an article's main subject: its cluster's rank, then its place in it.
    subject_weights = np.array(
        [
            (cluster_of[s] + 1) ** -CLUSTER_SKEW * _place_weight(s - clusters[cluster_of[s]][0])
            for s in range(len(subjects))
        ]
    )
    subject_cdf = _cdf(subject_weights)
    words = (
        vocabulary
        + [w + "." for w in vocabulary]
        + [w[:1].upper() + w[1:] for w in vocabulary]
        + [w[:1].upper() + w[1:] + "." for w in vocabulary]
        + subjects
    )
    speakers, roles = _speaker_pool(rng)
    sources = _source_rows(rng, vocabulary)
    source_weights = np.arange(1, len(sources) + 1, dtype=np.float64) ** -SOURCE_SKEW
    np.random.default_rng(seed).shuffle(source_weights)
    return World(
        articles=articles,
        seed=seed,
        start=(END - timedelta(days=DAYS)).timestamp(),
        words=words,
        word_cdf=_zipf_cdf(len(vocabulary), WORD_SKEW),
        subjects=subjects,
        clusters=clusters,
        cluster_of=cluster_of,
        subject_cdf=subject_cdf,
        speakers=speakers,
        roles=roles,
        speaker_cdf=_zipf_cdf(SPEAKERS, SPEAKER_SKEW),
        sources=sources,
        source_cdf=_cdf(source_weights),
    )


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(_STAMP)


def _draw(cdf: npt.NDArray[np.float64], rng: np.random.Generator, count: int) -> list[int]:
    found: list[int] = np.searchsorted(cdf, rng.random(count), side="right").tolist()
    return found


class _Words:
    """A stream of word ids (into World.words) with sentence ends and capitals already placed."""

    def __init__(self, world: World, rng: np.random.Generator, count: int) -> None:
        vocabulary = world.vocabulary
        ids = _inverse(world.word_cdf, rng.random(count))
        ends = rng.random(count) < 1 / SENTENCE_WORDS
        starts = np.empty_like(ends)  # np.roll(ends, 1), without its overhead
        starts[0] = ends[-1]
        starts[1:] = ends[:-1]
        self._ids: list[int] = (ids + vocabulary * ends + 2 * vocabulary * starts).tolist()
        self._plain = vocabulary
        self._at = 0

    def take(self, count: int) -> list[int]:
        if self._at + count > len(self._ids):
            self._at = 0
        found = self._ids[self._at : self._at + count]
        self._at += count
        return found

    def plain(self, count: int) -> list[int]:
        return [i % self._plain for i in self.take(count)]


def _sentence(words: list[str], ids: list[int]) -> str:
    text = " ".join([words[i] for i in ids])
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _place_weight(place: int) -> float:
    return float((place + 1) ** -SUBJECT_SKEW)


def _pick_subjects(world: World, rng: random.Random, first: int) -> list[int]:
    chosen = [first]
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        if rng.random() < _CLUSTER_FOCUS:
            cluster = world.clusters[world.cluster_of[first]]
            other = rng.choices(cluster, [_place_weight(p) for p in range(len(cluster))])[0]
        else:
            other = _pick(world.subject_cdf, rng)
        if other not in chosen:
            chosen.append(other)
    return chosen


def _unit(seed: int, article_id: int, salt: int) -> float:
    """A uniform number in [0, 1) fixed by the article id alone (splitmix64), so any batch can
    tell whether an earlier article, drawn in another process, is a copy."""
    x = (seed * 0x9E3779B97F4A7C15 + article_id * 0xBF58476D1CE4E5B9 + salt) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return (x ^ (x >> 31)) / 2.0**64


def story_of(world: World, article_id: int) -> int:
    """The story an article is filed in: its own id, or for a copy the id of an earlier
    original, up to COPY_HOURS before it (log-uniform: most copies follow within hours)."""
    if article_id == 1 or _unit(world.seed, article_id, 1) >= COPY_SHARE:
        return article_id
    per_hour = world.articles / (DAYS * 24)
    original = article_id - 1 - int((COPY_HOURS * per_hour) ** _unit(world.seed, article_id, 2))
    if original < 1:
        return article_id  # its original came before the stored days
    while original > 1 and _unit(world.seed, original, 1) < COPY_SHARE:
        original -= 1
    return original


def _content(world: World, story: int) -> Content:
    """The headline, lead, text and quotations of a story's original (drawn from its id, so a
    copy stored later, in another batch, gets the same)."""
    nrng = np.random.default_rng([world.seed, story])
    rng = random.Random(world.seed * 1_000_003 + story)
    words = world.words
    subject_base = 4 * world.vocabulary
    stream = _Words(world, nrng, 800)
    main_subject = _pick(world.subject_cdf, rng)
    if rng.random() < _LISTED_SUBJECT:
        subject_ids = [subject_base + s for s in _pick_subjects(world, rng, main_subject)]
    else:
        # A story about something else: a rarer word stands for its subject.
        subject_ids = [int(world.vocabulary ** rng.uniform(0.6, 1.0)) - 1]
        if rng.random() < 0.3:
            subject_ids.append(subject_base + main_subject)

    # Headlines skip most little words ("the", "of", "said").
    title_ids = [i for i in stream.plain(rng.randint(8, 15)) if i >= 40][:11]
    if rng.random() < 0.8:
        title_ids.insert(rng.randrange(len(title_ids) + 1), subject_ids[0])
    if len(subject_ids) > 1 and rng.random() < 0.3:
        title_ids.insert(rng.randrange(len(title_ids) + 1), subject_ids[1])
    title = " ".join([words[i] for i in title_ids])
    title = title[:1].upper() + title[1:]

    lead_ids = stream.take(rng.randint(22, 45))
    if rng.random() < 0.6:
        lead_ids.insert(rng.randrange(len(lead_ids) + 1), subject_ids[0])
    lead = _sentence(words, lead_ids)

    # Who is quoted: one to three people, the first of them in the key quotes.
    people = [_pick(world.speaker_cdf, rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    quote_count = rng.randint(3, 6)
    key_count = 1 if rng.random() < 0.6 else 2
    said: list[tuple[str, int, bool, str]] = []
    quoted_words = 0
    for q in range(quote_count):
        speaker = people[0] if q < key_count else rng.choice(people)
        ids = stream.take(rng.randint(12, 34))
        quoted_words += len(ids)
        if rng.random() < 0.3:
            ids.insert(rng.randrange(len(ids) + 1), rng.choice(subject_ids))
        said.append((_sentence(words, ids), speaker, q < key_count, rng.choice(_CUES)))
    rng.shuffle(said)

    body_ids = stream.take(max(rng.randint(350, 700) - quoted_words - 10 * quote_count, 60))
    for s_index, subject_id in enumerate(subject_ids):
        for _ in range(rng.randint(3, 8) if s_index == 0 else rng.randint(1, 3)):
            body_ids.insert(rng.randrange(len(body_ids) + 1), subject_id)
    paragraphs: list[str] = []
    at = 0
    while at < len(body_ids):
        size = rng.randint(35, 90)
        paragraphs.append(_sentence(words, body_ids[at : at + size]))
        at += size
    # Each quotation is a paragraph of its own, after the first paragraph, in text order.
    slots = sorted(rng.randint(1, len(paragraphs)) for _ in said)
    pieces: list[tuple[int, int, str]] = [(i, 1, p) for i, p in enumerate(paragraphs)]
    for slot, (text, speaker_ix, _, cue) in zip(slots, said, strict=True):
        name = world.speakers[speaker_ix]
        role = world.roles[speaker_ix]
        who = f"{name}, {role}," if role else name
        pieces.append((slot, 0, f"“{text}” {who} {cue}.".replace(",.", ".")))
    pieces.sort(key=lambda piece: (piece[0], piece[1]))
    return Content(title, lead, "\n\n".join(piece[2] for piece in pieces), said)


def make_batch(world: World, first_id: int, count: int) -> Batch:
    """Articles first_id .. first_id + count - 1 with their quotes (deterministic per batch)."""
    nrng = np.random.default_rng([world.seed, 0, first_id])
    rng = random.Random(world.seed * 1_000_003 - first_id)
    span = DAYS * _DAY
    u = (np.arange(first_id - 1, first_id - 1 + count) + nrng.random(count)) / world.articles
    # A daily rhythm (more articles in the day than at night), still increasing with the id.
    fetched = world.start + u * span + 0.5 * np.sin(2 * math.pi * u * DAYS) * _DAY / (2 * math.pi)
    delay = np.clip(np.exp(nrng.normal(math.log(40 * 60), 1.1, count)), 60, 14 * 3600)
    fetched_at: list[float] = fetched.tolist()
    published_at: list[float] = (fetched - delay).tolist()
    source_ix = _draw(world.source_cdf, nrng, count)

    batch = Batch([], [], [], [], [])
    drawn: dict[int, Content] = {}
    """Each story's content drawn in this batch: most copies follow their original within
    the batch, and are the same content."""
    for n in range(count):
        article_id = first_id + n
        source = world.sources[source_ix[n]]
        story = story_of(world, article_id)
        content = drawn.get(story)
        if content is None:
            content = drawn[story] = _content(world, story)
        published = _stamp(published_at[n])
        fetched_stamp = _stamp(fetched_at[n])
        site = source.title.split(":")[0]
        # A copy is the original's text under its outlet's header, half the time with the
        # outlet's name after the headline.
        title = content.title
        if story != article_id and rng.random() < 0.5:
            title = f"{title} - {site}"
        for position, (text, speaker_ix, is_key, cue) in enumerate(content.quotes):
            name = world.speakers[speaker_ix]
            batch.quotes.append(
                (
                    article_id,
                    position,
                    text,
                    name,
                    world.roles[speaker_ix],
                    cue,
                    int(is_key),
                    f"[[0, {len(text)}]]",
                )
            )
            if is_key:
                batch.key_speakers.append((source.id, name, published))
        day = datetime.fromtimestamp(published_at[n], UTC)
        slug = "-".join(w.lower().strip(".") for w in title.split()[:7])
        url = f"https://{source.host}/{day:%Y/%m/%d}/{slug}-{article_id}"
        item_key = hashlib.sha1(url.encode()).hexdigest()
        batch.articles.append(
            (
                article_id,
                source.id,
                item_key,
                url,
                url if rng.random() < 0.6 else None,
                title,
                published,
                world.speakers[rng.randrange(SPEAKERS)] if rng.random() < 0.5 else None,
                site if rng.random() < 0.8 else None,
                content.lead,
                content.body,
                f"https://{source.host}/img/{article_id}.jpg" if rng.random() < 0.7 else None,
                1 if rng.random() < 0.9 else 0,
                fetched_stamp,
                source.tags,
                story,
            )
        )
        batch.seen.append((source.id, item_key, fetched_stamp))
        batch.stories.append((story, source.id, published))
    return batch


def _batches(world: World, workers: int, *, start: int = 1) -> Iterator[Batch]:
    """The batches in id order from the one starting at ``start``; with workers, drawn in
    other processes a few batches ahead."""
    starts = list(range(start, world.articles + 1, BATCH))
    sizes = [min(BATCH, world.articles + 1 - s) for s in starts]
    if workers < 1:
        for first, size in zip(starts, sizes, strict=True):
            yield make_batch(world, first, size)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[Batch]] = []
        todo = list(zip(starts, sizes, strict=True))
        todo.reverse()
        while todo or pending:
            while todo and len(pending) < workers + 2:
                first, size = todo.pop()
                pending.append(pool.submit(make_batch, world, first, size))
            yield pending.pop(0).result()


def tally(
    batch: Batch, speakers: dict[tuple[int, str], list[Any]], stories: dict[int, list[Any]]
) -> None:
    """Add a batch to the running per-speaker ([quotes, last quoted]) and per-story counts,
    the latter as the store files them: first_at from the first article, then the latest
    time, a count and the outlets."""
    for source_id, name, published in batch.key_speakers:
        entry = speakers.get((source_id, name))
        if entry is None:
            speakers[(source_id, name)] = [1, published]
        else:
            entry[0] += 1
            entry[1] = max(entry[1], published)
    for story, source_id, published in batch.stories:
        known = stories.get(story)
        if known is None:
            stories[story] = [published, published, 1, {source_id}]
        else:
            known[1] = max(known[1], published)
            known[2] += 1
            known[3].add(source_id)


def populate(path: Path, world: World, *, workers: int) -> None:
    """Write the world into a migrated database at path (raw sqlite3; the FTS triggers fire).

    Resumable: each batch is committed with its quotes and seen items, and the derived tables
    are made from the stored rows at the end, so a run that was stopped (killed, the machine
    restarted) is taken up by the next one at the first batch it had not committed."""
    _world_file(path).write_text(json.dumps(_world_mark(world, complete=False)))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # Bulk-load settings, for this connection only: the store's own are back on reopening.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA temp_store=MEMORY")
        if conn.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is None:
            conn.execute("BEGIN")
            add_sources_and_guilds(conn, world)
            conn.execute("COMMIT")
        stored = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0])
        assert stored % BATCH == 0 or stored == world.articles, "not a batch boundary"
        if stored:
            print(f"  {stored:>9,} articles stored before: going on", file=sys.stderr)
        started = time.perf_counter()
        done = stored
        for batch in _batches(world, workers, start=stored + 1):
            conn.execute("BEGIN")
            conn.executemany(ARTICLE_INSERT, batch.articles)
            conn.executemany(QUOTE_INSERT, batch.quotes)
            conn.executemany(SEEN_INSERT, batch.seen)
            conn.execute("COMMIT")
            before, done = done, done + len(batch.articles)
            if done // PROGRESS_EVERY > before // PROGRESS_EVERY or done == world.articles:
                elapsed = time.perf_counter() - started
                print(
                    f"  {done:>9,} articles stored, {elapsed:6.0f} s "
                    f"({(done - stored) / elapsed:,.0f}/s)",
                    file=sys.stderr,
                    flush=True,
                )
        print("  filling the derived tables ...", file=sys.stderr, flush=True)
        _derive(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    _world_file(path).write_text(json.dumps(_world_mark(world, complete=True)))


def _world_file(path: Path) -> Path:
    return Path(f"{path}.world")


def _world_mark(world: World, *, complete: bool) -> dict[str, Any]:
    return {"articles": world.articles, "seed": world.seed, "complete": complete}


def generated(path: Path, world: World) -> str | None:
    """How far the store at path holds this world: "complete", "partial" (a stopped run:
    ``populate`` goes on with it) or None (none of it, or another world). A store made before
    its generation was recorded beside it counts as complete if it has the world's articles."""
    try:
        mark = json.loads(_world_file(path).read_text())
    except (OSError, ValueError):
        mark = None
    if not path.exists():
        return None
    if mark is None:
        return "complete" if counts_of(path) == world.articles else None
    if mark != _world_mark(world, complete=mark.get("complete") is True):
        return None
    return "complete" if mark["complete"] else "partial"


_KEYS_INDEX = "ix_articles_id_published_at_source_id_story_id"
"""(id, published_at, source_id, story_id): what the derived tables need of each article,
without reading its row (its text)."""


def _derive(conn: sqlite3.Connection) -> None:
    """Stories, speakers (and their words), numbered speakers and publication hours, from the
    stored articles and quotes, as the store files them (made again if there)."""
    conn.execute("BEGIN")
    for table in (
        "stories",
        "speakers",
        "speaker_words",
        "quoted_speakers",
        "speaker_names",
        "article_hours",
    ):
        conn.execute(f"DELETE FROM {table}")
    # A story's first_at is its first article's time (the original's: copies come later),
    # then the latest time, how many articles and on how many outlets.
    conn.execute(
        "INSERT INTO stories (id, first_at, latest_at, articles, outlets) "
        "SELECT a.story_id, o.published_at, MAX(a.published_at), COUNT(*), "
        f"COUNT(DISTINCT a.source_id) FROM articles a INDEXED BY {_KEYS_INDEX} "
        f"JOIN articles o INDEXED BY {_KEYS_INDEX} ON o.id = a.story_id GROUP BY a.story_id"
    )
    # Each source's key quotes' speakers: how many, and when last quoted.
    counted = {
        (int(source_id), str(name)): [int(count), str(last)]
        for source_id, name, count, last in conn.execute(
            "SELECT a.source_id, q.speaker, COUNT(*), MAX(a.published_at) FROM quotes q "
            f"JOIN articles a INDEXED BY {_KEYS_INDEX} ON a.id = q.article_id "
            "WHERE q.is_key AND q.speaker IS NOT NULL GROUP BY a.source_id, q.speaker"
        )
    }
    conn.execute("COMMIT")
    _add_speakers(conn, counted)
    conn.execute("BEGIN")
    # Who each article quotes, by number, as the store files it (0015's backfill).
    conn.execute(
        "INSERT INTO speaker_names (name) SELECT DISTINCT speaker FROM quotes "
        "WHERE speaker IS NOT NULL"
    )
    conn.execute(
        "INSERT INTO quoted_speakers (article_id, speaker_id, quotes) "
        "SELECT q.article_id, n.id, COUNT(*) FROM quotes q JOIN speaker_names n "
        "ON n.name = q.speaker GROUP BY q.article_id, n.id"
    )
    # Each publication hour's first id, as the store keeps it (migration 0015's backfill).
    conn.execute(
        "INSERT INTO article_hours (hour, first_id) SELECT "
        "CAST(strftime('%s', published_at) AS INTEGER) / 3600, MIN(id) "
        f"FROM articles INDEXED BY {_KEYS_INDEX} GROUP BY 1"
    )
    conn.execute("COMMIT")


def _add_speakers(conn: sqlite3.Connection, counted: dict[tuple[int, str], list[Any]]) -> None:
    from bot.storage.derived import speaker_key

    keys: dict[str, str] = {}
    rows = []
    for (source_id, name), (count, last) in counted.items():
        key = keys.get(name)
        if key is None:
            key = keys[name] = speaker_key(name)
        rows.append((source_id, name, key, count, last))
    # Each word of each name, per source, as the store files them for the autocomplete.
    words = {
        (word[:100], source_id, name, count)
        for source_id, name, key, count, _ in rows
        for word in key.split()
    }
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO speakers (source_id, name, name_key, quotes, last_quoted_at) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO speaker_words (word, source_id, name, quotes) VALUES (?, ?, ?, ?)", words
    )
    conn.execute("COMMIT")


def add_sources_and_guilds(conn: sqlite3.Connection, world: World) -> None:
    """The sources and the three servers watching them (rows as the bot keeps them; no
    article yet)."""
    created = _stamp(world.start - 30 * _DAY)
    conn.executemany(
        "INSERT INTO sources (id, url, added_url, title, site_url, status, next_poll_at, "
        "error_count, created_at, last_success_at, last_polled_at) "
        "VALUES (?, ?, ?, ?, ?, 'ok', ?, 0, ?, ?, ?)",
        [
            (
                s.id,
                s.url,
                s.url,
                s.title,
                f"https://{s.host}/",
                _stamp(END.timestamp() + 300),
                created,
                _stamp(END.timestamp() - 60),
                _stamp(END.timestamp() - 60),
            )
            for s in world.sources
        ],
    )
    _add_guilds(conn, world, created)


def _add_guilds(conn: sqlite3.Connection, world: World, joined: str) -> None:
    rng = random.Random(world.seed + 1)
    ids = [s.id for s in world.sources]
    for guild_id, watched in GUILDS.items():
        conn.execute(
            "INSERT INTO guilds (id, alerts_channel_id, configured_by, joined_at) "
            "VALUES (?, ?, 1, ?)",
            (guild_id, guild_id * 10, joined),
        )
        conn.executemany(
            "INSERT INTO guild_sources (guild_id, source_id, added_by, added_at, "
            "failing_notified) VALUES (?, ?, 1, ?, 0)",
            [(guild_id, source_id, joined) for source_id in rng.sample(ids, watched)],
        )


def subject_queries(world: World, rng: random.Random, count: int) -> list[str]:
    """Queries as people type them: subjects common and rare, alone or combined, phrases,
    title: and source: filters, exclusions, OR, plain words of any frequency and people."""
    subjects = [s.lower() for s in world.subjects]
    vocabulary = world.vocabulary

    def subject(*, common: bool | None = None) -> int:
        common = rng.random() < 0.5 if common is None else common
        if common:
            return _pick(world.subject_cdf, rng)
        return rng.randrange(len(subjects))

    def quoted(index: int) -> str:
        text = subjects[index]
        return f'"{text}"' if " " in text else text

    found: list[str] = []
    while len(found) < count:
        roll = rng.random()
        first = subject()
        if roll < 0.30:
            typed = quoted(first)
        elif roll < 0.42:
            other = rng.choice(world.clusters[world.cluster_of[first]])
            typed = f"{quoted(first)} {quoted(other)}" if other != first else quoted(first)
        elif roll < 0.50:
            typed = subjects[first]  # several words, unquoted: all of them, anywhere
        elif roll < 0.60:
            typed = f"title:{quoted(first)}"
        elif roll < 0.70:
            typed = f"{quoted(first)} -{quoted(subject(common=True))}"
        elif roll < 0.78:
            typed = f"{quoted(first)} OR {quoted(subject())}"
        elif roll < 0.90:
            # A plain word, anywhere from fairly common to very rare.
            rank = int(vocabulary ** rng.uniform(0.55, 1.0))
            typed = world.words[min(rank, vocabulary - 1)].lower()
        elif roll < 0.95:
            typed = f'"{world.speakers[_pick(world.speaker_cdf, rng)].lower()}"'
        else:
            typed = f"source:{rng.choice(world.sources).host.removeprefix('www.')} {quoted(first)}"
        found.append(typed)
    return found


def speaker_prefixes(world: World, rng: random.Random, count: int) -> list[str]:
    """What people type into the speaker box: 3-5 letters of a first or last name, of someone
    quoted often or rarely."""
    found: list[str] = []
    for _ in range(count):
        index = _pick(world.speaker_cdf, rng) if rng.random() < 0.5 else rng.randrange(SPEAKERS)
        word = rng.choice(world.speakers[index].split())
        found.append(word[: rng.randint(3, 5)].lower())
    return found


def counts_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return -1
    finally:
        conn.close()


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".world"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sizes(path: Path) -> dict[str, float]:
    """Bytes of the file (after a checkpoint), of the raw text and of the full-text index."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        text_bytes, text_chars, text_words, article_count = conn.execute(
            "SELECT SUM(LENGTH(CAST(title AS BLOB)) + LENGTH(CAST(lead AS BLOB)) "
            "+ LENGTH(CAST(text AS BLOB))), AVG(LENGTH(text)), "
            "AVG(LENGTH(text) - LENGTH(REPLACE(text, ' ', '')) + 1), COUNT(*) FROM articles"
        ).fetchone()
        quote_bytes, quote_count = conn.execute(
            "SELECT SUM(LENGTH(CAST(text AS BLOB))), COUNT(*) FROM quotes"
        ).fetchone()
        speaker_rows = conn.execute("SELECT COUNT(*) FROM speakers").fetchone()[0]
        story_count, widest = conn.execute("SELECT COUNT(*), MAX(outlets) FROM stories").fetchone()
        objects: dict[str, float] = {}
        try:
            for name, size in conn.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ):
                objects[str(name)] = float(size)
        except sqlite3.OperationalError:
            pass  # dbstat is compiled out of this SQLite: no breakdown
    finally:
        conn.close()
    file_bytes = sum(
        Path(f"{path}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if Path(f"{path}{suffix}").exists()
    )
    figures = {
        "file": float(file_bytes),
        "text": float(text_bytes + quote_bytes),
        "article_text_bytes": float(text_bytes),
        "quote_text_bytes": float(quote_bytes),
        "text_mean_chars": float(text_chars),
        "text_mean_words": float(text_words),
        "articles": float(article_count),
        "quotes": float(quote_count),
        "speaker_rows": float(speaker_rows),
        "stories": float(story_count),
        "widest_story_outlets": float(widest or 0),
    }
    if objects:
        figures["fts"] = sum(v for k, v in objects.items() if k.startswith("articles_fts"))
        for name, size in objects.items():
            figures[f"object:{name}"] = size
    return figures


def warm(path: Path, chunk: int = 16 << 20) -> float:
    """Read the whole file once, so the OS page cache holds it. Returns the seconds taken."""
    started = time.perf_counter()
    for suffix in ("", "-wal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            with part.open("rb") as handle:
                while handle.read(chunk):
                    pass
    return time.perf_counter() - started


def guild_ids() -> Sequence[int]:
    return list(GUILDS)
