"""Whom a pronoun, a description or an unattributed quotation means: someone the article named
before (or, for a description, just after). The Attributor asks; this module reads the people
and the shape of the text to answer."""

from __future__ import annotations

import itertools

from bot.quotes.lexicon import DOCUMENT_WORDS, GROUP_WORDS, ORG_WORDS, ROLE_NOUNS
from bot.quotes.model import LOOKBACK_CHARS, Attribution, Draft, Mention
from bot.quotes.people import People, Person, bare
from bot.quotes.text import NEWLINES, Lines, Sentences, blank


class Resolver:
    """Resolves pronouns, descriptions, fragments and continued quotations to people."""

    def __init__(self, text: str, lines: Lines, sentences: Sentences, people: People) -> None:
        """Over the article's text, its shape and the people it names."""
        self.text = text
        self.lines = lines
        self.sentences = sentences
        self.people = people
        self.previous: Draft | None = None
        """The latest quotation before the current one that has a speaker."""

    def antecedent(self, position: int, gender: str, draft: Draft) -> Person | None:
        """He/she: the subject of the nearest earlier sentence that names someone of that
        gender, else the last speaker, else the latest person of that gender."""

        def fits(person: Person) -> bool:
            return not gender or person.gender in (None, gender)

        sentence = max(self.sentences.start(draft.start), position - LOOKBACK_CHARS)
        same = [m for m in self.people.mentions_between(sentence, position) if fits(m[2])]
        if same:
            return same[-1][2]
        # Sentence by sentence back to the floor; the sentences that name nobody who fits are
        # skipped in one step.
        cursor = sentence
        floor = max(self._floor(sentence), sentence - LOOKBACK_CHARS)
        low = max(0, floor - LOOKBACK_CHARS)
        fitting = [m for m in self.people.mentions_between(low, sentence) if fits(m[2])]
        while cursor > floor and fitting:
            start = self.sentences.start(cursor - 2)
            if fitting[-1][0] < start:
                after = self.sentences.after(fitting[-1][0])
                if after < cursor:
                    cursor = after
                    continue
            mentions = [m for m in fitting if m[0] >= start]
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
            # The start of the line before, skipping lines that open with white space.
            floor = self.lines.inked_start(max(0, floor - 1))
        return floor

    def _last_speaker(self) -> Person | None:
        previous = self.previous
        return self.people.get(previous.speaker) if previous and previous.speaker else None

    def described(self, mention: Mention, draft: Draft) -> Person | None:
        """ "The minister", "the 29-year-old": the person of that role named nearest before
        (or just after), else the person the story follows."""
        words = [bare(w).lower() for w in mention.text.split()]
        indefinite = bool(words) and words[0] in ("a", "an", "one", "another")
        head_words = list(itertools.takewhile(lambda w: w not in ("for", "of", "at", "in"), words))
        head = head_words[-1] if head_words else ""
        if head in GROUP_WORDS or head in DOCUMENT_WORDS or head in ORG_WORDS:
            return None  # "officials said", "the statement said", "the ministry said"
        nouns = [w for w in words if w in ROLE_NOUNS or w.endswith(("ist", "er", "or", "ant"))]
        noun = nouns[-1] if nouns else words[-1]
        latest: tuple[int, Person | None] = (-1, None)
        soonest: tuple[int, Person | None] = (len(self.text), None)
        for person in self.people.by_name.values():
            role = (person.role or "").lower().replace("-", " ")
            if noun in role.split() or (len(noun) > 4 and noun in role):
                at = person.latest_before(mention.start)
                if at > latest[0]:
                    latest = (at, person)
                at = person.first_after(mention.end)
                if 0 <= at < soonest[0]:
                    soonest = (at, person)
        if latest[1] is not None and not indefinite:
            return latest[1]
        if soonest[1] is not None:
            # Named only after the quotation ("...," said the mayor. Mayor Lena Fischer ...).
            return soonest[1]
        if indefinite or words[0] != "the":
            return None
        # "the researcher added", "the 29-year-old said": the person the story follows; or,
        # in a story that opens with the quotation, the first person it then names.
        earlier = self.antecedent(mention.start, "", draft)
        if earlier is not None:
            return earlier
        horizon = min(self._horizon(mention.end), mention.end + LOOKBACK_CHARS)
        later = self.people.mentions_between(mention.end, horizon)
        return later[0][2] if later else None

    def _horizon(self, position: int) -> int:
        """The end of the paragraph after the one holding ``position``."""
        end = position
        for _ in range(2):
            nxt = self.lines.end(end + 1)
            if nxt >= len(self.text):
                return len(self.text)
            end = NEWLINES.match(self.text, nxt).end()  # type: ignore[union-attr]
        return end

    def fragment_subject(self, draft: Draft) -> None:
        """Words quoted inside a paraphrase ("dismissed it as “theatre”", "calling it “a
        gift”") belong to the person the sentence is about: its subject."""
        start = max(self.sentences.start(draft.start), draft.start - LOOKBACK_CHARS)
        subjects = [m for m in self.people.mentions_between(start, draft.start) if m[1]]
        if subjects:
            person = subjects[0][2]
            draft.speaker, draft.role = person.name, person.role
            draft.attribution = Attribution.NAMED

    def continue_from(self, draft: Draft, previous: Draft | None) -> None:
        """An unattributed quoted paragraph right after one by a known speaker continues it,
        unless someone else was named in between."""
        if previous is None or previous.speaker is None:
            return
        if draft.paragraph - previous.spans[-1].paragraph not in (0, 1, 2):
            return
        line_start = self.lines.start(draft.start)
        open_at = draft.start - len(draft.spans[0].open_mark)
        opens_paragraph = blank(self.text, line_start, open_at)
        if draft.paragraph != previous.spans[-1].paragraph and not opens_paragraph:
            return
        since = max(previous.end, line_start - LOOKBACK_CHARS)
        between = self.people.mentions_between(since, line_start)
        if any(person.name != previous.speaker for _, _, person in between):
            return
        draft.speaker, draft.role = previous.speaker, previous.role
        draft.attribution = Attribution.CONTINUED
