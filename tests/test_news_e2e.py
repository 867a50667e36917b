"""/news end to end through the fake Discord: answers, empty answers, paging by the asker only,
expired buttons, the coverage chart as a valid PNG; every payload checked against the spec."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from cogs.news import NOT_YOURS
from tests.conftest import rss
from tests.fakediscord.server import FakeDiscord
from tests.test_discord_e2e import Scene, scene

pytestmark = pytest.mark.both_engines

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fresh_story(scene: Scene, n: int, *, minutes_ago: int, title: str, text: str) -> dict[str, str]:
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "title": title,
        "link": scene.feeds.url(f"fresh/{n}.html"),
        "guid": f"fresh-{n}",
        "pubDate": format_datetime(when, usegmt=True),
        "description": text,
    }


async def watch_stories(scene: Scene, count: int = 7) -> None:
    items = [
        fresh_story(
            scene,
            n,
            minutes_ago=10 * n,
            title=f"Harbour bridge update {n}",
            text=f"The harbour bridge works reached stage {n}. "
            "“We will reopen the bridge to cyclists on Monday,” said Clover Moore, the lord mayor.",
        )
        for n in range(1, count + 1)
    ]
    url = scene.feeds.serve("fresh.xml", rss(items[-1:]))
    await scene.command("sources", "add", {"url": url, "backfill": 0}, followups=1)
    # The first poll is the baseline; what appears after it is news.
    scene.feeds.serve("fresh.xml", rss(items))
    await scene.bot.services.watcher.poll_sources(await scene.store.sources.list_sources())


async def ask(scene: Scene, sub: str, options: dict[str, Any], **kw: Any) -> Any:
    handle = await scene.fake.invoke(
        "news",
        options,
        guild=scene.guild,
        channel=scene.channel,
        user=kw.pop("user", scene.admin),
        subcommand=sub,
        **kw,
    )
    return await handle.response(timeout=15, followups=1)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["custom_id"]: c for row in message.get("components") or [] for c in row["components"]}


async def test_latest_pages_for_the_asker_only(scene: Scene) -> None:
    await watch_stories(scene)
    reply = await ask(scene, "latest", {})
    assert reply.deferred and reply.ephemeral
    (message,) = reply.followups
    embed = message["embeds"][0]
    assert embed["title"] == "Latest, last 24 hours"
    assert embed["description"].count("Harbour bridge update") == 5, embed
    assert "Harbour bridge update 1" in embed["description"].split("\n")[0]
    assert (
        "> “We will reopen the bridge to cyclists on Monday” — Clover Moore" in embed["description"]
    )
    assert "<t:" in embed["description"] and embed["footer"]["text"] == "Page 1 · newsbot"
    controls = buttons(message)
    assert controls["previous"]["disabled"] and not controls["next"]["disabled"]

    stranger = scene.fake.add_user("stranger")
    scene.guild.add_member(stranger)
    refused = await (await scene.fake.click(message, "next", stranger)).response(timeout=10)
    assert refused.ephemeral and refused.content == NOT_YOURS

    turned = await (await scene.fake.click(message, "next", scene.admin)).response(timeout=10)
    assert turned.callback_type == 7  # the answer itself is updated
    page = scene.fake._find_message(message["channel_id"], message["id"])
    assert page["embeds"][0]["footer"]["text"] == "Page 2 (last) · newsbot"
    assert page["embeds"][0]["description"].count("Harbour bridge update") == 1
    assert buttons(page)["next"]["disabled"] and not buttons(page)["previous"]["disabled"]


async def test_page_buttons_expire_cleanly(scene: Scene) -> None:
    await watch_stories(scene)
    cog: Any = scene.bot.get_cog("NewsCog")  # an extension module of its own: no isinstance
    cog.buttons_seconds = 0.5
    reply = await ask(scene, "latest", {"topic": "harbour"})
    (message,) = reply.followups
    assert buttons(message)
    await scene.wait_for(
        lambda: not scene.fake._find_message(message["channel_id"], message["id"])["components"]
    )


async def test_search_in_public_highlights_the_match(scene: Scene) -> None:
    await watch_stories(scene, count=3)
    reply = await ask(scene, "search", {"query": "cyclists", "public": True})
    (message,) = reply.followups
    assert not reply.ephemeral and not message.get("flags", 0) & 64
    assert "**cyclists**" in message["embeds"][0]["description"]
    assert "components" not in message or not message["components"]  # one page: no buttons


async def test_search_finds_nothing_and_says_what_to_try(scene: Scene) -> None:
    await watch_stories(scene, count=1)
    reply = await ask(scene, "search", {"query": '"no such words" NEAR'})
    description = reply.followups[0]["embeds"][0]["description"]
    assert description.startswith("Nothing found.") and "more `days`" in description


async def test_quotes_by_part_of_a_name_with_autocomplete(scene: Scene) -> None:
    await watch_stories(scene, count=2)
    handle = await scene.fake.invoke(
        "news",
        {"speaker": "moo"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="quotes",
        focused="speaker",
    )
    completed = await handle.response(timeout=10)
    assert [c["value"] for c in completed.choices] == ["Clover Moore"]
    reply = await ask(scene, "quotes", {"speaker": "moore"})
    description = reply.followups[0]["embeds"][0]["description"]
    assert "“We will reopen the bridge to cyclists on Monday” — **Clover Moore**" in description
    assert "lord mayor" in description


async def test_coverage_attaches_a_valid_png_chart(scene: Scene) -> None:
    from matplotlib.image import imread

    await watch_stories(scene, count=4)
    reply = await ask(scene, "coverage", {"topic": "bridge", "days": 3})
    (message,) = reply.followups
    embed = message["embeds"][0]
    assert embed["image"]["url"] == "attachment://coverage.png"
    assert "**3** stories (3 articles) from **1** source" in embed["description"]
    assert any(f["name"] == "Most quoted" for f in embed["fields"])
    assert [a["filename"] for a in message["attachments"]] == ["coverage.png"]
    (sent,) = [r for r in scene.fake.requests if r.files]
    (png,) = sent.file_bodies
    assert png.startswith(PNG_SIGNATURE)
    assert imread(io.BytesIO(png), format="png").shape[:2] == (400, 800)


async def test_a_server_without_sources_is_told_how_to_add_some(scene: Scene) -> None:
    reply = await scene.fake.invoke(
        "news",
        {"topic": "nato"},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="coverage",
    )
    answered = await reply.response(timeout=10)
    assert answered.ephemeral and "/sources add" in answered.content


async def test_bad_input_is_answered_privately_even_for_public_answers(scene: Scene) -> None:
    await watch_stories(scene, count=1)
    handle = await scene.fake.invoke(
        "news",
        {"topic": '"unclosed', "public": True},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="latest",
    )
    answered = await handle.response(timeout=10)
    assert answered.ephemeral and "unclosed quote" in answered.content.lower()
    reply = await ask(scene, "quotes", {"speaker": "x" * 100})
    assert reply.followups[0]["embeds"][0]["description"].startswith("No key quotes found.")


def test_out_of_range_days_and_hours_are_refused_by_the_command_itself(
    fake_discord: FakeDiscord,
) -> None:
    command = {
        "name": "news",
        "type": 1,
        "options": [
            {
                "type": 1,
                "name": "latest",
                "description": "x",
                "options": [
                    {
                        "type": 4,
                        "name": "hours",
                        "description": "x",
                        "min_value": 1,
                        "max_value": 168,
                    }
                ],
            }
        ],
    }
    from tests.fakediscord.interactions import build_options

    with pytest.raises(ValueError):
        build_options(command, {"hours": 500}, subcommand="latest", focused=None, resolve=None)  # type: ignore[arg-type]


async def test_the_published_commands_carry_discord_side_ranges(scene: Scene) -> None:
    (news,) = [c for c in scene.fake.commands(scene.guild) if c["name"] == "news"]
    options = {
        (sub["name"], o["name"]): o for sub in news["options"] for o in sub.get("options", [])
    }
    assert (options["latest", "hours"]["min_value"], options["latest", "hours"]["max_value"]) == (
        1,
        168,
    )
    for sub in ("search", "quotes", "coverage"):
        assert (options[sub, "days"]["min_value"], options[sub, "days"]["max_value"]) == (1, 30)
    await asyncio.sleep(0)
