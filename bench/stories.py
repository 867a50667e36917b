"""Grouping copies into stories: recall per kind of copy, false merges, speed.

    python bench/stories.py [--seed 7]

Runs the story index over the test corpus of tests/stories/ (originals; their copies made the
way syndication makes them: exact, with a wire dateline, wrapped in an aggregator's page, cut to
60 %, lightly edited, re-headlined, updated at the same URL; and over a thousand distinct
articles on the same people and places, template pages and one-line items as negatives), in
publication order, as the watcher would. Prints recall per kind (copies placed in their
original's story), false merges (articles placed in a story that isn't theirs) and articles per
second on one core. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"exact": 1.0, "wrapped": 1.0, "truncated": 0.95, "edited": 0.70}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from bot.stories import StoryIndex, StoryInput
    from tests.stories.corpus import build_corpus

    corpus = build_corpus(args.seed)
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

    print(f"{len(inputs)} articles ({distinct} distinct stories' first articles and negatives)")
    print(f"{'kind':<12} {'copies':>7} {'recall':>8} {'target':>8}")
    for kind, value in recall.items():
        target = TARGETS.get(kind)
        mark = "" if target is None else ("ok" if value >= target else "MISSED")
        shown = f"{target:.0%}" if target is not None else "-"
        print(f"{kind:<12} {total[kind]:>7} {value:>8.1%} {shown:>8} {mark}")
    print(f"false merges: {sum(false_merges.values())} {dict(false_merges)} (target 0)")
    print(f"speed: {rate:.0f} articles/s on one core (target >= 500)")
    figures = {
        "articles": len(inputs),
        **{f"recall_{k}": round(v, 4) for k, v in recall.items()},
        "false_merges": sum(false_merges.values()),
        "false_merges_by_kind": dict(false_merges),
        "articles_per_s": round(rate, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
