"""Feed lists in and out: OPML as other readers export it, plain URL lists, hostile files, and the
OPML 2.0 that /sources export writes (read back by listparser)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import listparser
import pytest

from bot.opml import (
    MAX_ENTRIES,
    MAX_LIST_BYTES,
    ExportedFeed,
    FeedListError,
    ListedFeed,
    read_feed_list,
    write_opml,
)

READER_EXPORT = Path(__file__).parent / "data" / "reader-export.opml"


def reader_export(base: str = "https://feeds.example") -> bytes:
    return READER_EXPORT.read_text(encoding="utf-8").replace("{base}", base).encode()


def test_a_readers_nested_export_lists_every_feed_once_with_its_title() -> None:
    feeds = read_feed_list(reader_export())
    assert feeds == [
        ListedFeed("https://feeds.example/harbour.xml", "Harbour Times"),
        ListedFeed("https://feeds.example/valley.atom", "Valley & Coast Gazette"),
        ListedFeed("https://feeds.example/continental.json", "Continental Wire"),
        ListedFeed("https://feeds.example/gone.xml", "Gone Weekly"),
        ListedFeed("file:///etc/passwd", "Local only"),
        ListedFeed("https://feeds.example/watched.xml", "Already here"),
    ]


def test_a_plain_list_of_urls_is_read_line_by_line() -> None:
    text = "\ufeff# my feeds\nhttps://a.example/feed\n\n  https://b.example/rss  \n#gone\n"
    assert read_feed_list(text.encode()) == [
        ListedFeed("https://a.example/feed"),
        ListedFeed("https://b.example/rss"),
    ]


def test_an_opml_that_declares_entities_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>'
    )
    with pytest.raises(FeedListError, match="defines its own XML entities"):
        read_feed_list(bomb)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x" * (MAX_LIST_BYTES + 1), "larger than 1024 KiB"),
        (b"", "lists no feeds"),
        (b'<opml version="2.0"><body><outline text="folder"/></body></opml>', "lists no feeds"),
        (b"\xff\xfe\x00junk", "neither OPML nor UTF-8"),
        (
            "\n".join(f"https://f{n}.example/" for n in range(MAX_ENTRIES + 1)).encode(),
            f"at most {MAX_ENTRIES}",
        ),
    ],
)
def test_unreadable_lists_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(FeedListError, match=message):
        read_feed_list(data)


def test_export_is_opml_2_that_readers_read_back_with_titles() -> None:
    feeds = [
        ExportedFeed("https://a.example/feed?x=1&y=2", 'Tom & Jerry "daily" <news>'),
        ExportedFeed("https://b.example/rss", "Bell\x07 and tab\tTimes", "https://b.example/"),
    ]
    document = write_opml(feeds, title="newsbot sources of Room <1>", created=datetime.now(UTC))
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    parsed = listparser.parse(document)
    assert not parsed["bozo"]
    assert parsed["meta"]["title"] == "newsbot sources of Room <1>"
    assert [(f["url"], f["title"]) for f in parsed["feeds"]] == [
        ("https://a.example/feed?x=1&y=2", 'Tom & Jerry "daily" <news>'),
        ("https://b.example/rss", "Bell and tab\tTimes"),
    ]
    assert read_feed_list(document) == [
        ListedFeed("https://a.example/feed?x=1&y=2", 'Tom & Jerry "daily" <news>'),
        ListedFeed("https://b.example/rss", "Bell and tab\tTimes"),
    ]
