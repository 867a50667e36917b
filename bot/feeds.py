"""Feed documents to items (pure; runs in the parser processes).

RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 go through feedparser; JSON Feed 1.x (which feedparser 6.0 does
not read) is mapped here. A page that is HTML rather than a feed is searched for
``<link rel="alternate">`` feed links so callers can follow them (autodiscovery).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin
from xml.sax import SAXException, SAXParseException

from bot.feed_xml import DECLARED_ENTITIES, declares_entities, without_middle_entries
from bot.urls import normalize_url

FEED_LINK_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/x.atom+xml",
        "application/x-atom+xml",
        "text/xml",
    }
)
XML_FEED_STARTS = (b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")
MAX_TITLE_CHARS = 1000
MAX_FIELD_CHARS = 100_000
FUTURE_SLACK = timedelta(minutes=10)
EARLIEST = datetime.min.replace(tzinfo=UTC)
"""Before every date a feed gives (which are all aware): the sort key of an item without one."""
ENTRIES_READ_PER_ITEM_KEPT = 10
"""A feed with more entries than this many times ``max_items`` (from each end) has the ones in
the middle dropped before parsing: parsing costs about a tenth of a millisecond per entry."""


class FeedError(Exception):
    """The document could not be read as a feed; the message says why in plain words."""


class NotAFeed(FeedError):
    """The document is an HTML page; ``alternates`` are the feed links it names (maybe none)."""

    def __init__(self, message: str, alternates: tuple[str, ...]) -> None:
        """The reason, and the feed links the HTML page offers instead."""
        super().__init__(message)
        self.alternates = alternates

    def __reduce__(self) -> tuple[type[NotAFeed], tuple[str, tuple[str, ...]]]:
        """Keep the alternates when the error crosses a process boundary (pickled)."""
        # Raised in a parser process; must survive the trip back.
        return (NotAFeed, (str(self), self.alternates))


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed, as the feed gave it (capped and cleaned)."""

    keys: tuple[str, ...]
    """Identity keys, strongest first (GUID, normalised link, title+date hash)."""
    title: str
    link: str | None
    guid: str | None
    summary_html: str
    content_html: str
    published: datetime | None
    author: str | None
    image: str | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed read from its document: its title and link, and its newest items."""

    kind: str
    title: str
    link: str | None
    items: tuple[FeedItem, ...]
    total_items: int
    """How many items the document held before de-duplication and the cap."""


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None,
    max_items: int,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse a fetched document into a feed, or raise FeedError / NotAFeed."""
    now = now or datetime.now(UTC)
    if not body.strip():
        raise FeedError("The server sent an empty document.")
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")) or ctype in {"application/feed+json", "application/json"}:
        return _parse_json_feed(body, url=url, max_items=max_items, now=now)
    if _looks_like_html(head, ctype):
        _raise_not_a_feed(body, url)
    return _parse_xml_feed(body, url=url, content_type=content_type, max_items=max_items, now=now)


def _looks_like_html(head: bytes, ctype: str) -> bool:
    lowered = head[:256].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return True
    # Servers label feeds text/html often enough that the document's own start wins.
    if lowered.startswith(XML_FEED_STARTS):
        return False
    return ctype in {"text/html", "application/xhtml+xml"}


def _raise_not_a_feed(body: bytes, url: str) -> None:
    alternates = discover_feed_links(body, url)
    if alternates:
        raise NotAFeed("This is a web page; it names a feed.", alternates)
    raise NotAFeed(
        'This is a web page, not a feed, and it names no feed (no <link rel="alternate">).',
        (),
    )


def _parse_xml_feed(
    body: bytes, *, url: str, content_type: str | None, max_items: int, now: datetime
) -> ParsedFeed:
    import feedparser

    if declares_entities(body):
        raise FeedError(DECLARED_ENTITIES)
    body, entries_in_document = without_middle_entries(body, ENTRIES_READ_PER_ITEM_KEPT * max_items)
    # No content-location: with a base URL feedparser joins every URI it meets, which costs a
    # third of its time; the few links used are joined against the feed's URL in _link instead.
    headers = {"content-type": content_type} if content_type else {}
    result = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    version = result.get("version") or ""
    entries = result.get("entries") or []
    problem = result.get("bozo_exception")
    # The lenient parser makes "items" out of almost any broken markup: keep those that say
    # something. Broken XML that yields none is an error; a well-formed feed with no items is not,
    # whatever its Content-Type or charset (those only set ``bozo`` too).
    parsed = (_xml_item(entry, url, now) for entry in entries)
    items = [item for item in parsed if _says_anything(item)]
    if (not version and not entries) or (isinstance(problem, SAXException) and not items):
        if not version and b"<html" in body[:4096].lower():
            _raise_not_a_feed(body, url)
        raise FeedError(f"The document is not a feed this bot can read{_problem(problem)}.")
    feed = result.get("feed") or {}
    return ParsedFeed(
        kind=version or "unknown",
        title=_short(_text(feed.get("title")), MAX_TITLE_CHARS),
        link=_link(feed.get("link"), url),
        items=_dedupe_and_cap(items, max_items),
        total_items=entries_in_document or len(entries),
    )


def _problem(problem: object) -> str:
    if isinstance(problem, SAXParseException):
        # Its line and column are of feedparser's rewritten copy, not of what the server sent.
        return f": its XML is broken ({problem.getMessage()})"
    return f": {_short(str(problem), 200)}" if problem else ""


def _says_anything(item: FeedItem) -> bool:
    return bool(item.title or item.link or item.guid or item.summary_html or item.content_html)


def _xml_item(entry: Mapping[str, Any], base: str, now: datetime) -> FeedItem:
    # The parsed entry's own keys, read past FeedParserDict's alias handling (a third of the
    # cost of building items otherwise).
    fields: dict[str, Any] = dict(entry)
    title = _short(_text(fields.get("title")), MAX_TITLE_CHARS)
    link = _link(fields.get("link"), base)
    guid = _text(fields.get("id")) or None
    parsed = fields.get("published_parsed") or fields.get("updated_parsed")
    published = _clamp(_from_struct_time(parsed), now) if parsed else None
    content = fields.get("content") or []
    content_html = _short(_text(content[0].get("value")), MAX_FIELD_CHARS) if content else ""
    return FeedItem(
        keys=item_keys(guid=guid, link=link, title=title, published=published),
        title=title,
        link=link,
        guid=guid,
        summary_html=_short(_text(fields.get("summary")), MAX_FIELD_CHARS),
        content_html=content_html,
        published=published,
        author=_short(_text(fields.get("author")), 200) or None,
        image=_xml_image(fields, base),
    )


def _xml_image(entry: dict[str, Any], base: str) -> str | None:
    for key in ("media_thumbnail", "media_content"):
        for media in entry.get(key) or []:
            medium = str(media.get("medium") or media.get("type") or "image")
            if media.get("url") and medium.startswith("image"):
                return _link(media["url"], base)
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return _link(link.get("href"), base)
    return None


def _parse_json_feed(body: bytes, *, url: str, max_items: int, now: datetime) -> ParsedFeed:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"The document is not valid JSON: {_short(str(exc), 120)}.") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError("The document is JSON but not a JSON Feed (no jsonfeed.org version).")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise FeedError("The JSON Feed has no list of items.")
    keep = ENTRIES_READ_PER_ITEM_KEPT * max_items
    read = raw_items if len(raw_items) <= 2 * keep else raw_items[:keep] + raw_items[-keep:]
    items = [_json_item(raw, url, now) for raw in read if isinstance(raw, dict)]
    version = str(doc["version"]).rsplit("/", 1)[-1].replace(".", "")
    return ParsedFeed(
        kind=f"json{version}",
        title=_short(_text(doc.get("title")), MAX_TITLE_CHARS),
        link=_link(doc.get("home_page_url"), url),
        items=_dedupe_and_cap(items, max_items),
        total_items=len(raw_items),
    )


def _json_item(raw: Mapping[str, Any], base: str, now: datetime) -> FeedItem:
    title = _short(_text(raw.get("title")), MAX_TITLE_CHARS)
    link = _link(raw.get("url") or raw.get("external_url"), base)
    guid = _text(raw.get("id")) or None
    published = _iso_date(raw.get("date_published") or raw.get("date_modified"), now)
    authors = raw.get("authors") or ([raw["author"]] if isinstance(raw.get("author"), dict) else [])
    names = [str(a.get("name")) for a in authors if isinstance(a, dict) and a.get("name")]
    content_html = _text(raw.get("content_html")) or _escape_text(_text(raw.get("content_text")))
    return FeedItem(
        keys=item_keys(guid=guid, link=link, title=title, published=published),
        title=title,
        link=link,
        guid=guid,
        summary_html=_short(_escape_text(_text(raw.get("summary"))), MAX_FIELD_CHARS),
        content_html=_short(content_html, MAX_FIELD_CHARS),
        published=published,
        author=_short(", ".join(names), 200) or None,
        image=_link(raw.get("image") or raw.get("banner_image"), base),
    )


def item_keys(
    *, guid: str | None, link: str | None, title: str, published: datetime | None
) -> tuple[str, ...]:
    """Identity keys of an item: GUID, else normalised link, else a hash of title + date.

    The link is kept as a second key even when there is a GUID, so a feed whose GUIDs change on
    every poll does not make its old items new again.
    """
    keys: list[str] = []
    if guid:
        keys.append("g:" + _digest(guid.strip()))
    if link:
        keys.append("u:" + _digest(normalize_url(link)))
    if not keys:
        stamp = published.isoformat() if published else ""
        keys.append("h:" + _digest(f"{title.strip().casefold()}|{stamp}"))
    return tuple(keys)


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _dedupe_and_cap(items: Iterable[FeedItem], max_items: int) -> tuple[FeedItem, ...]:
    seen: set[str] = set()
    unique: list[FeedItem] = []
    for item in items:
        if any(key in seen for key in item.keys):
            continue
        seen.update(item.keys)
        unique.append(item)
    if len(unique) > max_items and all(item.published for item in unique):
        unique.sort(key=lambda item: item.published or EARLIEST, reverse=True)
    return tuple(unique[:max_items])


def _clamp(moment: datetime, now: datetime) -> datetime:
    """A date in the future is a feed's mistake; it is read as 'now'."""
    return now if moment > now + FUTURE_SLACK else moment


def _iso_date(value: Any, now: datetime) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _clamp(moment.astimezone(UTC), now)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _short(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit]


def _escape_text(value: str) -> str:
    from html import escape

    return escape(value) if value else ""


def _link(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    link: str = value.strip()
    if link.startswith(("http://", "https://")):
        return link
    joined = urljoin(base, link)
    return joined if joined.startswith(("http://", "https://")) else None


class _FeedLinkFinder(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"])
        elif tag == "body":
            self.done = True
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";", 1)[0].strip().lower()
            href = values.get("href", "").strip()
            if "alternate" in rels and kind in FEED_LINK_TYPES and href:
                link = _link(href, self.base)
                if link and link not in self.links:
                    self.links.append(link)


def discover_feed_links(
    html: bytes, base: str, *, limit_bytes: int = 512 * 1024
) -> tuple[str, ...]:
    """Feed URLs named by ``<link rel="alternate" type="...">`` in an HTML page's head."""
    finder = _FeedLinkFinder(base)
    text = html[:limit_bytes].decode("utf-8", "replace")
    finder.feed(text)
    return tuple(finder.links)


def _from_struct_time(value: time.struct_time) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(value), UTC)
