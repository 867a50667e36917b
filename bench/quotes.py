"""Quotation finding on real news: the dev corpus's two halves scored by its own scorer, speed
and memory per process, and the worst cases (time per character as inputs grow).

    python bench/quotes.py [--halves tune,report] [--worst-sizes 1000,...]

Accuracy: every article of `../shared/data/polnear-train/quotes.jsonl` (840 political news
articles with gold quotations, read in place; see tests/quotes/corpus.py) goes through
``find_quotations`` + ``mark_key`` as ``newsbot quotes`` does, and each half is scored by the
corpus's own ``score.py`` (its last line is JSON): quote precision, key-quote recall, speaker
right when named, speaker right for pronoun and description sources (against a silver
reference), and key quotes found with the right speaker. The halves are fixed by a hash of
each article's id: rules are tuned on "tune" only; "report" is for reporting.

``e2e_ceiling`` is the share of key gold quotations whose reference speaker the scorer can ever
count as right (it counts unresolved sources, "they", "a spokeswoman" with no name, as wrong
whatever is predicted).

Speed: articles per CPU-second over all articles read (after the model is loaded), one core;
memory: the process's peak resident set. Worst cases: texts of N short paragraphs (N =
--worst-sizes) of each family in WORST_FAMILIES, through quotes_of, one CPU-timed run each. A
text is read up to MAX_TEXT_CHARS (200,000 characters, cut at a paragraph break), so from about
20,000 paragraphs on the part read stays the same and only the input grows: the figures give
the CPU time per character read, which stays flat when quote finding is linear.

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {
    "precision": 98.0,
    "recall_key": 97.0,
    "speaker_named": 95.0,
    "speaker_pronoun": 85.0,
    "e2e_recall_key": 85.0,
}


def e2e_ceiling(records: list[dict[str, object]]) -> float:
    """Per cent of key gold quotations whose speaker the scorer can count as right."""
    key = [
        q
        for r in records
        for q in r["quotes"]  # type: ignore[attr-defined]
        if q["type"] == "direct" and q["n_words"] >= 4
    ]
    countable = [
        q for q in key if q["speaker_resolution"] in ("name_in_source_span", "corenlp_coref")
    ]
    return round(100.0 * len(countable) / len(key), 1) if key else float("nan")


def corpus_figures(halves: list[str], nlp: object) -> tuple[dict[str, object], float, int]:
    """Score each half; return the figures, the CPU seconds spent finding, and articles read."""
    from bot.quotes import find_quotations, mark_key
    from tests.quotes.corpus import load_articles, prediction, score

    figures: dict[str, object] = {}
    cpu = 0.0
    read = 0
    rows = []
    for half in halves:
        articles = load_articles(half)
        predictions = []
        started = time.process_time()
        for article in articles:
            found = mark_key(find_quotations(article.text, nlp))  # type: ignore[arg-type]
            predictions.append(prediction(article, found))
        cpu += time.process_time() - started
        read += len(articles)
        result = score(articles, predictions)
        print(f"\n{half} half: {len(articles)} articles")
        print("  " + result.summary.replace("\n", "\n  "))
        ceiling = e2e_ceiling([a.record for a in articles])
        for name, value in result.figures.items():
            figures[f"{half}_{name}"] = value
        figures[f"{half}_e2e_ceiling"] = ceiling
        rows.append((half, result.figures, ceiling))
    print(f"\n  {'figure':18s}" + "".join(f"{h:>9s}" for h, _, _ in rows) + "   target")
    for name, target in TARGETS.items():
        values = "".join(f"{f.get(name, float('nan')):>9.1f}" for _, f, _ in rows)
        print(f"  {name:18s}{values}   >= {target:g}")
    print(f"  {'e2e_ceiling':18s}" + "".join(f"{c:>9.1f}" for _, _, c in rows))
    return figures, cpu, read


WORST_FAMILIES = {
    # <p>Said he.</p> paragraphs, as an article page of 340,000 of them extracts to.
    "short_paragraphs": lambda i: "Said he.\n\n",
    # Short quotations with a pronoun to resolve.
    "short_quotations": lambda i: "“Yes, we can,” he said.\n\n",
    # Short quotations, each with a new name.
    "named_quotations": lambda i: f"“We will not go,” said Ana Person{i % 5000} Duarte.\n\n",
    # One paragraph of many short quotations (each quotation paragraph-bounded search at once).
    "one_paragraph": lambda i: f"Mary Duarte{i % 900} spoke. “We will go on,” she said. ",
    # Opening marks that never close, in short paragraphs.
    "unclosed_marks": lambda i: "He said “no and “yes and ‘maybe.\n\n",
}
WORST_SIZES = (1_000, 2_500, 5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 340_000)


def worst_text(family: str, paragraphs: int) -> str:
    unit = WORST_FAMILIES[family]
    return "".join(unit(i) for i in range(paragraphs))


def worst_cases(sizes: tuple[int, ...], model: str) -> dict[str, object]:
    """CPU seconds and microseconds per character read, per family and size."""
    from bot.quotes import MAX_TEXT_CHARS, quotes_of

    figures: dict[str, object] = {}
    print(f"\nworst cases: CPU time of quotes_of (text read up to {MAX_TEXT_CHARS:,} characters)")
    print(
        f"  {'family':18s} {'paragraphs':>10s} {'chars in':>10s} {'chars read':>10s}"
        f" {'CPU s':>7s} {'µs/char read':>12s}"
    )
    for family in WORST_FAMILIES:
        per_char = []
        for size in sizes:
            text = worst_text(family, size)
            read = min(len(text), MAX_TEXT_CHARS)
            started = time.process_time()
            quotes_of(text, model)
            spent = time.process_time() - started
            per_char.append(spent / read * 1e6)
            print(
                f"  {family:18s} {size:>10,} {len(text):>10,} {read:>10,}"
                f" {spent:>7.2f} {per_char[-1]:>12.2f}"
            )
            figures[f"worst_{family}_{size}_cpu_s"] = round(spent, 3)
        figures[f"worst_{family}_us_per_char_max"] = round(max(per_char), 2)
        figures[f"worst_{family}_growth"] = round(per_char[-1] / per_char[0], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", default="en_core_web_sm")
    parser.add_argument(
        "--halves", default="tune,report", help="dev corpus halves to score (comma-separated)"
    )
    parser.add_argument(
        "--worst-sizes",
        default=",".join(str(n) for n in WORST_SIZES),
        help="paragraph counts of the worst-case texts (comma-separated; empty to skip)",
    )
    args = parser.parse_args()

    from bot.quotes import load_model
    from tests.quotes.corpus import GOLD, available

    started = time.perf_counter()
    nlp = load_model(args.model)
    load_seconds = time.perf_counter() - started
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model {nlp.meta.get('name')} {nlp.meta.get('version')} loaded in {load_seconds:.2f}s")
    figures: dict[str, object] = {"model_load_s": round(load_seconds, 2)}

    halves = [h.strip() for h in args.halves.split(",") if h.strip()]
    if not available():
        print(f"\nthe dev corpus is not here ({GOLD}): accuracy and speed skipped")
    elif halves:
        scored, cpu, read = corpus_figures(halves, nlp)
        figures.update(scored)
        rate = read / cpu if cpu else float("nan")
        print(
            f"\nspeed: {read} articles in {cpu:.2f} CPU-s: {rate:.1f} articles/s on one core"
            "   target >= 30"
        )
        figures.update(articles_per_s=round(rate, 1), articles_read=read)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: peak resident set {rss:.0f} MiB ({rss_loaded:.0f} MiB with the model loaded)")
    figures.update(rss_peak_mib=round(rss), rss_model_loaded_mib=round(rss_loaded))

    sizes = tuple(int(n) for n in args.worst_sizes.split(",") if n.strip())
    if sizes:
        figures.update(worst_cases(sizes, args.model))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
