"""Topic matching at scale: 100,000 topics against 10,000 articles on one core.

    python bench/match.py [--topics 100000] [--articles 10000]

Topics are a realistic mix (single words, several words, "phrases", OR groups, exclusions,
title: and source: filters) over a vocabulary of news words, people and places; articles are
assembled from the labelled news passages in tests/quotes/ (about 300 words each, with a title
and a lead). Reports articles/s, matches per article, the time to build the matcher, the time
to rebuild it after one topic changes, and memory. The last line is JSON.
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

DOMAINS = ["bbc.co.uk", "reuters.com", "apnews.com", "theguardian.com", "dw.com", "cbc.ca"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def vocabulary(texts: list[str]) -> tuple[list[str], list[str]]:
    """Words seen in the passages (by frequency) and capitalised names/places from them."""
    from collections import Counter

    from bot.topics import tokens

    words = Counter(w for t in texts for w in tokens(t) if len(w) > 3 and not w.isdigit())
    ranked = [w for w, _ in words.most_common()]
    # People subscribe to distinctive words, not to "said" or "would": skip the commonest.
    frequent = set(ranked[:400])
    common = ranked[400:5000]
    names = sorted(
        {w.lower() for t in texts for w in t.split() if w[:1].isupper() and w.isalpha()} - frequent
    )
    return common, names


def make_topics(
    count: int, common: list[str], names: list[str], rng: random.Random, skew: float = 2.0
) -> list[str]:
    """Topics as people type them: popular terms are shared by many, most are rare (a power
    law over a pool of news names and words, then synthetic people, firms and places that
    the articles mostly don't mention)."""
    from bot.quotes import FEMALE_NAMES, MALE_NAMES

    given = sorted(FEMALE_NAMES | MALE_NAMES)
    family = [n for n in names if len(n) > 4] or names
    people = [
        f'"{rng.choice(given)} {rng.choice(family)}{rng.choice(["", "son", "ova", "er"])}"'
        for _ in range(30_000)
    ]
    things = [
        f'"{rng.choice(common)} {rng.choice(["group", "fund", "port", "council", "bank"])}"'
        for _ in range(20_000)
    ]
    # People follow names and subjects, rarely a common word on its own.
    pool = names + people + things

    def word() -> str:
        return pool[int(len(pool) * rng.random() ** skew)]

    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.40:
            topic = word()
        elif roll < 0.60:
            topic = " ".join(word() for _ in range(rng.randint(2, 3)))
        elif roll < 0.80:
            topic = " OR ".join(word() for _ in range(rng.randint(2, 3)))
            if rng.random() < 0.5:
                topic = f"({topic}) {word()}"
        elif roll < 0.95:
            topic = f"{word()} -{word()}" + (f" -{word()}" if rng.random() < 0.3 else "")
        else:
            topic = (
                f"title:{word()}"
                if rng.random() < 0.6
                else f"source:{rng.choice(DOMAINS)} {word()}"
            )
        out.append(topic)
    return out


def make_articles(count: int, texts: list[str], rng: random.Random) -> list[object]:
    from bot.matcher import MatchInput

    articles = []
    for _ in range(count):
        parts = rng.sample(texts, 4)
        body = "\n\n".join(parts)
        first = parts[0].split(". ")[0]
        articles.append(
            MatchInput(first[:120], parts[1].split(". ")[0], body, f"news.{rng.choice(DOMAINS)}")
        )
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--topics", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--skew",
        type=float,
        default=2.0,
        help="how strongly topics favour the names the articles mention (1 = not at all)",
    )
    args = parser.parse_args()

    from bot.matcher import Matcher
    from bot.topics import TopicError, parse_topic
    from tests.quotes.scoring import HELDOUT, PASSAGES, load_passages

    rng = random.Random(11)
    texts = [p.text for p in load_passages(PASSAGES) + load_passages(HELDOUT)]
    common, names = vocabulary(texts)
    rss_before = rss_mb()

    started = time.perf_counter()
    parsed = {}
    for topic_id, typed in enumerate(make_topics(args.topics, common, names, rng, args.skew)):
        try:
            parsed[topic_id] = parse_topic(typed)
        except TopicError:
            continue
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    matcher = Matcher(parsed)
    build_s = time.perf_counter() - started
    rss_after = rss_mb()

    changed = dict(parsed)
    changed[next(iter(changed))] = parse_topic('"harbour bridge" reopening -sports')
    started = time.perf_counter()
    matcher = matcher.changed(changed)
    rebuild_s = time.perf_counter() - started

    articles = make_articles(args.articles, texts, rng)
    words = sum(len(a.text.split()) for a in articles) / len(articles)  # type: ignore[attr-defined]
    for article in articles[:50]:
        matcher.match(article)  # type: ignore[arg-type]
    matches = 0
    cpu_started = time.process_time()
    for article in articles:
        matches += len(matcher.match(article))  # type: ignore[arg-type]
    cpu = time.process_time() - cpu_started
    rate = len(articles) / cpu

    figures = {
        "topics": len(parsed),
        "distinct_topics": len({t.text for t in parsed.values()}),
        "articles": len(articles),
        "article_words_mean": round(words),
        "articles_per_s": round(rate, 1),
        "matches_per_article": round(matches / len(articles), 1),
        "parse_s": round(parse_s, 2),
        "build_s": round(build_s, 2),
        "rebuild_after_one_change_s": round(rebuild_s, 3),
        "matcher_rss_mb": round(rss_after - rss_before, 1),
        "process_rss_mb": round(rss_mb(), 1),
    }
    print(f"{figures['topics']} topics parsed in {parse_s:.2f} s; matcher built in {build_s:.2f} s")
    print(f"rebuild after one topic changed: {rebuild_s:.3f} s   target <= 1 s")
    print(
        f"{len(articles)} articles of {words:.0f} words: {rate:.0f} articles/s on one core "
        f"(target >= 2000), {matches / len(articles):.1f} matching topics per article"
    )
    print(f"memory: topics + matcher {rss_after - rss_before:.0f} MB; process {rss_mb():.0f} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
