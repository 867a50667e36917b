"""Who said each quotation: reporting patterns next to it (names, pronouns, descriptions), the
parse where they fail, then the people those mentions mean."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.quotes.antecedents import Resolver
from bot.quotes.cues import (
    CLAUSE_START,
    DASH_LINE,
    Cue,
    after_cues,
    before_cues,
    subject_starts,
)
from bot.quotes.lexicon import (
    NAME_SEQ,
    NOT_SPEAKER_WORDS,
    PRONOUNS,
)
from bot.quotes.model import (
    CONTEXT_WINDOW,
    MAX_RESOLVED,
    Attribution,
    Draft,
    Mention,
    QuoteKind,
    SpeakerKind,
)
from bot.quotes.names import split_role_name
from bot.quotes.nlp import ContextParse
from bot.quotes.people import People, Person
from bot.quotes.speakers import backward_phrase, read_phrase, verb_like
from bot.quotes.text import NEWLINES, Lines, Sentences, blank, last_ink, proper_noun

if TYPE_CHECKING:
    from spacy.language import Language


APPOSITIVE_NAME = re.compile(rf",\s+((?:[a-z][\w’'\-]*\s+){{0,3}}{NAME_SEQ})(?=\s*[,.;:]|\s*$)")
"""A name in apposition after a description: "his longtime rival, Rafael Otero,"."""
_DETERMINED = re.compile(r"\b(?:a|an|the|his|her|their|its|our)\s+$", re.IGNORECASE)
"""Words before a verb-like word that make it an adjective: "a fundraising email"."""
_DASHED_HEADING = re.compile(r"[—–―-][.\s]*$")
"""A line between dashes ("– An immigrant himself –.") is a subheading, not a signature."""
_INNER_LABEL = re.compile(r"([A-Z][\w’'\-]+(?:\s+[A-Z][\w’'.\-]*){1,2}):\s")
"""A speaker's label opening a quotation: “Chris Matthews: …"."""
_SUBORDINATE = re.compile(
    r"\s*(?:when|after|before|as|while|because|if|since|although|though|once|until|whereas)\s",
    re.IGNORECASE,
)
_THAT_BEFORE = re.compile(r"\bthat\s+$")


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
        # Nicknames and other quoted terms are blanked for name-finding (Derrick “the Hammer”
        # Owens is Derrick Owens) and in the words after a quotation ("…,” X, wearing “Vote
        # Yes” pins, said).
        masked = list(text)
        for draft in drafts:
            if draft.kind is QuoteKind.TERM:
                first, last = draft.spans[0], draft.spans[-1]
                begin = first.start - len(first.open_mark)
                finish = min(len(text), last.after)
                masked[begin:finish] = " " * (finish - begin)
        self.masked = "".join(masked)
        if people is not None:
            self.sentences, self.people = people.sentences, people.copy()
        else:
            quoted = [(s.start, s.end) for d in drafts for s in d.spans]
            self.sentences = Sentences(text, quoted, lines)
            self.people = People(self.masked, quoted, self.sentences)
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
                self._same_sentence(draft, previous)
                if draft.speaker is None and draft.kind is QuoteKind.FRAGMENT:
                    self.resolver.fragment_subject(draft)
                if draft.speaker is None:
                    self.resolver.continue_from(draft, previous)
            if draft.speaker is not None:
                previous = self.resolver.previous = draft

    def _same_sentence(self, draft: Draft, previous: Draft | None) -> None:
        """A quotation with no cue of its own in the sentence of an attributed one goes with
        it: "X said in a statement that Y “has a long record” and has “made gifts”"."""
        if previous is None or previous.speaker is None or previous.mention_kind is None:
            return
        if self.sentences.start(previous.end) != self.sentences.start(draft.start):
            return
        between = self.text[previous.spans[-1].after : draft.start]
        if len(between.split()) > 12 or re.search(r"[.;!?]", between):
            return
        draft.speaker, draft.role = previous.speaker, previous.role
        draft.speaker_kind = previous.speaker_kind
        draft.attribution = Attribution.CONTINUED

    def _windows(self, draft: Draft) -> list[tuple[str, int, int, int]]:
        """Where an attribution may be, most likely first: between the spans of a split
        quotation, after the last span, before the first."""
        windows = []
        for left, right in itertools.pairwise(draft.spans):
            gap_end = right.start - len(right.open_mark)
            gap = min(gap_end, left.after + CONTEXT_WINDOW)
            windows.append(("after", left.after, gap, left.after))
        after = draft.spans[-1].after
        after_end = min(self.lines.end(draft.end), self.sentences.end(after))
        after_end = min(after_end, after + CONTEXT_WINDOW)
        next_mark = _first_mark(self.masked[after:after_end])
        if next_mark >= 0:
            after_end = after + next_mark
        windows.append(("after", after, after_end, after))
        open_at = draft.start - len(draft.spans[0].open_mark)
        line_start = self.lines.start(open_at)
        start = self._clause_window(max(line_start, self.sentences.start(open_at)), open_at)
        sentence = start
        before = self.text[start:open_at]
        doubled = before.rfind("''")
        last_close = max(*(before.rfind(c) for c in '”»"'), doubled + 1 if doubled >= 0 else -1)
        if last_close >= 0:
            start += last_close + 1
            if re.match(r"[.!?…][”\"']?\s+[A-Z]", before[last_close - 1 :]):
                sentence = start  # “… on terrorism.” And then Trump went on, saying, “
        windows.append(("before", start, open_at, sentence))
        if line_start > 1 and blank(self.text, line_start, open_at):
            # A quotation opening its paragraph right after "X said:" ending the one before.
            prev_end = line_start - 1
            while prev_end > 0 and self.text[prev_end - 1] == "\n":
                prev_end -= 1
            if last_ink(self.text, prev_end) == ":":
                prev_start = self._clause_window(self.sentences.start(prev_end - 1), prev_end)
                colon = ("before", prev_start, prev_end, prev_start)
                if self._closed_block(draft, line_start):
                    # A block of paragraphs under "As the Herald reported:" is the Herald's,
                    # whatever "X said" its last paragraph quotes inside it.
                    windows.insert(0, colon)
                else:
                    windows.append(colon)
        line_end = self.lines.end(draft.end)
        if blank(self.text, after, line_end) and line_end < len(self.text):
            # "- Bernie Sanders." alone on the line after a quoted paragraph.
            nxt = NEWLINES.match(self.text, line_end).end()  # type: ignore[union-attr]
            nxt_end = self.lines.end(nxt)
            if DASH_LINE.fullmatch(self.text, nxt, nxt_end) and not _DASHED_HEADING.search(
                self.text, nxt, nxt_end
            ):
                windows.append(("after", nxt, nxt_end, nxt))
        return windows

    def _closed_block(self, draft: Draft, line_start: int) -> bool:
        """Whether a quotation runs over paragraphs and the block's own closing mark ends
        its last one after an attribution inside it ("“…,” Berg said.\"")."""
        last = draft.spans[-1]
        if self.lines.start(last.start) == line_start:
            return False
        line_end = self.lines.end(last.start)
        tail = self.text[last.after : line_end].rstrip()
        return len(tail) > 1 and tail[-1] in '"”' and bool(tail[:-1].strip(" ”\"'’"))

    def _clause_window(self, start: int, end: int) -> int:
        """``start``, or where a clause starts in the last CONTEXT_WINDOW characters before
        ``end`` when ``start`` is further back (a window never begins mid-clause)."""
        if end - start <= CONTEXT_WINDOW:
            return start
        clause = CLAUSE_START.search(self.text, end - CONTEXT_WINDOW, end)
        return clause.end() if clause else end

    def _by_pattern(self, draft: Draft) -> tuple[Mention, str] | None:
        label = _INNER_LABEL.match(self.text, draft.start)
        if label is not None:
            # “Chris Matthews: Seriously, …”: a transcript quoted with its speaker's label.
            mention = read_phrase(self.text, label.start(1), label.end(1))
            known = mention is not None and self.people.get(mention.name or "", before=draft.start)
            if mention is not None and mention.kind == "name" and known and known.confirmed:
                return mention, ""
        windows = self._windows(draft)
        for index, (side, start, end, _) in enumerate(windows):
            if side == "after" and start == draft.spans[-1].after:
                opened = draft.start - len(draft.spans[0].open_mark)
                complement = _THAT_BEFORE.search(self.text, max(0, opened - 8), opened)
                if (
                    self._ends_sentence(start, self.text[start:end]) or complement is not None
                ) and index + 1 < len(windows):
                    # The quotation ends its sentence, or is what a verb before it says
                    # ("X claimed that “…,” Y said the cases differ"): a cue before it in that
                    # sentence goes before the words after it.
                    windows[index], windows[index + 1] = windows[index + 1], windows[index]
                break
        for side, start, end, sentence in windows:
            if side == "after":
                new_sentence = self._ends_sentence(start, self.text[start:end])
                cues = after_cues(self.masked, start, end, new_sentence=new_sentence)
            else:
                cues = before_cues(self.text, start, end, sentence=sentence)
            for cue in cues:
                mention = self._cue_subject(cue)
                if mention is not None and cue.named_only and mention.kind not in ("name", "org"):
                    continue
                if mention is not None and self._plausible(mention, close=cue.after):
                    return mention, cue.verb
        return None

    def _cue_subject(self, cue: Cue) -> Mention | None:
        if cue.participle:
            previous = self.resolver.previous
            if (
                previous is not None
                and previous.speaker is not None
                and (
                    cue.start <= previous.end < cue.end
                    or (
                        cue.start == cue.end
                        and self.lines.start(previous.end) == self.lines.start(cue.start)
                    )
                )
            ):
                # “A,” said X, adding that “B”: the sentence's speaker so far.
                kind = "org" if previous.speaker_kind is SpeakerKind.ORGANISATION else "name"
                at = previous.end
                return Mention(kind, previous.speaker, at, at, name=previous.speaker)
            if cue.start == cue.end and cue.start > 1:
                # “A.” Adding, “B.”: the subject of the sentence before.
                return self._clause_subject(self.sentences.start(cue.start - 2), cue.start)
            return self._clause_subject(cue.start, cue.end)
        mention = self._read(cue)
        if mention is not None and mention.kind == "desc":
            # "her fellow volunteer, Gareth Price": the name in apposition says who.
            comma = self.text.find(",", mention.end, mention.end + 60)
            between = self.text[mention.end : comma]
            if comma == -1 or re.search(r"[.;:!?“”\"«»]", between):
                return mention
            named = APPOSITIVE_NAME.match(self.text, comma)
            if named is not None:
                role, name = split_role_name(named.group(1))
                if name is not None:
                    start, end = named.start(1), named.end(1)
                    return Mention("name", named.group(1), start, end, name=name, role=role)
        return mention

    def _read(self, cue: Cue) -> Mention | None:
        words = self.text[cue.start : cue.end]
        if not cue.verb and words.isupper() and len(words.split()) <= 3:
            # A transcript's speaker label: PENCE: “…” is Mike Pence; A: is the person
            # interviewed, the one the article names most; Q: nobody named.
            if words.strip() == "A":
                person = self.people.most_mentioned()
                return Mention("name", person.name, cue.start, cue.end) if person else None
            if len(words.strip()) < 2:
                return None
            person = self.people.get(words.title())
            name = person.name if person else words.title()
            return Mention("name", name, cue.start, cue.end)
        mention = read_phrase(self.text, cue.start, cue.end)
        if mention is None and cue.verb and re.fullmatch(r"[A-Z][a-z]+", words.strip()):
            # "King says …": a surname that is also a title word, of someone already named.
            person = self.people.get(words.strip(), before=cue.start)
            if person is not None and " " in person.name:
                return Mention("name", words.strip(), cue.start, cue.end, name=person.name)
        return mention

    def _clause_subject(self, start: int, end: int) -> Mention | None:
        """Who a sentence is about, for a participle or a colon that introduces a quotation
        ("Trump went on the attack, saying, “…"; "Asked why, she paused before answering:";
        "The opposition leader, Rashida Karimova, tore into the law, calling it “…"): the
        subject of one of its first verbs."""
        clause_starts = [start, *(m.end() for m in CLAUSE_START.finditer(self.text, start, end))]
        fallback: Mention | None = None
        subordinate: Mention | None = None
        at = start
        for _ in range(3):
            verb = next(
                (
                    m
                    for m in re.finditer(r"\S+", self.text[at:end])
                    if verb_like(m.group())
                    and not _DETERMINED.search(self.text, at, at + m.start())
                ),
                None,
            )
            if verb is None:
                break
            verb_at = at + verb.start()
            for subject_start in subject_starts(self.text, clause_starts, verb_at):
                phrase = backward_phrase(self.text, subject_start, verb_at)
                mention = self._cue_subject(Cue(*phrase, ""))
                if mention is None or not self._plausible(mention):
                    continue
                if _SUBORDINATE.match(self.text, subject_start, verb_at):
                    # "When Wallace died, Clinton released a statement:": the main clause's
                    # subject goes first.
                    subordinate = subordinate or mention
                elif mention.kind != "desc":
                    return mention
                else:
                    fallback = fallback or mention
            at = next((c for c in clause_starts if c > verb_at), end)
            if at >= end:
                break
        return fallback or subordinate

    def _ends_sentence(self, after: int, window: str) -> bool:
        """Whether the quoted words that close just before ``after`` end their own sentence
        ("... day.") and a new sentence follows: only an attribution that ends there ("Nate
        Silver tweeted.") is theirs."""
        close = after - 1
        while close > 0 and self.text[close] in "”’\"'»":
            close -= 1
        if last_ink(self.text, close + 1) not in (".", "…", "?", "!"):
            return False
        return window.strip()[:1].isupper()

    def _plausible(self, mention: Mention, *, close: bool = False) -> bool:
        """Whether a mention can be a speaker; ``close``: it stands right after the quotation
        with its verb, where a lone capitalised word is a name ("…,” Banda told AFP)."""
        if mention.kind == "name":
            name = mention.name or split_role_name(mention.text)[1]
            if name is None or name.split()[-1].lower() in NOT_SPEAKER_WORDS:
                return False
            if " " not in name:
                # A bare surname must belong to someone the article introduced, or stand
                # capitalised inside a sentence somewhere ("Asked why, she ..." is not a
                # person called Asked).
                known = self.people.get(name, before=mention.start)
                if known is None or (" " not in known.name and not known.confirmed):
                    return close or proper_noun(self.text, name)
            return True
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
            if mention.name is not None:
                role, name = mention.role, mention.name
            if name is None:
                return
            person = self.people.get(name, before=mention.start) or self.people.add(
                name, mention.start, role, confirmed=True
            )
            person.confirmed = True
            draft.attribution = Attribution.NAMED
        elif mention.kind == "org":
            draft.speaker, draft.role = mention.text, None
            draft.speaker_kind = SpeakerKind.ORGANISATION
            draft.attribution = Attribution.NAMED
        elif mention.kind == "pron":
            pronoun = mention.text.lower()
            if pronoun in ("he", "she") and not self._thrifty:
                person = self.resolver.antecedent(mention.start, PRONOUNS[pronoun], draft)
            elif pronoun == "they" and not self._thrifty:
                draft.speaker = self.resolver.plural(mention.start)  # "X and Y … they write"
                draft.speaker_kind = SpeakerKind.PERSON if draft.speaker else None
            elif pronoun == "it":
                # "It added": the organisation that spoke last, within two paragraphs.
                previous = self.resolver.previous
                if (
                    previous is not None
                    and previous.speaker_kind is SpeakerKind.ORGANISATION
                    and draft.paragraph - previous.paragraph <= 2
                ):
                    draft.speaker, draft.role = previous.speaker, None
                    draft.speaker_kind = SpeakerKind.ORGANISATION
            draft.attribution = Attribution.PRONOUN
        else:
            person = None if self._thrifty else self.resolver.described(mention, draft)
            draft.attribution = Attribution.DESCRIPTION
            draft.description = mention.text
            if person is None and mention.text.split()[0].lower() == "the":
                draft.mention_kind = "the"  # a definite description worth a closer look
            elif person is None:
                # "a New Hampshire Democrat", "one official": someone the article won't name.
                draft.speaker, draft.role = mention.text, None
                draft.speaker_kind = SpeakerKind.DESCRIPTION
        if person is not None:
            draft.speaker, draft.role = person.name, person.role
            draft.speaker_kind = SpeakerKind.PERSON
            if not self._thrifty:
                self.people.mention(person, mention.start, cue != "according to")
