"""What one server could learn about another, or about a source's secret address, end to end
through the fake Discord: numbers in answers count the asking server's sources only; a source
is shown and matched by its title and host, never its query string or a login; /sources add
fetches and answers alike whether or not another server watches the URL; a refused database
write tells the admin nothing of the database."""

from __future__ import annotations

import inspect
import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from bot.answers import article_page, coverage_message, quote_page, story_message
from bot.articles import Article
from bot.errors import DATABASE_BUSY
from bot.news import News
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.stories import Stories
from bot.topics import parse_topic
from bot.urls import source_label
from tests.conftest import rss
from tests.hostile.test_faults import StorePressure, another_writer
from tests.hostile.test_privacy import member, second_server
from tests.test_discord_e2e import Scene, scene
from tests.test_news import NOW, add_source, article, quote
from tests.test_stories import BODY

pytest_plugins = ["tests.fakediscord.plugin"]
__all__ = ["scene"]

SECRET = "k3y-S3CR3T-0f-th3-0wn3r"


def item(scene: Scene, n: int, title: str, text: str = BODY) -> dict[str, str]:
    return {
        "title": title,
        "link": scene.feeds.url(f"story/{n}.html"),
        "guid": f"leak-{n}",
        "pubDate": format_datetime(datetime.now(UTC), usegmt=True),
        "description": text,
    }


async def ask(scene: Scene, sub: str, options: dict[str, Any], **where: Any) -> Any:
    where = where or {"guild": scene.guild, "channel": scene.channel}
    handle = await scene.fake.invoke("news", options, user=scene.admin, subcommand=sub, **where)
    deferred = sub in ("latest", "search", "quotes", "coverage")
    reply = await handle.response(timeout=15, followups=1 if deferred else 0)
    return reply.followups[0] if deferred else reply.message


# ---- counts ------------------------------------------------------------------------------------


async def test_news_counts_only_the_asking_servers_outlets(scene: Scene) -> None:
    """A story four outlets carry; this server watches one of them, a neighbour all four. The
    answers here say one outlet; the neighbour's say four (so the story was grouped)."""
    first = scene.feeds.serve("a.xml", rss([item(scene, 1, "Bridge reopens")], title="Outlet A"))
    await scene.command("sources", "add", {"url": first, "backfill": 1}, followups=1)
    other, channel = await second_server(scene, "Neighbours")
    elsewhere = {"guild": other, "channel": channel}
    await scene.command("sources", "add", {"url": first}, followups=1, **elsewhere)
    for n in (2, 3, 4):
        copy = rss([item(scene, n, f"Bridge reopens ({n})")], title=f"Outlet {n}")
        url = scene.feeds.serve(f"copy{n}.xml", copy)
        await scene.command("sources", "add", {"url": url, "backfill": 1}, followups=1, **elsewhere)

    here = await ask(scene, "latest", {})
    (embed,) = here["embeds"]
    assert "Bridge reopens" in embed["description"] and "outlets" not in embed["description"]
    story = await ask(scene, "story", {"article": "Bridge"})
    assert story["embeds"][0]["footer"]["text"].startswith("1 outlet among this server's")
    there = await ask(scene, "latest", {}, **elsewhere)
    assert "· 4 outlets" in there["embeds"][0]["description"]


# ---- source identities -------------------------------------------------------------------------


def test_an_untitled_source_is_named_by_its_host_and_at_most_40_characters_of_path() -> None:
    assert source_label(f"https://u:p@Feeds.Example.com:8443/world/rss.xml?key={SECRET}#x") == (
        "feeds.example.com/world/rss.xml"
    )
    long = source_label("https://example.com/" + "a" * 60 + "/feed")
    assert long == "example.com/" + "a" * 38 + "…"  # the path, its slash too, in 40


async def untitled_secret_source(scene: Scene) -> tuple[str, int]:
    """A feed with no title, at an address whose query string holds a key."""
    url = scene.feeds.serve("private/feed.xml", rss([item(scene, 1, "Quiet news")], title=""))
    url = f"{url}?key={SECRET}"
    await scene.command("alerts", "channel", {"channel": scene.channel})
    added = await scene.command("sources", "add", {"url": url, "backfill": 1}, followups=1)
    assert SECRET not in added.followups[0]["content"]
    assert "127.0.0.1/private/feed.xml" in added.followups[0]["content"]
    (source,) = await scene.store.sources.list_sources()
    return url, source.id


async def test_an_untitled_sources_address_never_shows_its_query_string(scene: Scene) -> None:
    _, source_id = await untitled_secret_source(scene)
    await scene.wait_for(lambda: len(scene.alerts()) == 1)
    (alert,) = scene.alerts()
    assert alert["embeds"][0]["footer"]["text"] == "127.0.0.1/private/feed.xml"
    listed = await scene.command("sources", "list")
    assert "127.0.0.1/private/feed.xml" in (listed.content or "")
    preview = await scene.command("sources", "test", {"source": source_id})
    shown = [str(listed.message), str(preview.message), str(alert)]
    assert not any(SECRET in text or "key=" in text for text in shown)


@pytest.mark.parametrize(
    ("command", "sub", "option"),
    [("sources", "remove", "source"), ("sources", "test", "source"), ("news", "latest", "source")],
)
async def test_autocomplete_matches_title_and_host_only(
    scene: Scene, command: str, sub: str, option: str
) -> None:
    """Typing part of a secret, one character after another, finds nothing (it took 78 probes
    to recover a key when the whole address was matched)."""
    await untitled_secret_source(scene)

    async def names(typed: str) -> list[str]:
        handle = await scene.fake.invoke(
            command,
            {option: typed},
            guild=scene.guild,
            channel=scene.channel,
            user=scene.admin,
            subcommand=sub,
            focused=option,
        )
        await handle.response(timeout=10)
        return [c["name"] for c in handle.choices]

    for probe in ("k", "k3y", SECRET[:10], "key=", "?", "private", "feed.xml"):
        assert await names(probe) == [], probe
    assert await names("127.0") == ["127.0.0.1/private/feed.xml"]
    assert not any(SECRET in name for name in await names(""))


async def test_news_latest_source_typed_as_part_of_a_secret_matches_nothing(scene: Scene) -> None:
    await untitled_secret_source(scene)
    handle = await scene.fake.invoke(
        "news",
        {"source": SECRET[:8]},
        guild=scene.guild,
        channel=scene.channel,
        user=scene.admin,
        subcommand="latest",
    )
    reply = await handle.response(timeout=10)
    assert reply.ephemeral and "None of this server's sources matches" in (reply.content or "")


async def test_a_url_with_a_login_is_refused_saying_why(scene: Scene) -> None:
    url = scene.feeds.serve("feed.xml", rss([item(scene, 1, "News")]))
    with_login = url.replace("http://", "http://editor:hunter2@")
    reply = await scene.command("sources", "add", {"url": with_login}, followups=1)
    text = reply.followups[0]["content"]
    assert "user name or password" in text and "hunter2" not in text
    assert await scene.store.sources.list_sources() == []
    assert scene.feeds.hits == {}


# ---- probing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("backfill", [0, 1])
async def test_sources_add_answers_alike_whether_or_not_another_server_watches(
    scene: Scene, backfill: int
) -> None:
    other, channel = await second_server(scene, "Neighbours")
    for guild, where in ((scene.guild, scene.channel), (other, channel)):
        await scene.command("alerts", "channel", {"channel": where}, guild=guild, channel=where)
    items = [item(scene, n, f"Story {n}", f"Text of story {n}.") for n in (3, 2, 1)]
    url = scene.feeds.serve("feed.xml", rss(items))
    options = {"url": url, "backfill": backfill}
    first = await scene.command(
        "sources", "add", options, followups=1, guild=other, channel=channel
    )
    second = await scene.command("sources", "add", options, followups=1)
    assert second.followups[0]["content"] == first.followups[0]["content"]
    assert "already" not in second.followups[0]["content"]
    assert scene.feeds.hits["/feed.xml"] == 2  # fetched for each: no 304 tells the second
    await scene.wait_for(lambda: len(scene.alerts()) == backfill)


async def test_a_refused_write_tells_the_admin_only_that_the_database_is_busy(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    if not scene.settings.database_url.startswith("sqlite"):
        pytest.skip("another process holds SQLite's write lock here")
    caplog.set_level(logging.WARNING)
    StorePressure(scene.store)  # a short busy timeout, so the lock is felt at once
    url = scene.feeds.serve("feed.xml", rss([item(scene, 1, "News")]))
    reader = await member(scene)
    database = Path(scene.settings.database_url.split("///", 1)[1])
    async with another_writer(database):
        added = await scene.command("sources", "add", {"url": url}, followups=1)
        handle = await scene.fake.invoke(
            "subscribe", {"topic": "harbour"}, guild=scene.guild, user=reader
        )
        subscribed = await handle.response(timeout=10)
    for reply in (added.followups[0]["content"], subscribed.content):
        assert reply == DATABASE_BUSY
    assert any("database is locked" in r.getMessage() for r in caplog.records)  # in the log


# ---- the next count leak ------------------------------------------------------------------------

SERVER, NEIGHBOUR = 100, 200


async def store_copies(
    store: Repositories, stories: Stories, *found: tuple[Source, Article]
) -> None:
    change = PollSuccess(None, None, None, None, None, NOW)
    for source, made in sorted(found, key=lambda pair: pair[1].fetched_at):
        await store.ingest.record_poll_success(
            source, change, seen_keys=[made.item_key], new_articles=[made], now=NOW, stories=stories
        )


async def every_answer(news: News, guild: int) -> dict[str, Any]:
    """Everything /news can say in a server, rendered as it is sent, autocompletes included."""
    scope = await news.scope(guild)
    topic = parse_topic("bridge")
    first = min(id_ for id_, _ in await news.headlines(scope, ""))
    return {
        "latest": article_page(await news.latest(scope, topic=None, hours=72), empty_hint=""),
        "latest topic": article_page(
            await news.latest(scope, topic=topic, hours=72), empty_hint=""
        ),
        "search": article_page(await news.search(scope, topic, days=7), empty_hint=""),
        "quotes": quote_page(
            await news.quotes(scope, speaker=None, topic=None, days=7), empty_hint=""
        ),
        "quotes by": quote_page(
            await news.quotes(scope, speaker="Clover", topic=topic, days=7), empty_hint=""
        ),
        "story": story_message(await news.story(scope, str(first))),
        "coverage": coverage_message(await news.coverage(scope, topic, days=7)),
        "speakers": await news.speakers(scope, "c"),
        "headlines": await news.headlines(scope, ""),
        "source choices": News.source_choices(scope, ""),
        "pick source": News.pick_source(scope, "a.test"),
    }


COVERED = {"latest", "search", "quotes", "story", "coverage", "speakers", "headlines"}
COVERED |= {"source_choices", "pick_source"}


@pytest.mark.both_engines
async def test_no_answer_changes_when_a_neighbour_watches_more(store: Repositories) -> None:
    """A server's every /news answer, before and after a neighbouring server adds sources that
    carry the same stories, quote the same people and more: identical. Any number drawn from
    beyond the asking server's sources (the outlet count was one) makes them differ."""
    asked = {
        name
        for name, member_ in inspect.getmembers(News, callable)
        if not name.startswith("_") and "scope" in inspect.signature(member_).parameters
    }
    assert asked == COVERED, "a /news query this test doesn't ask: add it to every_answer"
    shared = await add_source(store, "https://a.test/feed", guild=SERVER)
    await store.guilds.add_guild_source(NEIGHBOUR, shared.id, user_id=1, now=NOW)
    neighbours = [
        await add_source(store, f"https://{name}.test/feed", guild=NEIGHBOUR) for name in "bcd"
    ]
    said = (quote("We will reopen the bridge to cyclists on Monday", "Clover Moore"),)
    stories = Stories()
    await store_copies(
        store,
        stories,
        article(shared, "a1", 5, "Bridge reopens to cyclists", BODY, quotes=said),
        article(neighbours[0], "b1", 4, "Cyclists get their bridge back", BODY, quotes=said),
    )
    news = News(
        queries=store.queries,
        coverage=store.coverage,
        articles=store.articles,
        guilds=store.guilds,
        clock=lambda: NOW,
    )
    before = await every_answer(news, SERVER)
    theirs = await every_answer(news, NEIGHBOUR)

    more = (quote("The cables were corroded", "Clara Engineer"), *said)
    await store_copies(
        store,
        stories,
        *(
            article(source, f"{source.id}-{n}", 3 - n, f"Bridge news {n}", BODY, quotes=more)
            for n in range(3)
            for source in neighbours
        ),
    )
    assert await every_answer(news, SERVER) == before
    assert await every_answer(news, NEIGHBOUR) != theirs  # the neighbour's answers did change
