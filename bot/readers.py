"""Files the operator hands newsbot: feed lists, HTML pages and texts for the offline tools,
database dumps, the starter sources file, and feed lists for ``newsbot sources import``.

Each reader caps what it reads and turns an unreadable input into a ``CommandError`` whose
message says what is wrong (the command line prints it and exits 2).
"""

from __future__ import annotations

import gzip
import sys
import zlib
from pathlib import Path
from typing import IO

from bot.errors import CommandError

MAX_PAGE_BYTES = 50 * 1024 * 1024
DEFAULT_SOURCES_FILE = Path(__file__).parent / "data" / "default_sources.txt"


def read_feed_file(path: str) -> list[str]:
    """The feed URLs of a file (one a line, # comments), each checked as a URL."""
    from bot.urls import InvalidURL, check_url

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read feeds file {path}: {exc}") from None
    urls: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            urls.append(check_url(line))
        except InvalidURL as exc:
            raise CommandError(f"{path}:{number}: {exc}") from None
    return urls


def read_page(path: str) -> bytes:
    """Bytes of an HTML page from a file or stdin ('-'), gunzipped when compressed."""
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_PAGE_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise CommandError(exc.strerror or str(exc)) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            inflated = inflater.decompress(raw, MAX_PAGE_BYTES + 1)
        except zlib.error as exc:
            raise CommandError(f"not a readable gzip file ({exc})") from None
        if not inflater.eof and len(inflated) <= MAX_PAGE_BYTES:
            raise CommandError("not a readable gzip file (it ends too soon)")
        raw = inflated
    if len(raw) > MAX_PAGE_BYTES:
        raise CommandError(f"larger than {MAX_PAGE_BYTES // (1024 * 1024)} MiB")
    return raw


def read_text(path: str, *, html: bool) -> str:
    """An input as the quotation finder reads it: a text file decoded as UTF-8 (newlines as
    they are), or an HTML page's extracted article text."""
    raw = read_page(path)
    if html:
        from bot.extract import ExtractionError, extract_article

        try:
            return extract_article(raw).text
        except ExtractionError as exc:
            raise CommandError(str(exc)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"not UTF-8 text (byte {exc.start})") from None


def open_dump(path: str, *, write: bool) -> IO[str]:
    """A database dump (JSON lines) to write or read; gzip-compressed when named ``.gz``."""
    if path.endswith(".gz"):
        return gzip.open(path, "wt" if write else "rt", encoding="utf-8")
    return open(path, "w" if write else "r", encoding="utf-8")


def read_default_sources(path: Path) -> list[str]:
    """The operator's starter feeds: one URL a line, # comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def read_starter_sources(path: Path | None) -> list[str]:
    """The starter feeds ``/sources defaults`` adds: DEFAULT_SOURCES_FILE, or the bundled list."""
    chosen = path or DEFAULT_SOURCES_FILE
    try:
        return read_default_sources(chosen)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read DEFAULT_SOURCES_FILE {chosen}: {exc}") from None


def read_list_file(path: str) -> bytes:
    """An OPML file or URL list from a file or stdin ('-'), at most MAX_LIST_BYTES (+1 byte,
    so an oversized list is refused by the reader that parses it)."""
    from bot.opml import MAX_LIST_BYTES

    try:
        if path == "-":
            return sys.stdin.buffer.read(MAX_LIST_BYTES + 1)
        with open(path, "rb") as handle:
            return handle.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
