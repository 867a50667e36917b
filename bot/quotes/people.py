"""The people an article names: names split from their titles and roles, gender hints, and
every mention in one index, so pronouns and descriptions can be resolved to someone."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from bot.quotes.lexicon import (
    FEMALE_NAMES,
    HONORIFICS,
    MALE_NAMES,
    NAME_RUN,
    PARTY_WORDS,
    PLACE_WORDS,
    ROLE_NOUNS,
    SPEECH_RE,
    SPEECH_VERBS,
    STOPWORDS_EN,
    TITLE_WORDS,
)
from bot.quotes.model import MAX_PEOPLE
from bot.quotes.names import bare, gender_of, split_role_name
from bot.quotes.text import Sentences, last_ink


@dataclass(slots=True)
class Person:
    """Someone the article names: the fullest form of the name, a role and a gender hint."""

    name: str
    role: str | None = None
    gender: str | None = None
    confirmed: bool = False
    mentions: list[int] = field(default_factory=list)
    """Where the person is mentioned outside quotations, in text order."""

    @property
    def surname(self) -> str:
        """The last word of the name."""
        return self.name.split()[-1]

    def latest_before(self, position: int) -> int:
        """The last mention before ``position``, or -1."""
        index = bisect.bisect_left(self.mentions, position) - 1
        return self.mentions[index] if index >= 0 else -1

    def first_after(self, position: int) -> int:
        """The first mention after ``position``, or -1."""
        index = bisect.bisect_right(self.mentions, position)
        return self.mentions[index] if index < len(self.mentions) else -1


_PLACE_OPENERS = frozenset(
    "north south east west new san los las fort mount lake port saint santa".split()
)
"""First words of places, not of people's names: North Korea, New Hampshire, Los Angeles."""

_GENDERED = re.compile(r"\b(?:he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)
_FEMININE = frozenset("she her hers herself".split())
_OPENER = re.compile(r"(He|She)\s")

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


class People:
    """The people an article names: fullest names, roles, gender hints, and every mention.

    Mentions are kept in one index in text order, each with whether it is the subject of its
    clause, so every question about a stretch of text is a bisection."""

    def __init__(self, text: str, quoted: Sequence[tuple[int, int]], sentences: Sentences) -> None:
        """Find everyone ``text`` names outside the ``quoted`` spans."""
        self.text = text
        self.quoted = sorted(quoted)
        self._quote_starts = [start for start, _ in self.quoted]
        self.sentences = sentences
        self.by_name: dict[str, Person] = {}
        self._lower_words: set[str] | None = None
        self._by_last: dict[str, list[Person]] = {}
        """People by the last word of their name, in the order they were added."""
        self._at: list[int] = []
        self._mentions: list[tuple[int, bool, Person]] = []
        """(position, subject, person) of every mention, in text order."""
        self._scan()

    def copy(self) -> People:
        """The same people, as first found (for a second reading of the article)."""
        other = object.__new__(People)
        other.text, other.quoted, other.sentences = self.text, self.quoted, self.sentences
        other._quote_starts = self._quote_starts
        other._lower_words = self._lower_words
        twins = {id(p): replace(p, mentions=list(p.mentions)) for p in self.by_name.values()}
        other.by_name = {key: twins[id(p)] for key, p in self.by_name.items()}
        other._by_last = {
            last: [twins[id(p)] for p in people] for last, people in self._by_last.items()
        }
        other._at = list(self._at)
        other._mentions = [(at, subject, twins[id(p)]) for at, subject, p in self._mentions]
        return other

    def quoted_between(self, start: int, end: int) -> bool:
        """Whether a quotation starts or ends in text[start:end]."""
        index = bisect.bisect_left(self._quote_starts, start)
        if index < len(self.quoted) and self.quoted[index][0] < end:
            return True
        return self._inside_quote(start)

    def inside_quote(self, position: int) -> bool:
        """Whether ``position`` is inside a quotation."""
        return self._inside_quote(position)

    def _inside_quote(self, position: int) -> bool:
        index = bisect.bisect_right(self._quote_starts, position) - 1
        return index >= 0 and position < self.quoted[index][1]

    def _scan(self) -> None:
        """Every capitalised run outside quotations that splits into role + name."""
        for match in NAME_RUN.finditer(self.text):
            if self._inside_quote(match.start()):
                continue
            phrase = match.group()
            owner = max(phrase.rfind("’s "), phrase.rfind("'s "))
            if owner != -1:
                phrase = phrase[owner + 3 :]  # "the Labour Party’s Nachman Shai"
            if not phrase.strip():
                continue
            first = phrase.split(maxsplit=1)[0]
            if self._opens_sentence(match.start()) and (
                self._common(first) or SPEECH_RE.fullmatch(first.lower())
            ):
                # "Outside Carrier, ...", "Stated Stone:": a word, not a name
                phrase = phrase[len(first) :]
            role, name = split_role_name(phrase)
            if name is None or name.split()[0].lower() in _PLACE_OPENERS:
                continue
            if len(self.by_name) >= MAX_PEOPLE and self.canonical(name) is None:
                continue
            start = match.start() + match.group().rfind(name.split()[0])
            lowered_role = self._lowercase_role_before(match.start())
            full_role = " ".join(x for x in (lowered_role, role) if x) or None
            self.add(name, start, full_role, confirmed=_has_person_title(full_role))
        in_context: dict[str, bool] = {}
        for person in self.by_name.values():
            if person.role is None:
                person.role = self._appositive_role(person.name)
                # "Ana Roe, executive director of X," is a person.
                person.confirmed = person.confirmed or (
                    " " in person.name and _has_person_title(person.role)
                )
            if not person.confirmed and " " in person.name:
                surname = person.surname
                if surname not in in_context:
                    in_context[surname] = any(
                        PERSON_CONTEXT.match(self.text, at + len(surname))
                        for at in _occurrences(self.text, surname)
                    )
                person.confirmed = in_context[surname]
            if person.gender is None and person.role:
                person.gender = gender_of(person.name, person.role)
        self._learn_genders()

    def _learn_genders(self) -> None:
        """Gender hints from the text itself: a sentence that names one person and goes on
        about "he" or "her" (outside quotations), or is followed by one that opens with He or
        She, says which that person is."""
        votes: dict[int, list[int]] = {}
        seen: set[int] = set()
        for at, subject, person in self._mentions:
            start = self.sentences.start(at)
            if not subject or start in seen or person.gender is not None:
                continue
            seen.add(start)
            end = self.sentences.end(at)
            people = {id(p) for _, _, p in self.mentions_between(start, end, unconfirmed=True)}
            if len(people) != 1:
                continue
            counts = votes.setdefault(id(person), [0, 0])
            for match in _GENDERED.finditer(self.text, at, min(end, at + 400)):
                if not self._inside_quote(match.start()):
                    counts[match.group().lower() in _FEMININE] += 1
            opener = _OPENER.match(self.text, self.sentences.after(at))
            if opener is not None:
                counts[opener.group(1).lower() == "she"] += 1
        for person in self.by_name.values():
            tally = votes.get(id(person))
            if person.gender is None and tally and (tally[0] == 0) != (tally[1] == 0):
                person.gender = "f" if tally[1] else "m"

    def _opens_sentence(self, position: int) -> bool:
        """Whether ``position`` starts a sentence (or follows a quotation mark or a dash)."""
        if self.sentences.start(position) == position:
            return True
        return last_ink(self.text, position, max(0, position - 4)) in "“\"‘'«—–(-"

    def _common(self, word: str) -> bool:
        """Whether a capitalised word is an ordinary word the article also writes in lower
        case (so "Outside" at a sentence's start is no given name)."""
        if self._lower_words is None:
            self._lower_words = set(re.findall(r"\b[a-z][a-z’'\-]+\b", self.text))
        return bare(word).lower() in self._lower_words

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
            if has_role_noun(phrase) and not SPEECH_RE.search(phrase):
                return re.sub(r"^(?:the|a|an)\s+", "", phrase)
        return None

    def add(self, name: str, position: int, role: str | None, *, confirmed: bool) -> Person:
        """Record a mention of ``name`` at ``position``: of a known person, or a new one."""
        # "Mr. Khan" is not the Ghazala Khan named before him, nor is she his record's.
        honorific = _honorific_gender(role)
        key = self.canonical(name, gender=honorific) or name
        if len(name.split()) > len(key.split()):
            key = name
        person = self.by_name.get(key)
        if person is None:
            # A fuller form of a person known by a shorter one takes over its record.
            bucket = self._by_last.setdefault(key.split()[-1], [])
            gender = honorific or gender_of(name, role)
            shorter = [
                p
                for p in bucket
                if len(p.name.split()) < len(key.split())
                and not (gender and p.gender and p.gender != gender)
            ]
            person = Person(key)
            for old in shorter:
                person.mentions.extend(old.mentions)
                person.role = person.role or old.role
                person.confirmed = person.confirmed or old.confirmed
                del self.by_name[old.name]
                bucket.remove(old)
                self._replace(old, person)
            person.mentions.sort()
            self.by_name[key] = person
            bucket.append(person)
        if role and (person.role is None or len(role) > len(person.role)):
            person.role = role
        given = name.split(maxsplit=1)[0].lower()
        known_given = len(name.split()) > 1 and (given in FEMALE_NAMES or given in MALE_NAMES)
        person.confirmed = person.confirmed or confirmed or known_given
        person.gender = person.gender or gender_of(name, role)
        self.mention(person, position, self._subject_position(position))
        return person

    def mention(self, person: Person, position: int, subject: bool) -> None:
        """Record one more mention of a known person."""
        bisect.insort_right(person.mentions, position)
        index = bisect.bisect_right(self._at, position)
        self._at.insert(index, position)
        self._mentions.insert(index, (position, subject, person))

    def _replace(self, old: Person, new: Person) -> None:
        """Mentions of ``old`` become mentions of ``new`` (a fuller name was found)."""
        for position in set(old.mentions):
            index = bisect.bisect_left(self._at, position)
            while index < len(self._at) and self._at[index] == position:
                at, subject, person = self._mentions[index]
                if person is old:
                    self._mentions[index] = (at, subject, new)
                index += 1

    def canonical(
        self, name: str, *, before: int | None = None, gender: str | None = None
    ) -> str | None:
        """The fullest known form of a name: a known name ending with the same words ("Te
        Whata" in "Aroha Te Whata"), or with the same first and last word, and not of the
        other ``gender`` when an honorific gave one. When two people share the surname, the
        one mentioned most recently before ``before`` wins."""
        tokens = name.split()
        candidates = []
        for person in self._by_last.get(tokens[-1], ()) if tokens else ():
            if gender and person.gender and person.gender != gender:
                continue
            parts = person.name.split()
            suffix = parts[-len(tokens) :] == tokens
            ends = len(tokens) > 1 and parts[0] == tokens[0]
            if suffix or ends:
                candidates.append(person)
        if not candidates:
            return None
        if before is not None and len(candidates) > 1:
            seen = [(p.latest_before(before), p) for p in candidates]
            latest, person = max(seen, key=lambda s: (s[0], len(s[1].name)))
            if latest >= 0:
                return person.name
        return max(candidates, key=lambda p: len(p.name)).name

    def get(self, name: str, *, before: int | None = None) -> Person | None:
        """The person a name (or short name) means, as of ``before``."""
        key = self.canonical(name, before=before)
        return self.by_name.get(key) if key else None

    def most_mentioned(self) -> Person | None:
        """The person the article names most often (the one it is about)."""
        people = [p for p in self.by_name.values() if p.confirmed]
        return max(people, key=lambda p: len(p.mentions)) if people else None

    def confirm(self, name: str) -> None:
        """Mark the person of this name as certainly a person (spaCy says so)."""
        person = self.get(name)
        if person is not None:
            person.confirmed = True

    def _subject_position(self, position: int) -> bool:
        """Roughly: the mention opens its sentence (after a role or a short adverbial)."""
        start = self.sentences.start(position)
        if _TOPIC.match(self.text, start, position) and _TOPIC_PRONOUN.match(self.text, position):
            return True  # "As for Lee, she said …": the topic is who the pronoun means
        if _PREPOSITION_BEFORE.search(self.text, max(start, position - 40), position):
            return False  # "an adviser to Mr. Sanders, said …": an object, whatever follows
        # Six words and no comma never take more than a few dozen characters.
        if position - start <= 200:
            before = _OPENING_ADVERB.sub("", self.text[start:position])
            if (
                len(before.split()) <= 6
                and "," not in before.rstrip(", ")
                and not _VERB_BEFORE.search(before)
            ):
                return True
        return bool(_SAID_SOON.match(self.text, position))

    def mark_subject(self, start: int, end: int, subject: bool) -> None:
        """Correct the guessed subject flag of a mention with the parse's answer."""
        index = bisect.bisect_left(self._at, start)
        while index < len(self._at) and self._at[index] < end:
            at, _, person = self._mentions[index]
            self._mentions[index] = (at, subject, person)
            index += 1

    def mentions_between(
        self, start: int, end: int, *, unconfirmed: bool = False
    ) -> list[tuple[int, bool, Person]]:
        """Mentions of people in [start, end); with ``unconfirmed``, also of two-word names
        nothing marked as a person (last resort, subjects only). In text order; two people
        mentioned at one position keep the order they were first met (a Person has no order)."""
        low = bisect.bisect_left(self._at, start)
        high = bisect.bisect_left(self._at, end)
        return sorted(
            (
                (at, subject, person)
                for at, subject, person in self._mentions[low:high]
                if person.confirmed
                or (
                    unconfirmed
                    and subject
                    and " " in person.name
                    and person.surname.lower() not in PLACE_WORDS
                )
            ),
            key=lambda m: (m[0], m[1]),
        )


_VERB_BEFORE = re.compile(
    r"\b(?:has|have|had|is|was|were|are|will|would|did|does|do|can|could|said|says|told"
    r"|tells|met|took|gave|made|saw|thought|became|brought|that|whether)\b"
    r"|\b(?!(?:retired|elected|embattled|indicted|appointed|acclaimed|celebrated|esteemed"
    r"|renowned|respected|unnamed|named|beleaguered|disgraced|jailed|detained|exiled)\b)"
    r"[a-z]+ed\b"
)
"""A verb before a name in its sentence ("He has declared Cruz"): the name is its object, or
the subject of a clause inside ("He dismisses claims that Cruz …")."""
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:of|for|at|from|with|in|on|by|to|about|against|under|over|like|near|behind|via"
    r"|between|among|than|toward|towards|into|onto|upon|without|within|beyond|across"
    r"|around|despite|including|except|amid)\s+(?:the\s+)?"
    r"(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Prof|President|Senator|Governor)\.?\s+)?$",
    re.IGNORECASE,
)
"""A preposition right before a name, or before its title ("Choosing between Clinton", "an
adviser to Mr. Sanders"): the name is no subject."""
_OPENING_ADVERB = re.compile(r"^[A-Z][a-z]+,\s+")
"""One word and its comma before a subject: "There, the district chairman Ann Roe …"."""
_TOPIC = re.compile(r"(?:And\s+|But\s+)?As\s+(?:for|to)\s+(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?$")
"""A sentence opening on its topic: "As for Mr. Lee, …"."""
_TOPIC_PRONOUN = re.compile(r"[\w’'.\- ]{0,40}?,\s+(?:he|she)\b")
"""The topic's name followed by a pronoun that takes it up ("Lee, she said …")."""
_SAID_SOON = re.compile(rf"[\w\s,]{{0,40}}?\b(?:{SPEECH_VERBS})\b")


def _honorific_gender(role: str | None) -> str | None:
    """ "m" or "f" when the role holds an honorific that says which ("Mr.", "Mrs.")."""
    for word in (role or "").split():
        gender = HONORIFICS.get(word.lower().strip("."))
        if gender:
            return gender
    return None


def _has_person_title(role: str | None) -> bool:
    if not role:
        return False
    words = {w.lower().strip(".,") for w in role.split()}
    return bool(words & (TITLE_WORDS | ROLE_NOUNS | set(HONORIFICS) | PARTY_WORDS))


def has_role_noun(phrase: str) -> bool:
    """Whether the phrase holds a word for a person's role ("the party's chief negotiator")."""
    return any(bare(word).lower() in ROLE_NOUNS for word in phrase.split())
