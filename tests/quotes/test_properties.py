"""Quote finding on generated text: whatever the input, it answers and its answer is sound."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.quotes import (
    KEY_QUOTE_MAX_CHARS,
    MAX_QUOTE_CHARS,
    MAX_TEXT_CHARS,
    Quotation,
    QuoteKind,
    find_quotations,
    key_quotes,
    load_model,
    mark_key,
    quotes_of,
)

if TYPE_CHECKING:
    from spacy.language import Language

MARKS = ["“", "”", "„", "«", "»", "‘", "’", "‚", '"', "'", "''", "‹", "›", "「", "」"]
NAMES = ["Ana Duarte", "Jens Stoltenberg", "Mr. Lee", "O'Neill", "de la Cruz", "Dr. Sen", "X Æ"]
WORDS = [
    "said",
    "told",
    "he",
    "she",
    "they",
    "the minister",
    "according to",
    "added",
    "Q:",
    "A:",
    "—",
    "―",
    ",",
    ".",
    ":",
    "\n",
    "\n\n",
    " ",
    "we",
    "will",
    "not",
    "called it",
    "so-called",
]
FRAGMENTS = st.one_of(
    st.sampled_from(MARKS),
    st.sampled_from(NAMES),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
NEWSY = st.lists(FRAGMENTS, max_size=80).map(" ".join)
"""Text built from quotation marks of every kind, names, reporting words and random Unicode."""

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,  # spaCy's first call in a worker warms caches; time is bench/quotes.py's job
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_model("en_core_web_sm")


def check_sound(text: str, found: list[Quotation]) -> None:
    """What every answer must satisfy, whatever the text."""
    read = text[:MAX_TEXT_CHARS]
    previous_end = -1
    for quote in found:
        assert quote.spans
        for start, end in quote.spans:
            assert 0 <= start <= end <= len(read)
            assert start >= previous_end  # spans in text order, never overlapping
            previous_end = end
        assert len(quote.text) <= MAX_QUOTE_CHARS
        if quote.key:
            assert quote.kind is QuoteKind.QUOTE and quote.speaker
    assert sum(q.key for q in found) <= 3


@PROPERTY_SETTINGS
@given(text=st.text())
def test_random_unicode_never_raises(nlp: Language, text: str) -> None:
    check_sound(text, mark_key(find_quotations(text, nlp)))


@PROPERTY_SETTINGS
@given(text=NEWSY)
def test_marks_names_and_reporting_words_never_raise(nlp: Language, text: str) -> None:
    found = mark_key(find_quotations(text, nlp))
    check_sound(text, found)
    for quote in key_quotes(found):
        assert len(quote.text) <= KEY_QUOTE_MAX_CHARS + 2  # trimmed, with " …"


@settings(max_examples=8, deadline=None)
@given(
    unit=st.lists(FRAGMENTS, min_size=1, max_size=12).map(" ".join),
    size=st.integers(min_value=MAX_TEXT_CHARS // 2, max_value=MAX_TEXT_CHARS + 50_000),
)
def test_huge_inputs_never_raise(unit: str, size: int) -> None:
    text = (unit * (size // max(len(unit), 1) + 1))[:size]
    check_sound(text, quotes_of(text, "en_core_web_sm"))


def test_empty_and_blank_inputs_give_nothing(nlp: Language) -> None:
    for text in ("", " ", "\n\n\n", "“”", '""', "''", "«»"):
        assert [q for q in find_quotations(text, nlp) if q.is_quotation] == []
