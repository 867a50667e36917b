"""The store on a real SQLite file and a real PostgreSQL database: migrations, sources, seen
state, articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.articles import Article
from bot.sources import SourceStatus
from bot.storage.database import HEAD_REVISION
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.storage.schema import is_full_text_column, is_full_text_table
from tests.factories import make_article

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def article(source_id: int, key: str, title: str = "Headline") -> Article:
    return make_article(source_id, key, NOW, title=title)


def success(next_poll: datetime = NOW) -> PollSuccess:
    return PollSuccess(
        title="Feed",
        site_url=None,
        etag='"e1"',
        last_modified=None,
        moved_to=None,
        next_poll_at=next_poll,
    )


async def test_head_revision_matches_the_migration_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def _not_full_text(name: str | None, kind: str, parent: object) -> bool:
    if kind == "table":
        return not is_full_text_table(name)
    if kind in ("column", "index"):
        return not is_full_text_column(name)
    return True


async def test_migrations_build_exactly_the_schema_the_queries_use(store: Repositories) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.storage.schema import metadata

    async with store.database.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(
                    sync, opts={"compare_type": True, "include_name": _not_full_text}
                ),
                metadata,
            )
        )
    assert diff == []


async def test_migrate_is_idempotent(store: Repositories) -> None:
    assert await store.database.migrate() is False
    assert await store.database.schema_revision() == HEAD_REVISION


async def test_sqlite_runs_in_wal_mode(store: Repositories, db_engine: str) -> None:
    if db_engine != "sqlite":
        pytest.skip("a SQLite setting")
    async with store.database.engine.connect() as conn:
        mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
    assert mode == "wal"


async def test_a_fresh_database_is_migrated(database_url: str) -> None:
    store = Repositories.open(database_url)
    try:
        assert await store.database.schema_revision() is None
        assert await store.database.migrate() is True
        assert await store.sources.list_sources() == []
    finally:
        await store.close()


async def test_the_key_quotations_index_is_partial_on_the_engine_opened(
    store: Repositories,
) -> None:
    from sqlalchemy.schema import CreateIndex

    from bot.storage.schema import QUOTES_KEY_INDEX

    ddl = str(CreateIndex(QUOTES_KEY_INDEX).compile(dialect=store.database.engine.dialect))
    expected = "WHERE is_key = 1" if store.database.dialect == "sqlite" else "WHERE is_key"
    assert ddl.rstrip().endswith(expected), ddl


async def test_the_store_counts_the_statements_it_sends(store: Repositories) -> None:
    one, _ = await store.sources.add_source("http://news.test/a", added_url="x", now=NOW)
    two, _ = await store.sources.add_source("http://news.test/b", added_url="x", now=NOW)
    before = store.database.statements
    await store.sources.list_sources()
    # Two rows in two calls to the database, however many rows: one update of what they share,
    # one executemany of their next polls.
    await store.sources.record_not_modified([(one.id, NOW), (two.id, NOW)], now=NOW)
    assert store.database.statements - before == 3


async def test_sources_that_answered_304_are_healthy_again_each_at_its_own_next_poll(
    store: Repositories,
) -> None:
    from bot.storage.database import KEY_BATCH

    count = KEY_BATCH + 2  # more than one update of what they share
    added = [
        (await store.sources.add_source(f"http://news.test/{n}", added_url="x", now=NOW))[0]
        for n in range(count + 1)
    ]
    failing = await store.sources.record_failure(
        added[0], "down", now=NOW, next_poll_at=NOW + timedelta(minutes=5)
    )
    assert failing.status is SourceStatus.FAILING
    leased = await store.sources.claim_due_sources(
        NOW + timedelta(days=1), owner="w1", lease=timedelta(minutes=5)
    )
    assert leased
    later = NOW + timedelta(minutes=1)
    updates = [(s.id, later + timedelta(seconds=n)) for n, s in enumerate(added[:count])]
    await store.sources.record_not_modified(updates, now=later)
    by_id = {s.id: s for s in await store.sources.list_sources()}
    for sid, when in updates:
        got = by_id[sid]
        assert (got.status, got.error_count, got.last_error, got.failing_since) == (
            SourceStatus.OK, 0, None, None,
        )  # fmt: skip
        assert got.next_poll_at == when
        assert got.last_success_at == later and got.last_polled_at == later
    untouched = by_id[added[count].id]
    assert untouched.last_polled_at is None and untouched.next_poll_at != later
    # Their leases ended: another worker may claim them at once.
    assert {s.id for s in await store.sources.claim_due_sources(
        NOW + timedelta(days=1), owner="w2", lease=timedelta(minutes=5)
    )} >= {sid for sid, _ in updates}  # fmt: skip


async def test_adding_a_source_twice_returns_the_same_source(store: Repositories) -> None:
    first, created = await store.sources.add_source("http://news.test/feed", added_url="x", now=NOW)
    again, created_again = await store.sources.add_source(
        "http://news.test/feed", added_url="y", now=NOW
    )
    assert created and not created_again
    assert first.id == again.id and again.status is SourceStatus.NEW


async def test_due_sources_are_the_overdue_ones_and_never_gone_ones(store: Repositories) -> None:
    a, _ = await store.sources.add_source("http://a.test/", added_url="a", now=NOW)
    b, _ = await store.sources.add_source(
        "http://b.test/", added_url="b", now=NOW - timedelta(hours=1)
    )
    c, _ = await store.sources.add_source("http://c.test/", added_url="c", now=NOW)
    await store.sources.record_failure(c, "gone", now=NOW, next_poll_at=None, gone=True)
    await store.ingest.record_poll_success(
        a, success(NOW + timedelta(hours=1)), seen_keys=[], new_articles=[], now=NOW
    )
    due = await store.sources.due_sources(NOW)
    assert [s.id for s in due] == [b.id]


async def test_success_records_seen_keys_articles_and_source_state_together(
    store: Repositories,
) -> None:
    source, _ = await store.sources.add_source("http://news.test/feed", added_url="x", now=NOW)
    stored = await store.ingest.record_poll_success(
        source,
        success(),
        seen_keys=["g:1", "g:2", "g:1"],
        new_articles=[article(source.id, "g:1")],
        now=NOW,
    )
    assert len(stored) == 1 and stored[0].id is not None
    assert await store.sources.unseen_keys(source.id, ["g:1", "g:2", "g:3"]) == {"g:3"}
    updated = await store.sources.get_source(source.id)
    assert updated is not None
    assert (updated.status, updated.etag, updated.title) == (SourceStatus.OK, '"e1"', "Feed")
    again = await store.ingest.record_poll_success(
        source, success(), seen_keys=[], new_articles=[article(source.id, "g:1")], now=NOW
    )
    assert again == [] and await store.articles.count_articles() == 1


async def test_failure_counts_up_and_keeps_the_seen_state(store: Repositories) -> None:
    source, _ = await store.sources.add_source("http://news.test/feed", added_url="x", now=NOW)
    await store.ingest.record_poll_success(
        source, success(), seen_keys=["g:1"], new_articles=[], now=NOW
    )
    failed = await store.sources.record_failure(
        source, "The server answered 500.", now=NOW, next_poll_at=NOW + timedelta(minutes=5)
    )
    failed = await store.sources.record_failure(
        failed, "The server answered 500.", now=NOW + timedelta(minutes=5), next_poll_at=NOW
    )
    assert failed.status is SourceStatus.FAILING
    assert failed.error_count == 2
    assert failed.failing_since == NOW
    assert failed.last_error == "The server answered 500."
    assert await store.sources.count_seen(source.id) == 1


async def test_permanent_move_updates_the_url_unless_taken(store: Repositories) -> None:
    source, _ = await store.sources.add_source("http://old.test/feed", added_url="x", now=NOW)
    other, _ = await store.sources.add_source("http://taken.test/feed", added_url="y", now=NOW)
    moved = PollSuccess(
        title=None,
        site_url=None,
        etag=None,
        last_modified=None,
        moved_to="http://new.test/feed",
        next_poll_at=NOW,
    )
    await store.ingest.record_poll_success(source, moved, seen_keys=[], new_articles=[], now=NOW)
    assert (await store.sources.get_source(source.id)).url == "http://new.test/feed"  # type: ignore[union-attr]
    clash = PollSuccess(
        title=None,
        site_url=None,
        etag=None,
        last_modified=None,
        moved_to=other.url,
        next_poll_at=NOW,
    )
    current = await store.sources.get_source(source.id)
    assert current is not None
    await store.ingest.record_poll_success(current, clash, seen_keys=[], new_articles=[], now=NOW)
    assert (await store.sources.get_source(source.id)).url == "http://new.test/feed"  # type: ignore[union-attr]


async def test_removing_a_source_removes_its_items_and_articles(store: Repositories) -> None:
    source, _ = await store.sources.add_source("http://news.test/feed", added_url="x", now=NOW)
    await store.ingest.record_poll_success(
        source, success(), seen_keys=["g:1"], new_articles=[article(source.id, "g:1")], now=NOW
    )
    assert await store.sources.remove_source(source.id)
    assert (
        await store.articles.count_articles() == 0
        and await store.sources.count_seen(source.id) == 0
    )


async def test_known_urls_are_the_watched_ones(store: Repositories) -> None:
    source, _ = await store.sources.add_source("http://news.test/feed", added_url="x", now=NOW)
    assert await store.sources.known_urls([source.url, "http://other.test/feed"]) == {source.url}


async def test_a_backfill_queues_each_article_once_per_channel(store: Repositories) -> None:
    source, _ = await store.sources.add_source("http://news.test/feed", added_url="x", now=NOW)
    stored = await store.ingest.record_poll_success(
        source,
        success(),
        seen_keys=["g:1", "g:2"],
        new_articles=[article(source.id, "g:1"), article(source.id, "g:2")],
        now=NOW,
    )
    await store.guilds.add_guild_source(7, source.id, user_id=1, now=NOW)
    assert await store.outbox.enqueue_articles(7, 70, stored, now=NOW) == 2
    assert await store.outbox.enqueue_articles(7, 70, stored, now=NOW) == 0
    assert len(await store.outbox.due_outbox(NOW)) == 2


async def test_a_servers_sources_list_untitled_ones_first(store: Repositories) -> None:
    titled, _ = await store.sources.add_source("http://titled.test/feed", added_url="x", now=NOW)
    await store.ingest.record_poll_success(
        titled, success(), seen_keys=[], new_articles=[], now=NOW
    )
    untitled, _ = await store.sources.add_source(
        "http://untitled.test/feed", added_url="y", now=NOW
    )
    for source in (titled, untitled):
        await store.guilds.add_guild_source(7, source.id, user_id=1, now=NOW)
    assert [s.id for s in await store.guilds.guild_sources(7)] == [untitled.id, titled.id]


async def test_alert_styles_are_kept_per_channel_and_route_and_go_with_the_server(
    store: Repositories,
) -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    await store.topics.set_channel_style(
        1, 10, "compact lead=1 quotes=3 image=1", user_id=5, now=now
    )
    await store.topics.set_channel_style(1, 10, "full lead=0 quotes=1 image=1", user_id=5, now=now)
    await store.topics.set_channel_style(
        2, 20, "compact lead=1 quotes=3 image=1", user_id=6, now=now
    )
    assert await store.topics.channel_style(10) == "full lead=0 quotes=1 image=1"
    assert await store.topics.channel_style(11) is None
    assert await store.topics.add_route(
        1, 10, "harbour", "harbour", role_id=None, user_id=5, now=now
    )
    (route,) = await store.topics.routes_of(1)
    version = await store.topics.topics_version()
    assert not await store.topics.set_route_style(2, route.id, "compact")  # another server's route
    assert await store.topics.set_route_style(1, route.id, "compact lead=1 quotes=3 image=1")
    assert await store.topics.topics_version() > version  # the routers take the new style in
    (route,) = await store.topics.routes_of(1)
    assert route.style == "compact lead=1 quotes=3 image=1"
    await store.guilds.remove_guild(1)
    assert await store.topics.channel_style(10) is None
    assert await store.topics.channel_style(20) == "compact lead=1 quotes=3 image=1"
