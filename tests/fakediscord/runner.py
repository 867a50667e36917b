"""Run a discord.py client against a FakeDiscord for the length of a block."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@asynccontextmanager
async def running(
    client: ClientT,
    fake: FakeDiscord,
    *,
    set_gateway: bool = False,
    timeout: float = 10.0,  # noqa: ASYNC109 - a test helper must not hang
) -> AsyncIterator[ClientT]:
    """Start `client` against `fake`, wait for on_ready, and close it cleanly on exit.

    Points Route.BASE at the fake before login, as the bot's own wiring would. The bot is expected
    to aim DiscordWebSocket.DEFAULT_GATEWAY at GET /gateway/bot in setup_hook; `set_gateway=True`
    does that here for clients that do not. Both class attributes are restored afterwards.
    """
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.rest_base
    if set_gateway:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    task = asyncio.create_task(client.start(fake.token), name="fake-discord-client")
    try:
        async with asyncio.timeout(timeout):
            while not client.is_ready():
                if task.done():
                    task.result()  # raises what stopped the client
                    raise RuntimeError("client stopped before it became ready")
                await asyncio.sleep(0.01)
        yield client
    finally:
        await client.close()
        try:
            await asyncio.wait_for(task, timeout=timeout)
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway
