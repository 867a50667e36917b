"""The shared dev corpus of real news with gold quotations (read in place, never copied).

`../shared/data/polnear-train/` (see its README) holds 840 political news articles with their
quoted segments and speakers, and the scorer the maintainers use. It is split in two halves by
article id, so that rules are tuned on one half and reported on the other:

    half = "tune" if sha1(id) is even else "report"

(the last hexadecimal digit of the SHA-1 of the id, in UTF-8; stable across runs, machines and
file orders, and about even: 407 tune, 433 report).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.quotes import Quotation

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "polnear-train"
GOLD = CORPUS / "quotes.jsonl"
SCORER = CORPUS / "score.py"
HALVES = ("tune", "report")


@dataclass(frozen=True, slots=True)
class RealArticle:
    """One article of the dev corpus: its id, text and gold record (as the file has it)."""

    id: str
    text: str
    record: dict[str, object]

    @property
    def half(self) -> str:
        return half_of(self.id)


def half_of(article_id: str) -> str:
    """ "tune" or "report": which half of the dev corpus an article belongs to."""
    digit = int(hashlib.sha1(article_id.encode("utf-8")).hexdigest()[-1], 16)
    return "tune" if digit % 2 == 0 else "report"


def available() -> bool:
    return GOLD.is_file() and SCORER.is_file()


def load_articles(half: str | None = None) -> list[RealArticle]:
    """The corpus's articles in file order: all, or one half."""
    out = []
    with GOLD.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            article = RealArticle(str(record["id"]), str(record["text"]), record)
            if half is None or article.half == half:
                out.append(article)
    return out


def prediction(article: RealArticle, found: Iterable[Quotation]) -> dict[str, object]:
    """One line of the scorer's prediction file: each quoted span with its speaker."""
    quotes = [
        {"start": start, "end": end, "speaker": quote.speaker}
        for quote in found
        if quote.is_quotation
        for start, end in quote.spans
    ]
    return {"id": article.id, "quotes": quotes}


@dataclass(frozen=True, slots=True)
class CorpusScore:
    """The scorer's printed summary and its figures (its last line, JSON)."""

    summary: str
    figures: dict[str, float]


def score(articles: Sequence[RealArticle], predictions: Sequence[dict[str, object]]) -> CorpusScore:
    """Run the corpus's own scorer on these articles (gold and predictions written to a
    temporary directory that is removed at once)."""
    with tempfile.TemporaryDirectory(prefix="newsbot-quotes-") as tmp:
        gold_path, pred_path = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        gold_path.write_text(
            "".join(json.dumps(a.record, ensure_ascii=False) + "\n" for a in articles),
            encoding="utf-8",
        )
        pred_path.write_text(
            "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions),
            encoding="utf-8",
        )
        done = subprocess.run(
            [sys.executable, str(SCORER), str(gold_path), str(pred_path)],
            capture_output=True,
            text=True,
            check=True,
        )
    lines = done.stdout.strip().splitlines()
    return CorpusScore("\n".join(lines[:-1]), json.loads(lines[-1]))


def run(
    articles: Sequence[RealArticle], find: Callable[[str], list[Quotation]]
) -> list[dict[str, object]]:
    """Predictions for every article."""
    return [prediction(article, find(article.text)) for article in articles]
