"""Direct quotations in an article and who said them (pure core; no discord or aiohttp).

The work is done in sieves, most certain first, one module each:

1. ``spans`` (``marks`` for the marks themselves): quotation marks as pages use them (curly,
   straight, ``''``, guillemets, „low-9“, single marks), paragraph-bounded so an unclosed mark
   never swallows the article; a quotation over several paragraphs (opening mark repeated,
   closing only at the end) is one quotation.
2. ``spans``: split quotations ("A," he said, "B.") are joined into one quotation with two spans.
3. ``spans``: non-quotations are flagged: scare quotes, titles, nicknames, one- or two-word
   terms, quotes in headline lines. They are returned, never as key quotes.
4. ``attribution``: reporting cues next to the quotation (``cues``: a reporting verb and
   where its subject stands; labels, dash lines, participles and colons), what their subject
   names (``speakers``: a person with role words, an organisation, a description, a pronoun),
   with spaCy's parse of that one sentence as the fallback (``nlp``). ``people`` knows whom
   the article names (``names`` splits names from titles and tells organisations apart);
   ``antecedents`` resolves pronouns and descriptions to them by salience, and an
   unattributed quotation that opens a sentence goes on from the last speaker.
5. ``key``: the one to three quotations worth showing under a headline.

``model`` holds the values and limits, ``lexicon`` the word lists and patterns, ``text`` the
shape of the text (lines, paragraphs, sentences); ``find`` runs the sieves. Every step is
linear in the text's size (or capped: see the limits in ``model``). spaCy only ever sees the
sentences around quotation marks, never the whole article.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from bot.quotes.key import (
    KEY_QUOTE_MAX_CHARS,
    KEY_QUOTE_MIN_WORDS,
    key_quotes,
    mark_key,
    trim_quote,
)
from bot.quotes.model import (
    MAX_QUOTE_CHARS,
    MAX_TEXT_CHARS,
    Attribution,
    Quotation,
    QuoteKind,
    SpeakerKind,
)

if TYPE_CHECKING:
    from bot.quotes.find import find_quotations, quotes_of
    from bot.quotes.lexicon import FEMALE_NAMES, MALE_NAMES
    from bot.quotes.nlp import FALLBACK_MODELS, load_model
    from bot.quotes.text import is_english

_LAZY = {
    "find_quotations": "bot.quotes.find",
    "quotes_of": "bot.quotes.find",
    "FEMALE_NAMES": "bot.quotes.lexicon",
    "MALE_NAMES": "bot.quotes.lexicon",
    "FALLBACK_MODELS": "bot.quotes.nlp",
    "load_model": "bot.quotes.nlp",
    "is_english": "bot.quotes.text",
}
"""The finder and its word lists are imported on first use: a process that only stores and
shows quotations (a steady poll, the bot's answers) never compiles the patterns."""


def __getattr__(name: str) -> object:
    """The finder's names, imported when first asked for (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "FALLBACK_MODELS",
    "FEMALE_NAMES",
    "KEY_QUOTE_MAX_CHARS",
    "KEY_QUOTE_MIN_WORDS",
    "MALE_NAMES",
    "MAX_QUOTE_CHARS",
    "MAX_TEXT_CHARS",
    "Attribution",
    "Quotation",
    "QuoteKind",
    "SpeakerKind",
    "find_quotations",
    "is_english",
    "key_quotes",
    "load_model",
    "mark_key",
    "quotes_of",
    "trim_quote",
]
