"""bench/extract_quality.py on a small benchmark made here: a clean page and a cluttered one,
scored against their true text (the public benchmark itself is never in the repository)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from html import escape
from pathlib import Path

from tests.conftest import cli_env
from tests.stories.test_index import article_text

ROOT = Path(__file__).resolve().parent.parent


def page(title: str, paragraphs: list[str], *, around: list[str], after: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    before = "".join(f"<p>{escape(p)}</p>" for p in around)
    tail = "".join(f"<p>{escape(p)}</p>" for p in after)
    return (
        f"<html><head><title>{escape(title)}</title></head><body><article>"
        f"<h1>{escape(title)}</h1>{before}{body}{tail}</article></body></html>"
    )


def run(*args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "extract_quality.py"), *args],
        capture_output=True,
        timeout=120,
        env=cli_env(),
        check=True,
    )
    return json.loads(result.stdout.decode().splitlines()[-1])


def test_the_filter_costs_a_clean_page_nothing_and_removes_clutter(tmp_path: Path) -> None:
    clean, cluttered = article_text(21), article_text(22)
    (tmp_path / "html").mkdir()
    pages = {
        "clean": page("Harbour works begin", clean, around=[], after=[]),
        "cluttered": page(
            "Council budget passes",
            cluttered,
            around=["Advertisement", "WATCH: the mayor on the budget vote"],
            after=["Source link", "Article categories:", "World", "Politics"],
        ),
    }
    for name, html in pages.items():
        (tmp_path / "html" / f"{name}.html.gz").write_bytes(gzip.compress(html.encode()))
    truth = {
        "clean": {"articleBody": "\n\n".join(clean), "url": "https://a.test/clean"},
        "cluttered": {"articleBody": "\n\n".join(cluttered), "url": "https://a.test/cluttered"},
    }
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    figures = run(str(tmp_path))
    assert figures["pages"] == 2
    ours, raw = figures["ours"], figures["ours, no line filter"]
    assert isinstance(ours, dict) and isinstance(raw, dict)
    assert ours["recall"] == raw["recall"] == 1.0
    assert ours["precision"] > raw["precision"]
    assert figures["filter_cost_pages"] == 0


def test_without_the_benchmark_it_says_so(tmp_path: Path) -> None:
    assert "skipped" in run(str(tmp_path / "missing"))
