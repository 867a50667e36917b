"""`newsbot stories FILE.jsonl` as a user runs it: a real subprocess on real files."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import cli_env
from tests.stories.test_index import article_text, leading


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "stories", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env=cli_env(),
        check=False,
    )


def corpus() -> list[dict[str, object]]:
    """An original, its cut copy published earlier in the file's order but later in time, an
    unrelated article, and an exact copy with an integer id."""
    first = "\n\n".join(article_text(11))
    other = "\n\n".join(article_text(12))
    cut = leading(article_text(11), 0.3)
    return [
        {"id": "cut", "url": "https://b.test/2", "source": "b.test",
         "published": "2026-12-07T12:00:00Z", "title": "Cut", "text": cut},
        {"id": "original", "url": "https://a.test/1", "source": "a.test",
         "published": "2026-12-07T09:00:00+00:00", "title": "Original", "text": first},
        {"id": "other", "url": "https://c.test/3", "source": "c.test",
         "published": "2026-12-07T10:00:00", "title": "Other", "text": other},
        {"id": 7, "url": "https://d.test/4", "source": "d.test", "published": 1796641200,
         "title": "Copy", "text": first},
    ]  # fmt: skip


def lines(output: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.decode().splitlines()]


def test_each_article_gets_its_story_in_input_order(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in corpus()), encoding="utf-8")
    result = run(str(path))
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == [
        {"id": "cut", "story": "original"},
        {"id": "original", "story": "original"},
        {"id": "other", "story": "other"},
        {"id": 7, "story": "original"},
    ]


def test_explain_gzip_and_stdin(tmp_path: Path) -> None:
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in corpus()).encode())
    result = run("--explain", "-", stdin=data)
    assert result.returncode == 0, result.stderr
    found = {line["id"]: line for line in lines(result.stdout)}
    assert found["cut"]["reason"] == "similar" and 0.5 <= found["cut"]["similarity"] <= 1
    assert found["original"] == {"id": "original", "story": "original", "reason": "new",
                                 "similarity": None}  # fmt: skip
    assert found[7]["reason"] == "text"


def test_bad_lines_are_named_in_their_place_and_the_rest_grouped(tmp_path: Path) -> None:
    good = corpus()[1]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b"not json\n"
        + json.dumps(good).encode() + b"\n"
        + b"\n"
        + b'{"id": "x", "text": "t", "published": "next tuesday"}\n'
        + b'{"id": "y"}\n'
        + b"[1, 2]\n"
        + json.dumps({**good, "url": "https://e.test/5"}).encode() + b"\n"
        + b'{"id": "z", "text": "caf\xe9"}\n'
        + b'{"id": true, "text": "t"}\n'
    )  # fmt: skip
    result = run(str(path))
    assert result.returncode == 1
    out = lines(result.stdout)
    assert [line.get("line") for line in out] == [1, None, 4, 5, 6, 7, 8, 9]
    assert out[1] == {"id": "original", "story": "original"}
    assert "not JSON" in str(out[0]["error"])
    assert out[2]["id"] == "x" and "not an ISO 8601 date" in str(out[2]["error"])
    assert "`text` is missing" in str(out[3]["error"])
    assert out[4]["error"] == "not a JSON object"
    assert out[5]["error"] == "`id` 'original' is also on line 2"
    assert "not UTF-8" in str(out[6]["error"])
    assert "`id` is missing" in str(out[7]["error"])


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    result = run(str(tmp_path / "missing.jsonl"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr.decode() and result.stdout == b""
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"id": 1, "text": "a"}\n' * 50)[:40])
    result = run(str(broken))
    assert result.returncode == 2 and "cannot read" in result.stderr.decode()


def test_an_article_joining_two_stories_makes_them_one(tmp_path: Path) -> None:
    """As the watcher merges them: every article of both ends in the older story, also those
    printed before the article that joined them."""
    paragraphs = article_text(7, at_least=450)
    half = len(paragraphs) // 2
    texts = {
        "first-half": "\n\n".join(paragraphs[:half]),
        "second-half": "\n\n".join(paragraphs[half:]),
        "whole": "\n\n".join(paragraphs),
    }
    records = [
        {"id": name, "source": f"{name}.test", "published": f"2026-12-07T{9 + n:02}:00:00Z",
         "text": text}
        for n, (name, text) in enumerate(texts.items())
    ]  # fmt: skip
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run(str(path))
    assert result.returncode == 0, result.stderr
    assert [line["story"] for line in lines(result.stdout)] == ["first-half"] * 3
