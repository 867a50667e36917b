"""/sources import|export|pause|resume|edit end to end: the real bot against the fake Discord (an
OPML file attached to the command, the progress message, the confirm button, the exported file),
every payload checked against Discord's spec by the fake."""

from __future__ import annotations

from typing import Any

import listparser
import pytest

from tests.conftest import rss
from tests.test_discord_e2e import Scene, scene
from tests.test_opml import reader_export

pytestmark = pytest.mark.both_engines
pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]


def serve_feeds(scene: Scene) -> None:
    feeds = scene.feeds
    for path, title in (
        ("harbour.xml", "Harbour Times"),
        ("valley.atom", "Valley Gazette"),
        ("continental.json", "Continental Wire"),
        ("watched.xml", "Already here"),
    ):
        item = {"title": f"{title} 1", "link": feeds.url(f"{path}/1"), "guid": f"{path}-1"}
        feeds.serve(path, rss([item], title=title))
    feeds.serve("gone.xml", "gone", status=410, content_type="text/plain")


async def add_source(scene: Scene, path: str) -> int:
    await scene.command("sources", "add", {"url": scene.feeds.url(path)}, followups=1)
    (source,) = [
        s for s in await scene.store.guilds.guild_sources(int(scene.guild.id)) if path in s.url
    ]
    return source.id


async def test_an_attached_opml_is_previewed_then_added_with_the_button(scene: Scene) -> None:
    serve_feeds(scene)
    await add_source(scene, "watched.xml")
    attachment = scene.fake.upload(
        "subscriptions.opml", reader_export(scene.feeds.base_url), content_type="text/x-opml"
    )

    handle = await scene.fake.invoke(
        "sources",
        {"file": attachment},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="import",
    )
    await handle.wait(lambda h: any(e.get("components") for e in h.edits), timeout=20)

    assert handle.deferred and handle.ephemeral
    progress = [e["content"] for e in handle.edits if "Checking feeds" in (e.get("content") or "")]
    assert progress and progress[-1] == "Checking feeds: 6 of 6…"
    preview = handle.original
    assert preview is not None
    text = preview["content"]
    assert text.startswith("3 valid, 1 already watched, 2 refused. Add 3?")
    assert "- valid: Harbour Times (1 items)" in text
    assert "- already watched: Already here" in text
    assert "- refused: file:///etc/passwd: Only http and https" in text
    assert "gone.xml" in text and "410" in text

    clicked = await (await scene.fake.click(preview, "import:add", scene.admin)).response(
        timeout=20, edits=1
    )

    assert clicked.callback_type == 6
    assert clicked.edits[-1]["content"].startswith("Added 3 feeds")
    assert clicked.edits[-1]["components"] == []
    watched = await scene.store.guilds.guild_sources(int(scene.guild.id))
    assert sorted(s.url.rsplit("/", 1)[-1] for s in watched) == [
        "continental.json",
        "harbour.xml",
        "valley.atom",
        "watched.xml",
    ]


async def test_a_list_of_urls_typed_into_the_command_is_checked_too(scene: Scene) -> None:
    serve_feeds(scene)
    urls = f"{scene.feeds.url('harbour.xml')} {scene.feeds.url('gone.xml')}"
    handle = await scene.fake.invoke(
        "sources",
        {"urls": urls},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="import",
    )
    await handle.wait(lambda h: any(e.get("components") for e in h.edits), timeout=20)
    assert handle.original is not None
    assert handle.original["content"].startswith("1 valid, 0 already watched, 1 refused. Add 1?")

    cancelled = await (
        await scene.fake.click(handle.original, "import:cancel", scene.admin)
    ).response(timeout=10)
    assert cancelled.callback_type == 7
    assert await scene.store.guilds.guild_sources(int(scene.guild.id)) == []


async def test_export_attaches_the_servers_sources_as_opml(scene: Scene) -> None:
    serve_feeds(scene)
    harbour = await add_source(scene, "harbour.xml")
    await add_source(scene, "valley.atom")
    renamed = await scene.command(
        "sources", "edit", {"source": harbour, "name": "Harbour (ours)"}, followups=1
    )
    assert renamed.followups[0]["content"] == "**Harbour Times**: named Harbour (ours)."

    reply = await scene.command("sources", "export", {}, followups=1)

    (message,) = reply.followups
    assert [a["filename"] for a in message["attachments"]] == ["newsbot-sources.opml"]
    (sent,) = [r for r in scene.fake.requests if r.files]
    parsed = listparser.parse(sent.file_bodies[0])
    assert sorted((f["title"], f["url"].rsplit("/", 1)[-1]) for f in parsed["feeds"]) == [
        ("Harbour (ours)", "harbour.xml"),
        ("Valley Gazette", "valley.atom"),
    ]
    assert parsed["meta"]["title"] == "newsbot sources of Newsroom"


async def test_pause_shows_in_the_list_until_resumed(scene: Scene) -> None:
    serve_feeds(scene)
    source = await add_source(scene, "harbour.xml")

    paused = await scene.command("sources", "pause", {"source": source})
    listed = await scene.command("sources", "list", {})
    refused = await scene.command("sources", "pause", {"source": source})
    resumed = await scene.command("sources", "resume", {"source": source})
    after = await scene.command("sources", "list", {})

    assert paused.content.startswith("Paused **Harbour Times**: no alerts from it here")
    assert "⏸️ Harbour Times: paused since <t:" in listed.content
    assert refused.content == "Harbour Times is already paused here."
    assert resumed.content.startswith("Resumed **Harbour Times**")
    assert after.content.startswith("✅ Harbour Times: ok")


async def test_edit_changes_the_interval_and_says_what_changed(scene: Scene) -> None:
    serve_feeds(scene)
    source = await add_source(scene, "harbour.xml")
    reply: Any = await scene.command(
        "sources", "edit", {"source": source, "interval": "2h"}, followups=1
    )
    assert reply.followups[0]["content"] == "**Harbour Times**: polled every 2h."
    stored = await scene.store.sources.get_source(source)
    assert stored is not None and stored.interval_seconds == 7200
    wrong = await scene.command(
        "sources", "edit", {"source": source, "interval": "1m"}, followups=1
    )
    assert "between 5m" in wrong.followups[0]["content"]


async def test_the_import_buttons_expire_cleanly(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    # The extension module the bot loaded (discord.py loads it apart from the package).
    monkeypatch.setattr(sys.modules["cogs.sources"], "CONFIRM_SECONDS", 0.5)
    serve_feeds(scene)
    handle = await scene.fake.invoke(
        "sources",
        {"urls": scene.feeds.url("harbour.xml")},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="import",
    )
    await handle.wait(
        lambda h: any("expired" in (e.get("content") or "") for e in h.edits), timeout=20
    )
    assert handle.original is not None
    assert handle.original["components"] == []
    assert handle.original["content"].endswith("(Nothing added: the buttons expired.)")
    assert await scene.store.guilds.guild_sources(int(scene.guild.id)) == []
