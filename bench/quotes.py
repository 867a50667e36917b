"""Quotation finding: accuracy on the labelled sets, articles per second on one core, and the
worst cases (time per character as inputs grow).

    python bench/quotes.py [--seconds 3.0] [--words 700] [--worst-sizes 10000,20000,...]

Accuracy is scored by tests/quotes/scoring.py on tests/quotes/passages.jsonl (the set the rules
were developed on) and tests/quotes/heldout.jsonl (written separately). Speed is measured after
the model is loaded, in this one process, on articles of about --words words assembled from the
labelled passages (quotation-dense news text).

Worst cases: texts of N short paragraphs (N = --worst-sizes) of each family in WORST_FAMILIES,
through quotes_of, one CPU-timed run each. A text is read up to MAX_TEXT_CHARS (200,000
characters, cut at a paragraph break), so from about 20,000 paragraphs on, the part read stays
the same and only the input grows: the figures give the CPU time per character read, which
stays flat when quote finding is linear. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT.parent / "shared" / "samples" / "nato-russia-talks.txt"
GOLD_SAMPLE = [
    ("There is a real risk", "Jens Stoltenberg"),
    ("There are significant differences", "Jens Stoltenberg"),
    ("They may deter Russian bankers", "Rose Gottemoeller"),
    ("Of course, we are discussing", "Kaja Kallas"),
    ("If you look at the map", "Kaja Kallas"),
]


def report_set(name: str, result: object) -> dict[str, float]:
    from tests.quotes.scoring import Score

    assert isinstance(result, Score)
    figures = {
        "quotes_predicted": result.predicted,
        "quotes_labelled": result.gold_all,
        "precision": round(result.precision, 4),
        "recall_4plus_words": round(result.recall_long, 4),
        "recall_all": round(result.recall_all, 4),
        "speaker_named": round(result.speaker_accuracy("named"), 4),
        "speaker_pronoun_or_description": round(
            result.speaker_accuracy("pronoun", "description"), 4
        ),
        "speaker_continued": round(result.speaker_accuracy("continued"), 4),
        "speaker_none_kept_none": round(result.speaker_accuracy("none"), 4),
        "end_to_end": round(result.end_to_end_rate, 4),
    }
    counts = result.speaker_total
    print(f"\n{name}: {figures['quotes_labelled']} labelled quotations")
    print(f"  quote precision            {figures['precision']:7.1%}   target >= 98 %")
    print(f"  recall, quotes of 4+ words {figures['recall_4plus_words']:7.1%}   target >= 95 %")
    print(f"  recall, all quotes         {figures['recall_all']:7.1%}")
    print(
        f"  speaker, named in sentence {figures['speaker_named']:7.1%}   target >= 95 %"
        f"   (n={counts['named']})"
    )
    print(
        f"  speaker, pronoun/descr.    {figures['speaker_pronoun_or_description']:7.1%}"
        f"   target >= 85 %   (n={counts['pronoun'] + counts['description']})"
    )
    print(
        f"  speaker, continued para.   {figures['speaker_continued']:7.1%}   target >= 85 %"
        f"   (n={counts['continued']})"
    )
    print(f"  no speaker where none      {figures['speaker_none_kept_none']:7.1%}")
    print(f"  end to end (quote+speaker) {figures['end_to_end']:7.1%}")
    for passage, text, got, want in result.wrong_speakers[:10]:
        print(f"    wrong speaker {passage}: {text[:40]!r}: {got} (labelled {want})")
    for passage, text in result.false_positives[:5]:
        print(f"    not a quotation {passage}: {text[:50]!r}")
    for passage, text in result.misses[:5]:
        print(f"    missed {passage}: {text[:50]!r}")
    return figures


def articles_of(words: int, passages: list[str], count: int) -> list[str]:
    """Articles of about ``words`` words: passages joined in a fixed random order."""
    rng = random.Random(7)
    out = []
    for _ in range(count):
        order = passages[:]
        rng.shuffle(order)
        parts: list[str] = []
        total = 0
        for text in order:
            if total >= words:
                break
            parts.append(text)
            total += len(text.split())
        out.append("\n\n".join(parts))
    return out


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
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--words", type=int, default=700)
    parser.add_argument("--model", default="en_core_web_sm")
    parser.add_argument(
        "--worst-sizes",
        default=",".join(str(n) for n in WORST_SIZES),
        help="paragraph counts of the worst-case texts (comma-separated; empty to skip)",
    )
    args = parser.parse_args()

    from bot.quotes import find_quotations, load_model, mark_key
    from tests.quotes.scoring import HELDOUT, PASSAGES, load_passages, score

    started = time.perf_counter()
    nlp = load_model(args.model)
    load_seconds = time.perf_counter() - started
    print(f"model {nlp.meta.get('name')} {nlp.meta.get('version')} loaded in {load_seconds:.2f}s")

    def find(text: str) -> list:  # type: ignore[type-arg]
        return find_quotations(text, nlp)

    figures: dict[str, object] = {"model_load_s": round(load_seconds, 2)}
    labelled = load_passages(PASSAGES)
    for key, name, passages in (
        ("dev", f"{PASSAGES.name} (the rules were developed on it)", labelled),
        ("heldout", f"{HELDOUT.name} (written apart from the rules)", load_passages(HELDOUT)),
    ):
        for figure, value in report_set(name, score(passages, find)).items():
            figures[f"{key}_{figure}"] = value

    sample = SAMPLE.read_text(encoding="utf-8")
    found = [q for q in find(sample) if q.is_quotation]
    right = sum(
        any(q.text.startswith(start) and q.speaker == who for q in found)
        for start, who in GOLD_SAMPLE
    )
    print(f"\nsample page: {right} of 5 key quotations found with the right speaker")
    figures["sample_page_right"] = right

    english = [p.text for p in labelled if "non_english" not in p.patterns]
    articles = articles_of(args.words, english, 40)
    mean_words = sum(len(a.split()) for a in articles) / len(articles)
    for article in articles[:3]:
        mark_key(find(article))
    done = 0
    cpu_started = time.process_time()
    wall_started = time.perf_counter()
    while done == 0 or time.process_time() - cpu_started < args.seconds:
        for article in articles:
            mark_key(find(article))
            done += 1
    cpu = time.process_time() - cpu_started
    wall = time.perf_counter() - wall_started
    rate = done / cpu
    quotes_per_article = sum(len(find(a)) for a in articles) / len(articles)
    print(
        f"\nspeed: {done} articles of {mean_words:.0f} words on average "
        f"({quotes_per_article:.1f} quoted stretches each) in {cpu:.2f} CPU-s ({wall:.2f} s wall)"
    )
    print(f"  {rate:.1f} articles/s on one core   target >= 30")
    figures.update(
        articles_per_s=round(rate, 1),
        article_words_mean=round(mean_words),
        quotes_per_article=round(quotes_per_article, 1),
    )
    sizes = tuple(int(n) for n in args.worst_sizes.split(",") if n.strip())
    if sizes:
        figures.update(worst_cases(sizes, args.model))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
