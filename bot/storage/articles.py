"""Stored articles and their quotes: reading them back by source, id or time, and pruning the
old ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    func,
    select,
)

from bot.articles import Article
from bot.quotes import Quotation
from bot.sources import Source
from bot.storage.database import KEY_BATCH, Repository
from bot.storage.rows import _article, _quote, _source
from bot.storage.schema import (
    articles,
    item_failures,
    outbox,
    quoted_speakers,
    quotes,
    sources,
    speaker_words,
    speakers,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


PRUNE_BATCH = 2000


async def load_quotes(
    engine: AsyncEngine,
    article_ids: Sequence[int],
) -> dict[int, tuple[Quotation, ...]]:
    """The stored quotations of these articles, in text order."""
    found: dict[int, list[Quotation]] = {article_id: [] for article_id in article_ids}
    async with engine.connect() as conn:
        for start in range(0, len(article_ids), KEY_BATCH):
            chunk = list(article_ids[start : start + KEY_BATCH])
            rows = await conn.execute(
                select(quotes)
                .where(quotes.c.article_id.in_(chunk))
                .order_by(quotes.c.article_id, quotes.c.position)
            )
            for row in rows:
                found[row.article_id].append(_quote(row))
    return {key: tuple(value) for key, value in found.items()}


class Articles(Repository):
    """The stored articles and their quotes."""

    async def recent_articles(
        self, *, limit: int = 20, since: datetime | None = None
    ) -> list[Article]:
        """The newest articles (by publication), those fetched since ``since`` if given."""
        query = select(articles).order_by(articles.c.published_at.desc(), articles.c.id.desc())
        if since is not None:
            query = query.where(articles.c.fetched_at >= since)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        found = [_article(row) for row in rows]
        quoted = await self.quotes_for([a.id for a in found if a.id is not None])
        return [replace(a, quotes=quoted.get(a.id or 0, ())) for a in found]

    async def articles_with_stories(
        self, since: datetime, *, only: Sequence[int] | None = None
    ) -> list[tuple[Article, int]]:
        """Articles fetched since then with their story ids, oldest first (``only``: of these
        ids)."""
        query = (
            select(articles)
            .where(articles.c.fetched_at >= since, articles.c.story_id.is_not(None))
            .order_by(articles.c.id)
        )
        found: list[tuple[Article, int]] = []
        async with self._engine.connect() as conn:
            if only is None:
                rows = (await conn.execute(query)).all()
                return [(_article(row), int(row.story_id)) for row in rows]
            for start in range(0, len(only), KEY_BATCH):
                chunk = list(only[start : start + KEY_BATCH])
                rows = (await conn.execute(query.where(articles.c.id.in_(chunk)))).all()
                found += [(_article(row), int(row.story_id)) for row in rows]
        return found

    async def article_ids_fetched_since(self, since: datetime) -> list[int]:
        """Ids of the articles fetched since then (by any process)."""
        query = select(articles.c.id).where(articles.c.fetched_at >= since)
        async with self._engine.connect() as conn:
            return [int(i) for i in (await conn.execute(query)).scalars()]

    async def quotes_for(self, article_ids: Sequence[int]) -> dict[int, tuple[Quotation, ...]]:
        """The stored quotations of these articles, in text order."""
        return await load_quotes(self._engine, article_ids)

    async def count_articles(self) -> int:
        """How many articles are stored."""
        async with self._engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(articles))).scalar_one()
            )

    async def latest_articles_of(self, source_id: int, *, limit: int) -> list[Article]:
        """A source's newest articles, with their quotes."""
        query = (
            select(articles)
            .where(articles.c.source_id == source_id)
            .order_by(articles.c.published_at.desc(), articles.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        found = [_article(row) for row in rows]
        quoted = await self.quotes_for([a.id for a in found if a.id is not None])
        return [replace(a, quotes=quoted.get(a.id or 0, ())) for a in found]

    async def article(self, article_id: int) -> Article | None:
        """The stored article with this id, with its quotes (None when there is none)."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(articles).where(articles.c.id == article_id))).first()
        if row is None:
            return None
        quoted = await self.quotes_for([article_id])
        return replace(_article(row), quotes=quoted[article_id])

    async def article_with_source(self, article_id: int) -> tuple[Article, Source] | None:
        """The stored article with this id, with its quotes, and its source: what an alert
        shows (None when either is gone)."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(articles).where(articles.c.id == article_id))).first()
            if row is None:
                return None
            found = (
                await conn.execute(select(sources).where(sources.c.id == row.source_id))
            ).first()
        if found is None:
            return None
        quoted = await self.quotes_for([article_id])
        return replace(_article(row), quotes=quoted[article_id]), _source(found)

    async def prune_articles(self, before: datetime) -> int:
        """Forget articles fetched before then, with their quotes, index rows and alerts (in
        small transactions, so the poller is never held up for long). Returns how many."""
        removed = 0
        while True:
            async with self._write() as conn:
                ids = [
                    int(row[0])
                    for row in await conn.execute(
                        select(articles.c.id)
                        .where(articles.c.fetched_at < before)
                        .order_by(articles.c.id)
                        .limit(PRUNE_BATCH)
                    )
                ]
                if not ids:
                    break
                await conn.execute(quotes.delete().where(quotes.c.article_id.in_(ids)))
                await conn.execute(
                    quoted_speakers.delete().where(quoted_speakers.c.article_id.in_(ids))
                )
                await conn.execute(outbox.delete().where(outbox.c.article_id.in_(ids)))
                await conn.execute(articles.delete().where(articles.c.id.in_(ids)))
                removed += len(ids)
        async with self._write() as conn:
            await conn.execute(
                item_failures.delete().where(item_failures.c.last_failed_at < before)
            )
            await conn.execute(speakers.delete().where(speakers.c.last_quoted_at < before))
            named = select(speakers.c.name).where(
                speakers.c.source_id == speaker_words.c.source_id,
                speakers.c.name == speaker_words.c.name,
            )
            await conn.execute(speaker_words.delete().where(~named.exists()))
        return removed
