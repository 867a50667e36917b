"""Article extraction throughput: ``bot.extract.extract_article`` on the demo's HTML pages,
and its worst case: pages of many short paragraphs.

    python bench/extract.py [--seconds 2.0] [--paragraphs 10000,20000,...] [--uncapped]

Every page is extracted once first (so trafilatura's import and first-use set-up are not timed),
then the pages are extracted round after round until at least ``--seconds`` of work is done.

The worst case is a page of N ``<p>Said he.</p>`` paragraphs (340,000 of them are 5 MB, under
MAX_BODY_BYTES), extracted once per N: its time per character of page must not grow with N
(before the page was cut at MAX_PAGE_ELEMENTS it grew with N: 340,000 took 424 s).
``--uncapped`` lifts that cut to show the old growth (keep N small then). The last line is JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "bot" / "demo_data" / "www"
MAX_ROUNDS = 10_000


WORST_CASE_PARAGRAPHS = "10000,20000,40000,80000,160000,340000"


def worst_case_page(paragraphs: int) -> bytes:
    return (
        b"<!DOCTYPE html><html><head><title>Short paragraphs</title></head><body><article>"
        + b"<p>Said he.</p>" * paragraphs
        + b"</article></body></html>"
    )


def worst_case(sizes: list[int], *, uncapped: bool) -> list[dict[str, float]]:
    """Each page of the family extracted once: seconds, and microseconds per character."""
    import bot.extract
    from bot.extract import ExtractionError, extract_article

    if uncapped:
        bot.extract.MAX_PAGE_ELEMENTS = bot.extract.MAX_PAGE_TEXT_CHARS = 1 << 40
    rows = []
    for paragraphs in sizes:
        page = worst_case_page(paragraphs)
        cpu_started = time.process_time()
        started = time.perf_counter()
        with contextlib.suppress(ExtractionError):
            extract_article(page, url="http://127.0.0.1/said-he.html")
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        rows.append(
            {
                "paragraphs": paragraphs,
                "chars": len(page),
                "seconds": round(seconds, 3),
                "cpu_s": round(cpu, 3),
                "us_per_char": round(cpu * 1e6 / len(page), 4),
            }
        )
        print(
            f"  {paragraphs:>8} paragraphs {len(page) / 1e6:6.2f} MB  {seconds:8.2f} s "
            f"({cpu:6.2f} CPU-s)  {cpu * 1e6 / len(page):7.3f} CPU-µs per character",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="least time to measure")
    parser.add_argument(
        "--paragraphs",
        default=WORST_CASE_PARAGRAPHS,
        help="sizes of the worst-case family (comma-separated paragraph counts; empty: none)",
    )
    parser.add_argument(
        "--uncapped", action="store_true", help="lift the page cut (shows the old growth)"
    )
    args = parser.parse_args()
    sizes = [int(n) for n in args.paragraphs.split(",") if n.strip()]

    from bot.extract import ExtractionError, extract_article

    paths = sorted(PAGES.glob("**/*.html"))
    if not paths:
        raise SystemExit(f"no HTML pages under {PAGES}")
    pages = [(path, path.read_bytes()) for path in paths]
    url_of = {path: "http://127.0.0.1/" + str(path.relative_to(PAGES)) for path in paths}

    failed: set[Path] = set()
    started = time.perf_counter()
    for path, html in pages:
        try:
            extract_article(html, url=url_of[path])
        except ExtractionError:
            failed.add(path)
    warmup = time.perf_counter() - started

    per_page: dict[Path, list[float]] = {path: [] for path, _ in pages}
    rounds = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    while rounds < MAX_ROUNDS and (rounds == 0 or time.perf_counter() - started < args.seconds):
        for path, html in pages:
            t0 = time.perf_counter()
            # A page without text was reported in the warm-up; its time still counts.
            with contextlib.suppress(ExtractionError):
                extract_article(html, url=url_of[path])
            per_page[path].append(time.perf_counter() - t0)
        rounds += 1
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    count = rounds * len(pages)

    total_bytes = sum(len(html) for _, html in pages)
    print(
        f"extract_article on {len(pages)} pages ({total_bytes / 1024:.0f} KiB) from {PAGES}, "
        f"{rounds} rounds; warm-up (first use, trafilatura import) {warmup:.2f} s"
    )
    print(f"  {'page':<60} {'KiB':>6} {'mean ms':>8}")
    for path, html in pages:
        mark = "  (no text)" if path in failed else ""
        name = str(path.relative_to(PAGES))
        mean_ms = statistics.fmean(per_page[path]) * 1000
        print(f"  {name:<60} {len(html) / 1024:6.1f} {mean_ms:8.2f}{mark}")
    mean_ms = wall * 1000 / count
    print(
        f"\n  {count} extractions in {wall:.2f} s: {mean_ms:.2f} ms per page (mean), "
        f"{count / wall:.1f} pages/s on one core ({cpu * 1000 / count:.2f} CPU-ms per page)"
    )
    family: list[dict[str, float]] = []
    if sizes:
        cut = "not cut (--uncapped)" if args.uncapped else "cut at MAX_PAGE_ELEMENTS"
        print(f"\nworst case, many short paragraphs (<p>Said he.</p>), {cut}:")
        family = worst_case(sizes, uncapped=args.uncapped)
        per_char = [row["us_per_char"] for row in family]
        growth = per_char[-1] / per_char[0]
        print(
            f"  time per character, largest vs smallest page: {growth:.2f}x "
            f"({'does not grow' if growth <= 1.1 else 'GROWS'}); "
            f"slowest page {max(row['cpu_s'] for row in family):.2f} CPU-s"
        )
    print(
        json.dumps(
            {
                "worst_case": family,
                "worst_case_growth": round(family[-1]["us_per_char"] / family[0]["us_per_char"], 3)
                if family
                else None,
                "worst_case_max_cpu_s": max((row["cpu_s"] for row in family), default=None),
                "worst_case_uncapped": args.uncapped,
                "pages": len(pages),
                "rounds": rounds,
                "extractions": count,
                "wall_s": round(wall, 3),
                "mean_ms_per_page": round(mean_ms, 3),
                "pages_per_s": round(count / wall, 1),
                "cpu_ms_per_page": round(cpu * 1000 / count, 3),
                "warmup_s": round(warmup, 3),
                "pages_without_text": len(failed),
            }
        )
    )


if __name__ == "__main__":
    main()
