"""Private and local addresses are refused by default, however they are spelled, at every hop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fetch import Fetcher, RefusedURL
from tests.conftest import make_settings


@pytest.fixture
async def fetcher(tmp_path: Path) -> AsyncIterator[Fetcher]:
    settings = make_settings(tmp_path, allow_private_addresses=False)
    async with Fetcher.create_session(settings) as session:
        yield Fetcher(session, settings)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0177.0.0.1",  # octal
        "127.1",  # short form
        "0x7f.0.0.1",  # hexadecimal
        "[::1]",
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "169.254.169.254",  # cloud metadata
        "10.0.0.1",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",  # multicast
    ],
)
async def test_private_and_local_addresses_are_refused(fetcher: Fetcher, host: str) -> None:
    with pytest.raises(RefusedURL) as caught:
        await fetcher.fetch(f"http://{host}:9/feed")
    assert "private or local network" in str(caught.value)
    assert host not in str(caught.value)  # the refusal does not echo internals


@pytest.mark.parametrize(
    "location", ["http://169.254.169.254/latest/meta-data/", "/../..", "http://2130706433/"]
)
def test_every_redirect_hop_goes_through_the_same_check(fetcher: Fetcher, location: str) -> None:
    # fetch() runs each Location through _checked before following it; a relative one is
    # joined to the hop it came from (here a loopback address, so refused as well).
    with pytest.raises(RefusedURL):
        fetcher._checked(location, base="http://127.0.0.1:9/feed")
