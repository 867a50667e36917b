"""Quotation finding: accuracy on the labelled sets, and articles per second on one core.

    python bench/quotes.py [--seconds 3.0] [--words 700]

Accuracy is scored by tests/quotes/scoring.py on tests/quotes/passages.jsonl (the set the rules
were developed on) and tests/quotes/heldout.jsonl (written separately). Speed is measured after
the model is loaded, in this one process, on articles of about --words words assembled from the
labelled passages (quotation-dense news text). The last line is JSON.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--words", type=int, default=700)
    parser.add_argument("--model", default="en_core_web_sm")
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
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
