"""Article text against a public extraction benchmark's ground truth (optional: needs its data).

    python bench/extract_quality.py DIR [--limit N] [--worst 10]

DIR holds a benchmark in the layout of the article-extraction-benchmark (Zyte/scrapinghub):
``ground-truth.json`` ({page id: {"articleBody": ..., "url": ...}}) and ``html/ID.html.gz`` (or
``html/ID.html``). The data is not in this repository and is never copied into it: put it
outside (for example ``/work/bench-data/article-extraction-benchmark``). Without it the script
says so and prints ``{"skipped": ...}``.

Four texts are scored for every page: ours (``bot.extract.extract_article``), ours without the
line filter (``clean_lines`` reduced to joining the lines), trafilatura's precision mode alone
(as we call it, without our page steps or filter) and trafilatura's defaults. The score is the
benchmark's own: each text's 4-word shingles (``\\w+`` tokens) matched as multisets against the
ground truth's, per page, normalised so that every page weighs the same; precision and recall
are means over the pages, F1 their harmonic mean. The pages where the filter costs the most
recall are listed with the lines it dropped. The last line is JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHINGLE = 4
_TOKEN = re.compile(r"\w+")

Counts = tuple[float, float, float]
"""A page's true positives, false positives and false negatives, summing to 1 (or all 0)."""


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The text's 4-token shingles, counted (a text shorter than that is one shingle)."""
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - 3)) if tokens)


def page_counts(true: str, predicted: str) -> Counts:
    """How the predicted text's shingles match the true one's, normalised to sum to 1."""
    want, got = shingles(true), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(pages: list[Counts]) -> dict[str, float]:
    """Precision and recall, each the mean over the pages where it is defined, and F1."""

    def share(part: float, other: float, rest: float) -> float:
        if other == rest == 0:
            return 1.0
        return part / (part + other) if part + other else 0.0

    precisions = [share(tp, fp, fn) for tp, fp, fn in pages if tp + fp > 0]
    recalls = [share(tp, fn, fp) for tp, fp, fn in pages if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def load(directory: Path, limit: int | None) -> Iterator[tuple[str, str, str, str]]:
    """(page id, url, html, true text) of each page with its HTML present, in id order."""
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    for n, page_id in enumerate(sorted(truth)):
        if limit is not None and n >= limit:
            return
        zipped, plain = (
            directory / "html" / f"{page_id}.html.gz",
            directory / "html" / f"{page_id}.html",
        )
        if zipped.exists():
            html = gzip.decompress(zipped.read_bytes()).decode("utf-8", "replace")
        elif plain.exists():
            html = plain.read_text(encoding="utf-8", errors="replace")
        else:
            continue
        entry = truth[page_id]
        yield page_id, entry.get("url") or "", html, entry.get("articleBody") or ""


def extractors() -> dict[str, Callable[[str, str], str]]:
    """Each extractor scored: page HTML and URL in, article text out ("" for none)."""
    import trafilatura

    import bot.extract
    from bot.extract import ExtractionError, extract_article

    def ours(html: str, url: str) -> str:
        with contextlib.suppress(ExtractionError):
            return extract_article(html, url=url or None).text
        return ""

    def unfiltered(html: str, url: str) -> str:
        filtered = bot.extract.clean_lines
        bot.extract.clean_lines = lambda text: "\n".join(  # type: ignore[assignment]
            " ".join(line.split()) for line in text.splitlines() if line.strip()
        )
        try:
            return ours(html, url)
        finally:
            bot.extract.clean_lines = filtered

    def precision(html: str, url: str) -> str:
        return (
            trafilatura.extract(
                html,
                url=url or None,
                include_comments=False,
                favor_precision=True,
                include_tables=False,
                deduplicate=False,
            )
            or ""
        )

    def default(html: str, url: str) -> str:
        return trafilatura.extract(html, url=url or None, include_comments=False) or ""

    return {
        "ours": ours,
        "ours, no line filter": unfiltered,
        "trafilatura precision": precision,
        "trafilatura default": default,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("directory", type=Path, help="the benchmark (ground-truth.json, html/)")
    parser.add_argument("--limit", type=int, help="score only the first N pages (by id)")
    parser.add_argument(
        "--worst", type=int, default=10, help="pages listed where the filter costs most"
    )
    args = parser.parse_args()
    if not (args.directory / "ground-truth.json").exists():
        print(f"no benchmark at {args.directory} (ground-truth.json missing): nothing scored")
        print(json.dumps({"skipped": f"no benchmark at {args.directory}"}))
        return

    run = extractors()
    counts: dict[str, list[Counts]] = {name: [] for name in run}
    lost: list[tuple[float, str, list[str]]] = []  # recall the filter cost a page, its lines
    for page_id, url, html, true in load(args.directory, args.limit):
        texts = {name: extract(html, url) for name, extract in run.items()}
        for name, text in texts.items():
            counts[name].append(page_counts(true, text))
        kept, raw = counts["ours"][-1], counts["ours, no line filter"][-1]
        cost = _recall(raw) - _recall(kept)
        if cost > 0:
            dropped = set(texts["ours, no line filter"].splitlines()) - set(
                texts["ours"].splitlines()
            )
            lost.append((cost, page_id, sorted(dropped, key=len)[:5]))
    pages = len(counts["ours"])
    if not pages:
        print(f"no page of {args.directory} has its HTML: nothing scored")
        print(json.dumps({"skipped": "no pages"}))
        return

    print(f"{pages} pages of {args.directory}; 4-word shingles, every page weighs the same")
    print(f"  {'text':<24} {'precision':>9} {'recall':>7} {'F1':>6}")
    figures = {name: scores(found) for name, found in counts.items()}
    for name, figure in figures.items():
        shown = f"{figure['precision']:>9.3f} {figure['recall']:>7.3f} {figure['f1']:>6.3f}"
        print(f"  {name:<24} {shown}")
    lost.sort(reverse=True)
    print(f"\npages where the line filter costs recall: {len(lost)}")
    for cost, page_id, dropped in lost[: args.worst]:
        print(
            f"  {page_id[:16]}  recall -{cost:.3f}; dropped: {' | '.join(d[:60] for d in dropped)}"
        )
    print(json.dumps({"pages": pages, **figures, "filter_cost_pages": len(lost)}))


def _recall(counts: Counts) -> float:
    tp, _fp, fn = counts
    return tp / (tp + fn) if tp + fn else 1.0


if __name__ == "__main__":
    main()
