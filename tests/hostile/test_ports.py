"""Ports: newsbot sends its GETs to web ports only. A URL, a redirect hop or an article link on
one of the ports browsers refuse (the WHATWG Fetch standard's "bad ports": mail, file sharing,
chat, name service...) is refused before any connection, in the same words whether or not
something listens there, so newsbot can't be used to talk to those services or to scan them.
``ALLOW_PRIVATE_ADDRESSES`` (self-hosters) lifts the rule with the others."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.fetch import BAD_PORT, PAGE_ACCEPT, Fetcher, RefusedURL
from bot.urls import BAD_PORTS
from tests.conftest import FeedServer, make_settings, rss
from tests.hostile.conftest import PUBLIC_STAND_IN, ScriptedResolver, stand_in_public

# https://fetch.spec.whatwg.org/#port-blocking, as of this writing (83 ports, 0 among them).
WHATWG_BAD_PORTS = (
    "0 1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103 104 109 110 "
    "111 113 115 117 119 123 135 137 139 143 161 179 389 427 465 512 513 514 515 526 530 531 532 "
    "540 548 554 556 563 587 601 636 989 990 993 995 1719 1720 1723 2049 3659 4045 4190 5060 "
    "5061 6000 6566 6665 6666 6667 6668 6669 6679 6697 10080"
)


def test_the_list_is_the_standards() -> None:
    assert sorted(BAD_PORTS) == [int(p) for p in WHATWG_BAD_PORTS.split()]


@pytest.mark.parametrize("port", sorted(BAD_PORTS))
async def test_a_bad_port_is_refused_before_connecting(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver, port: int
) -> None:
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://news.example:{port}/feed")
    assert str(caught.value) == BAD_PORT
    assert resolver.lookups == []  # not even looked up


@contextlib.asynccontextmanager
async def listening(port: int) -> AsyncIterator[list[str]]:
    """Something on the stand-in public host at ``port``, recording what reaches it."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.Response(text="220 mail.example ESMTP ready")

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, PUBLIC_STAND_IN, port).start()
    try:
        yield seen
    finally:
        await runner.cleanup()


async def test_the_refusal_reads_the_same_whether_or_not_something_listens(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver
) -> None:
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    messages = []
    async with listening(6667) as seen:
        for port in (6667, 6668):  # an IRC server on the first, nothing on the second
            with pytest.raises(RefusedURL) as caught:
                await guarded_fetcher.fetch(f"http://news.example:{port}/")
            messages.append(str(caught.value))
    assert messages == [BAD_PORT, BAD_PORT]
    assert seen == []


async def test_a_redirect_to_a_bad_port_is_refused(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver, public_site: FeedServer
) -> None:
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    public_site.serve("feed", b"", status=302, headers={"Location": "http://news.example:25/"})
    with pytest.raises(RefusedURL) as caught:
        await guarded_fetcher.fetch(f"http://news.example:{public_site.port}/feed")
    assert str(caught.value) == BAD_PORT
    assert public_site.hits == {"/feed": 1}


async def test_an_article_link_on_a_bad_port_is_not_fetched(
    guarded_fetcher: Fetcher, resolver: ScriptedResolver
) -> None:
    resolver.answer("news.example", [PUBLIC_STAND_IN])
    async with listening(6000) as seen:  # X11
        with pytest.raises(RefusedURL) as caught:
            await guarded_fetcher.fetch("http://news.example:6000/story", accept=PAGE_ACCEPT)
    assert str(caught.value) == BAD_PORT
    assert seen == []


async def test_a_self_hoster_who_allows_private_addresses_may_use_any_port(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, allow_private_addresses=True)
    server = FeedServer(port=6669)
    await server.start()
    try:
        url = server.serve("feed.xml", rss([]))
        async with Fetcher.create_session(settings, public=stand_in_public) as session:
            result = await Fetcher(session, settings).fetch(url)
        assert result.status == 200 and server.hits == {"/feed.xml": 1}
    finally:
        await server.stop()
