"""Server-side request forgery: no URL a user adds, and no URL fetched because of one (redirect
hops, feed autodiscovery, article pages), reaches the machine's own network, however it is
spelled or resolved. ``allow_private_addresses`` (off by default) is the only way in.

Where a request could land on this machine, a honeypot listens there and must see nothing.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.address_guard import public_socket_factory
from bot.fetch import ConnectionFailed, Fetcher, RefusedURL
from bot.settings import Settings
from bot.sources import SourceStatus
from bot.storage.repositories import Repositories
from bot.urls import InvalidURL, check_url, is_public_address, literal_ip
from bot.watcher import Watcher
from tests.conftest import Clock, FeedServer, make_settings, open_watcher, rss
from tests.hostile.conftest import (
    PUBLIC_STAND_IN,
    UNREACHABLE_PUBLIC,
    Honeypot,
    ScriptedResolver,
    stand_in_public,
)

REFUSED = "That address is on a private or local network, which this bot does not fetch."
USERINFO = "The URL has a user name or password in it (the part before the @)."


def assert_says_why_without_internals(message: str, *internals: str) -> None:
    assert message == REFUSED or "not a valid web address" in message or USERINFO in message, (
        message
    )
    for internal in ("127.0.0.1", "::1", "Traceback", "Error(", *internals):
        assert internal not in message, message


# ---- the address a URL names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.0.0.2",  # all of 127/8 is loopback
        "localhost",
        "LOCALHOST",
        "localhost.",  # trailing dot: the same name, absolute
        "feeds.localhost",  # *.localhost is this machine too (RFC 6761)
        "127.0.0.1.",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0177.0.0.1",  # octal
        "127.1",  # short form
        "0x7f.0.0.1",  # hexadecimal
        "0x7f.1",
        "0x7f000001",
        "017700000001",
        "127.000.000.001",
        "[::1]",
        "[::]",  # unspecified
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "[::ffff:7f00:1]",
        "[::ffff:0:7f00:1]",  # IPv4-translated
        "[::127.0.0.1]",  # IPv4-compatible (deprecated)
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
        "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
        "[fc00::1]",  # unique local
        "[fd12:3456::1]",
        "[fe80::1]",  # link-local
        "[ff02::1]",  # multicast
        "169.254.169.254",  # cloud metadata
        "169.254.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "0",
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.0.8",  # IETF protocol assignments
        "198.18.0.1",  # benchmarking
        "127。0。0。1",  # ideographic full stops: yarl (and so aiohttp) reads 127.0.0.1
        "①②⑦.0.0.1",  # circled digits: the same after IDNA mapping
    ],
)
async def test_private_and_local_addresses_are_refused(
    guarded_fetcher: Fetcher, honeypot: Honeypot, host: str
) -> None:
    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://{host}:{honeypot.port}/feed")
    assert str(caught.value) == REFUSED
    assert host not in str(caught.value)  # the refusal does not echo internals
    assert honeypot.requests == []


@pytest.mark.parametrize("host", ["134744072", "0x08.8.8.8", "8.8.2056", "010.010.010.010"])
async def test_public_address_in_an_unusual_spelling_is_refused_readably(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver, host: str
) -> None:
    # aiohttp itself dials only the usual form; the admin is told what to write instead.
    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://{host}/feed")
    assert str(caught.value) == (
        "The URL writes an IP address in an unusual form; write it as four numbers "
        "(like 203.0.113.7)."
    )
    assert resolver.lookups == []


@pytest.mark.parametrize(
    "authority",
    [
        "example.com@127.0.0.1",
        "example.com:80@127.0.0.1",
        "user:pass@localhost",
        "a@b@127.0.0.1",
        "example.com%2F@[::1]",
    ],
)
async def test_userinfo_does_not_hide_the_host_dialled(
    guarded_fetcher: Fetcher, honeypot: Honeypot, authority: str
) -> None:
    # A login in the address is refused before its host is even looked at.
    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://{authority}:{honeypot.port}/")
    assert str(caught.value).startswith(USERINFO)
    assert honeypot.requests == []


@pytest.mark.parametrize("suffix", ["\\@example.com/", "#@example.com/", "?@example.com/"])
async def test_a_url_urllib_and_aiohttp_read_differently_never_reaches_the_machine(
    guarded_fetcher: Fetcher, honeypot: Honeypot, suffix: str
) -> None:
    # urllib reads the host of http://127.0.0.1:P\@example.com/ as example.com; yarl refuses it.
    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://127.0.0.1:{honeypot.port}{suffix}")
    assert_says_why_without_internals(str(caught.value))
    assert honeypot.requests == []


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("file:///etc/passwd", "file:"),
        ("ftp://x/y", "ftp:"),
        ("javascript:alert(1)", "javascript:"),
        ("gopher://127.0.0.1:6379/_INFO", "gopher:"),
        ("dict://127.0.0.1:11211/stat", "dict:"),
        ("data:text/xml,<rss/>", "data:"),
        ("ws://example.com/feed", "ws:"),
        ("view-source:http://example.com/", "view-source:"),
    ],
)
async def test_non_http_url_is_rejected_when_added(
    watcher: Watcher, store: Repositories, url: str, scheme: str
) -> None:
    with pytest.raises(InvalidURL) as caught:
        await watcher.add_source(url)
    assert str(caught.value) == (
        f"Only http and https URLs can be watched (this one has `{scheme}`)."
    )
    with pytest.raises(InvalidURL):
        await watcher.add_sources([url])
    assert await store.sources.list_sources() == []


def test_check_url_accepts_upper_case_http_schemes() -> None:
    assert check_url("HTTPS://example.com/feed") == "HTTPS://example.com/feed"


# ---- which addresses are public ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::",
        "::1",
        "fc00::1",
        "fe80::1",
        "fe80::1%eth0",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:0:7f00:1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::a00:1",
        "2002:7f00:1::",
        "2002:a00:1::",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
        "2001:db8::1",  # documentation
        "not an address",
    ],
)
def test_private_and_local_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "2606:4700:4700::1111",
        "::ffff:93.184.216.34",
        "64:ff9b::5db8:d822",  # NAT64 of 93.184.216.34: how IPv6-only hosts reach the web
        "2002:5db8:d822::1",  # 6to4 of 93.184.216.34
    ],
)
def test_public_address_is_public(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
    ],
)
def test_literal_ip_reads_every_spelling_c_resolvers_accept(
    spelling: str, address: str | None
) -> None:
    assert literal_ip(spelling) == address


# ---- names, and what they resolve to ---------------------------------------------------------


async def test_name_that_resolves_only_to_private_addresses_is_refused(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver, honeypot: Honeypot
) -> None:
    resolver.answer("intranet.example", ["10.0.0.7", "127.0.0.1", "::1"])

    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://intranet.example:{honeypot.port}/feed")

    assert_says_why_without_internals(str(caught.value), "10.0.0.7", "intranet.example")
    assert honeypot.requests == []


async def test_localhost_names_are_refused_without_asking_dns(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver, honeypot: Honeypot
) -> None:
    for name in ("localhost", "app.localhost", "LocalHost."):
        with pytest.raises(RefusedURL):
            await guarded_fetcher.fetch(f"http://{name}:{honeypot.port}/")
    assert resolver.lookups == []
    assert honeypot.requests == []


async def test_name_with_public_and_private_answers_never_dials_the_private_one(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver, honeypot: Honeypot
) -> None:
    # The public address refuses the connection; without the filter the connector would go on
    # to the next answer, which is this machine.
    resolver.answer("mixed.example", [UNREACHABLE_PUBLIC, "127.0.0.1"])

    with pytest.raises(ConnectionFailed) as caught:
        await guarded_fetcher.fetch(f"http://mixed.example:{honeypot.port}/feed")

    assert str(caught.value) == "Could not connect to mixed.example."
    assert honeypot.requests == []


async def test_dns_rebinding_to_this_machine_is_refused(
    guarded_fetcher: Fetcher,
    guarded_session: aiohttp.ClientSession,
    resolver: ScriptedResolver,
    public_site: FeedServer,
    honeypot: Honeypot,
) -> None:
    # The attacker's name answers with a public address first and this machine's afterwards.
    resolver.answer("rebind.example", [PUBLIC_STAND_IN], ["127.0.0.1"])
    public_site.serve("feed", rss([]), headers={"Connection": "close"})  # no reused connection
    url = f"http://rebind.example:{honeypot.port}/feed"
    first = await guarded_fetcher.fetch(url)
    assert first.status == 200
    assert isinstance(guarded_session.connector, aiohttp.TCPConnector)
    guarded_session.connector.clear_dns_cache()  # as when the short TTL runs out

    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(url)

    assert str(caught.value) == REFUSED
    assert resolver.lookups == ["rebind.example", "rebind.example"]
    assert public_site.hits == {"/feed": 1}
    assert honeypot.requests == []


async def test_the_session_itself_refuses_to_dial_this_machine(
    guarded_session: aiohttp.ClientSession, honeypot: Honeypot
) -> None:
    # Past every URL check (a request made straight on the session), the connector still
    # checks the address it is about to dial.
    with pytest.raises(aiohttp.ClientConnectorError) as caught:
        await guarded_session.get(f"http://127.0.0.1:{honeypot.port}/")
    assert "private or local" in str(caught.value.os_error)
    assert honeypot.requests == []


@pytest.mark.parametrize(
    "address",
    [("127.0.0.1", 80), ("::1", 80, 0, 0), ("::ffff:127.0.0.1", 80, 0, 0), ("10.0.0.1", 443)],
)
def test_socket_guard_refuses_private_addresses(address: tuple[object, ...]) -> None:
    family = socket.AF_INET6 if ":" in str(address[0]) else socket.AF_INET
    factory = public_socket_factory(is_public_address)
    with pytest.raises(OSError, match="private or local"):
        factory((family, socket.SOCK_STREAM, 6, "", address))


# ---- every hop a user's URL leads to -------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://[::1]:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f.1:{port}/",
        "//127.0.0.1:{port}/",  # scheme-relative
        "http://169.254.169.254/latest/meta-data/",
        "http://intranet.example:{port}/",  # a name resolving to this machine
        "http://example.com@127.0.0.1:{port}/",
    ],
)
async def test_redirect_to_a_private_address_is_refused(
    guarded_fetcher: Fetcher,
    resolver: ScriptedResolver,
    public_site: FeedServer,
    honeypot: Honeypot,
    location: str,
) -> None:
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    resolver.answer("intranet.example", ["127.0.0.1"])
    public_site.serve(
        "feed", b"", status=302, headers={"Location": location.format(port=honeypot.port)}
    )

    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://news.example:{honeypot.port}/feed")

    if "@" in location:
        assert USERINFO in str(caught.value)
    else:
        assert str(caught.value) == REFUSED
    assert public_site.hits == {"/feed": 1}
    assert honeypot.requests == []


async def test_redirect_after_several_public_hops_is_still_checked(
    guarded_fetcher: Fetcher,
    resolver: ScriptedResolver,
    public_site: FeedServer,
    honeypot: Honeypot,
) -> None:
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    for hop in range(3):
        public_site.serve(f"hop{hop}", b"", status=301, headers={"Location": f"/hop{hop + 1}"})
    public_site.serve(
        "hop3", b"", status=307, headers={"Location": f"http://[::ffff:127.0.0.1]:{honeypot.port}/"}
    )

    with pytest.raises(RefusedURL):
        await guarded_fetcher.fetch(f"http://news.example:{honeypot.port}/hop0")

    assert public_site.hits == {"/hop0": 1, "/hop1": 1, "/hop2": 1, "/hop3": 1}
    assert honeypot.requests == []


async def test_checks_are_remembered_for_addresses_that_passed_never_for_refused_ones(
    guarded_fetcher: Fetcher,
    resolver: ScriptedResolver,
    public_site: FeedServer,
    honeypot: Honeypot,
) -> None:
    """A fetcher remembers the addresses that passed its checks (a steady poll fetches the
    same feeds every cycle), not the ones it refused: asked again, a refused address is
    refused again, and a redirect from a remembered address to this machine still is."""
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    public_site.serve("feed", rss([]))
    feed = f"http://news.example:{honeypot.port}/feed"
    for _ in range(2):
        assert (await guarded_fetcher.fetch(feed)).status == 200
        with pytest.raises(RefusedURL):
            await guarded_fetcher.fetch(f"http://127.0.0.1:{honeypot.port}/feed")
    public_site.serve(
        "feed", b"", status=302, headers={"Location": f"http://127.0.0.1:{honeypot.port}/"}
    )
    with pytest.raises(RefusedURL):
        await guarded_fetcher.fetch(feed)
    assert public_site.hits == {"/feed": 3}
    assert honeypot.requests == []


@pytest.mark.parametrize(
    ("location", "scheme"),
    [("file:///etc/passwd", "file:"), ("gopher://127.0.0.1:70/", "gopher:"), ("ftp://x/", "ftp:")],
)
async def test_redirect_to_a_non_http_url_is_refused(
    watcher: Watcher, store: Repositories, feed_server: FeedServer, location: str, scheme: str
) -> None:
    url = feed_server.serve("sneaky.xml", b"", status=302, headers={"Location": location})

    outcome = await watcher.add_source(url)

    source = await store.sources.get_source(outcome.source.id)
    assert source is not None
    assert source.status is SourceStatus.FAILING
    assert source.last_error == (
        "The server redirected to a URL this bot does not follow. "
        f"Only http and https URLs can be watched (this one has `{scheme}`)."
    )
    assert source.url == url


@pytest.fixture
async def guarded_watcher(
    guarded_settings: Settings, store: Repositories, clock: Clock, resolver: ScriptedResolver
) -> AsyncIterator[Watcher]:
    async with open_watcher(
        guarded_settings, store, clock, resolver=resolver, public=stand_in_public
    ) as built:
        yield built


async def test_autodiscovery_never_follows_a_feed_link_to_this_machine(
    guarded_watcher: Watcher,
    store: Repositories,
    resolver: ScriptedResolver,
    public_site: FeedServer,
    honeypot: Honeypot,
) -> None:
    resolver.answer("blog.example", [PUBLIC_STAND_IN])
    page = (
        "<!DOCTYPE html><html><head><title>Blog</title>"
        f'<link rel="alternate" type="application/rss+xml" href="http://127.1:{honeypot.port}/x">'
        "</head><body>Hello</body></html>"
    )
    public_site.serve("blog/", page, content_type="text/html")

    outcome = await guarded_watcher.add_source(f"http://blog.example:{honeypot.port}/blog/")

    assert not outcome.ok
    source = await store.sources.get_source(outcome.source.id)
    assert source is not None
    assert source.status is SourceStatus.FAILING
    assert source.last_error == REFUSED
    assert honeypot.requests == []


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:{port}/admin",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://localhost:{port}/",
        "http://intranet.example:{port}/wiki",
        "http://[::1]:{port}/",
    ],
)
async def test_article_links_to_this_machine_are_not_fetched(
    guarded_watcher: Watcher,
    resolver: ScriptedResolver,
    public_site: FeedServer,
    honeypot: Honeypot,
    link: str,
) -> None:
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    resolver.answer("intranet.example", ["192.168.0.10", "127.0.0.1"])
    item = {
        "title": "Minister resigns",
        "link": link.format(port=honeypot.port),
        "guid": "urn:1",
        "description": "The minister resigned on Tuesday after a vote in parliament.",
    }
    public_site.serve("feed", rss([item]))

    outcome = await guarded_watcher.add_source(
        f"http://news.example:{honeypot.port}/feed", backfill=1
    )

    assert outcome.ok, outcome.error
    (article,) = outcome.articles
    assert not article.from_page  # the feed's own text, not the private page
    assert "root:x" not in article.text
    assert article.text.startswith("The minister resigned")
    assert honeypot.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_private_address_is_refused_with_a_readable_message(
    guarded_watcher: Watcher, store: Repositories, feed_server: FeedServer, host: str
) -> None:
    url = feed_server.serve("feed.xml", rss([])).replace("127.0.0.1", host)

    outcome = await guarded_watcher.add_source(url)

    assert not outcome.ok
    source = await store.sources.get_source(outcome.source.id)
    assert source is not None
    assert source.status is SourceStatus.FAILING
    assert source.last_error == REFUSED
    assert feed_server.hits == {}


async def test_allow_private_addresses_is_off_by_default_and_lets_self_hosters_in(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    assert Settings(_env_file=None).allow_private_addresses is False  # type: ignore[call-arg]
    settings = make_settings(tmp_path, allow_private_addresses=True)
    url = feed_server.serve("feed.xml", rss([]))

    async with Fetcher.create_session(settings) as session:
        result = await Fetcher(session, settings).fetch(url)

    assert result.status == 200
    assert feed_server.hits == {"/feed.xml": 1}
