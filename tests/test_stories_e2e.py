"""Stories end to end: a story reported by two watched outlets is alerted once, and the alert is
edited to say who else reported it."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from tests.conftest import rss
from tests.test_discord_e2e import Scene, scene
from tests.test_stories import BODY

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


def item(scene: Scene, name: str, text: str) -> dict[str, str]:
    return {
        "title": f"Pyrmont bridge to reopen ({name})",
        "link": scene.feeds.url(f"{name}.html"),
        "guid": name,
        "pubDate": format_datetime(datetime.now(UTC), usegmt=True),
        "description": text,
    }


async def publish_on_two_outlets(scene: Scene, copy: str) -> None:
    """Two watched feeds; the wire publishes the story, then the paper its copy."""
    for feed in ("wire", "paper"):
        url = scene.feeds.serve(
            f"{feed}.xml", rss([item(scene, f"{feed}-old", "Old.")], title=feed)
        )
        await scene.command("sources", "add", {"url": url}, followups=1)
    watcher = scene.bot.services.watcher
    scene.feeds.serve("wire.xml", rss([item(scene, "wire-1", BODY)], title="Wire"))
    await watcher.poll_sources(await scene.store.sources.list_sources())
    scene.feeds.serve("paper.xml", rss([item(scene, "paper-1", copy)], title="Paper"))
    await watcher.poll_sources(await scene.store.sources.list_sources())


async def test_a_story_on_two_outlets_is_alerted_once_and_then_says_who_else(scene: Scene) -> None:
    await scene.command("alerts", "channel", {"channel": scene.channel})
    await publish_on_two_outlets(scene, "Home | World | Sport\n\n" + BODY + "\n\nSource link")

    def also() -> list[dict[str, str]]:
        sent = scene.alerts()
        if len(sent) != 1:
            return []
        return [
            f for f in sent[0]["embeds"][0].get("fields", []) if f["name"] == "Also reported by"
        ]

    await scene.wait_for(lambda: bool(also()))
    assert also()[0]["value"] == "1 outlet: Paper"
    assert len(scene.alerts()) == 1
    assert scene.fake.violations == []


async def test_news_story_lists_every_copy_and_latest_counts_the_story_once(scene: Scene) -> None:
    await publish_on_two_outlets(scene, "Sydney | " + BODY)

    handle = await scene.fake.invoke(
        "news",
        {"topic": "pyrmont"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="latest",
    )
    latest = (await handle.response(timeout=10, followups=1)).followups[0]["embeds"][0]
    assert latest["description"].count("Pyrmont bridge to reopen") == 1
    assert "· 2 outlets" in latest["description"]

    handle = await scene.fake.invoke(
        "news",
        {"article": "pyrmont"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="story",
        focused="article",
    )
    (choice,) = (await handle.response(timeout=10)).choices
    assert choice["name"].startswith("Pyrmont bridge to reopen")
    handle = await scene.fake.invoke(
        "news",
        {"article": choice["value"]},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="story",
    )
    answer = await handle.response(timeout=10)
    assert answer.ephemeral
    description = answer.embeds[0]["description"]
    assert description.index("**Wire**") < description.index("**Paper**")
    assert answer.embeds[0]["footer"]["text"].startswith("2 outlets")

    handle = await scene.fake.invoke(
        "news",
        {"topic": "pyrmont", "days": 2},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="coverage",
    )
    coverage = (await handle.response(timeout=15, followups=1)).followups[0]["embeds"][0]
    assert "**1** story (2 articles) from **2** sources" in coverage["description"]
    (top,) = [f for f in coverage["fields"] if f["name"] == "Top stories"]
    assert top["value"].endswith("— 2 copies")
    assert scene.fake.violations == []


async def test_a_compact_alert_is_edited_in_its_one_line(scene: Scene) -> None:
    from bot.alerts import AlertStyle, StyleName

    await scene.command("alerts", "channel", {"channel": scene.channel})
    await scene.store.topics.set_channel_style(
        int(scene.guild.id),
        int(scene.channel.id),
        AlertStyle(StyleName.COMPACT).encode(),
        user_id=int(scene.admin.id),
        now=datetime.now(UTC),
    )
    await publish_on_two_outlets(scene, "Home | World | Sport\n\n" + BODY + "\n\nSource link")

    def lines() -> list[str]:
        return [
            m["content"]
            for m in scene.fake.messages(scene.channel)
            if "Pyrmont bridge" in (m.get("content") or "")
        ]

    await scene.wait_for(lambda: any(line.endswith(" · also 1 outlet") for line in lines()))
    (line,) = lines()
    assert line.startswith("📰 **[Pyrmont bridge to reopen (wire-1)](<")
    assert scene.fake.violations == []


async def test_an_article_joining_two_alerted_stories_edits_both_alerts_and_sends_none(
    scene: Scene,
) -> None:
    """The wire's and the paper's halves of one report were alerted as two stories; an outlet
    then publishes the whole report, which joins them: no third alert, and each alert sent is
    edited to name the other outlets of the merged story."""
    from tests.stories.test_index import article_text

    await scene.command("alerts", "channel", {"channel": scene.channel})
    paragraphs = article_text(7, at_least=450)
    half = len(paragraphs) // 2
    texts = {
        "wire": "\n\n".join(paragraphs[:half]),
        "paper": "\n\n".join(paragraphs[half:]),
        "daily": "\n\n".join(paragraphs),
    }
    for feed in texts:
        url = scene.feeds.serve(
            f"{feed}.xml", rss([item(scene, f"{feed}-old", "Old.")], title=feed.title())
        )
        await scene.command("sources", "add", {"url": url}, followups=1)
    watcher = scene.bot.services.watcher
    for sent, (feed, text) in enumerate(texts.items(), start=1):
        scene.feeds.serve(f"{feed}.xml", rss([item(scene, f"{feed}-1", text)], title=feed.title()))
        await watcher.poll_sources(await scene.store.sources.list_sources())
        if feed != "daily":
            await scene.wait_for(lambda count=sent: len(scene.alerts()) == count)

    def also() -> dict[str, str]:
        found = {}
        for alert in scene.alerts():
            embed = alert["embeds"][0]
            for f in embed.get("fields", []):
                if f["name"] == "Also reported by":
                    found[embed["title"]] = f["value"]
        return found

    await scene.wait_for(lambda: len(also()) == 2)
    assert also() == {
        "Pyrmont bridge to reopen (wire-1)": "2 outlets: Paper, Daily",
        "Pyrmont bridge to reopen (paper-1)": "2 outlets: Wire, Daily",
    }
    assert len(scene.alerts()) == 2
    assert scene.fake.violations == []
