"""The values quote finding works with and returns, and the limits that bound its work."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_TEXT_CHARS = 200_000
"""Characters of a text that are read (cut at a paragraph break)."""
MAX_QUOTE_CHARS = 3_000
"""Characters of a quotation's displayed text."""
CONTEXT_WINDOW = 600
"""How far before or after a quotation its attribution is looked for (characters): the longest
reporting pattern ("X, the ..., told reporters on Monday that ...") fits with room to spare."""
LOOKBACK_CHARS = 10_000
"""How far back a pronoun, a description or a continued quotation looks for its person, at
most (besides the paragraph limits): four times the longest paragraph in 840 real articles."""
MAX_RESOLVED = 300
"""Quotations per text whose pronouns and descriptions are resolved (real articles have up to
about 60): later ones get a speaker only when the name is next to them, so a text of thousands
of tiny quotations costs no more per character than a news article."""
PARSE_BUDGET = 20_000
"""Characters spaCy may read per text (around quotations, in text order): real articles need
up to about 7,000, and the parser reads only some 30,000 characters a second."""
MAX_PEOPLE = 400
"""Distinct people recorded per text (real articles name up to about 250)."""


class QuoteKind(StrEnum):
    """What a quoted stretch is: a quotation, or quoted words that are not one."""

    QUOTE = "quote"
    """A full statement in someone's words."""
    FRAGMENT = "fragment"
    """A few of someone's words inside a paraphrase ('called the plan "a betrayal"')."""
    TERM = "term"
    """Not a quotation: a scare quote, title, nickname or a one- or two-word term."""
    HEADLINE = "headline"
    """Quoted words in a headline line: not counted as a quotation."""


class Attribution(StrEnum):
    """How the speaker was found: by name, a pronoun, a description, or as a continuation."""

    NAMED = "named"
    PRONOUN = "pronoun"
    DESCRIPTION = "description"
    CONTINUED = "continued"
    NONE = "none"


class SpeakerKind(StrEnum):
    """What the speaker is: a person, an organisation, or a description with no name."""

    PERSON = "person"
    ORGANISATION = "organisation"
    """The White House, the FBI, The New York Times."""
    DESCRIPTION = "description"
    """Someone the article does not name: "a New Hampshire Democrat", "one official"."""


@dataclass(frozen=True, slots=True)
class Quotation:
    """A quoted stretch of an article and who said it: what the finder returns."""

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
    speaker_kind: SpeakerKind | None = None
    """Set with the speaker (None on quotations stored before kinds were kept)."""

    @property
    def is_quotation(self) -> bool:
        """Someone's words (a quotation or a fragment), not a title or a scare quote."""
        return self.kind in (QuoteKind.QUOTE, QuoteKind.FRAGMENT)


@dataclass(slots=True)
class RawSpan:
    """One stretch of text between quotation marks."""

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


@dataclass(slots=True)
class Draft:
    """A quotation being worked on: its spans, then its kind and speaker as sieves decide."""

    spans: list[RawSpan]
    kind: QuoteKind = QuoteKind.QUOTE
    speaker: str | None = None
    role: str | None = None
    cue: str | None = None
    attribution: Attribution = Attribution.NONE
    speaker_kind: SpeakerKind | None = None
    description: str | None = None
    """The words that described the speaker ("the senator"), when they did."""
    mention_kind: str | None = None
    """How the attribution named the speaker: "name", "pron", "desc" ("the" when a definite
    description was left unresolved), or None when no attribution was found."""

    @property
    def is_quotation(self) -> bool:
        """Someone's words (a quotation or a fragment), not a title or a scare quote."""
        return self.kind in (QuoteKind.QUOTE, QuoteKind.FRAGMENT)

    @property
    def parse_may_help(self) -> bool:
        """No reporting pattern matched, or a he/she/"the ..." was left unresolved; ("a
        spokesman said", "the statement said" are settled: there is nobody to name)."""
        return self.mention_kind in (None, "pron", "the")

    def reset(self) -> None:
        """Forget the speaker (before a second reading of the article)."""
        self.speaker = self.role = self.cue = self.mention_kind = None
        self.speaker_kind = self.description = None
        self.attribution = Attribution.NONE

    @property
    def start(self) -> int:
        """Where the first span's text starts."""
        return self.spans[0].start

    @property
    def end(self) -> int:
        """Where the last span's text ends."""
        return self.spans[-1].end

    @property
    def paragraph(self) -> int:
        """The paragraph the quotation opens in."""
        return self.spans[0].paragraph


@dataclass(slots=True)
class Mention:
    """Words that name a speaker next to a quotation: a name, a pronoun or a description."""

    kind: str
    """"name", "org", "pron" or "desc"."""
    text: str
    start: int
    end: int
    name: str | None = None
    """For a name: the person's name without the role ("Chris Russell")."""
    role: str | None = None
    """For a name: the role words with it ("Republican political consultant")."""
