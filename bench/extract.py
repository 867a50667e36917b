"""Article extraction throughput: ``bot.extract.extract_article`` on the demo's HTML pages.

    python bench/extract.py [--seconds 2.0]

Every page is extracted once first (so trafilatura's import and first-use set-up are not timed),
then the pages are extracted round after round until at least ``--seconds`` of work is done.
The last line is JSON.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="least time to measure")
    args = parser.parse_args()

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
    print(
        json.dumps(
            {
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
