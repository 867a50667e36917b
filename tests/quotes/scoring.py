"""Scores quotation finding against the labelled passages (used by tests and bench/quotes.py)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.quotes import Quotation, SpeakerKind

PASSAGES = Path(__file__).with_name("passages.jsonl")
HELDOUT = Path(__file__).with_name("heldout.jsonl")
"""Written apart from the code, to see how the rules do on text they were not tuned on."""
OPENERS = ("“", "”", '"', "'", "‘", "’", "«", "»", "„", "‚", "''")


@dataclass(frozen=True, slots=True)
class GoldQuote:
    spans: tuple[tuple[int, int], ...]
    speaker: str | None
    role: str | None
    attribution: str


@dataclass(frozen=True, slots=True)
class Passage:
    id: str
    text: str
    quotes: tuple[GoldQuote, ...]
    not_quotes: tuple[str, ...]
    patterns: tuple[str, ...]


def _locate(text: str, span: str, after: int) -> tuple[int, int]:
    start = after
    while True:
        at = text.find(span, start)
        if at == -1:
            if after:
                return _locate(text, span, 0)
            raise ValueError(f"span not in text: {span!r}")
        if at == 0 or text[at - 1] in "“”\"'‘’«»„‚":
            return at, at + len(span)
        start = at + 1


def load_passages(path: Path = PASSAGES) -> list[Passage]:
    passages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        text = raw["text"]
        quotes = []
        cursor = 0
        for gold in raw["quotes"]:
            spans = []
            for span in gold["spans"]:
                start, end = _locate(text, span, cursor)
                spans.append((start, end))
                cursor = end
            quotes.append(
                GoldQuote(tuple(spans), gold.get("speaker"), gold.get("role"), gold["attribution"])
            )
        passages.append(
            Passage(
                raw["id"],
                text,
                tuple(quotes),
                tuple(raw.get("not_quotes", ())),
                tuple(raw.get("patterns", ())),
            )
        )
    return passages


def _overlap(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _person(quote: Quotation) -> str | None:
    """The person a quotation is given to. The sets label people only: a quotation given to
    an organisation ("The Department of Health") or a description of someone unnamed ("a
    department spokesman") counts as given to no person, as the sets label it."""
    if quote.speaker_kind in (SpeakerKind.ORGANISATION, SpeakerKind.DESCRIPTION):
        return None
    return quote.speaker


def _same_speaker(predicted: str | None, gold: str | None) -> bool:
    if predicted is None or gold is None:
        return predicted is None and gold is None
    return predicted.casefold().strip() == gold.casefold().strip()


@dataclass
class Score:
    predicted: int = 0
    correct_predictions: int = 0
    gold_long: int = 0
    found_long: int = 0
    gold_all: int = 0
    found_all: int = 0
    speaker_total: Counter[str] = field(default_factory=Counter)
    speaker_right: Counter[str] = field(default_factory=Counter)
    end_to_end: int = 0
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    misses: list[tuple[str, str]] = field(default_factory=list)
    wrong_speakers: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct_predictions / self.predicted if self.predicted else 1.0

    @property
    def recall_long(self) -> float:
        return self.found_long / self.gold_long if self.gold_long else 1.0

    @property
    def recall_all(self) -> float:
        return self.found_all / self.gold_all if self.gold_all else 1.0

    def speaker_accuracy(self, *kinds: str) -> float:
        total = sum(self.speaker_total[k] for k in kinds)
        return sum(self.speaker_right[k] for k in kinds) / total if total else 1.0

    @property
    def end_to_end_rate(self) -> float:
        return self.end_to_end / self.gold_all if self.gold_all else 1.0


def score(passages: Sequence[Passage], find: Callable[[str], list[Quotation]]) -> Score:
    """Quotation-level matching by character overlap. Grouping differences (one quotation of two
    spans here, two quotations there) are not counted as finding errors: a predicted quotation is
    right when at least half of it lies inside labelled quotations, and a labelled quotation is
    found when one predicted quotation covers at least half of it."""
    result = Score()
    for passage in passages:
        predicted = [q for q in find(passage.text) if q.is_quotation]
        result.predicted += len(predicted)
        for quote in predicted:
            length = sum(e - s for s, e in quote.spans)
            inside = sum(_overlap(quote.spans, gold.spans) for gold in passage.quotes)
            if length and inside >= 0.5 * length:
                result.correct_predictions += 1
            else:
                result.false_positives.append((passage.id, quote.text[:80]))
        for gold in passage.quotes:
            words = sum(len(passage.text[s:e].split()) for s, e in gold.spans)
            gold_len = sum(e - s for s, e in gold.spans)
            result.gold_all += 1
            result.gold_long += words >= 4
            best = max(predicted, key=lambda q: _overlap(q.spans, gold.spans), default=None)
            if best is None or _overlap(best.spans, gold.spans) < 0.5 * gold_len:
                first = gold.spans[0]
                result.misses.append((passage.id, passage.text[first[0] : first[1]][:80]))
                continue
            result.found_all += 1
            result.found_long += words >= 4
            kind = gold.attribution
            result.speaker_total[kind] += 1
            if _same_speaker(_person(best), gold.speaker):
                result.speaker_right[kind] += 1
                result.end_to_end += 1
            else:
                result.wrong_speakers.append(
                    (passage.id, best.text[:60], best.speaker, gold.speaker)
                )
    return result
