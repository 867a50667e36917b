"""Feed lists in and out: OPML (read with listparser, in any shape readers export, outlines nested
in folders included) or a plain list of URLs, and OPML 2.0 written for /sources export.

The input is untrusted: its size and entry count are capped, a document that declares its own
XML entities is refused, and nothing in it is fetched here (listparser fetches a string that looks
like a URL, so it is only ever given bytes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from bot.errors import UserFacingError

MAX_LIST_BYTES = 1024 * 1024
MAX_ENTRIES = 500
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_START = re.compile(rb"^\s*(\xef\xbb\xbf)?\s*<")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FeedListError(UserFacingError):
    """The list can't be read; the message says why."""


@dataclass(frozen=True, slots=True)
class ListedFeed:
    """A feed as a feed list names it."""

    url: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ExportedFeed:
    """A feed to write into an OPML export."""

    url: str
    title: str
    site_url: str | None = None


def read_feed_list(data: bytes) -> list[ListedFeed]:
    """The feeds an OPML file (or a plain list of URLs, one a line, ``#`` comments) lists, in
    order, each URL once. Raises FeedListError for what can't be read."""
    if len(data) > MAX_LIST_BYTES:
        raise FeedListError(
            f"The file is larger than {MAX_LIST_BYTES // 1024} KiB; split it into smaller ones."
        )
    feeds = _read_opml(data) if _XML_START.match(data) else _read_plain(data)
    unique: dict[str, ListedFeed] = {}
    for feed in feeds:
        unique.setdefault(feed.url, feed)
    if not unique:
        raise FeedListError("The file lists no feeds (no outline with an xmlUrl, and no URLs).")
    if len(unique) > MAX_ENTRIES:
        raise FeedListError(
            f"The file lists {len(unique)} feeds; at most {MAX_ENTRIES} are read at a time."
        )
    return list(unique.values())


def _read_opml(data: bytes) -> list[ListedFeed]:
    import listparser

    if _ENTITY.search(data):
        raise FeedListError(
            "The file defines its own XML entities (a DTD), which this bot does not read."
        )
    result = listparser.parse(bytes(data))
    feeds = [
        ListedFeed(url=str(entry["url"]).strip(), title=_title(entry.get("title")))
        for entry in result.get("feeds", [])
        if str(entry.get("url") or "").strip()
    ]
    if not feeds and result.get("bozo"):
        raise FeedListError(f"The file is not readable OPML ({result.get('bozo_exception')}).")
    return feeds


def _read_plain(data: bytes) -> list[ListedFeed]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedListError("The file is neither OPML nor UTF-8 text.") from None
    feeds = []
    for line in text.splitlines():
        url = line.strip()
        if url and not url.startswith("#"):
            feeds.append(ListedFeed(url=url))
    return feeds


def _title(value: object) -> str | None:
    text = _CONTROL.sub("", str(value or "")).strip()
    return text[:300] or None


def write_opml(feeds: Sequence[ExportedFeed], *, title: str, created: datetime) -> bytes:
    """An OPML 2.0 document listing ``feeds`` (one ``rss`` outline each, with its title)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(_xml_text(title))}</title>",
        f"    <dateCreated>{created:%a, %d %b %Y %H:%M:%S} GMT</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for feed in feeds:
        name = _xml_text(feed.title) or feed.url
        attributes = [
            'type="rss"',
            f"text={quoteattr(name)}",
            f"title={quoteattr(name)}",
            f"xmlUrl={quoteattr(_xml_text(feed.url))}",
        ]
        if feed.site_url:
            attributes.append(f"htmlUrl={quoteattr(_xml_text(feed.site_url))}")
        lines.append(f"    <outline {' '.join(attributes)}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


def _xml_text(value: str) -> str:
    """Without the characters XML 1.0 forbids (a feed title may carry them)."""
    return _CONTROL.sub("", value)
