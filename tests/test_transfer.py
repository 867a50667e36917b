"""Moving a database: `newsbot export` from SQLite, `newsbot import` into a new database of
either engine (PostgreSQL when NEWSBOT_TEST_POSTGRES_URL is set); everything answers the same."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.news import News
from bot.storage.repositories import Repositories
from bot.subscriptions import Delivery
from bot.topics import parse_topic
from tests.conftest import cli_env
from tests.test_news import GUILD, NOW, add_source, article, quote, store_articles

pytestmark = pytest.mark.both_engines


async def newsbot(*args: str, database_url: str, cwd: Path) -> tuple[int, str]:
    env = cli_env()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env | {"DATABASE_URL": database_url},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode()


@pytest.mark.parametrize("compressed", [False, True])
async def test_an_exported_sqlite_database_answers_the_same_after_import(
    database_url: str, tmp_path: Path, compressed: bool
) -> None:
    source_url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    old = Repositories.open(source_url)
    await old.database.migrate()
    bbc = await add_source(old, "https://feeds.bbc.co.uk/news/world/rss.xml")
    await store_articles(
        old,
        article(
            bbc,
            "b1",
            1,
            "NATO summit opens in Vilnius",
            "Leaders of NATO met in Vilnius.",
            quotes=(quote("We will defend every inch", "Jens Stoltenberg"),),
        ),
        article(bbc, "b2", 2, "Markets calm", "Stocks moved little."),
    )
    await old.topics.add_subscription(7, GUILD, "nato", "NATO", Delivery.DM, now=NOW)
    version = await old.topics.topics_version()
    await old.close()

    dump = tmp_path / ("dump.jsonl.gz" if compressed else "dump.jsonl")
    code, out = await newsbot("export", str(dump), database_url=source_url, cwd=tmp_path)
    assert code == 0 and "exported" in out, out
    code, out = await newsbot("import", str(dump), database_url=database_url, cwd=tmp_path)
    assert code == 0 and "imported" in out, out

    new = Repositories.open(database_url)
    try:
        news = News(
            queries=new.queries,
            coverage=new.coverage,
            articles=new.articles,
            guilds=new.guilds,
            clock=lambda: NOW,
        )
        scope = await news.scope(GUILD)
        found = await news.search(scope, news.query("vilnius"), days=7)
        assert [item.title for item in found.items] == ["NATO summit opens in Vilnius"]
        coverage = await news.coverage(scope, parse_topic("nato"), days=7)
        assert coverage.top_speakers == [("Jens Stoltenberg", 1)]
        # What is kept ahead of time from the articles is made again from them, not read from
        # the file (which never holds it): every window still finds both articles.
        assert not any(line.startswith('["article_hours"') for line in _lines(dump))
        # So is each speaker word's quote count (what the autocomplete ranks by).
        async with new.database.engine.connect() as conn:
            counted = await conn.exec_driver_sql(
                "SELECT w.quotes, s.quotes FROM speaker_words w JOIN speakers s "
                "ON s.source_id = w.source_id AND s.name = w.name"
            )
            pairs = counted.all()
        assert pairs and all(word == speaker == 1 for word, speaker in pairs)
        latest = await news.latest(scope, topic=None, hours=24)
        assert [item.title for item in latest.items] == [
            "NATO summit opens in Vilnius",
            "Markets calm",
        ]
        assert [s.topic for s in await new.topics.all_subscriptions()] == ["nato"]
        assert await new.topics.topics_version() == version
        # New rows take the next ids (PostgreSQL's sequences go on after the imported ones).
        added, created = await new.sources.add_source(
            "https://new.test/feed", added_url="x", now=NOW
        )
        assert created and added.id == bbc.id + 1
        # A second import into the same database is refused, saying why.
        code, out = await newsbot("import", str(dump), database_url=database_url, cwd=tmp_path)
        assert code != 0 and "already holds" in out
    finally:
        await new.close()


def _lines(path: Path) -> list[str]:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.readlines()
