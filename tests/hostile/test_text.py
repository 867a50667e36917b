"""Feed text that reaches Discord: hostile titles, leads and feed names go through the real bot
to the fake Discord, which records whom each message notified by Discord's own rules. Nothing
pings, nothing breaks out of its place in the embed, links show their real target."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.conftest import rss
from tests.test_discord_e2e import Scene, scene

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
UNESCAPED_MENTION = re.compile(r"(?<!\\)<[@#]")
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
INVITE = re.compile(r"discord(?:app)?\.(?:gg|com/invite)/", re.IGNORECASE)

CASES: dict[str, tuple[str, str]] = {
    "everyone and here": (
        "@everyone Breaking: @here look",
        "Officials told @everyone and @here to stay indoors.",
    ),
    "user, role and channel mentions": (
        "<@123456789012345678> met <@!223456789012345678>",
        "Roles <@&323456789012345678> and channel <#423456789012345678> were named.",
    ),
    "masked link": (
        "[Official statement](https://evil.test/steal)",
        "Read the [ministry's notice](https://evil.test/phish) before voting.",
    ),
    "markdown breaking out of quote and code": (
        "**Loud** ``` code fence",
        "``` \n> fake quote\n# Fake heading\n||spoiler|| ~~struck~~ `tick",
    ),
    "invite links": (
        "Join https://discord.gg/freeNitro now",
        "Or discord.com/invite/abc-123 and https://discordapp.com/invite/XyZ for prizes.",
    ),
    "zero-width and bidi override": (
        "Safe\u202etxt.exe\u200b title\u2066",
        "Invisible\u200b\u200c\u200d\ufeff and\u202e reversed\u2069 text\u00ad.",
    ),
    "10,000-character title and lead": ("Long " * 2000, "word " * 2000),
}


def texts(message: dict[str, Any], *, literal: bool = False) -> list[str]:
    """Every piece of text Discord shows for a message: where it renders markdown and mentions,
    or (``literal``) where it shows text as it is (embed footers and author names)."""
    if literal:
        return [
            part.get("text") or part.get("name") or ""
            for embed in message.get("embeds") or []
            for part in (embed.get("footer") or {}, embed.get("author") or {})
        ]
    found = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        found += [embed.get("title") or "", embed.get("description") or ""]
        for item in embed.get("fields") or []:
            found += [item["name"], item["value"]]
    return found


def assert_harmless(scene: Scene, message: dict[str, Any]) -> None:
    pinged = scene.fake.pinged[message["id"]]  # every message, replies too, is recorded
    assert not pinged.everyone and pinged.users == () and pinged.roles == ()
    for text in texts(message):
        assert INVISIBLE.search(text.replace("@\u200b", "@")) is None, text
        assert UNESCAPED_MENTION.search(text) is None, text
        assert MASKED_LINK.search(text) is None, text
        assert INVITE.search(text) is None, text  # shown as text: no link, no invite card
        assert "@everyone" not in text and "@here" not in text
    for text in texts(message, literal=True):
        assert INVISIBLE.search(text) is None, text
    for embed in message.get("embeds") or []:
        assert len(embed.get("title") or "") <= 256
        assert len(embed.get("description") or "") <= 4096
    assert sum(len(t) for t in texts(message) + texts(message, literal=True)) <= 6000


async def alert_for(scene: Scene, title: str, lead: str, *, feed_title: str = "Test Feed") -> Any:
    item = {
        "title": escape(title),
        "link": scene.feeds.url("story/1.html"),
        "guid": "hostile-1",
        "pubDate": "Fri, 27 Nov 2026 10:00:00 GMT",
        "description": escape(lead),
    }
    url = scene.feeds.serve("feed.xml", rss([item], title=escape(feed_title)))
    await scene.command("alerts", "channel", {"channel": scene.channel})
    reply = await scene.command("sources", "add", {"url": url, "backfill": 1}, followups=1)
    await scene.wait_for(lambda: len(scene.alerts()) == 1)
    return scene.alerts()[0], reply


@pytest.mark.parametrize("case", list(CASES))
async def test_hostile_feed_text_reaches_discord_harmless(scene: Scene, case: str) -> None:
    title, lead = CASES[case]
    message, _ = await alert_for(scene, title, lead)
    assert_harmless(scene, message)
    (embed,) = message["embeds"]
    # The headline links to the article itself, whatever the text claims.
    assert embed["url"] == scene.feeds.url("story/1.html")
    if case == "masked link":
        assert "https://evil.test/steal" in embed["title"]  # the real target, as text
    if case == "invite links":
        assert "discord\u2024gg/freeNitro" in embed["title"]


async def test_a_hostile_feed_name_is_harmless_in_alerts_and_in_the_sources_list(
    scene: Scene,
) -> None:
    hostile = "@everyone <@&323456789012345678> [News](https://evil.test) \u202eDaily"
    message, added = await alert_for(scene, "Quiet headline", "Calm lead.", feed_title=hostile)
    assert_harmless(scene, message)
    assert_harmless(scene, added.followups[0])
    listed = await scene.command("sources", "list")
    assert_harmless(scene, listed.message)
    assert "Daily" in (listed.content or "")
