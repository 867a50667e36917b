"""Topic matching at scale: 100,000 topics against 10,000 articles on one core.

    python bench/match.py [--topics 100000] [--articles 10000] [--reload-topics 20000]

Topics are a realistic mix (single words, several words, "phrases", OR groups, exclusions,
title: and source: filters) over a vocabulary of news words, people and places; articles are
assembled from the labelled news passages in tests/quotes/ (about 300 words each, with a title
and a lead). Reports articles/s, matches per article, the time to build the matcher, the time
to rebuild it after one topic changes, and memory.

Then what a change of topics costs a running bot with ``--reload-topics`` people's topics in
its store (a SQLite file): a full reload (every route and subscription read, parsed and matched
again, as every /subscribe, /unsubscribe and /alerts add did before topic changes were logged),
and a change taken in from the change log and patched into the matcher (one /subscribe of a new
word, one /unsubscribe, and a burst of 20 changes taken in at once). For each: the time it
takes, and the longest the event loop went without running anything else meanwhile (the
"stall", measured by a task that asks to wake every millisecond). The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

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


class StallMeter:
    """The longest the event loop was busy elsewhere while the meter ran."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.001)
            self.longest = max(self.longest, time.perf_counter() - asked - 0.001)

    async def __aenter__(self) -> StallMeter:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0.01)
        self.longest = 0.0
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        await asyncio.sleep(0.002)  # the tick waiting when the work ended is counted too
        self._task.cancel()


async def measure(work: Any) -> tuple[float, float]:
    """(seconds the work took, the longest stall of the loop meanwhile)."""
    async with StallMeter() as meter:
        started = time.perf_counter()
        await work()
        took = time.perf_counter() - started
    return took, meter.longest


async def reload_costs(typed: list[str]) -> dict[str, float]:
    """What a change of topics costs with these people's topics stored: see the docstring."""
    import tempfile
    from datetime import UTC, datetime

    from bot.matcher import Matcher
    from bot.routing import Router
    from bot.storage.repositories import Repositories
    from bot.subscriptions import Delivery, Topics
    from bot.topics import TopicError, parse_topic

    now = datetime.now(UTC)
    rows = []
    for n, text in enumerate(typed, 1):
        try:
            form = parse_topic(text).text
        except TopicError:
            continue
        row = {"id": n, "user_id": 10_000 + n, "guild_id": 1 + n % 200, "topic": form}
        rows.append(("subscriptions", row | {"typed": text, "delivery": "dm", "created_at": now}))
    with tempfile.TemporaryDirectory() as folder:
        store = Repositories.open(f"sqlite:///{folder}/topics.sqlite3")
        try:
            await store.database.migrate()
            await store.transfer.import_rows(rows)
            router = Router(store.topics)
            await router.reload()
            topics = Topics(
                topics=store.topics,
                queries=store.queries,
                guilds=store.guilds,
                quiet=store.quiet,
                per_user_cap=25,
                clock=lambda: now,
                on_change=router.changed,
            )

            async def full_reload() -> None:
                # What each change did before: read everything, parse everything, match again.
                found = {
                    -r.id: parse_topic(r.topic) for r in await store.topics.all_routes() if r.topic
                }
                for sub in await store.topics.all_subscriptions():
                    found[sub.id] = parse_topic(sub.topic)
                Matcher({}).changed(found)

            full = await measure(full_reload)
            add = await measure(
                lambda: topics.subscribe(5, 1, '"zebra crossing" harbourmaster', Delivery.DM)
            )
            remove = await measure(
                lambda: topics.unsubscribe(5, 1, '"zebra crossing" harbourmaster')
            )

            async def burst() -> None:
                # 20 people's changes committed, then taken in with one look.
                quiet = Topics(
                    topics=store.topics,
                    queries=store.queries,
                    guilds=store.guilds,
                    quiet=store.quiet,
                    per_user_cap=25,
                    clock=lambda: now,
                )
                for n in range(20):
                    await quiet.subscribe(7 + n, 2, f"newword{n} ferry", Delivery.DM)
                await router.refresh()

            burst_took, burst_stall = await measure(burst)
            assert router.full_loads == 1, "a change was not patched in"
        finally:
            await store.close()
    return {
        "reload_topics": len(rows),
        "full_reload_s": round(full[0], 3),
        "full_reload_stall_s": round(full[1], 3),
        "subscribe_patch_s": round(add[0], 4),
        "subscribe_patch_stall_s": round(add[1], 4),
        "unsubscribe_patch_s": round(remove[0], 4),
        "unsubscribe_patch_stall_s": round(remove[1], 4),
        "burst_20_changes_s": round(burst_took, 4),
        "burst_20_changes_stall_s": round(burst_stall, 4),
    }


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
    parser.add_argument(
        "--reload-topics",
        type=int,
        default=20_000,
        help="people's topics in the store when measuring what a change costs (0: skip)",
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
    if args.reload_topics:
        rng = random.Random(13)
        typed = make_topics(args.reload_topics, common, names, rng, args.skew)
        costs = asyncio.run(reload_costs(typed))
        figures.update(costs)
        print(f"with {costs['reload_topics']} topics stored, a change of topics costs:")
        print(
            f"  full reload (every change, before): {costs['full_reload_s']:.3f} s, "
            f"loop stalled {costs['full_reload_stall_s']:.3f} s"
        )
        for name, label in (
            ("subscribe_patch", "/subscribe of a new word, patched in"),
            ("unsubscribe_patch", "/unsubscribe, patched in"),
            ("burst_20_changes", "20 changes taken in at once"),
        ):
            print(
                f"  {label}: {costs[name + '_s'] * 1000:.1f} ms, "
                f"loop stalled {costs[name + '_stall_s'] * 1000:.1f} ms"
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
