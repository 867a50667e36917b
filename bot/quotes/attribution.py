"""Who said each quotation: reporting patterns next to it (names, pronouns, descriptions), the
parse where they fail, then the people those mentions mean."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from bot.quotes.antecedents import Resolver
from bot.quotes.lexicon import (
    DOCUMENT_WORDS,
    FRAGMENT_VERBS,
    MENTION,
    NAME_SEQ,
    PLACE_WORDS,
    PRONOUNS,
    ROLE_WORDS,
    SPEECH_RE,
    SPEECH_VERBS,
)
from bot.quotes.model import (
    CONTEXT_WINDOW,
    MAX_RESOLVED,
    Attribution,
    Draft,
    Mention,
    QuoteKind,
)
from bot.quotes.nlp import ContextParse
from bot.quotes.people import People, Person, bare, split_role_name
from bot.quotes.text import Lines, Sentences, blank, last_ink

if TYPE_CHECKING:
    from spacy.language import Language

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


def _mention(match: re.Match[str]) -> Mention | None:
    for kind in ("pron", "desc", "name"):
        value = match.group(kind)
        if value:
            return Mention(kind, value, match.start(kind), match.end(kind))
    return None


def _norm_cue(verb: str) -> str:
    return " ".join(verb.lower().split())


def _first_mark(text: str) -> int:
    positions = [text.find(m) for m in '“„«"' if m in text]
    return min(positions) if positions else -1


class Attributor:
    """Decides each quotation's speaker, reading the article once from top to bottom."""

    def __init__(
        self,
        text: str,
        drafts: Sequence[Draft],
        nlp: Language | None,
        *,
        people: People | None = None,
        lines: Lines | None = None,
    ) -> None:
        """Over one article and its drafts; ``people`` from an earlier reading, if any."""
        self.text = text
        self.drafts = drafts
        self.nlp = nlp
        if people is not None:
            self.sentences, self.people = people.sentences, people.copy()
        else:
            quoted = [(s.start, s.end) for d in drafts for s in d.spans]
            self.sentences = Sentences(text, quoted, lines)
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
        self.lines = self.sentences.lines
        self.parse = ContextParse(text, self.sentences)
        self.resolver = Resolver(text, self.lines, self.sentences, self.people)
        self._thrifty = False

    def parse_context(self, drafts: Sequence[Draft]) -> None:
        """Parse the sentences around ``drafts`` (the entities confirm who is a person and the
        parse says who is a clause's subject)."""
        if self.nlp is not None:
            self.parse.read(self.nlp, drafts, self.people)

    def attribute(self) -> None:
        """Find the speaker of every quotation, in text order."""
        previous: Draft | None = None
        for count, draft in enumerate(d for d in self.drafts if d.is_quotation):
            # Past MAX_RESOLVED quotations only names next to a quotation are read: searching
            # back for whom a pronoun or description means is what costs.
            self._thrifty = count >= MAX_RESOLVED
            found = self._by_pattern(draft) or self._by_parse(draft)
            if found is not None:
                self._resolve(draft, *found)
            if draft.speaker is None and draft.mention_kind is None and not self._thrifty:
                if draft.kind is QuoteKind.FRAGMENT:
                    self.resolver.fragment_subject(draft)
                else:
                    self.resolver.continue_from(draft, previous)
            if draft.speaker is not None:
                previous = self.resolver.previous = draft

    def _windows(self, draft: Draft) -> list[tuple[str, int, int]]:
        """Where an attribution may be, most likely first: between the spans of a split
        quotation, after the last span, before the first."""
        windows = []
        for left, right in itertools.pairwise(draft.spans):
            gap_end = right.start - len(right.open_mark)
            windows.append(("after", left.after, min(gap_end, left.after + CONTEXT_WINDOW)))
        after = draft.spans[-1].after
        after_end = min(self.lines.end(draft.end), self.sentences.end(after))
        after_end = min(after_end, after + CONTEXT_WINDOW)
        next_mark = _first_mark(self.text[after:after_end])
        if next_mark >= 0:
            after_end = after + next_mark
        windows.append(("after", after, after_end))
        open_at = draft.start - len(draft.spans[0].open_mark)
        line_start = self.lines.start(open_at)
        start = self._clause_window(max(line_start, self.sentences.start(open_at)), open_at)
        before = self.text[start:open_at]
        last_close = max(before.rfind(c) for c in '”»"')
        if last_close >= 0:
            start += last_close + 1
        windows.append(("before", start, open_at))
        if line_start > 1 and blank(self.text, line_start, open_at):
            # A quotation opening its paragraph right after "X said:" ending the one before.
            prev_end = line_start - 1
            while prev_end > 0 and self.text[prev_end - 1] == "\n":
                prev_end -= 1
            if last_ink(self.text, prev_end) == ":":
                prev_start = self._clause_window(self.sentences.start(prev_end - 1), prev_end)
                windows.append(("before", prev_start, prev_end))
        return windows

    def _clause_window(self, start: int, end: int) -> int:
        """``start``, or where a clause starts in the last CONTEXT_WINDOW characters before
        ``end`` when ``start`` is further back (a window never begins mid-clause)."""
        if end - start <= CONTEXT_WINDOW:
            return start
        clause = CLAUSE_START.search(self.text, end - CONTEXT_WINDOW, end)
        return clause.end() if clause else end

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
        if last_ink(self.text, draft.end, draft.spans[-1].start) not in (".", "…"):
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
            return not lowered or any(bare(w).lower() in ROLE_WORDS for w in lowered)
        if mention.kind == "desc":
            return len(mention.text.split()) <= 8
        return True

    def _by_parse(self, draft: Draft) -> tuple[Mention, str] | None:
        """Fallback: the reporting verb's subject in spaCy's parse of the sentence."""
        found = self.parse.reporting_subject(draft)
        if found is None:
            return None
        kind, start, end, verb = found
        return Mention(kind, self.text[start:end], start, end), verb

    def _resolve(self, draft: Draft, mention: Mention, cue: str) -> None:
        draft.cue = cue or None
        draft.mention_kind = mention.kind
        person: Person | None = None
        if mention.kind == "name":
            role, name = split_role_name(mention.text)
            if name is None:
                return
            person = self.people.get(name, before=mention.start) or self.people.add(
                name, mention.start, role, confirmed=True
            )
            person.confirmed = True
            draft.attribution = Attribution.NAMED
        elif mention.kind == "pron":
            pronoun = mention.text.lower()
            if pronoun in ("he", "she") and not self._thrifty:
                person = self.resolver.antecedent(mention.start, PRONOUNS[pronoun], draft)
            draft.attribution = Attribution.PRONOUN
        else:
            person = None if self._thrifty else self.resolver.described(mention, draft)
            draft.attribution = Attribution.DESCRIPTION
            if person is None and mention.text.split()[0].lower() == "the":
                draft.mention_kind = "the"  # a definite description worth a closer look
        if person is not None:
            draft.speaker, draft.role = person.name, person.role
            if not self._thrifty:
                self.people.mention(person, mention.start, cue != "according to")
