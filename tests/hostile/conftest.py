"""The hostile world: a honeypot on this machine, a stand-in for the public internet, and a DNS
that answers what each test says.

Every server here is on loopback. 127.0.0.1 (and ::1) is the machine's own network, the thing
newsbot must never reach; 127.0.0.2 stands for a public web server: the ``public`` check given to
the session treats it as public, and only it. Names are answered by ``ScriptedResolver``.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.fetch import Fetcher
from bot.settings import Settings
from bot.urls import is_public_address
from tests.conftest import FeedServer, make_settings

PUBLIC_STAND_IN = "127.0.0.2"
UNREACHABLE_PUBLIC = "127.0.0.3"  # counted as public; nothing listens there


def stand_in_public(address: str) -> bool:
    return address in {PUBLIC_STAND_IN, UNREACHABLE_PUBLIC} or is_public_address(address)


class Honeypot:
    """Listens on 127.0.0.1 and ::1 (same port) and records every request that reaches it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def record(request: web.Request) -> web.StreamResponse:
            self.requests.append(f"{request.host}{request.path_qs}")
            return web.Response(text="root:x:0:0:root:/root:/bin/bash\n")

        app = web.Application()
        app.router.add_route("*", "/{path:.*}", record)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        with contextlib.suppress(OSError):  # no IPv6 loopback here: the v4 one still counts
            await web.TCPSite(self._runner, "::1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class ScriptedResolver(AbstractResolver):
    """Answers each name from a script: a list of answers, one per lookup (the last repeats).
    An answer is a list of IP addresses. Unknown names do not exist."""

    def __init__(self) -> None:
        self.script: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []

    def answer(self, name: str, *answers: Sequence[str]) -> None:
        self.script[name] = [list(answer) for answer in answers]

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        answers = self.script.get(host)
        if not answers:
            raise OSError(socket.EAI_NONAME, f"{host} does not exist")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in answer
        ]

    async def close(self) -> None:
        return None


@pytest.fixture
async def honeypot() -> AsyncIterator[Honeypot]:
    pot = Honeypot()
    await pot.start()
    yield pot
    await pot.stop()


@pytest.fixture
async def public_site(honeypot: Honeypot) -> AsyncIterator[FeedServer]:
    """A web server standing for one on the public internet, on the honeypot's port, so that a
    name pointed first at it and then at 127.0.0.1 reaches the honeypot with the same URL."""
    server = FeedServer(host=PUBLIC_STAND_IN, port=honeypot.port)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def resolver() -> ScriptedResolver:
    return ScriptedResolver()


@pytest.fixture
def guarded_settings(tmp_path: Path) -> Settings:
    """Settings as production has them: private and local addresses refused."""
    return make_settings(tmp_path, allow_private_addresses=False)


@pytest.fixture
async def guarded_session(
    guarded_settings: Settings, resolver: ScriptedResolver
) -> AsyncIterator[aiohttp.ClientSession]:
    async with Fetcher.create_session(
        guarded_settings, resolver=resolver, public=stand_in_public
    ) as session:
        yield session


@pytest.fixture
def guarded_fetcher(guarded_session: aiohttp.ClientSession, guarded_settings: Settings) -> Fetcher:
    return Fetcher(guarded_session, guarded_settings)
