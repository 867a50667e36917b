"""Two guards that keep newsbot's fetches on the public internet (SSRF): a resolver that drops
private and local addresses, and a socket factory that refuses to dial one."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult

from bot.urls import is_local_name, is_public_address


class PrivateAddressError(OSError):
    """Raised by the resolver or the socket guard for an address that is not public."""


AddressCheck = Callable[[str], bool]


class PublicOnlyResolver(AbstractResolver):
    """Drops every resolved address that is not on the public internet.

    The first of two guards: a name that has only private addresses is refused before any
    connection is tried. The second, ``public_socket_factory``, checks each address dialled.
    """

    def __init__(self, inner: AbstractResolver, public: AddressCheck = is_public_address) -> None:
        """Wrap the resolver that really looks names up."""
        self._inner = inner
        self._public = public

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The public addresses of a host; PrivateAddressError when it has none."""
        if is_local_name(host):
            raise PrivateAddressError(f"{host} is this machine")
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if self._public(r["host"])]
        if not allowed:
            raise PrivateAddressError(f"{host} resolves only to private or local addresses")
        return allowed

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._inner.close()


def public_socket_factory(
    public: AddressCheck = is_public_address,
) -> Callable[[tuple[Any, ...]], socket.socket]:
    """A socket factory for aiohttp's connector that refuses to dial a non-public address.

    aiohttp calls it with the very address it is about to connect to, after resolution (or
    without any, for an IP literal), so neither a name that resolves differently on each lookup
    (DNS rebinding) nor a URL whose host two URL parsers read differently gets past it.
    """

    def factory(addr_info: tuple[Any, ...]) -> socket.socket:
        family, type_, proto, _, address = addr_info
        if not public(str(address[0])):
            raise PrivateAddressError("refused to dial a private or local address")
        return socket.socket(family, type_, proto)

    return factory
