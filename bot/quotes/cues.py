"""Reporting cues next to a quotation: where a reporting verb and its subject stand in the words
just after the quotation ("…,” said X" / "…,” X said" / "…” — X") or just before it ("X said:
“…", "According to X, “…", "X went on the attack, saying, “…", "CLINTON: “…").

Each function yields candidate cues (the words that may name the subject, and the verb), most
likely first; ``speakers.read_phrase`` then says what the subject names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.quotes.lexicon import (
    CAPITALISED_RUN,
    CUE_RE,
    DOCUMENT_WORDS,
    PROGRESSIVE_RE,
    ROLE_NOUNS,
    SPEECH_RE,
)
from bot.quotes.speakers import backward_phrase, forward_phrase

_LEAD = re.compile(r"[\s,—–―-]*")
_ACCORDING = re.compile(r"\b[Aa]ccording\s+to\s+")
_QUOTING = re.compile(r"\bquoting\s+")
# A clause start inside a window: after punctuation, a dash, or a conjunction.
CLAUSE_START = re.compile(r"[,;.!?]\s+|\s[—–-]\s|\b(?:while|whereas|but|and|as|when)\s+")
_PARTICIPLE = re.compile(
    r"(?:,\s+|(?<=,[”’\"'])\s+|\b(?:upon|after|before|by|while|when|and)\s+)"
    r"(?:saying|adding|telling|writing|noting"
    r"|arguing|declaring|insisting|asking|explaining|warning|stating|tweeting|calling"
    r"|describing|concluding|replying|responding|answering|quipping|joking)"
    r"\b[^“”\"«».!?]{0,80}?[,:]?\s*$"
)
# "Clinton: “…" / "PENCE: “…": a name (or a transcript's speaker label) and a colon, at a
# line's or a sentence's start (also right after another's quotation: "“…” Bush: “…").
_LABEL = re.compile(
    r"(?:^|(?<=[.;!?(]\s)|(?<=[.!?][”\"]\s))([A-Z][^\s:“”\"«»]*(?:\s+[A-Z][^\s:“”\"«»]*){0,3}):\s*$",
    re.MULTILINE,
)
# "…” — Bernie Sanders" / "― Name, role": a dash and a name, alone to the end of the line.
DASH_LINE = re.compile(r"[ \t]*[—–―-]+[ \t]*([A-Z][^\n“”\"«»]{0,90}?)[.\s]*$")
# After the verb, words that make a new sentence rather than an attribution: "He said a firm
# would be named." goes on with a clause of its own.
_CLAUSE_AFTER = re.compile(
    r"\b(?:that|would|will|was|were|is|are|has|have|had|could|should|can|may|might|must|did|"
    r"does|if|whether|it|they|we|he|she)\b"
)
_SUBJECT_OPENER = re.compile(
    r"(?:the|a|an|one|another|his|her|their|its|our|some|many|several|two|three|former|he|she"
    r"|they|it|we|i)\b"
)
_FIRST_WORDS = 14
"""How far into the words after a quotation the verb of "X, ..., said" may stand."""


@dataclass(frozen=True, slots=True)
class Cue:
    """A reporting verb and the words that may name its subject."""

    start: int
    end: int
    """The subject phrase, text[start:end]."""
    verb: str
    participle: bool = False
    """The verb is a participle ("..., saying “"): the subject is the clause's subject."""
    after: bool = False
    """The cue follows the quotation closely ("…,” Banda, the union leader, said)."""
    named_only: bool = False
    """Only a name or an organisation will do as its subject (a weak cue: a bare comma)."""


def _norm(verb: str) -> str:
    return " ".join(verb.lower().split())


def after_cues(text: str, start: int, end: int, *, new_sentence: bool = False) -> Iterator[Cue]:
    """Cues in text[start:end], the words right after a quotation's closing mark. With
    ``new_sentence`` (the quotation ended its own sentence), the words must be no more than
    an attribution: "Nate Silver tweeted on Wednesday." but not "He said a firm would be..."."""
    lead = _LEAD.match(text, start, end)
    at = lead.end() if lead else start
    dash = DASH_LINE.match(text, start, end)
    if dash is not None and re.match(r"[ \t]*[—–―-]", text[start:end]) and not new_sentence:
        yield Cue(dash.start(1), dash.end(1), "")
    quoting = _QUOTING.search(text, at, min(end, at + 80))
    if quoting is not None and not re.search(r"[.!?“”\"«»]", text[at : quoting.start()]):
        yield Cue(*forward_phrase(text, quoting.end(), end), "quoting")
    according = _ACCORDING.match(text, at, end)
    if according is not None:
        yield Cue(*forward_phrase(text, according.end(), end), "according to")
        return
    verb = SPEECH_RE.match(text, at, end)
    if verb is not None:
        # ..." said Rose Gottemoeller, former NATO deputy secretary general.
        if not new_sentence:
            yield Cue(*forward_phrase(text, verb.end(), end), _norm(verb.group()), after=True)
        return
    # ..." Stoltenberg told a news conference. / ..." the minister added. / ..." Kallas, who
    # ..., said. The verb is among the first words, before any sentence end.
    words = list(re.finditer(r"\S+", text[at:end]))[:_FIRST_WORDS]
    limit = _sentence_stop(text, at, at + words[-1].end() if words else at)
    opener = text[at : at + 1]
    first_word = words[0].group().lower() if words else ""
    # "…,” screenwriter Ann Roe wrote: a role word in lower case before a name.
    role_led = (
        (first_word in ROLE_NOUNS or bool(_AGENT_NOUN.fullmatch(first_word)))
        and len(words) > 1
        and words[1].group()[:1].isupper()
    )
    if not (opener.isupper() or opener.isdigit() or _SUBJECT_OPENER.match(text, at) or role_led):
        # "…” than No Child Left Behind, since …": no subject opens the words after; but
        # "…” by the end of the year, the union's leader, Ana Duarte, said.": the last clause
        # of the sentence is the attribution.
        if not new_sentence:
            yield from _final_clause(text, at, end)
        return
    for verb in SPEECH_RE.finditer(text, at, limit):
        if new_sentence and _goes_on(text, verb.end(), end):
            return
        cue = _norm(verb.group())
        inverted = text[at : verb.start()].rstrip().endswith(",") and cue in _INVERTING
        if inverted:
            # ..." and Clevelanders get nervous, said Christine Link.
            yield Cue(*forward_phrase(text, verb.end(), end), cue, after=True)
        yield Cue(*backward_phrase(text, at, verb.start()), cue, after=True)
        return


_AGENT_NOUN = re.compile(r"[a-z]{3,}(?:writer|maker|er|or|ist|ian|man|woman)")


_FINAL_CLAUSE = re.compile(r",\s+([^,;:“”\"«»()]{2,90}?)\s+$")


def _final_clause(text: str, start: int, end: int) -> Iterator[Cue]:
    """A sentence that goes on after a quoted fragment and ends with its attribution: "…,
    DFA spokesman Neil Sroka said." / "…, Jane Roe wrote in a court filing." The words after
    the verb must end the sentence and be few."""
    window = text[start:end]
    stop = re.search(r"[.!?](?:\s|$)", window)
    if stop is None or window[stop.end() :].strip():
        return  # the window doesn't end with the sentence
    verbs = list(SPEECH_RE.finditer(text, start, start + stop.start()))
    if not verbs:
        return
    verb = verbs[-1]
    tail = text[verb.end() : start + stop.start()]
    if text[start : verb.start()].rstrip().endswith(",") and _norm(verb.group()) in _INVERTING:
        # "…, said Alan Abel, a historian at the university."
        if len(tail.split()) <= 14:
            yield Cue(*forward_phrase(text, verb.end(), start + stop.start()), _norm(verb.group()))
        return
    if len(tail.split()) > 6 or _CLAUSE_AFTER.search(tail):
        return
    clause = _FINAL_CLAUSE.search(text, start, verb.start())
    if clause is None:
        return
    yield Cue(clause.start(1), clause.end(1), _norm(verb.group()))


_STOP = re.compile(r"[.!?]\s+[A-Z“\"]|[“”\"«»]")
_SENTENCE_END = re.compile(r"[.!?][”\"’']?\s+[A-Z“\"‘]|[.!?][”\"’']?\s*$")
_ABBREVIATED = re.compile(r"(?:\b[A-Z]|Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Jr|Sr|St|Lt|Col|Rev|Prof)$")


def _sentence_stop(text: str, start: int, end: int) -> int:
    """Where the first sentence in text[start:end] ends (an abbreviation's dot does not end
    one: "Rep. Jim McDermott"), or ``end``."""
    for stop in _STOP.finditer(text, start, end):
        if text[stop.start()] == "." and _ABBREVIATED.search(
            text, max(start, stop.start() - 4), stop.start()
        ):
            continue
        return stop.start()
    return end


def _goes_on(text: str, start: int, end: int) -> bool:
    """Whether the words after a verb, to the end of their sentence, are a clause of their
    own (a new sentence about something else) rather than an attribution's tail."""
    stop = re.search(r"[.!?,;](?:\s|$)", text[start:end])
    rest = text[start : start + stop.start()] if stop else text[start:end]
    return len(rest.split()) > 8 or bool(_CLAUSE_AFTER.search(rest))


def before_cues(text: str, start: int, end: int, *, sentence: int | None = None) -> Iterator[Cue]:
    """Cues in text[start:end], the words of the sentence before a quotation's opening mark
    (after any quotation before it in the sentence, which begins at ``sentence``). The verb
    nearest the quotation is tried first: "When Trump suggested X, Rubio fired back: “"."""
    opening = _OPENING_PARTICIPLE.fullmatch(text, start, end)
    if opening is not None:
        # “A.” Adding, “B.”: the speaker so far (an empty subject says so).
        yield Cue(opening.start(1), opening.start(1), "", participle=True)
        return
    label = _LABEL.search(text, start, end)
    first = re.match(r"\S+\s+", label.group(1)) if label is not None else None
    if label is not None and first is not None and first.group().strip().lower() in _INVERTING:
        # "Stated Stone:" / "Continued Stone:": the verb first, then who.
        yield Cue(label.start(1) + first.end(), label.end(1), _norm(first.group()))
    elif label is not None and not SPEECH_RE.search(label.group(1).lower()):
        yield Cue(label.start(1), label.end(1), "")
    according = _ACCORDING.search(text, start, end)
    if according is not None:
        subject = forward_phrase(text, according.end(), end)
        yield Cue(*subject, "according to")
    asked_by = _ASKED_BY.search(text, start, end)
    if asked_by is not None and _tail_ok(text, asked_by.end(), end):
        # "Y was asked by host Ann Roe, who …, “…?": the one who asks, when named.
        agent = forward_phrase(text, asked_by.end(), end)
        if re.search(r"\b[A-Z]", text[agent[0] : agent[1]]):
            yield Cue(*agent, "asked")
    here = _HERE.search(text, start, end)
    if here is not None:
        # "Here’s Ann Roe in 1992: “…": the name presented.
        yield Cue(here.start(1), here.end(1), "")
    clause_starts = [start, *(m.end() for m in CLAUSE_START.finditer(text, start, end))]
    verbs = sorted(
        [*CUE_RE.finditer(text, start, end), *PROGRESSIVE_RE.finditer(text, start, end)],
        key=lambda m: -m.start(),
    )
    with_ing = max(_WITH_ING.finditer(text, start, end), key=lambda m: m.start(), default=None)
    if with_ing is not None and re.fullmatch(r"[^.!?]*[,:]\s*", text[with_ing.end() : end]):
        # "…, with Ann Roe tweeting that … and asking, “": the name the participle has.
        yield Cue(with_ing.start(1), with_ing.end(1), "")
    for verb in verbs:
        if not _tail_ok(text, verb.end(), end) or _DETERMINED.search(
            text, max(start, verb.start() - 6), verb.start()
        ):
            continue  # "after the attacks, X said": a noun
        cue = _norm(verb.group())
        if _DOCUMENT_THAT.search(text, max(start, verb.start() - 40), verb.start()):
            # "X ran a piece that noted “…" / "X released a video that said, “…": the one
            # whose document it is, the sentence's subject.
            yield Cue(min(start, sentence or start), verb.start(), "", participle=True)
            continue
        for subject_start in subject_starts(text, clause_starts, verb.start()):
            yield Cue(*backward_phrase(text, subject_start, verb.start()), cue)
        clause = max((c for c in clause_starts if c <= verb.start()), default=start)
        if clause == verb.start() and cue in _INVERTING:
            # "..., said Sen. X: “" -- the subject follows the verb.
            subject = forward_phrase(text, verb.end(), end)
            if re.fullmatch(r"[\s,:]*", text[subject[1] : end]):
                yield Cue(*subject, cue)
    origin = start if sentence is None else min(sentence, start)
    participle = _PARTICIPLE.search(text, start, end)
    if participle is not None:
        # X went on the attack, saying, “...: the subject of the sentence.
        yield Cue(origin, participle.start(), "", participle=True)
    colon = text.rfind(":", start, end)
    document = _DOCUMENT_COMMA.search(text, start, end)
    if colon == -1 and document is not None:
        colon = document.start(1)  # "X issued a statement, “…": as with a colon
    if colon != -1 and not text[colon + 1 : end].strip() and _tail_ok(text, start, colon):
        # President Clinton released the following statement: “... (no reporting verb): the
        # subject of the sentence, as for a participle.
        yield Cue(origin, colon, "", participle=True)
        return
    dash = _DASH_BEFORE.search(text, start, end)
    if dash is not None and _tail_ok(text, start, dash.start()):
        # "Trump also embraced harsh methods -- “…" / "When Trump wrapped up — “…” —": a dash
        # introduces the quotation as a colon does.
        yield Cue(origin, dash.start(), "", participle=True)
        return
    owner = _OWNER.search(text, start, end)
    if owner is not None:
        # "the pull of Obama's “if you like your plan, you can keep it” promise": with no
        # reporting verb, the words of their owner.
        yield Cue(owner.start(1), owner.end(1), "’s")
        return
    comma = _CLAUSE_COMMA.search(text, start, end)
    if comma is not None and _tail_ok(text, start, comma.start()):
        # "Clinton shared her worry with an audience in the Hamptons, “…": a clause and a
        # comma with no reporting verb introduce the quotation as a colon would.
        yield Cue(origin, comma.start(), "", participle=True, named_only=True)


_HERE = re.compile(rf"\bHere(?:’s|'s|\s+is|\s+was)\s+({CAPITALISED_RUN})[^:“”\"]{{0,60}}:\s*$")
_CLAUSE_COMMA = re.compile(r"(?<=[a-z])\s*,\s*$")
_OWNER = re.compile(r"\b([A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*){0,2})(?:’s|'s|’|')\s+$")
_ASKED_BY = re.compile(r"\b(?:was|were|is|are|being|been|gets|got)\s+(?:asked|questioned)\s+by\s+")
_OPENING_PARTICIPLE = re.compile(
    r"\s*(Adding|Continuing|Concluding|Noting|Explaining|Insisting|Writing)\s*[,:]?\s*"
)
_DASH_BEFORE = re.compile(r"\s(?:--|—|–)\s*$")
_DETERMINED = re.compile(r"\b(?:the|a|an|his|her|their|its|our)\s+$")
_WITH_ING = re.compile(rf"\bwith\s+({CAPITALISED_RUN})\s+(?:[a-z]+ly\s+)?[a-z]+ing\b")
_DOCUMENT_THAT = re.compile(rf"\b(?:{'|'.join(sorted(DOCUMENT_WORDS))})\s+(?:that|which)\s+$")
_DOCUMENT_COMMA = re.compile(
    rf"\b(?:a|an|the|this|his|her|their|its)\s+(?:[\w’'\-]+\s+)?(?:{'|'.join(sorted(DOCUMENT_WORDS))})"
    r"(?:\s+(?:on|in|to)\s+[\w’'\-]+)?(,)\s*$"
)


def _tail_ok(text: str, start: int, end: int) -> bool:
    """Whether the words between a verb and the quotation can be the rest of one clause
    ("said on Monday that", "told reporters:", "said the plan was “a betrayal” and"): no
    sentence ends there, and there are not too many of them."""
    if end - start > 200:
        return False
    for stop in _SENTENCE_END.finditer(text, start, end):
        at = stop.start()
        if text[at] == "." and _ABBREVIATED.search(text, max(start, at - 4), at):
            continue
        return False
    return True


def subject_starts(text: str, clause_starts: list[int], verb_at: int) -> list[int]:
    """Where the subject of the verb at ``verb_at`` may begin, nearest first: the start of the
    verb's clause; when the verb opens a clause after an appositive ("X, the mayor, said";
    "X, who ..., said") the clause before that; and one or two clauses further back ("X,
    president and CEO of Y stated")."""
    earlier = [
        c
        for index, c in enumerate(clause_starts)
        if c <= verb_at and (index == 0 or not _after_abbreviation(text, c))
    ]
    if not earlier:
        return []
    if text[earlier[-1] : verb_at].strip():
        out = [earlier[-1], *reversed(earlier[-4:-1])]
    else:
        # The verb follows a comma, so the clauses before it are appositives of the subject
        # ("X, a Republican who voted for Y, said"; "X, a professor at Z who worked for Y,
        # one of the bill's authors, called it"): the subject is the first of them.
        # Commas and dashes bound the appositives; "and" or "as" inside one ("who has met
        # Y and been named as a choice") starts no clause unless a name follows it.
        bounded = [
            c
            for index, c in enumerate(earlier[:-1])
            if index == 0
            or re.search(r"[,;—–-]\s*$", text[max(0, c - 3) : c])
            or text[c : c + 1].isupper()
        ]
        out = bounded[-3:]
    starts = []
    for c in out:
        speech = SPEECH_RE.search(text, c, verb_at)
        if speech is None:
            starts.append(c)
            continue
        # "uttering charges that Tom Berg, for one, called": the clause after "that".
        that = _THAT_NAME.search(text, speech.end(), verb_at)
        if that is not None and not SPEECH_RE.search(text, that.end(), verb_at):
            starts.append(that.start(1))
    return starts


def _after_abbreviation(text: str, at: int) -> bool:
    """Whether the clause start ``at`` follows an abbreviation's dot ("worked for Sen. Ann
    Roe"): no clause starts there."""
    lead = max(0, at - 12)
    dot = lead + len(text[lead:at].rstrip())
    return text[dot - 1 : dot] == "." and bool(_ABBREVIATED.search(text, max(0, dot - 6), dot - 1))


_THAT_NAME = re.compile(rf"\bthat\s+({CAPITALISED_RUN}),")
"""A name between "that" and a comma: the subject of a clause its appositive interrupts."""
_INVERTING = frozenset(
    """said says added adds asked asks wrote writes explained continued noted recalled replied
    responded tweeted posted declared stated states insisted argued warned concluded""".split()
)
"""Verbs that stand before their subject: "…, said Sen. X: “"."""
