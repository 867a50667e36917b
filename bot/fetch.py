"""HTTP at the edge: one shared aiohttp session, caps, timeouts, redirects, typed failures."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.address_guard import (
    AddressCheck,
    PrivateAddressError,
    PublicOnlyResolver,
    public_socket_factory,
)
from bot.backoff import parse_retry_after
from bot.fetch_messages import (
    UNREADABLE_ENCODING,
    describe_connection_error,
    encoding_problem,
    status_message,
)
from bot.settings import Settings
from bot.urls import (
    BAD_PORTS,
    InvalidURL,
    check_url,
    host_of,
    is_local_name,
    is_public_address,
    literal_ip,
)

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
ACCEPT_ENCODING = "gzip, deflate"
READABLE_ENCODINGS = frozenset({"", "identity", "gzip", "deflate"})
"""What newsbot asks for and reads. Anything else (br, zstd, x-gzip, compress...) is refused
before a byte is read, even where aiohttp would decode it because a decoder happens to be
installed: only gzip and deflate are decoded under the body cap that newsbot tests."""
BAD_PORT = (
    "That port belongs to another kind of service (mail, file sharing, chat...), which web "
    "browsers refuse to contact, and so does this bot."
)


class FetchError(Exception):
    """A request that produced no usable document. ``message`` is readable by a server admin."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        """The message a person reads, and the status and Retry-After that came with it."""
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class RefusedURL(FetchError):
    """The URL (or a redirect) is one newsbot will not fetch: bad scheme or a private address."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""


class BodyTooLarge(FetchError):
    """The body (after decompression) is larger than the cap."""


class FetchTimeout(FetchError):
    """The server did not connect or answer in time."""


class TooManyRedirects(FetchError):
    """More redirects than allowed, or a loop."""


class ConnectionFailed(FetchError):
    """The connection could not be made or was broken."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful (or not-modified) response: what was fetched and its caching headers."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where the document came from, after redirects."""
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    moved_to: str | None
    """Set when every redirect hop was permanent (301/308): the URL to use from now on."""
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        """The server said nothing changed since the last poll (304)."""
        return self.status == 304


def _private_address_refused() -> RefusedURL:
    return RefusedURL(
        "That address is on a private or local network, which this bot does not fetch."
    )


CHECKED_URLS_KEPT = 20_000
"""Addresses whose checks a fetcher remembers: a steady poll fetches the same feeds every cycle.
Past this many, it starts over."""


class _HostSlots:
    """One host's request slots, and how many requests use them (in flight or waiting)."""

    __slots__ = ("semaphore", "users")

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self.semaphore = semaphore
        self.users = 0


@dataclass(frozen=True, slots=True)
class _Target:
    """A checked address, its host as urllib reads it (the key of its per-host slots), and the
    address as yarl parsed it for aiohttp: given a string, aiohttp parses it again at every
    request (yarl's cache keeps the last 128), ~8 us a fetch, for ~0.8 KB a source kept."""

    url: str
    host: str
    parsed: URL


class Fetcher:
    """Fetches documents with the limits from Settings. Owns no session; it is given one."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        observe: Callable[[str, float], None] | None = None,
    ) -> None:
        """``observe(kind, seconds)``: told how long each fetch took (``feed`` or ``page``)."""
        self._session = session
        self._settings = settings
        self._observe = observe
        self._global = asyncio.Semaphore(settings.http_concurrency)
        # Per host with requests in flight or waiting: its slots, and how many use them. A host
        # no request uses is forgotten (a bot polls thousands of hosts in a day).
        self._per_host: dict[str, _HostSlots] = {}
        # Addresses that passed _checked (by the address given and the address checked); a
        # refused one is checked again each time.
        self._targets: dict[str, _Target] = {}
        self._timeout = aiohttp.ClientTimeout(
            total=settings.http_total_timeout,
            sock_connect=settings.http_connect_timeout,
            sock_read=settings.http_read_timeout,
        )

    @staticmethod
    def create_session(
        settings: Settings,
        *,
        resolver: AbstractResolver | None = None,
        public: AddressCheck = is_public_address,
    ) -> aiohttp.ClientSession:
        """The one session of a process (called by the composition root).

        Unless ``allow_private_addresses`` is set, only public addresses are dialled. Tests pass
        their own ``resolver`` (names to loopback servers) and ``public`` (which of those servers
        stand for the public internet)."""
        resolver = resolver or DefaultResolver()
        socket_factory = None
        if not settings.allow_private_addresses:
            resolver = PublicOnlyResolver(resolver, public)
            socket_factory = public_socket_factory(public)
        connector = aiohttp.TCPConnector(
            limit=settings.http_concurrency,
            limit_per_host=settings.http_concurrency_per_host,
            resolver=resolver,
            ttl_dns_cache=300,
            socket_factory=socket_factory,
        )
        return aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": settings.user_agent},
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    @property
    def hosts_in_use(self) -> int:
        """Hosts with requests in flight or waiting for a slot."""
        return len(self._per_host)

    def _host_slots(self, target: _Target) -> tuple[str, _HostSlots]:
        """The slots of the target's host, counted as used once more (``_leave`` undoes it)."""
        host = target.host
        slots = self._per_host.get(host)
        if slots is None:
            slots = self._per_host[host] = _HostSlots(
                asyncio.Semaphore(self._settings.http_concurrency_per_host)
            )
        slots.users += 1
        return host, slots

    def _leave(self, host: str, slots: _HostSlots) -> None:
        slots.users -= 1
        if not slots.users:
            del self._per_host[host]

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        user_agent: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given), following up to
        ``max_redirects`` redirects, each hop checked. Raises a FetchError subclass.
        ``user_agent``: sent instead of the session's (a source's own, set by its admins)."""
        headers = {"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
        if user_agent:
            headers["User-Agent"] = user_agent
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        target = self._checked(url)
        current = target.url
        visited = {current}
        all_permanent = True
        kind = "page" if accept == PAGE_ACCEPT else "feed"
        for _hop in range(self._settings.max_redirects + 1):
            host, slots = self._host_slots(target)
            try:
                # Host first: a request queued behind its host's limit must not hold a global
                # slot.
                async with slots.semaphore, self._global:
                    started = time.perf_counter()
                    try:
                        result = await self._request(target.parsed, headers)
                    finally:
                        # Each request's time, failures included.
                        if self._observe is not None:
                            self._observe(kind, time.perf_counter() - started)
            except TimeoutError:
                raise FetchTimeout("The server took too long to answer.") from None
            except aiohttp.ClientResponseError as exc:
                raise ConnectionFailed(
                    encoding_problem(exc) or f"The server sent a broken response ({exc.message})."
                ) from None
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, PrivateAddressError):
                    raise _private_address_refused() from None
                raise ConnectionFailed(f"Could not connect to {host_of(current)}.") from None
            except (aiohttp.ClientError, OSError) as exc:
                raise ConnectionFailed(describe_connection_error(exc)) from None
            finally:
                self._leave(host, slots)
            if isinstance(result, _Redirect):
                all_permanent = all_permanent and result.status in PERMANENT_REDIRECTS
                target = self._checked(result.location, base=current)
                if target.url in visited:
                    raise TooManyRedirects("The server redirects in a loop.")
                visited.add(target.url)
                current = target.url
                continue
            moved = current if all_permanent and current != url else None
            return FetchResult(
                url=url,
                final_url=current,
                status=result.status,
                body=result.body,
                content_type=result.content_type,
                etag=result.etag,
                last_modified=result.last_modified,
                moved_to=moved,
                fetched_at=datetime.now(UTC),
            )
        raise TooManyRedirects(
            f"The server redirected more than {self._settings.max_redirects} times."
        )

    def _checked(self, url: str, *, base: str | None = None) -> _Target:
        if base is None and (known := self._targets.get(url)) is not None:
            return known
        given = url
        if base is not None:
            url = urljoin(base, url)
        try:
            url = check_url(url)
        except InvalidURL as exc:
            if base is None:
                raise RefusedURL(exc.message) from None
            # Without this the admin would read a complaint about a URL they never gave.
            raise RefusedURL(
                f"The server redirected to a URL this bot does not follow. {exc.message}"
            ) from None
        # The host as aiohttp will read it, which is not always how urllib reads it: yarl maps
        # "127。0。0。1" and "①②⑦.0.0.1" to 127.0.0.1, and refuses a backslash in the authority.
        try:
            parsed = URL(url)
            host, port = parsed.host or "", parsed.port
        except ValueError:
            what = "The URL" if base is None else "The server redirected to a URL that"
            raise RefusedURL(f"{what} is not a valid web address.") from None
        if port in BAD_PORTS and not self._settings.allow_private_addresses:
            # Refused before any connection, in the same words for every such port: whether
            # something listens there never shows.
            raise RefusedURL(BAD_PORT)
        address = literal_ip(host)
        if not self._settings.allow_private_addresses and (
            is_local_name(host) or (address is not None and not is_public_address(address))
        ):
            raise _private_address_refused()
        if address is not None and ":" not in address and host.rstrip(".") != address:
            # 2130706433 or 0x08.8.8.8: aiohttp dials only the usual four-number form.
            raise RefusedURL(
                "The URL writes an IP address in an unusual form; write it as four numbers "
                "(like 203.0.113.7)."
            )
        if len(self._targets) >= CHECKED_URLS_KEPT:
            self._targets.clear()
        target = _Target(url, host_of(url), parsed)
        self._targets[url] = target
        if base is None:
            self._targets[given] = target
        return target

    async def _request(self, url: URL, headers: dict[str, str]) -> _Redirect | _Document:
        cap = self._settings.max_body_bytes
        async with self._session.get(
            url, headers=headers, allow_redirects=False, timeout=self._timeout
        ) as resp:
            if resp.status in REDIRECT_STATUSES:
                location = resp.headers.get("Location")
                if not location:
                    raise HTTPStatusError(
                        f"The server answered {resp.status} without saying where to.",
                        status=resp.status,
                    )
                return _Redirect(resp.status, location)
            if resp.status == 304:
                return _Document(304, b"", None, resp.headers.get("ETag"), None)
            if resp.status >= 400:
                retry = parse_retry_after(resp.headers.get("Retry-After"))
                raise HTTPStatusError(
                    status_message(resp.status), status=resp.status, retry_after=retry
                )
            if resp.status != 200:
                raise HTTPStatusError(
                    f"The server answered {resp.status}, not a document.", status=resp.status
                )
            encoded = resp.headers.get("Content-Encoding", "identity").strip().lower()
            if encoded not in READABLE_ENCODINGS:
                raise ConnectionFailed(UNREADABLE_ENCODING)
            if encoded in {"", "identity"} and (resp.content_length or 0) > cap:
                raise _too_large(cap)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > cap:
                    raise _too_large(cap)
                chunks.append(chunk)
            return _Document(
                200,
                b"".join(chunks),
                resp.headers.get("Content-Type"),
                resp.headers.get("ETag"),
                resp.headers.get("Last-Modified"),
            )


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    location: str


@dataclass(frozen=True, slots=True)
class _Document:
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None


def _too_large(cap: int) -> BodyTooLarge:
    return BodyTooLarge(f"The document is larger than {cap // 1024} KiB, the most this bot reads.")
