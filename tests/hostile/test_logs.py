"""Log injection: text from a feed (a link, a title, an error a server caused) can't forge a log
line or write terminal escape sequences. Log calls quote outside values (``%r``), and the one
formatter (``bot.logs``) keeps every record's message on one line and indents its traceback."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.logs import FORMAT, TRACE, SafeFormatter, one_line
from bot.watcher import Watcher
from tests.conftest import Clock, FeedServer

FORGED = "2026-11-28 10:00:00,000 ERROR   bot.watcher: the database was deleted"
RECORD_START = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL)"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

HOSTILE_LINKS = {
    "newline and a forged line": f"https://news.example/a\n{FORGED}",
    "carriage return": f"https://news.example/a\r{FORGED}",
    "ANSI colour and screen clear": "https://news.example/\x1b[31mred\x1b[2J\x1b[0m",
    "unicode line separator": f"https://news.example/a\u2028{FORGED}",
    "direction override": "https://news.example/\u202eexe.txt",
}


class Counting(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def the_log() -> Iterator[tuple[io.StringIO, Counting]]:
    """The root logger as production configures it (bot.logs), written to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter())
    counting = Counting()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.addHandler(counting)
    root.setLevel(logging.DEBUG)
    try:
        yield stream, counting
    finally:
        root.removeHandler(handler)
        root.removeHandler(counting)
        root.setLevel(level)


def assert_one_line_per_record(text: str, records: int) -> None:
    lines = text.splitlines()
    starts = [line for line in lines if RECORD_START.match(line)]
    assert len(starts) == records, text
    for line in lines:
        assert RECORD_START.match(line) or line[:1].isspace(), line
        assert CONTROL.search(line) is None, line


def json_feed(link: str, *, title: str) -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Hostile",
            "items": [
                {"id": "1", "url": "https://news.example/old", "title": "Old"},
                {"id": link, "url": link, "title": title, "content_text": "Text."},
            ],
        }
    )


@pytest.mark.parametrize("case", list(HOSTILE_LINKS))
async def test_a_feed_link_cannot_forge_a_log_line(
    watcher: Watcher, feed_server: FeedServer, clock: Clock, case: str
) -> None:
    link = HOSTILE_LINKS[case]
    path = "feed.json"
    url = feed_server.serve(
        path, json_feed("https://news.example/old", title="Old"), content_type="application/json"
    )
    await watcher.add_source(url)
    feed_server.serve(
        path, json_feed(link, title=f"Title \x1b[5m{case}"), content_type="application/json"
    )
    clock.advance(3600)
    with the_log() as (stream, counting):
        report = await watcher.poll_due()
    assert report.sources_ok == 1
    mine = [r for r in counting.records if r.name.startswith(("bot", "cogs"))]
    assert any("news.example" in r.getMessage() for r in mine)  # the link was logged...
    for record in mine:  # ...quoted where it was logged, not only by the formatter
        assert CONTROL.search(record.getMessage()) is None, record.getMessage()
    assert_one_line_per_record(stream.getvalue(), len(counting.records))
    assert not any(line.startswith(FORGED) for line in stream.getvalue().splitlines())


def test_a_traceback_holding_outside_text_stays_inside_its_record() -> None:
    with the_log() as (stream, counting):
        try:
            raise ValueError(f"bad item\n{FORGED}\x1b[31m")
        except ValueError:
            logging.getLogger("bot.test").exception("failed on %s", "x\ny")
    assert_one_line_per_record(stream.getvalue(), len(counting.records))
    assert "ValueError: bad item" in stream.getvalue()


def test_a_worker_traceback_given_as_text_stays_inside_its_record() -> None:
    with the_log() as (stream, counting):
        logging.getLogger("bot.test").warning(
            "item %r kept without its quotes",
            "x",
            extra={TRACE: f"Traceback (most recent call last):\n{FORGED}\x1b[31m\n"},
        )
    assert_one_line_per_record(stream.getvalue(), len(counting.records))
    assert "  Traceback (most recent call last):" in stream.getvalue()


def test_the_format_is_the_one_configured() -> None:
    assert SafeFormatter()._fmt == FORMAT
    assert one_line("a\nb\x1b[0m\u202e") == "a\\nb\\x1b[0m\\u202e"
