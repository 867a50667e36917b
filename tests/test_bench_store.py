"""bench/queries.py's generated store is what the bot's own ingest would have stored.

bench/_newsstore.py writes its articles with plain sqlite3 (fast) and fills the derived tables
(stories, speakers, speaker words, numbered speakers, publication hours) with bulk statements
at the end, trusting the FTS5 and ``article_keys`` triggers for the rest. Here a small world
is written both ways: by the generator, and article by article through ``Ingest.record_poll``
(the poller's path, each article in its story). Every table /news reads must hold the same
rows, and every /news command must answer the same on both stores.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.articles import Article
from bot.news import News
from bot.quotes import Attribution, Quotation, QuoteKind
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.stories import Placement, Reason

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import _newsstore as newsstore

ARTICLES = 700

# What each table /news reads holds, as comparable rows (numbered speakers by name: the
# numbers depend on the order names were first met, which no answer shows).
TABLES = {
    "articles": "SELECT * FROM articles ORDER BY id",
    "quotes": "SELECT * FROM quotes ORDER BY id",
    "seen_items": "SELECT * FROM seen_items ORDER BY 1, 2",
    "stories": "SELECT * FROM stories ORDER BY id",
    "speakers": "SELECT * FROM speakers ORDER BY source_id, name",
    "speaker_words": "SELECT * FROM speaker_words ORDER BY 1, 2, 3",
    "speaker_names": "SELECT name FROM speaker_names ORDER BY name",
    "quoted_speakers": "SELECT q.article_id, n.name, q.quotes FROM quoted_speakers q "
    "JOIN speaker_names n ON n.id = q.speaker_id ORDER BY 1, 2",
    "article_hours": "SELECT * FROM article_hours ORDER BY hour",
    "article_keys": "SELECT id, published, source_id, story_id FROM article_keys ORDER BY id",
    "articles_fts_docsize": "SELECT * FROM articles_fts_docsize ORDER BY id",
}


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


class KnownStories:
    """Files each article in the story the generator drew for it (the store's StoryPlacer)."""

    def __init__(self, world: newsstore.World) -> None:
        self._world = world

    def place(self, article: Article, article_id: int) -> Placement:
        story = newsstore.story_of(self._world, article_id)
        return Placement(story, Reason.NEW if story == article_id else Reason.SIMILAR)

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        return None

    def forget(self, article_ids: Sequence[int]) -> None:
        return None


async def _ingest(store: Repositories, world: newsstore.World, batch: newsstore.Batch) -> None:
    """The batch's articles through the poller's path: one poll per article, in id order."""
    said: dict[int, list[Quotation]] = {}
    for article_id, _, text, speaker, role, cue, is_key, _ in batch.quotes:
        said.setdefault(article_id, []).append(
            Quotation(
                text=text,
                spans=((0, len(text)),),
                speaker=speaker,
                role=role,
                cue=cue,
                attribution=Attribution.NAMED,
                kind=QuoteKind.QUOTE,
                key=bool(is_key),
            )
        )
    placer = KnownStories(world)
    for row in batch.articles:
        (article_id, source_id, item_key, url, canonical, title, published, author, site) = row[:9]
        lead, text, image, from_page, fetched = row[9:14]
        source = await store.sources.get_source(source_id)
        assert source is not None
        article = Article(
            source_id=source_id,
            item_key=item_key,
            url=url,
            canonical_url=canonical,
            title=title,
            published=_time(published),
            author=author,
            site_name=site,
            lead=lead,
            text=text,
            image=image,
            from_page=bool(from_page),
            fetched_at=_time(fetched),
            quotes=tuple(said.get(article_id, ())),
        )
        change = PollSuccess(source.title, source.site_url, None, None, None, _time(fetched))
        stored = await store.ingest.record_poll_success(
            source,
            change,
            seen_keys=[item_key],
            new_articles=[article],
            now=_time(fetched),
            stories=placer,
        )
        assert [a.id for a in stored] == [article_id]


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        found = {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}
        found["article_keys.said"] = _said(conn)
        return found
    finally:
        conn.close()


def _said(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Each article's ``article_keys.said`` (speaker, quotations pairs) by name, as
    ``quoted_speakers`` holds them (which it must say, whatever order they were added in)."""
    names = dict(conn.execute("SELECT id, name FROM speaker_names").fetchall())
    found = []
    for article_id, said in conn.execute("SELECT id, said FROM article_keys ORDER BY id"):
        numbers = [int(n) for n in said.split(",")] if said is not None else []
        pairs = sorted((names[s], q) for s, q in zip(numbers[::2], numbers[1::2], strict=True))
        found.extend((article_id, name, quotes) for name, quotes in pairs)
    assert found == conn.execute(TABLES["quoted_speakers"]).fetchall()
    return found


async def _answers(store: Repositories, world: newsstore.World) -> list[Any]:
    """Every /news command, for each server, on a few topics (the bench's own drawing)."""
    news = News(
        queries=store.queries,
        coverage=store.coverage,
        articles=store.articles,
        guilds=store.guilds,
        clock=lambda: newsstore.END,
    )
    found: list[Any] = []
    for guild_id in newsstore.GUILDS:
        scope = await news.scope(guild_id)
        found.append(await news.latest(scope, topic=None, hours=24 * 90))
        typed = newsstore.subject_queries(world, newsstore.random.Random(guild_id), 12)
        for text in ["ukraine", "inflation", *typed]:
            topic = news.query(text)
            found.append(await news.latest(scope, topic=topic, hours=24 * 30))
            found.append(await news.search(scope, topic, days=30))
            found.append(await news.quotes(scope, speaker=None, topic=topic, days=30))
            found.append(await news.coverage(scope, topic, days=30))
        found.append(await news.quotes(scope, speaker=None, topic=None, days=30))
        for prefix in newsstore.speaker_prefixes(world, newsstore.random.Random(guild_id), 6):
            names = await news.speakers(scope, prefix)
            found.append(names)
            if names:
                found.append(await news.quotes(scope, speaker=names[0], topic=None, days=90))
    return found


async def test_generated_store_is_what_the_ingest_stores(tmp_path: Path) -> None:
    world = newsstore.make_world(ARTICLES)
    batch = newsstore.make_batch(world, 1, ARTICLES)
    copies = sum(1 for a in batch.articles if a[15] != a[0])
    assert copies > ARTICLES // 10  # the world has stories on several outlets

    generated = tmp_path / "generated.sqlite3"
    store = Repositories.open(f"sqlite+aiosqlite:///{generated}")
    await store.database.migrate()
    await store.close()
    newsstore.populate(generated, world, workers=0)

    ingested = tmp_path / "ingested.sqlite3"
    store = Repositories.open(f"sqlite+aiosqlite:///{ingested}")
    await store.database.migrate()
    conn = sqlite3.connect(ingested, isolation_level=None)
    conn.execute("BEGIN")
    newsstore.add_sources_and_guilds(conn, world)
    conn.execute("COMMIT")
    conn.close()
    try:
        await _ingest(store, world, batch)
        expected = await _answers(store, world)
    finally:
        await store.close()

    want, got = _rows(ingested), _rows(generated)
    for name in [*TABLES, "article_keys.said"]:
        assert got[name] == want[name], name
        assert want[name], f"{name} is empty: the comparison would prove nothing"

    store = Repositories.open(f"sqlite+aiosqlite:///{generated}")
    try:
        answers = await _answers(store, world)
    finally:
        await store.close()
    assert answers == expected
    assert any(getattr(a, "total", 0) for a in answers)  # coverage found something


async def _migrated(path: Path) -> Path:
    store = Repositories.open(f"sqlite+aiosqlite:///{path}")
    await store.database.migrate()
    await store.close()
    return path


async def test_a_stopped_generation_goes_on_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newsstore, "BATCH", 250)
    world = newsstore.make_world(ARTICLES)
    whole = await _migrated(tmp_path / "whole.sqlite3")
    newsstore.populate(whole, world, workers=0)

    stopped = await _migrated(tmp_path / "stopped.sqlite3")
    draw = newsstore.make_batch

    def stop_at_the_third(world: newsstore.World, first_id: int, count: int) -> Any:
        if first_id > 500:
            raise KeyboardInterrupt
        return draw(world, first_id, count)

    monkeypatch.setattr(newsstore, "make_batch", stop_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        newsstore.populate(stopped, world, workers=0)
    assert newsstore.counts_of(stopped) == 500
    assert newsstore.generated(stopped, world) == "partial"
    assert newsstore.generated(stopped, newsstore.make_world(ARTICLES + 1)) is None
    monkeypatch.setattr(newsstore, "make_batch", draw)
    newsstore.populate(stopped, world, workers=0)

    assert newsstore.generated(stopped, world) == "complete"
    assert _rows(stopped) == _rows(whole)
