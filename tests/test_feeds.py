"""Feed parsing: formats, identity, caps, autodiscovery (pure)."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime

import pytest

from bot.feeds import FeedError, NotAFeed, discover_feed_links, item_keys, parse_feed
from tests.conftest import DEMO_WWW, rss

URL = "http://news.test/feed"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def parse(body: str | bytes, content_type: str | None = "application/rss+xml", **kw: int):  # type: ignore[no-untyped-def]
    data = body.encode() if isinstance(body, str) else body
    return parse_feed(
        data, url=URL, content_type=content_type, max_items=kw.get("max_items", 100), now=NOW
    )


RSS10 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
 <channel rdf:about="http://news.test/"><title>RDF News</title><link>http://news.test/</link>
  <description>d</description></channel>
 <item rdf:about="http://news.test/a"><title>First</title><link>http://news.test/a</link>
  <dc:date>2026-11-27T10:00:00Z</dc:date></item>
</rdf:RDF>"""
RSS091 = """<?xml version="1.0"?><rss version="0.91"><channel><title>Old News</title>
<link>http://news.test/</link><description>d</description><language>en</language>
<item><title>Oldie</title><link>http://news.test/old</link><description>x</description></item>
</channel></rss>"""
ATOM03 = """<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">
<title>Atom Zero</title><link rel="alternate" type="text/html" href="http://news.test/"/>
<modified>2026-11-27T10:00:00Z</modified>
<entry><title>Entry</title><link rel="alternate" type="text/html" href="http://news.test/e"/>
<id>tag:news.test,2026:e</id><issued>2026-11-27T10:00:00Z</issued>
<modified>2026-11-27T10:00:00Z</modified></entry></feed>"""
ATOM10 = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom One</title><link href="http://news.test/"/><updated>2026-11-27T10:00:00Z</updated>
<id>urn:x</id><entry><title>Entry</title><link href="http://news.test/e1"/><id>urn:e1</id>
<updated>2026-11-27T10:00:00Z</updated><author><name>Ana Reyes</name></author>
<summary>Sum</summary></entry></feed>"""


@pytest.mark.parametrize(
    ("body", "kind", "title"),
    [
        (RSS10, "rss10", "RDF News"),
        (RSS091, "rss091u", "Old News"),
        (ATOM03, "atom03", "Atom Zero"),
        (ATOM10, "atom10", "Atom One"),
    ],
)
def test_xml_feed_formats_are_read(body: str, kind: str, title: str) -> None:
    feed = parse(body)
    assert feed.kind == kind
    assert feed.title == title
    assert len(feed.items) == 1
    assert feed.items[0].link is not None


def test_json_feed_is_read() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON News",
        "home_page_url": "http://news.test/",
        "items": [
            {
                "id": "1",
                "url": "http://news.test/j1",
                "title": "Jay",
                "content_text": "Plain <text> & more",
                "date_published": "2026-11-27T10:00:00+01:00",
                "authors": [{"name": "Kim Lee"}],
            }
        ],
    }
    feed = parse(json.dumps(doc), content_type="application/feed+json")
    assert (feed.kind, feed.title) == ("json11", "JSON News")
    item = feed.items[0]
    assert item.author == "Kim Lee"
    assert item.published == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert "&lt;text&gt;" in item.content_html


def test_json_that_is_not_a_json_feed_is_refused() -> None:
    with pytest.raises(FeedError, match="not a JSON Feed"):
        parse('{"hello": 1}', content_type="application/json")


def test_bundled_demo_feeds_parse() -> None:
    for path, count in [("herald/rss.xml", 4), ("ledger/atom.xml", 3), ("civic/feed.json", 3)]:
        body = (DEMO_WWW / path).read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:1")
        assert len(parse(body, content_type=None).items) == count


def test_identity_prefers_guid_then_link_then_title_and_date() -> None:
    with_guid = item_keys(guid="abc", link="http://x.test/a", title="T", published=None)
    assert with_guid[0].startswith("g:") and with_guid[1].startswith("u:")
    link_only = item_keys(
        guid=None, link="http://x.test/a?utm_source=rss#top", title="T", published=None
    )
    assert link_only == item_keys(guid=None, link="HTTP://X.TEST/a", title="Other", published=None)
    bare = item_keys(guid=None, link=None, title="Title", published=NOW)
    assert bare[0].startswith("h:")
    assert bare != item_keys(guid=None, link=None, title="Title", published=None)


def test_items_repeated_within_a_feed_appear_once() -> None:
    body = rss(
        [
            {"title": "A", "guid": "same", "link": "http://news.test/a"},
            {"title": "A again", "guid": "same", "link": "http://news.test/a2"},
            {"title": "B", "link": "http://news.test/b?utm_campaign=x"},
            {"title": "B again", "link": "http://news.test/b"},
        ]
    )
    assert [item.title for item in parse(body).items] == ["A", "B"]


def test_newest_items_are_kept_when_a_feed_exceeds_the_cap() -> None:
    items = [
        {"title": f"N{i}", "guid": f"g{i}", "pubDate": f"Fri, {i + 1:02d} Nov 2026 10:00:00 GMT"}
        for i in range(20)
    ]
    feed = parse(rss(items), max_items=3)
    assert [item.title for item in feed.items] == ["N19", "N18", "N17"]
    assert feed.total_items == 20


def test_future_dates_are_clamped_and_missing_dates_stay_missing() -> None:
    body = rss(
        [
            {"title": "Future", "guid": "f", "pubDate": "Mon, 01 Jan 2035 00:00:00 GMT"},
            {"title": "Undated", "guid": "u"},
        ]
    )
    future, undated = parse(body).items
    assert future.published == NOW
    assert undated.published is None


def test_html_page_with_alternate_link_names_its_feed() -> None:
    page = b"""<!DOCTYPE html><html><head><title>Site</title>
    <link rel="alternate" type="application/rss+xml" href="/rss.xml">
    <link rel="alternate" type="application/atom+xml" href="http://news.test/atom.xml">
    </head><body>
    <link rel="alternate" type="application/rss+xml" href="/ignored.xml"></body></html>"""
    with pytest.raises(NotAFeed) as caught:
        parse(page, content_type="text/html")
    assert caught.value.alternates == ("http://news.test/rss.xml", "http://news.test/atom.xml")


def test_html_page_without_alternate_link_says_so() -> None:
    with pytest.raises(NotAFeed, match="names no feed") as caught:
        parse(b"<html><body><p>hello</p></body></html>", content_type="text/html")
    assert caught.value.alternates == ()


def test_not_a_feed_survives_pickling_between_processes() -> None:
    error = NotAFeed("page", ("http://news.test/rss",))
    copy = pickle.loads(pickle.dumps(error))
    assert copy.alternates == error.alternates and str(copy) == "page"


def test_discover_ignores_non_feed_alternates() -> None:
    page = (
        b'<head><link rel="alternate" hreflang="fr" href="/fr/">'
        b'<link rel="stylesheet" href="/s.css"></head>'
    )
    assert discover_feed_links(page, "http://news.test/") == ()


def test_malformed_xml_is_a_readable_error() -> None:
    with pytest.raises(FeedError) as caught:
        parse(b"<?xml version='1.0'?><rss><channel><title>x</titl", content_type="text/xml")
    assert "not a feed" in str(caught.value)


def test_empty_body_is_an_error() -> None:
    with pytest.raises(FeedError, match="empty"):
        parse(b"  \n")
