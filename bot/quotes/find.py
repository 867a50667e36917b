"""The quotation finder: the sieves run in order over one text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.quotes.attribution import Attributor
from bot.quotes.key import mark_key
from bot.quotes.model import (
    MAX_QUOTE_CHARS,
    MAX_TEXT_CHARS,
    Attribution,
    Draft,
    Quotation,
    QuoteKind,
    SpeakerKind,
)
from bot.quotes.nlp import load_model
from bot.quotes.spans import classify, find_spans, group_spans
from bot.quotes.text import Lines, is_english

if TYPE_CHECKING:
    from spacy.language import Language


def find_quotations(text: str, nlp: Language | None) -> list[Quotation]:
    """Every quoted stretch of ``text``, attributed where the text allows. ``nlp`` may be None
    (no speakers are then guessed beyond the patterns' names)."""
    if len(text) > MAX_TEXT_CHARS:
        # Read up to the cap, ending at a paragraph break so no sentence is cut in two.
        cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
        text = text[: cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS]
    # No-break and thin spaces read as spaces ("James\u00a0Comey" is one name); one
    # character for one, so every offset stays the same.
    text = text.translate(_SPACES)
    lines = Lines(text)
    drafts = group_spans(text, find_spans(text), lines)
    classify(text, drafts)
    english = is_english(text)
    if english:
        # The patterns settle most quotations; spaCy reads only the sentences around the ones
        # they leave without a speaker, and then everything is decided again with that help.
        attributor = Attributor(text, drafts, nlp, lines=lines)
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
        for draft in drafts:
            if draft.is_quotation and draft.speaker is None and not draft.description:
                words = sum(len(text[s.start : s.end].split()) for s in draft.spans)
                if words <= MAX_UNSPOKEN_WORDS and _inside_sentence(text, draft):
                    # A few quoted words inside a sentence that nobody is reported as
                    # saying: a term or a scare quote ("feel free to “vote your
                    # conscience”"), not a quotation.
                    draft.kind = QuoteKind.TERM
    return [_finish(text, d) for d in drafts]


MAX_UNSPOKEN_WORDS = 5
"""Up to this many quoted words inside a sentence, with no speaker, are a term."""


def _inside_sentence(text: str, draft: Draft) -> bool:
    """Whether the quotation opens after words of its sentence on the same line (not at a
    line's or sentence's start, nor after a colon that introduces it)."""
    opened = draft.start - len(draft.spans[0].open_mark)
    line_start = text.rfind("\n", 0, opened) + 1
    before = text[line_start:opened].rstrip()
    return bool(before) and before[-1] not in ".!?…:"


_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2002\u2003\u2009\u200a\u202f", " "))


def _finish(text: str, draft: Draft) -> Quotation:
    if draft.speaker is None and draft.description and draft.is_quotation:
        # "the senator" who could not be told apart from the others: the words themselves.
        draft.speaker, draft.speaker_kind = draft.description, SpeakerKind.DESCRIPTION
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
        speaker_kind=draft.speaker_kind if draft.speaker else None,
    )


def _join_parts(parts: Sequence[str]) -> str:
    """The spans of a split quotation as one text ("A," + "B." -> "A. B." when B opens a
    sentence)."""
    pieces: list[str] = []
    for part in parts:
        if not pieces:
            if part:
                pieces.append(part)
            continue
        if pieces[-1].endswith(",") and part[:1].isupper():
            pieces[-1] = pieces[-1][:-1] + "."
        pieces.append(part)
    return " ".join(pieces)


def quotes_of(text: str, model_name: str) -> list[Quotation]:
    """find_quotations + key marking with the named model (loaded once per process)."""
    nlp = load_model(model_name) if is_english(text) else None
    return mark_key(find_quotations(text, nlp))
