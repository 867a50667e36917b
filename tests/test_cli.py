"""The command line as a user runs it: real subprocesses, real files, loopback feeds."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_WWW, FeedServer, cli_env, rss

NATO_PAGE = DEMO_WWW / "globaltimes" / "2022" / "01" / "nato-chief-warns-real-risk.html"


def run(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env=cli_env(),
        cwd=cwd,
        check=False,
    )


async def run_async(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=cli_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_poll_once_twice_the_second_run_is_a_steady_poll(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    items = [
        {"title": f"T{n}", "guid": f"g{n}", "link": feed_server.url(f"p/{n}")} for n in range(3)
    ]
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(
        "# two feeds\n"
        + feed_server.serve("a.xml", rss(items), headers={"ETag": '"a1"'})
        + "\n\n"
        + feed_server.serve("b.xml", rss(items), headers={"ETag": '"b1"'})
        + "\n"
    )
    db = tmp_path / "poll.sqlite3"
    args = ("poll", "--once", "--feeds", str(feeds), "--db", str(db))
    code, out, err = await run_async(*args, cwd=tmp_path, ALLOW_PRIVATE_ADDRESSES="true")
    assert code == 0, err
    assert "2 ok, 0 failed (0 not modified)" in out
    code, out, err = await run_async(
        *args, cwd=tmp_path, ALLOW_PRIVATE_ADDRESSES="true", PYTHONPROFILEIMPORTTIME="1"
    )
    assert code == 0, err
    assert "polled 2 sources" in out and "2 ok, 0 failed (2 not modified); 0 new items" in out
    # A steady poll imports only what it uses: no parser, extractor, language model, migration
    # tool, chart library or Discord client, and not the quotation finder's patterns.
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in err.splitlines()
        if line.startswith("import time:")
    }
    assert "bot.storage.repositories" in imported and "aiohttp" in imported  # the trace is there
    unused = [
        "spacy", "trafilatura", "feedparser", "lxml", "alembic", "matplotlib", "discord",
        "bot.quotes.find", "bot.quotes.lexicon", "bot.quotes.nlp",
    ]  # fmt: skip
    assert [name for name in unused if name in imported] == []
    assert out.rstrip().endswith("0 new articles; 0 degraded, 0 to retry, 0 given up")
    assert [r.headers.get("If-None-Match") for r in feed_server.requests[-2:]] in (
        ['"a1"', '"b1"'],
        ['"b1"', '"a1"'],
    )


async def test_poll_refuses_loopback_feeds_by_default(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feed_server.serve("a.xml", rss([])) + "\n")
    code, out, err = await run_async(
        "poll", "--once", "--feeds", str(feeds), "--db", str(tmp_path / "x.sqlite3"), cwd=tmp_path
    )
    assert code == 0
    assert "0 ok, 1 failed" in out
    assert "private or local network" in err
    assert feed_server.hits == {}


def test_poll_with_a_bad_url_in_the_feeds_file_exits_2(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://example.com/rss\nftp://example.com/feed\n")
    result = run("poll", "--once", "--feeds", str(feeds), "--db", str(tmp_path / "d.sqlite3"))
    assert result.returncode == 2
    assert f"{feeds}:2:" in result.stderr.decode() and "`ftp:`" in result.stderr.decode()


def test_poll_with_a_missing_feeds_file_exits_2(tmp_path: Path) -> None:
    result = run(
        "poll", "--once", "--feeds", str(tmp_path / "nope.txt"), "--db", str(tmp_path / "d")
    )
    assert result.returncode == 2
    assert "cannot read feeds file" in result.stderr.decode()


def test_bad_arguments_exit_2() -> None:
    assert run("poll", "--frobnicate").returncode == 2
    assert run("nonsense").returncode == 2


def test_extract_handles_several_pages_gzip_and_a_bad_path_in_one_run(tmp_path: Path) -> None:
    compressed = tmp_path / "nato.html.gz"
    compressed.write_bytes(gzip.compress(NATO_PAGE.read_bytes()))
    other = next(iter(sorted(DEMO_WWW.glob("herald/2026/11/*.html"))))
    missing = tmp_path / "missing.html"
    result = run("extract", str(compressed), str(missing), str(other))
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["path"] for line in lines] == [str(compressed), str(missing), str(other)]
    nato, bad, good = lines
    assert set(nato) == {"path", "title", "author", "published", "site", "image", "lead", "text"}
    assert nato["title"].startswith("NATO chief warns")
    assert nato["published"] == "2022-01-12T18:30:00+00:00"
    assert "Source link" not in nato["text"]
    assert "error" in bad and "No such file" in bad["error"]
    assert good["lead"] and "error" not in good


def test_extract_reads_stdin_and_uses_the_given_url() -> None:
    result = run("extract", "-", "--url", "https://example.com/story", stdin=NATO_PAGE.read_bytes())
    assert result.returncode == 0
    (line,) = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert line["path"] == "-" and line["lead"].startswith("NATO said on Wednesday")


def test_extract_of_a_page_without_an_article_reports_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><nav>Home</nav></body></html>")
    result = run("extract", str(empty))
    assert result.returncode == 1
    assert "error" in json.loads(result.stdout)


def test_extract_of_a_corrupt_gzip_file_is_unreadable_input(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = run("extract", str(broken))
    assert result.returncode == 2
    assert "cannot read input" in json.loads(result.stdout)["error"]


def test_migrate_creates_then_reports_up_to_date(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    first = run("migrate", "--db", str(db))
    assert first.returncode == 0 and "migrated to revision" in first.stdout.decode()
    second = run("migrate", "--db", str(db))
    assert second.returncode == 0 and "already at revision" in second.stdout.decode()


def test_migrate_uses_database_url_from_dotenv_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'env.sqlite3'}\n")
    result = run("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.sqlite3").exists()


def test_quotes_spans_index_the_input_exactly_as_read(tmp_path: Path) -> None:
    text = (
        "Intro line.\r\n\r\n“We will rebuild,” said Mayor Lena Fischer.\r\n\r\n"
        "Über “alles” fine.\r\n"
    )
    path = tmp_path / "crlf.txt"
    path.write_bytes(text.encode("utf-8"))
    result = run("quotes", str(path))
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert set(line) == {"path", "text", "speaker", "speaker_kind", "role", "cue", "key", "spans"}
    assert line["speaker"] == "Lena Fischer" and line["role"] == "Mayor" and line["cue"] == "said"
    assert line["speaker_kind"] == "person"
    ((start, end),) = line["spans"]
    assert text[start:end] == "We will rebuild,"


def test_quotes_reads_several_files_and_reports_unreadable_ones(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("“The bridge opens on Monday,” said Ana Duarte, the minister.", "utf-8")
    latin = tmp_path / "latin.txt"
    latin.write_bytes('"Caf\xe9 society," she said.'.encode("latin-1"))
    result = run("quotes", str(good), str(latin), str(tmp_path / "missing.txt"), str(good))
    assert result.returncode == 2
    paths = [json.loads(x)["path"] for x in result.stdout.decode().splitlines()]
    assert paths == [str(good), str(good)]
    err = result.stderr.decode()
    assert "latin.txt: not UTF-8" in err and "missing.txt: No such file" in err


def test_quotes_from_html_pages_and_stdin() -> None:
    result = run("quotes", "--html", "-", stdin=NATO_PAGE.read_bytes())
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.decode().splitlines()]
    speakers = [line["speaker"] for line in lines]
    assert speakers == [
        "Jens Stoltenberg",
        "Jens Stoltenberg",
        "Rose Gottemoeller",
        "Kaja Kallas",
        "Kaja Kallas",
    ]
    assert sum(line["key"] for line in lines) == 3


@pytest.mark.both_engines
async def test_database_urls_as_people_write_them_use_the_async_drivers(
    database_url: str, tmp_path: Path
) -> None:
    """``sqlite:///`` means aiosqlite; ``postgresql://`` and ``postgres://`` mean asyncpg."""
    scheme, rest = database_url.split("://", 1)
    plain = {"sqlite+aiosqlite": ["sqlite"], "postgresql+asyncpg": ["postgresql", "postgres"]}
    for written in plain[scheme]:
        code, out, err = await run_async(
            "migrate", cwd=tmp_path, DATABASE_URL=f"{written}://{rest}"
        )
        assert code == 0, err
        assert "revision" in out


def test_a_database_url_of_any_other_scheme_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for url, shown in (
        ("mysql://newsbot:s3cret@db.internal/newsbot", "not mysql://"),
        ("sqlite+pysqlite:///newsbot.db", "not sqlite+pysqlite://"),
        ("newsbot.db", "this one has no scheme"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            capture_output=True,
            timeout=60,
            env=cli_env(DATABASE_URL=url),
            cwd=tmp_path,
            check=False,
        )
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("newsbot migrate: invalid settings (environment or .env): ")
        assert "DATABASE_URL: must start with sqlite://, postgresql:// or postgres://" in err
        assert shown in err and "s3cret" not in err
    assert list(tmp_path.iterdir()) == []


def test_extract_reports_a_page_that_breaks_the_extractor_and_reads_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.extract
    from bot.__main__ import main

    real = bot.extract.extract_article

    def breaks_on_poison(html: bytes | str, *, url: str | None = None) -> object:
        if b"Poison" in (html if isinstance(html, bytes) else html.encode()):
            raise TypeError("'<' not supported between instances of 'Person' and 'Person'")
        return real(html, url=url)

    monkeypatch.setattr(bot.extract, "extract_article", breaks_on_poison)
    poison = tmp_path / "poison.html"
    poison.write_text("<html><body><p>Poison</p></body></html>")
    status = main(["extract", str(poison), str(NATO_PAGE)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [line["path"] for line in lines] == [str(poison), str(NATO_PAGE)]
    assert lines[0] == {
        "path": str(poison),
        "error": "extraction failed: TypeError: '<' not supported between instances of "
        "'Person' and 'Person'",
    }
    assert lines[1]["title"].startswith("NATO chief warns")


def test_quotes_reports_an_input_that_breaks_the_finder_and_reads_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.quotes
    from bot.__main__ import main

    real = bot.quotes.find_quotations

    def breaks_on_poison(text: str, nlp: object) -> object:
        if "Poison" in text:
            raise TypeError("'<' not supported between instances of 'Person' and 'Person'")
        return real(text, nlp)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.quotes, "find_quotations", breaks_on_poison)
    poison = tmp_path / "poison.txt"
    poison.write_text("“Poison is here,” said Ana Duarte, the minister.", "utf-8")
    good = tmp_path / "good.txt"
    good.write_text("“The bridge opens on Monday,” said Ana Duarte, the minister.", "utf-8")
    status = main(["quotes", str(poison), str(good)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert lines[0] == {
        "path": str(poison),
        "error": "finding quotations failed: TypeError: '<' not supported between instances "
        "of 'Person' and 'Person'",
    }
    assert [(line["path"], line["speaker"]) for line in lines[1:]] == [(str(good), "Ana Duarte")]


def test_quotes_say_what_kind_of_speaker_each_is(tmp_path: Path) -> None:
    path = tmp_path / "kinds.txt"
    path.write_text(
        "“We have never expressed interest in the firearm,” the Smithsonian Institution said.\n\n"
        "“The gap is too wide for anyone to close this year,” said a Nevada Democrat.\n\n"
        "“We will rebuild every home the storm destroyed,” said Mayor Lena Fischer.\n",
        "utf-8",
    )
    result = run("quotes", str(path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert [(x["speaker"], x["speaker_kind"]) for x in lines] == [
        ("the Smithsonian Institution", "organisation"),
        ("a Nevada Democrat", "description"),
        ("Lena Fischer", "person"),
    ]
