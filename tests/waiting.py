"""Waiting in tests for something another task or process does, with a deadline."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable


async def eventually(
    check: Callable[[], Awaitable[bool]],
    timeout: float = 30,  # noqa: ASYNC109 - a test helper must not hang
    every: float = 0.05,
) -> None:
    """Until ``check()`` is true (TimeoutError after ``timeout`` seconds)."""
    async with asyncio.timeout(timeout):
        for _ in itertools.count():
            if await check():
                return
            await asyncio.sleep(every)
