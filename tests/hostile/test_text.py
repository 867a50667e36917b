"""Feed text that reaches Discord: hostile titles, leads and feed names go through the real bot
to the fake Discord, which records whom each message notified by Discord's own rules. Nothing
pings, nothing breaks out of its place in the embed, links show their real target."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime
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


# ---- every reply that can hold feed text ---------------------------------------------------------

HOSTILE_TITLE = (
    "@everyone [Official statement](https://evil.test/steal) <@123456789012345678> "
    "discord.gg/freeNitro Safe\u202etxt.exe"
)
HOSTILE_LEAD = (
    "Officials told @here to read the [notice](https://evil.test/phish) and "
    "<@&323456789012345678>. “We will act on the harbour bridge now,” said Clover Moore."
)
HOSTILE_FEED = "@everyone <#423456789012345678> [Daily](https://evil.test/x) \u202eNews"
# Feed text that escaped: a mention of the feed's own, a masked link of the feed's own, an
# invite, a raw @everyone/@here, or an invisible or direction-changing character.
LEAKED = re.compile(
    r"(?<!\\)<(?:@[!&]?|#)[1-4]23456789012345678>|(?<!\\)\]\(https://evil\.test|@everyone|@here"
)

# Every command, with the options to run it (ids filled in at run time). A command registered
# without an entry here fails the test: add how to run it, and its replies are checked too.
REPLIES: dict[str, dict[str, Any]] = {
    "sources add": {"url": "FEED", "backfill": 1},
    "sources list": {},
    "sources test": {"source": "SOURCE"},
    "sources remove": {"source": "OTHER_SOURCE"},
    "sources defaults": {},
    "sources pause": {"source": "SOURCE"},
    "sources resume": {"source": "SOURCE"},
    "sources edit": {"source": "SOURCE", "name": "Ours"},
    "sources import": {"urls": "THIRD_FEED"},
    "sources export": {},
    "alerts channel": {"channel": "CHANNEL"},
    "alerts add": {"topic": "harbour", "channel": "CHANNEL"},
    "alerts list": {},
    "alerts pause": {"route": "ROUTE"},
    "alerts resume": {"route": "ROUTE"},
    "alerts preview": {"topic": "harbour"},
    "alerts style": {"style": "full"},
    "alerts remove": {"route": "ROUTE"},
    "subscribe": {"topic": "harbour"},
    "subscriptions list": {},
    "subscriptions quiet": {"from": "22:00", "to": "07:00"},
    "unsubscribe": {"topic": "harbour"},
    "help topics": {},
    "news latest": {},
    "news search": {"query": "harbour"},
    "news quotes": {},
    "news story": {"article": "ARTICLE"},
    "news coverage": {"topic": "harbour"},
}
IN_DMS = ("subscriptions list", "subscriptions quiet", "unsubscribe", "help topics")
DEFERRED = {
    "sources add",
    "sources edit",
    "sources export",
    "alerts preview",
    "subscriptions list",
    "news latest",
    "news search",
    "news quotes",
    "news coverage",
}


def registered(scene: Scene) -> dict[str, dict[str, Any]]:
    """'name' or 'group sub' -> its registered payload (options included)."""
    found = {}
    for command in scene.fake.commands(scene.guild):
        subs = [o for o in command.get("options") or [] if o["type"] == 1]
        for sub in subs or [command]:
            key = command["name"] if sub is command else f"{command['name']} {sub['name']}"
            found[key] = sub
    return found


def harmless(scene: Scene, message: dict[str, Any], where: str) -> None:
    if message.get("id") in scene.fake.pinged:
        pinged = scene.fake.pinged[message["id"]]
        assert not pinged.everyone and pinged.users == () and pinged.roles == (), where
    for text in texts(message):
        assert LEAKED.search(text) is None, (where, text)
        assert INVISIBLE.search(text.replace("@\u200b", "@")) is None, (where, text)
        assert INVITE.search(text) is None, (where, text)
    for text in texts(message, literal=True):
        assert INVISIBLE.search(text) is None, (where, text)


async def test_every_reply_that_holds_feed_text_is_escaped(scene: Scene) -> None:
    """A feed with hostile titles, leads and name; every command in every context, and every
    autocomplete, answered with it: nothing of it pings, links, invites or hides text."""
    item = {
        "title": escape(HOSTILE_TITLE),
        "link": scene.feeds.url("story/1.html"),
        "guid": "hostile-every-1",
        "pubDate": format_datetime(datetime.now(UTC), usegmt=True),
        "description": escape(HOSTILE_LEAD),
    }
    feed = scene.feeds.serve("feed.xml", rss([item], title=escape(HOSTILE_FEED)))
    other = scene.feeds.serve("other.xml", rss([item], title=escape(HOSTILE_FEED + " 2")))
    third = scene.feeds.serve("third.xml", rss([item], title=escape(HOSTILE_FEED + " 3")))
    await scene.bot.tree.sync()  # globally too: DMs see only global commands
    await scene.command("alerts", "channel", {"channel": scene.channel})
    await scene.command("sources", "add", {"url": other}, followups=1)
    assert set(registered(scene)) == set(REPLIES), "a command without a case here"

    async def run(key: str, *, dm: bool = False) -> None:
        (name, _, sub) = key.partition(" ")
        options = dict(REPLIES[key])
        sources = {s.url: s.id for s in await scene.store.sources.list_sources()}
        routes = await scene.store.topics.routes_of(int(scene.guild.id))
        ids = {
            "FEED": feed,
            "THIRD_FEED": third,
            "SOURCE": sources.get(feed, 0),
            "OTHER_SOURCE": sources.get(other, 0),
            "CHANNEL": scene.channel,
            "ROUTE": routes[0].id if routes else 0,
            "ARTICLE": str(
                min((a.id or 0 for a in await scene.store.articles.recent_articles()), default=0)
            ),
        }
        options = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in options.items()}
        where = {"dm": True} if dm else {"guild": scene.guild, "channel": scene.channel}
        handle = await scene.fake.invoke(
            name, options, user=scene.admin, subcommand=sub or None, **where
        )
        if key in ("sources import", "alerts style"):  # edits, then the preview's buttons
            await handle.wait(lambda h: any(e.get("components") for e in h.edits), timeout=20)
        else:
            await handle.response(timeout=15, followups=1 if key in DEFERRED else 0)
        for message in [handle.message, *handle.followups, *handle.edits]:
            harmless(scene, message, key)
        for option in registered(scene)[key].get("options") or []:
            if not option.get("autocomplete"):
                continue
            for typed in ("", "e", "harb"):
                typed_options = {**options, option["name"]: typed}
                choices = await scene.fake.invoke(
                    name,
                    typed_options,
                    user=scene.admin,
                    subcommand=sub or None,
                    focused=option["name"],
                    **where,
                )
                await choices.response(timeout=15)
                for choice in choices.choices:
                    assert INVISIBLE.search(choice["name"]) is None, (key, choice)

    for key in REPLIES:
        if key not in ("sources defaults", "alerts remove", "unsubscribe", "sources remove"):
            await run(key)
    for key in IN_DMS:
        if key != "unsubscribe":
            await run(key, dm=True)
    await run("unsubscribe", dm=True)
    await run("alerts remove")
    await run("sources remove")
    await run("sources defaults")
