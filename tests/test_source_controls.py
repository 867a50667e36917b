"""A server's controls on its sources (pause, resume, edit) and feed-list import and export, on the
real store (both engines), the real watcher and feeds served on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import listparser
import pytest
from aiohttp import web

from bot.feeds import item_keys
from bot.fetch import Fetcher
from bot.pool import WorkPool
from bot.settings import Settings
from bot.source_controls import (
    ControlError,
    Prober,
    SourceControls,
    Verdict,
    describe_interval,
    parse_interval,
)
from bot.sources import Source, SourceStatus
from bot.storage.repositories import Repositories
from bot.watcher import Watcher
from tests.conftest import Clock, FeedServer, rss
from tests.test_opml import reader_export

pytestmark = pytest.mark.both_engines

GUILD, OTHER, CHANNEL, OTHER_CHANNEL, ADMIN = 100, 200, 1000, 2000, 7


@dataclass
class Desk:
    controls: SourceControls
    store: Repositories
    watcher: Watcher
    server: FeedServer
    clock: Clock
    settings: Settings

    def item(self, slug: str) -> dict[str, str]:
        return {
            "title": f"Story {slug}",
            "link": self.server.url(f"/story/{slug}"),
            "guid": f"urn:story:{slug}",
        }

    def keys(self, *slugs: str) -> list[str]:
        return [
            key
            for slug in slugs
            for key in item_keys(
                guid=self.item(slug)["guid"],
                link=self.item(slug)["link"],
                title=self.item(slug)["title"],
                published=None,
            )
        ]

    def feed(self, path: str, *slugs: str, title: str = "Test Feed") -> str:
        return self.server.serve(path, rss([self.item(s) for s in slugs], title=title))

    async def watch(self, guild: int, url: str) -> Source:
        """The guild watches ``url`` (as /sources add does: subscribed, then polled)."""
        source, _ = await self.store.sources.add_source(url, added_url=url, now=self.clock.now)
        await self.store.guilds.add_guild_source(
            guild, source.id, user_id=ADMIN, now=self.clock.now
        )
        if source.last_success_at is None:
            assert (await self.watcher.poll_source(source)).ok
        return await self.source(source.id)

    async def source(self, source_id: int) -> Source:
        found = await self.store.sources.get_source(source_id)
        assert found is not None
        return found

    async def cycle(self) -> None:
        self.clock.advance(self.settings.poll_interval_seconds * 3)
        await self.watcher.poll_due()

    async def alerted(self, channel: int) -> list[int]:
        """Article ids queued to ``channel``."""
        return [
            e.article_id or 0
            for e in await self.store.outbox.outbox_entries()
            if e.channel_id == channel
        ]


@pytest.fixture
async def desk(
    settings: Settings, store: Repositories, watcher: Watcher, feed_server: FeedServer, clock: Clock
) -> AsyncIterator[Desk]:
    pool = WorkPool(1)
    try:
        async with Fetcher.create_session(settings) as session:
            controls = SourceControls(
                guilds=store.guilds,
                sources=store.sources,
                prober=Prober(Fetcher(session, settings), pool, max_items=100),
                clock=clock,
                cap=4,
                default_interval=settings.poll_interval_seconds,
            )
            await store.guilds.set_alerts_channel(GUILD, CHANNEL, user_id=ADMIN, now=clock.now)
            await store.guilds.set_alerts_channel(
                OTHER, OTHER_CHANNEL, user_id=ADMIN, now=clock.now
            )
            yield Desk(controls, store, watcher, feed_server, clock, settings)
    finally:
        pool.close()


# ---- pause and resume ---------------------------------------------------------------------------


async def test_a_source_paused_by_its_only_server_is_not_polled(desk: Desk) -> None:
    source = await desk.watch(GUILD, desk.feed("feed.xml", "1"))
    await desk.controls.pause(GUILD, source.id)
    desk.feed("feed.xml", "1", "2")
    hits = desk.server.hits["/feed.xml"]

    await desk.cycle()

    assert desk.server.hits["/feed.xml"] == hits
    assert (await desk.source(source.id)).next_poll_at is None
    (line,) = await desk.store.guilds.guild_source_controls(GUILD)
    assert line.paused_since == desk.clock.now - timedelta(
        seconds=desk.settings.poll_interval_seconds * 3
    )
    report = await desk.store.operations.status_report(desk.clock.now, version="t")
    assert report.sources.paused == 1 and report.sources.ok == 0


async def test_resume_polls_at_once_and_skips_what_appeared_while_paused(desk: Desk) -> None:
    source = await desk.watch(GUILD, desk.feed("feed.xml", "1"))
    await desk.controls.pause(GUILD, source.id)
    desk.feed("feed.xml", "1", "2")
    await desk.cycle()

    await desk.controls.resume(GUILD, source.id)
    assert (await desk.source(source.id)).next_poll_at == desk.clock.now
    await desk.watcher.poll_due()
    assert await desk.alerted(CHANNEL) == []
    desk.feed("feed.xml", "1", "2", "3")
    await desk.cycle()

    articles = await desk.store.articles.latest_articles_of(source.id, limit=10)
    assert [a.title for a in articles] == ["Story 3"]
    assert await desk.alerted(CHANNEL) == [articles[0].id]


async def test_a_source_paused_in_one_server_still_alerts_the_other(desk: Desk) -> None:
    url = desk.feed("shared.xml", "1")
    source = await desk.watch(GUILD, url)
    await desk.watch(OTHER, url)
    await desk.controls.pause(GUILD, source.id)
    desk.feed("shared.xml", "1", "2")

    await desk.cycle()

    (article,) = await desk.store.articles.latest_articles_of(source.id, limit=10)
    assert await desk.alerted(OTHER_CHANNEL) == [article.id]
    assert await desk.alerted(CHANNEL) == []


async def test_pausing_twice_and_resuming_what_is_not_paused_are_refused(desk: Desk) -> None:
    source = await desk.watch(GUILD, desk.feed("feed.xml", "1"))
    with pytest.raises(ControlError, match="is not paused here"):
        await desk.controls.resume(GUILD, source.id)
    await desk.controls.pause(GUILD, source.id)
    with pytest.raises(ControlError, match="already paused here"):
        await desk.controls.pause(GUILD, source.id)
    with pytest.raises(ControlError, match="doesn't watch that source"):
        await desk.controls.pause(OTHER, source.id)


async def test_a_server_adding_a_source_others_paused_gets_it_polled(desk: Desk) -> None:
    url = desk.feed("feed.xml", "1")
    source = await desk.watch(GUILD, url)
    await desk.controls.pause(GUILD, source.id)
    await desk.store.guilds.add_guild_source(OTHER, source.id, user_id=ADMIN, now=desk.clock.now)
    assert (await desk.source(source.id)).next_poll_at == desk.clock.now


# ---- interval and User-Agent --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), ("45", 2700), ("600s", 600)],
)
def test_intervals_are_read_in_their_usual_spellings(typed: str, seconds: int) -> None:
    assert parse_interval(typed, minimum=300) == seconds
    assert parse_interval("default", minimum=300) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [("2m", "between 5m"), ("25h", "and 24h"), ("soon", "not an interval"), ("5x", "interval")],
)
def test_intervals_outside_the_range_or_unreadable_are_refused(typed: str, message: str) -> None:
    with pytest.raises(ControlError, match=message):
        parse_interval(typed, minimum=300)
    assert describe_interval(5400) == "1h30m"


async def test_a_source_is_polled_as_often_as_its_most_eager_server_asks(desk: Desk) -> None:
    url = desk.feed("feed.xml", "1")
    source = await desk.watch(GUILD, url)
    await desk.watch(OTHER, url)
    await desk.controls.edit(GUILD, source.id, interval="6h")
    assert (await desk.source(source.id)).interval_seconds is None  # OTHER keeps the default
    await desk.controls.edit(OTHER, source.id, interval="2h")
    assert (await desk.source(source.id)).interval_seconds == 7200

    desk.clock.advance(7200)
    await desk.watcher.poll_due()
    polled = await desk.source(source.id)
    assert polled.next_poll_at is not None
    wait = (polled.next_poll_at - desk.clock.now).total_seconds()
    assert 7200 <= wait <= 7200 * 1.1

    await desk.store.guilds.remove_guild_source(OTHER, source.id)
    assert (await desk.source(source.id)).interval_seconds == 6 * 3600


async def test_a_sources_own_user_agent_is_sent_with_its_feed_and_pages(desk: Desk) -> None:
    source = await desk.watch(GUILD, desk.feed("feed.xml", "1"))
    await desk.controls.edit(GUILD, source.id, user_agent="Mozilla/5.0 (compatible; Reader)")
    desk.feed("feed.xml", "1", "2")
    desk.server.requests.clear()

    await desk.cycle()

    agents = {r.path: r.headers.get("User-Agent") for r in desk.server.requests}
    assert agents == {
        "/feed.xml": "Mozilla/5.0 (compatible; Reader)",
        "/story/2": "Mozilla/5.0 (compatible; Reader)",
    }
    await desk.controls.edit(GUILD, source.id, user_agent="default")
    assert (await desk.source(source.id)).user_agent is None
    with pytest.raises(ControlError, match="printable ASCII"):
        await desk.controls.edit(GUILD, source.id, user_agent="bad\r\nX-Injected: 1")


# ---- a new URL ----------------------------------------------------------------------------------


async def test_a_new_url_keeps_what_the_source_has_seen(desk: Desk) -> None:
    source = await desk.watch(GUILD, desk.feed("old.xml", "1", "2"))
    new_url = desk.feed("new.xml", "1", "2", "3", title="Moved Feed")

    edited = await desk.controls.edit(GUILD, source.id, url=new_url, name="Harbour Desk")

    assert edited.source.id == source.id and edited.source.url == new_url
    desk.feed("new.xml", "1", "2", "3", "4", title="Moved Feed")
    await desk.cycle()
    titles = [a.title for a in await desk.store.articles.latest_articles_of(source.id, limit=10)]
    assert titles == ["Story 4"]
    (line,) = await desk.store.guilds.guild_source_controls(GUILD)
    assert line.display_name == "Harbour Desk"


async def test_a_shared_sources_new_url_moves_only_this_server(desk: Desk) -> None:
    url = desk.feed("old.xml", "1")
    source = await desk.watch(GUILD, url)
    await desk.watch(OTHER, url)
    new_url = desk.feed("new.xml", "1", "2")

    edited = await desk.controls.edit(GUILD, source.id, url=new_url)

    assert edited.source.id != source.id
    assert [s.url for s in await desk.store.guilds.guild_sources(OTHER)] == [url]
    assert [s.url for s in await desk.store.guilds.guild_sources(GUILD)] == [new_url]
    assert await desk.store.sources.unseen_keys(edited.source.id, desk.keys("1", "2")) == set()
    desk.feed("new.xml", "1", "2", "3")
    await desk.cycle()
    (article,) = await desk.store.articles.latest_articles_of(edited.source.id, limit=10)
    assert await desk.alerted(CHANNEL) == [article.id]


async def test_a_new_url_that_does_not_work_changes_nothing(desk: Desk) -> None:
    source = await desk.watch(GUILD, desk.feed("feed.xml", "1"))
    desk.server.serve(
        "broken.xml", "<html><body>no feed here</body></html>", content_type="text/html"
    )
    with pytest.raises(ControlError, match="can't be used"):
        await desk.controls.edit(GUILD, source.id, url=desk.server.url("broken.xml"))
    with pytest.raises(ControlError, match="Only http and https"):
        await desk.controls.edit(GUILD, source.id, url="ftp://example.com/feed")
    assert (await desk.source(source.id)).url == source.url


async def test_a_url_the_server_already_watches_is_refused(desk: Desk) -> None:
    first = await desk.watch(GUILD, desk.feed("a.xml", "1"))
    second_url = desk.feed("b.xml", "2")
    await desk.watch(GUILD, second_url)
    with pytest.raises(ControlError, match="already watches that feed"):
        await desk.controls.edit(GUILD, first.id, url=second_url)


# ---- import and export --------------------------------------------------------------------------


async def serve_reader_feeds(desk: Desk) -> bytes:
    server = desk.server
    desk.feed("harbour.xml", "h1", "h2", title="Harbour Times")
    server.serve(
        "valley.atom",
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Valley &amp; Coast Gazette</title><id>urn:v</id><updated>2026-11-30T10:00:00Z"
        "</updated><entry><title>V1</title><id>urn:v1</id><updated>2026-11-30T10:00:00Z"
        '</updated><link href="https://valley.example/v1"/></entry></feed>',
        content_type="application/atom+xml",
    )
    server.serve(
        "continental.json",
        '{"version": "https://jsonfeed.org/version/1.1", "title": "Continental Wire", '
        '"items": [{"id": "c1", "url": "https://c.example/1", "content_text": "One."}]}',
        content_type="application/feed+json",
    )
    server.serve("gone.xml", "gone", status=410, content_type="text/plain")
    await desk.watch(GUILD, desk.feed("watched.xml", "w1"))
    return reader_export(server.base_url)


async def test_a_readers_opml_export_is_previewed_then_added_within_the_cap(desk: Desk) -> None:
    data = await serve_reader_feeds(desk)
    progress: list[tuple[int, int]] = []

    async def note(done: int, total: int) -> None:
        progress.append((done, total))

    preview = await desk.controls.preview_import(GUILD, data, progress=note)

    verdicts = {f.url.rsplit("/", 1)[-1]: (f.verdict, f.reason) for f in preview.feeds}
    assert verdicts["harbour.xml"] == (Verdict.VALID, None)
    assert verdicts["valley.atom"] == (Verdict.VALID, None)
    assert verdicts["continental.json"] == (Verdict.VALID, None)
    assert verdicts["watched.xml"] == (Verdict.WATCHED, None)
    assert verdicts["gone.xml"][0] is Verdict.REFUSED and "410" in str(verdicts["gone.xml"][1])
    assert verdicts["passwd"][0] is Verdict.REFUSED
    assert "Only http and https" in str(verdicts["passwd"][1])
    assert [p for p in progress] == [(n, 6) for n in range(1, 7)]
    assert preview.room == 3 and preview.over_cap == 0

    await desk.watch(GUILD, desk.feed("another.xml", "x"))  # the cap shrinks before the click
    done = await desk.controls.confirm_import(preview, user_id=ADMIN)

    assert (done.added, done.over_cap) == (2, 1)
    watched = {s.url.rsplit("/", 1)[-1] for s in await desk.store.guilds.guild_sources(GUILD)}
    assert watched == {"watched.xml", "another.xml", "harbour.xml", "valley.atom"}


async def test_export_lists_the_servers_sources_with_their_names_here(desk: Desk) -> None:
    first = await desk.watch(GUILD, desk.feed("a.xml", "1", title="Alpha News"))
    await desk.watch(GUILD, desk.feed("b.xml", "1", title="Beta & Co"))
    await desk.watch(OTHER, desk.feed("c.xml", "1", title="Not ours"))
    await desk.controls.edit(GUILD, first.id, name="Our Alpha")

    document = await desk.controls.export(GUILD, title="newsbot sources of Room")

    parsed = listparser.parse(document)
    assert sorted((f["title"], f["url"].rsplit("/", 1)[-1]) for f in parsed["feeds"]) == [
        ("Beta & Co", "b.xml"),
        ("Our Alpha", "a.xml"),
    ]


async def test_import_of_a_plain_list_refuses_what_is_not_a_feed(desk: Desk) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>hello</body></html>", content_type="text/html")

    desk.server.route("page.html", page)
    good = desk.feed("good.xml", "1")
    data = f"{good}\n{desk.server.url('page.html')}\n{good}\n".encode()
    preview = await desk.controls.preview_import(GUILD, data)
    assert [f.verdict for f in preview.feeds] == [Verdict.VALID, Verdict.REFUSED]
    assert preview.feeds[1].reason
    assert "feed" in preview.feeds[1].reason.lower()


async def test_status_of_a_failing_source_is_kept_by_a_pause(desk: Desk) -> None:
    source = await desk.watch(GUILD, desk.feed("feed.xml", "1"))
    desk.server.serve("feed.xml", "down", status=500, content_type="text/plain")
    await desk.cycle()
    await desk.controls.pause(GUILD, source.id)
    assert (await desk.source(source.id)).status is SourceStatus.FAILING


async def test_when_the_last_active_server_leaves_a_paused_source_stops_polling(desk: Desk) -> None:
    url = desk.feed("shared.xml", "1")
    source = await desk.watch(GUILD, url)
    await desk.watch(OTHER, url)
    await desk.controls.pause(GUILD, source.id)
    assert (await desk.source(source.id)).next_poll_at is not None
    await desk.store.guilds.remove_guild_source(OTHER, source.id)
    assert (await desk.source(source.id)).next_poll_at is None
