"""``newsbot stories FILE.jsonl``: group a corpus of articles into stories, offline.

Each input line is a JSON object with ``id`` and ``text`` (required) and ``url``, ``source``,
``published`` and ``title`` (optional). Articles are placed in publication order, as the watcher
would place them, with the same story index; one line is printed per input line, in input order:
``{"id": ..., "story": ...}`` where ``story`` is the id of the story's first article. A line that
can't be read gets ``{"line": N, "error": ...}`` in its place (with its ``id`` when it had one).
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from bot.errors import CommandError

MAX_LINE_BYTES = 8 * 1024 * 1024
FALLBACK_TIME = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Record:
    """One article read from the input."""

    line: int
    id: str | int
    url: str
    source: str | None
    published: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class BadLine:
    """An input line that could not be read, and why."""

    line: int
    error: str
    id: str | int | None = None


def parse_line(number: int, raw: bytes) -> Record | BadLine | None:
    """One input line as a record, a bad line with the reason, or None for a blank line."""
    if len(raw) > MAX_LINE_BYTES:
        return BadLine(number, f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(number, f"not UTF-8 text (byte {exc.start})")
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        return BadLine(number, f"not JSON: {exc}")
    except RecursionError:
        return BadLine(number, "not JSON: nested too deeply")
    if not isinstance(value, dict):
        return BadLine(number, "not a JSON object")
    ident = value.get("id")
    if isinstance(ident, bool) or not isinstance(ident, str | int) or ident == "":
        return BadLine(number, "`id` is missing (a string or an integer)")
    body = value.get("text")
    if not isinstance(body, str):
        return BadLine(number, "`text` is missing or not a string", ident)
    for name in ("url", "source", "title"):
        if value.get(name) is not None and not isinstance(value[name], str):
            return BadLine(number, f"`{name}` is not a string", ident)
    try:
        published = _moment(value.get("published"))
    except ValueError as exc:
        return BadLine(number, f"`published` {exc}", ident)
    source = value.get("source") or None
    return Record(number, ident, value.get("url") or "", source, published, body)


def _moment(value: object) -> datetime | None:
    """An ISO 8601 date or time (no zone: UTC), or Unix seconds."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("is not a date")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"is out of range: {value}") from None
    if not isinstance(value, str):
        raise ValueError("is not a date")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"is not an ISO 8601 date: {value[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Grouped:
    """An article and the story it was placed in."""

    record: Record
    story: str | int
    reason: str
    similarity: float | None


def group(records: list[Record]) -> list[Grouped]:
    """Place the records in stories (in publication order; a record without a date is taken to
    be published with the record before it), in input order."""
    from bot.stories import Placement, StoryIndex, StoryInput

    first = next((r.published for r in records if r.published is not None), FALLBACK_TIME)
    moments: list[datetime] = []
    for record in records:
        moments.append(record.published or (moments[-1] if moments else first))
    sources: dict[str, int] = {}
    order = sorted(range(len(records)), key=lambda i: moments[i])
    index = StoryIndex()
    placements: dict[int, Placement] = {}
    merged_into: dict[int, int] = {}  # an absorbed story -> the story that absorbed it
    for i in order:
        record = records[i]
        if record.source is None:
            source = -1 - i  # each article without a source is a source of its own
        else:
            source = sources.setdefault(record.source, len(sources))
        placement = index.place(
            StoryInput(i, source, record.url, None, None, record.text, moments[i])
        )
        if placement.absorbed:  # as the watcher does: the stories it joins are one now
            index.merge(placement.story_id, placement.absorbed)
            merged_into.update(dict.fromkeys(placement.absorbed, placement.story_id))
        placements[i] = placement

    def story_of(story: int) -> int:
        while story in merged_into:
            story = merged_into[story]
        return story

    return [
        Grouped(
            records[i],
            records[story_of(placements[i].story_id)].id,
            placements[i].reason.value,
            placements[i].similarity,
        )
        for i in range(len(records))
    ]


def _lines(handle: IO[bytes]) -> Iterator[bytes]:
    """The lines of a file, each at most MAX_LINE_BYTES + 1 bytes (the rest of a longer line
    is read past in pieces, never held)."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        rest = line
        while len(rest) > MAX_LINE_BYTES and not rest.endswith(b"\n"):
            rest = handle.readline(MAX_LINE_BYTES + 1)
        yield line.rstrip(b"\r\n")


def _open(path: str) -> IO[bytes]:
    try:
        raw = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    if isinstance(raw, io.BufferedReader) and raw.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]  # (a binary IO)
    return raw


def read(path: str) -> list[Record | BadLine]:
    """The input's lines, as articles or bad lines."""
    handle = _open(path)
    try:
        parsed = (parse_line(n, raw) for n, raw in enumerate(_lines(handle), start=1))
        return [item for item in parsed if item is not None]
    except (OSError, EOFError) as exc:  # a corrupt or truncated gzip file
        raise CommandError(f"cannot read {path}: {exc}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def render(items: Iterable[Record | BadLine], grouped: list[Grouped], *, explain: bool) -> str:
    """One output line per input line."""
    out: list[str] = []
    done = iter(grouped)
    for item in items:
        if isinstance(item, BadLine):
            bad: dict[str, object] = {"line": item.line, "error": item.error}
            if item.id is not None:
                bad = {"id": item.id, **bad}
            out.append(json.dumps(bad, ensure_ascii=False))
            continue
        result = next(done)
        line: dict[str, object] = {"id": result.record.id, "story": result.story}
        if explain:
            line.update(reason=result.reason, similarity=result.similarity)
        out.append(json.dumps(line, ensure_ascii=False))
    return "".join(f"{line}\n" for line in out)


def run(path: str, *, explain: bool = False) -> int:
    """Group the file's articles and print one line per input line; 1 when some lines were
    bad (they are named in their place), 0 otherwise."""
    items = read(path)
    records: list[Record] = []
    seen: dict[str | int, int] = {}
    checked: list[Record | BadLine] = []
    for item in items:
        if isinstance(item, Record) and item.id in seen:
            checked.append(BadLine(item.line, f"`id` {item.id!r} is also on line {seen[item.id]}"))
            continue
        if isinstance(item, Record):
            seen[item.id] = item.line
            records.append(item)
        checked.append(item)
    sys.stdout.write(render(checked, group(records), explain=explain))
    sys.stdout.flush()
    return 1 if len(records) < len(checked) else 0
