"""Grouping copies into stories: recall per kind of copy, false merges, speed.

    python bench/stories.py [--seed 7] [--tune]

Two corpora:

1. The generated corpus of tests/stories/ (originals; their copies made the way syndication
   makes them: exact, with a wire dateline, wrapped in an aggregator's page, cut to 60 %,
   lightly edited, re-headlined, updated at the same URL; and over a thousand distinct articles
   on the same people and places, template pages and one-line items as negatives), in
   publication order, as the watcher would.
2. Real news: the 840 articles of ../shared/data/polnear-train (read in place, never copied; the
   part is skipped when it is absent) and copies made of them at run time
   (tests/stories/realistic.py): cut to 20-40 %, such cuts in an aggregator's page with its own
   dates and numbers, wrapped whole, re-headlined, sub-edited; every other article of the corpus
   is a negative, and "same-topic" pairs (the same debate, case, scandal on different days) are
   the hard ones. Thresholds were chosen on the "tune" half; the "report" half is printed beside
   it. "alone": each copy meets the originals only (the strict figure); "stream": copies stay in
   the index, as they do in the watcher.

Prints recall per kind (copies placed in their original's story), false merges (articles placed
in a story that isn't theirs), articles per second on one core (CPU time), and the index's
memory per article. ``--tune`` adds the threshold grid measured on the tune half. The last line
is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"exact": 1.0, "wrapped": 1.0, "truncated": 0.95, "edited": 0.70}
REAL_TARGETS = {"cut-down": 0.90, "edited": 0.90}
SPEED_TARGET = 1000


def synthetic(seed: int) -> dict[str, object]:
    from bot.stories import StoryIndex, StoryInput
    from tests.stories.corpus import build_corpus

    corpus = build_corpus(seed)
    inputs = [
        StoryInput(
            article_id=number,
            source_id=zlib.crc32(item.outlet.encode()),
            url=item.url,
            canonical_url=item.canonical_url,
            guid=item.guid,
            text=item.text,
            published=item.published,
        )
        for number, item in enumerate(corpus, start=1)
    ]
    index = StoryIndex()
    started = time.process_time()
    placements = [index.place(article) for article in inputs]
    cpu = time.process_time() - started

    story_of = {number: item.story for number, item in enumerate(corpus, start=1)}
    placed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    false_merges: Counter[str] = Counter()
    first_article: dict[str, int] = {}
    for number, (item, placement) in enumerate(zip(corpus, placements, strict=True), start=1):
        first_article.setdefault(item.story, number)
        total[item.kind] += 1
        right = story_of[placement.story_id] == item.story
        if not right:
            false_merges[item.kind] += 1
        elif first_article[item.story] != number:
            placed[item.kind] += 1
    copy_kinds = [k for k in total if k not in ("original", "negative", "template", "short")]
    recall = {kind: placed[kind] / total[kind] for kind in sorted(copy_kinds)}
    distinct = sum(total[k] for k in ("original", "negative", "template", "short"))
    rate = len(inputs) / cpu if cpu else float("inf")

    print("== The generated corpus (tests/stories/)")
    print(f"{len(inputs)} articles ({distinct} distinct stories' first articles and negatives)")
    print(f"{'kind':<12} {'copies':>7} {'recall':>8} {'target':>8}")
    for kind, value in recall.items():
        target = TARGETS.get(kind)
        mark = "" if target is None else ("ok" if value >= target else "MISSED")
        shown = f"{target:.0%}" if target is not None else "-"
        print(f"{kind:<12} {total[kind]:>7} {value:>8.1%} {shown:>8} {mark}")
    print(f"false merges: {sum(false_merges.values())} {dict(false_merges)} (target 0)")
    print(f"speed: {rate:.0f} articles/s on one core (target >= {SPEED_TARGET})")
    return {
        "articles": len(inputs),
        **{f"recall_{k}": round(v, 4) for k, v in recall.items()},
        "false_merges": sum(false_merges.values()),
        "false_merges_by_kind": dict(false_merges),
        "articles_per_s": round(rate, 1),
    }


def real(tune: bool, seed: int) -> dict[str, object]:
    from bot.stories import compare, index
    from bot.stories import similarity as thresholds
    from bot.stories.similarity import FACTS_FROM
    from tests.stories import realistic

    print()
    print(f"== Real news and realistic copies ({realistic.GOLD}, read in place)")
    print(
        f"thresholds: containment >= {thresholds.CONTAINMENT}; facts borne out >= "
        f"{thresholds.FACTS_AGREE} and stated >= {thresholds.FACTS_COVERED}; at least "
        f"{index.MIN_WORDS} words of its own; merge when >= {index.MERGE_LIKENESS} to both"
    )
    runs: dict[tuple[str, str], realistic.Scores] = {}
    speed: dict[str, float] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for half in realistic.HALVES:
        for mode in ("alone", "stream"):
            done = realistic.run(half, alone=mode == "alone")
            runs[half, mode] = done.scores
            if mode == "stream":
                speed[half] = len(done.articles) / done.seconds
            originals = sum(1 for a in done.articles if a.kind == "original")
            sizes[half] = (originals, len(done.articles))
    for half, (originals, total) in sizes.items():
        print(f"{half}: {originals} originals, {total} articles with their copies")
    columns = [(h, m) for m in ("alone", "stream") for h in realistic.HALVES]
    print(f"{'kind':<14}" + "".join(f"{h + ' ' + m:>16}" for h, m in columns) + f"{'target':>8}")
    kinds = [*realistic.COPY_KINDS, "cut-down"]
    for kind in kinds:
        cells = []
        for key in columns:
            scores = runs[key]
            value = scores.cut_down if kind == "cut-down" else scores.recall(kind)
            count = (
                scores.copies.get("cut", 0) + scores.copies.get("aggregator", 0)
                if kind == "cut-down"
                else scores.copies.get(kind, 0)
            )
            cells.append(f"{value:>8.1%} of {count:>4}")
        target = REAL_TARGETS.get(kind)
        shown = f"{target:.0%}" if target else "-"
        print(f"{kind:<14}" + "".join(f"{c:>16}" for c in cells) + f"{shown:>8}")
    for label, read in (
        ("false merges", lambda s: sum(s.false_merges.values())),
        ("same-topic merged", lambda s: len(s.topic_merged)),
        ("same-topic pairs", lambda s: s.topic_pairs),
        ("republished split", lambda s: s.originals_split),
    ):
        print(f"{label:<18}" + "".join(f"{read(runs[key]):>16}" for key in columns))
    for half in realistic.HALVES:
        print(f"speed ({half}, stream): {speed[half]:.0f} articles/s on one core")

    print()
    print("same-topic pairs (different days; shared names and title words): their likeness")
    for half in realistic.HALVES:
        by_id = {a.id: a for a in realistic.load(half)}
        pairs = realistic.same_topic_pairs(list(by_id.values()))
        pairs = [p for p in pairs if realistic.story_of(p.first) != realistic.story_of(p.second)]
        measured = []
        for pair in pairs:
            alike = compare(by_id[pair.first].text, by_id[pair.second].text)
            if alike is not None:
                measured.append((alike, pair))
        measured.sort(key=lambda m: -m[0].contained)
        highest = measured[0][0].contained if measured else 0.0
        print(
            f"{half}: {len(pairs)} pairs; the highest containment {highest:.3f} (facts are "
            f"compared from {FACTS_FROM}); the closest five:"
        )
        for alike, pair in measured[:5]:
            print(
                f"  {pair.first[14:54]:<40} {pair.second[14:54]:<40} terms {pair.shared:>2} "
                f"idf {pair.weight:>5.1f}  C {alike.contained:.3f} J {alike.jaccard:.3f} "
                f"facts {_share(alike.facts)}/{_share(alike.covered)} shared {alike.shared}"
            )

    memory = index_memory()
    print(f"index memory: {memory:,.0f} bytes per article (tune stream, all in the window)")
    if tune:
        grid(seed)
    figures: dict[str, object] = {"index_bytes_per_article": round(memory)}
    for (half, mode), scores in runs.items():
        figures[f"{half}_{mode}"] = {
            **{k: round(scores.recall(k), 4) for k in realistic.COPY_KINDS},
            "cut_down": round(scores.cut_down, 4),
            "false_merges": sum(scores.false_merges.values()),
            "same_topic_merged": len(scores.topic_merged),
            "same_topic_pairs": scores.topic_pairs,
            "republished_split": scores.originals_split,
        }
    for half, rate in speed.items():
        figures[f"{half}_articles_per_s"] = round(rate, 1)
    return figures


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def index_memory() -> float:
    from bot.stories import StoryIndex, StoryInput
    from tests.stories import realistic

    articles = realistic.stream("tune")
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = StoryIndex()
    for n, variant in enumerate(articles):
        source = zlib.crc32(variant.outlet.encode())
        index.place(StoryInput(n, source, variant.url, None, None, variant.text, variant.published))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / len(index)


def grid(seed: int) -> None:
    """Each copy's best likeness to its own original on the tune half, and every pair of
    different stories measured there and in the generated corpus (with a looser candidate step,
    so that more near pairs are measured): how many of each a choice of thresholds lets
    through, with the facts borne out >= FACTS_AGREE."""
    from bot.stories import Likeness, StoryIndex, StoryInput
    from bot.stories.similarity import FACTS_AGREE
    from tests.stories import realistic
    from tests.stories.corpus import build_corpus

    articles = realistic.stream("tune")
    best: dict[int, Likeness] = {}
    negatives: list[Likeness] = []

    def observe(new: int, old: int, alike: Likeness) -> None:
        if articles[new].story != articles[old].story:
            negatives.append(alike)
        elif articles[old].kind == "original" and alike.score > getattr(best.get(new), "score", -1):
            best[new] = alike

    index = StoryIndex(observer=observe, candidate_share=0.1)
    for n, variant in enumerate(articles):
        source = zlib.crc32(variant.outlet.encode())
        index.place(StoryInput(n, source, variant.url, None, None, variant.text, variant.published))
        if variant.kind != "original":
            index.forget([n])
    corpus = build_corpus(seed)
    generated: list[Likeness] = []
    index = StoryIndex(
        observer=lambda new, old, alike: (
            generated.append(alike) if corpus[new].story != corpus[old].story else None
        ),
        candidate_share=0.1,
    )
    for n, item in enumerate(corpus):
        source = zlib.crc32(item.outlet.encode())
        index.place(
            StoryInput(
                n, source, item.url, item.canonical_url, item.guid, item.text, item.published
            )
        )
    kinds = ("cut", "aggregator", "edited")
    print()
    print(
        f"threshold grid: tune half ({len(negatives)} pairs of different stories measured) and "
        f"the generated corpus ({len(generated)}); recall counts copies whose best match to "
        "their original passes"
    )
    for name, found in (("tune half", negatives), ("generated", generated)):
        if found:
            print(f" {name}: the most contained different-story pair: ", end="")
            print(max(found, key=lambda a: a.contained))
        compared = [a for a in found if a.covered is not None]
        if compared:
            print(f" {name}: of those whose facts were compared, the one stating most: ", end="")
            print(max(compared, key=lambda a: a.covered or 0))
    print(
        f"{'contained':>10} {'stated':>7} {'wrong':>6} {'wrong gen':>10}"
        + "".join(f"{k:>12}" for k in kinds)
    )
    for containment in (0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
        for covered in (0.3, 0.4, 0.5, 0.6, 0.7):

            def passes(a: Likeness | None, c: float = containment, v: float = covered) -> bool:
                return (
                    a is not None
                    and a.contained >= c
                    and (a.facts or 0) >= FACTS_AGREE
                    and (a.covered or 0) >= v
                )

            cells = []
            for kind in kinds:
                ids = [n for n, v in enumerate(articles) if v.kind == kind]
                cells.append(f"{sum(passes(best.get(n)) for n in ids) / len(ids):>12.1%}")
            print(
                f"{containment:>10} {covered:>7} {sum(map(passes, negatives)):>6} "
                f"{sum(map(passes, generated)):>10}" + "".join(cells)
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tune", action="store_true", help="print the threshold grid too")
    args = parser.parse_args()

    from tests.stories import realistic

    figures = synthetic(args.seed)
    if realistic.available():
        figures["real"] = real(args.tune, args.seed)
    else:
        print(f"\n(the real-news part is skipped: {realistic.GOLD} is absent)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
