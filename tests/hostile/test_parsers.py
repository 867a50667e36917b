"""Hostile markup: entity bombs, external entities, DTDs, parameter entities, depth and breadth.

Each case is parsed in a fresh process (tests/hostile/bounds.py) to show that time and memory
stay bounded whatever the payload, and fed through the real watcher over HTTP on loopback to show
what the source's owner reads. A honeypot on 127.0.0.1 stands where an external entity points: it
must never be asked for anything, even with private addresses allowed (as in these tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.feed_xml import DECLARED_ENTITIES
from bot.sources import SourceStatus
from bot.watcher import Watcher
from tests.conftest import FeedServer
from tests.hostile.bounds import Measured, measure
from tests.hostile.conftest import Honeypot

PASSWD = "root:x:0:0"  # what /etc/passwd (and the honeypot) would put in a field
ITEM = "<item><title>Safe story</title><link>http://news.example/a</link><guid>a</guid></item>"


def measure_feed(payload: bytes, tmp_path: Path) -> Measured:
    """``parse_feed`` on an RSS payload in a new process, as the watcher calls it."""
    return measure(
        "bot.feeds:parse_feed",
        payload,
        tmp_path,
        url="http://news.example/feed",
        content_type="application/rss+xml",
        max_items=100,
    )


def rss_with(prolog: str, title: str = "News", items: str = ITEM) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://news.example/</link>{items}</channel></rss>"
    )


def laughs(separator: str = "") -> str:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol;" if n == 1 else f"&lol{n - 1};") * 10}">' for n in range(1, 10)
    ]
    return f"<!DOCTYPE rss [{separator}{separator.join(entities)}{separator}]>"


QUADRATIC_ENTITY = '<!ENTITY big "' + "A" * 100_000 + '">'
QUADRATIC_ITEM = f"<item><title>q</title><description>{'&big;' * 20_000}</description></item>"

# Each builder gets the honeypot's port.
REFUSED: dict[str, Callable[[int], bytes]] = {
    "billion laughs": lambda port: rss_with(laughs(), "&lol9;").encode(),
    # feedparser strips declarations that start a line, then falls back to its lenient parser
    "billion laughs, one declaration a line": lambda port: rss_with(
        laughs("\n"), "&lol9;"
    ).encode(),
    # feedparser takes the document's head to end at the first "<a", here inside a comment
    "billion laughs behind a comment": lambda port: rss_with(
        "<!-- <a -->" + laughs(), "&lol9;"
    ).encode(),
    "quadratic blowup": lambda port: rss_with(
        f"\n<!DOCTYPE rss [\n{QUADRATIC_ENTITY}\n]>\n", items=QUADRATIC_ITEM
    ).encode(),
    # the lenient parser's "safe" entities, read from a comment before the root element
    "quadratic blowup declared inside a comment": lambda port: rss_with(
        f"\n<!--\n<!DOCTYPE rss [\n{QUADRATIC_ENTITY}\n]>\n<a -->\n", items=QUADRATIC_ITEM
    ).encode(),
    "quadratic blowup behind junk": lambda port: (
        f"junk\n<!DOCTYPE rss [\n{QUADRATIC_ENTITY}\n]>\n<rss version='2.0'><channel>"
        f"<title>x</title>{QUADRATIC_ITEM}</channel></rss>"
    ).encode(),
    "external entity: a file": lambda port: rss_with(
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "&xxe;",
        "<item><title>&xxe;</title><description>&xxe;</description></item>",
    ).encode(),
    "external entity: this machine's network": lambda port: rss_with(
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/xxe">]>', "&xxe;"
    ).encode(),
    "external parameter entity": lambda port: rss_with(
        f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd"> %remote;]>'
    ).encode(),
    "parameter entity bomb": lambda port: rss_with(
        '<!DOCTYPE rss [<!ENTITY % a "aaaaaaaaaa"><!ENTITY % b "%a;%a;%a;%a;%a;%a;%a;%a;">'
        '<!ENTITY % c "%b;%b;%b;%b;%b;%b;%b;%b;"><!ENTITY all "%c;%c;%c;%c;%c;%c;">]>',
        "&all;",
    ).encode(),
    "internal subset with no entities": lambda port: rss_with(
        "<!DOCTYPE rss [<!ELEMENT rss ANY>]>"
    ).encode(),
    "billion laughs in UTF-16": lambda port: (
        rss_with(laughs(), "&lol9;").replace("utf-8", "utf-16").encode("utf-16")
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_feed_defining_entities_is_refused_readably_within_bounds(
    tmp_path: Path, watcher: Watcher, feed_server: FeedServer, honeypot: Honeypot, case: str
) -> None:
    payload = REFUSED[case](honeypot.port)

    run = measure_feed(payload, tmp_path)

    run.assert_bounded()
    assert (run.error, run.message) == ("FeedError", DECLARED_ENTITIES)
    url = feed_server.serve("feed.xml", payload)
    outcome = await watcher.add_source(url)
    assert outcome.source.status is SourceStatus.FAILING
    assert outcome.source.last_error == DECLARED_ENTITIES  # as stored
    assert honeypot.requests == []


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/evil.dtd">',
        '<!DOCTYPE rss PUBLIC "-//X//DTD X//EN" "http://127.0.0.1:{port}/evil.dtd">',
        '<!DOCTYPE rss SYSTEM "file:///etc/passwd">',
    ],
)
async def test_external_dtd_is_never_read(tmp_path: Path, honeypot: Honeypot, doctype: str) -> None:
    payload = rss_with(doctype.format(port=honeypot.port)).encode()

    run = measure_feed(payload, tmp_path)

    run.assert_bounded()
    assert run.error is None, run.message
    assert run.result is not None
    assert [item["title"] for item in run.result["items"]] == ["Safe story"]
    assert PASSWD not in run.text
    assert honeypot.requests == []


def test_rss_091_with_netscape_doctype_is_still_read(tmp_path: Path) -> None:
    payload = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
        b"<title>Old</title><link>http://news.example/</link><description>d</description>"
        b"<language>en</language><item><title>Oldie &amp; goodie</title>"
        b"<link>http://news.example/o</link></item></channel></rss>"
    )

    run = measure_feed(payload, tmp_path)

    assert run.error is None, run.message
    assert run.result is not None
    assert run.result["kind"] == "rss091n"
    assert [item["title"] for item in run.result["items"]] == ["Oldie & goodie"]


def test_entity_declared_inside_the_document_is_inert(tmp_path: Path) -> None:
    # Neither parser reads declarations after the root element: the lenient one leaves the
    # references as text.
    payload = (
        '<?xml version="1.0"?>\n<rss version="2.0">\n'
        + QUADRATIC_ENTITY
        + f"\n<channel><title>x</title>{QUADRATIC_ITEM}</channel></rss>"
    ).encode()

    run = measure_feed(payload, tmp_path)

    run.assert_bounded()
    assert "AAAAAAAAAA" not in run.text


def test_deeply_nested_feed_is_bounded(tmp_path: Path) -> None:
    depth = 100_000
    nested = "<x>" * depth + "</x>" * depth
    items = f"<item><title>Deep</title><description>{nested}</description></item>"
    payload = rss_with("", items=items).encode()

    run = measure_feed(payload, tmp_path)

    run.assert_bounded()
    assert run.error is None, run.message
    assert run.result is not None
    assert [item["title"] for item in run.result["items"]] == ["Deep"]


@pytest.mark.parametrize("order", ["newest first", "oldest first", "newest first, broken XML"])
def test_feed_with_100000_items_keeps_the_newest_within_bounds(tmp_path: Path, order: str) -> None:
    # Broken XML sends feedparser to its lenient parser, which parses everything again.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    numbers = range(100_000) if order == "oldest first" else range(99_999, -1, -1)
    flaw = " < 2" if "broken" in order else ""
    items = "".join(
        f"<item><title>S{n}{flaw}</title><guid>{n}</guid><pubDate>"
        f"{format_datetime(start + timedelta(minutes=n), usegmt=True)}</pubDate></item>"
        for n in numbers
    )
    payload = rss_with("", items=items).encode()
    assert len(payload) < 10 * 1024 * 1024

    run = measure_feed(payload, tmp_path)

    run.assert_bounded()
    assert run.error is None, run.message
    assert run.result is not None
    assert run.result["total_items"] == 100_000
    titles = [item["title"] for item in run.result["items"]]
    assert titles == [f"S{n}{flaw}" for n in range(99_999, 99_899, -1)]


def test_json_feed_with_100000_items_keeps_the_newest_within_bounds(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Many",
        "items": [
            {
                "id": str(n),
                "title": f"J{n}",
                "date_published": (start + timedelta(minutes=n)).isoformat(),
            }
            for n in range(100_000)
        ],
    }

    run = measure(
        "bot.feeds:parse_feed",
        json.dumps(doc).encode(),
        tmp_path,
        url="http://news.example/feed.json",
        content_type="application/feed+json",
        max_items=100,
    )

    run.assert_bounded()
    assert run.error is None, run.message
    assert run.result is not None
    assert run.result["total_items"] == 100_000
    assert [item["title"] for item in run.result["items"]][:2] == ["J99999", "J99998"]


# ---- article pages ------------------------------------------------------------------------------

ARTICLE = "<p>" + "The minister said the plan would go ahead despite the objections. " * 4 + "</p>"


@pytest.mark.parametrize(
    "prolog",
    [
        laughs(),
        '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE html [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/xxe">]>',
        '<!DOCTYPE html [<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/x.dtd"> %remote;]>',
    ],
)
def test_article_page_with_entities_expands_none(
    tmp_path: Path, honeypot: Honeypot, prolog: str
) -> None:
    page = (
        f'<?xml version="1.0"?>{prolog.format(port=honeypot.port)}<html><head>'
        f"<title>&lol9;&xxe;</title></head><body><article>{ARTICLE * 3}<p>&lol9; &xxe;</p>"
        "</article></body></html>"
    ).encode()

    run = measure("bot.extract:extract_article", page, tmp_path, url="http://news.example/a")

    run.assert_bounded()
    assert run.error is None, run.message
    assert "lollollol" not in run.text
    assert PASSWD not in run.text
    assert honeypot.requests == []


@pytest.mark.parametrize("closed", [True, False])
def test_deeply_nested_article_page_is_bounded(tmp_path: Path, closed: bool) -> None:
    depth = 100_000
    page = (
        "<!DOCTYPE html><html><head><title>Deep</title></head><body>"
        + "<div>" * depth
        + ARTICLE * 3
        + ("</div>" * depth if closed else "")
        + "</body></html>"
    ).encode()

    run = measure("bot.extract:extract_article", page, tmp_path, url="http://news.example/a")

    run.assert_bounded()
    if run.error is not None:  # libxml2 stops nesting at 256 levels; the text may go with it
        assert run.error == "ExtractionError"
        assert run.message in {
            "No article text found on the page.",
            "Only page furniture was found on the page.",
        }
