"""The pytest plugin: `pytest_plugins = ["tests.fakediscord.plugin"]` gives `fake_discord`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord on a random loopback port; stopped (sockets closed) afterwards."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
