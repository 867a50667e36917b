"""Key quotes: the one to three quotations worth showing under a headline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.quotes.model import Attribution, Quotation, QuoteKind, SpeakerKind

KEY_QUOTE_MIN_WORDS = 6
"""Words a key quote has at least."""
KEY_QUOTE_MAX_CHARS = 300
"""Characters of a key quote as shown (trimmed at a sentence or a word beyond that)."""


def key_quotes(
    quotations: Iterable[Quotation], *, topic_terms: Sequence[str] = (), limit: int = 3
) -> list[Quotation]:
    """The one to three quotations worth showing under a headline: attributed to a named
    person, full statements of at least six words, relevant to the topic, different speakers."""
    candidates = [
        q
        for q in quotations
        if q.kind is QuoteKind.QUOTE
        and q.speaker
        and q.speaker_kind is not SpeakerKind.DESCRIPTION
        and len(q.text.split()) >= KEY_QUOTE_MIN_WORDS
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
