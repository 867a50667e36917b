"""Writing a polled batch: the source's new state, its new items seen, and each new article
with its quotes, story, speakers and alerts, in one transaction (or one per article when the
batch as a whole is refused)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.exc import DBAPIError

from bot.articles import MAX_ATTEMPTS, Article, FailedItem, Problem, Stage, describe
from bot.quotes import Quotation
from bot.records import (
    OutboxKind,
    Planned,
)
from bot.sources import Source
from bot.storage.database import Repository, _insert_ignore, _seen_insert_sql, _unavailable
from bot.storage.derived import (
    StoryPlacer,
    count_speakers,
    file_in_story,
    file_speakers,
    mark_hours,
    place,
)
from bot.storage.fulltext import search_tags
from bot.storage.merges import PollPlacer, merge_stories
from bot.storage.rows import _pending, _published_of, _with_id
from bot.storage.schema import (
    articles,
    item_failures,
    outbox,
    quotes,
    sources,
)
from bot.storage.sources import SUCCESS_UPDATE
from bot.storage.threads import queue_thread_lines

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollSuccess:
    """What a successful poll changes on a source."""

    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    moved_to: str | None
    next_poll_at: datetime


@dataclass(frozen=True, slots=True)
class PollRecord:
    """What recording a poll kept: the stored articles (with their ids), how many items failed
    again (to be tried next poll) and how many were given up."""

    articles: list[Article]
    failed: int = 0
    given_up: int = 0


SLIM_TEXT_CHARS = 20_000
"""An article the store refused whole is stored again with this much of its text, no quotes."""


def _article_values(article: Article, tags: str) -> dict[str, Any]:
    return {
        "search_tags": tags,
        "source_id": article.source_id,
        "item_key": article.item_key,
        "url": article.url[:2048],
        "canonical_url": article.canonical_url[:2048] if article.canonical_url else None,
        "title": article.title,
        "published_at": _published_of(article),
        "author": article.author[:1000] if article.author else None,
        "site_name": article.site_name[:1000] if article.site_name else None,
        "lead": article.lead,
        "text": article.text,
        "image_url": article.image[:2048] if article.image else None,
        "from_page": article.from_page,
        "fetched_at": article.fetched_at,
        "degraded": article.degraded,
    }


def _quote_rows(article_id: int, found: Sequence[Quotation]) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "position": position,
            "text": quote.text,
            "speaker": quote.speaker[:200] if quote.speaker else None,
            "role": quote.role[:300] if quote.role else None,
            "cue": quote.cue[:40] if quote.cue else None,
            "attribution": quote.attribution.value,
            "kind": quote.kind.value,
            "is_key": quote.key,
            "spans": json.dumps([list(span) for span in quote.spans]),
            "speaker_kind": quote.speaker_kind.value if quote.speaker_kind else None,
        }
        for position, quote in enumerate(found)
    ]


class Ingest(Repository):
    """Writing what a poll found."""

    async def record_poll_success(
        self,
        source: Source,
        change: PollSuccess,
        *,
        seen_keys: Sequence[str],
        new_articles: Sequence[Article],
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None = None,
        stories: StoryPlacer | None = None,
    ) -> list[Article]:
        """``record_poll`` for a poll where every item made an article: the stored ones."""
        recorded = await self.record_poll(
            source,
            change,
            seen_keys=seen_keys,
            new_articles=new_articles,
            now=now,
            planned=planned,
            stories=stories,
        )
        return recorded.articles

    async def record_poll(
        self,
        source: Source,
        change: PollSuccess,
        *,
        seen_keys: Sequence[str],
        new_articles: Sequence[Article],
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None = None,
        stories: StoryPlacer | None = None,
        failed: Sequence[FailedItem] = (),
        item_keys: Mapping[str, Sequence[str]] | None = None,
    ) -> PollRecord:
        """In one transaction: store the new articles in their stories, queue their planned
        alerts (``planned``, by item key, from ``bot.routing.Router.plan``; a copy of a story
        a destination was already alerted to is not alerted again), mark keys seen, count the
        items that failed, update the source.

        Each article is stored on its own (a savepoint): one the database refuses is stored
        again without its quotes and with its text cut; one refused even so joins ``failed``.
        A failed item's keys (``item_keys[article.item_key]``, or those in ``failed``) are not
        marked seen, so the next poll tries it again, until MAX_ATTEMPTS: then it is given up,
        recorded as seen with the reason. Articles already stored are skipped."""
        stored: list[Article] = []
        placer = None if stories is None else PollPlacer(stories)
        try:
            async with self._write() as conn:
                recorded = await self._record_success(
                    conn,
                    source,
                    change,
                    seen_keys,
                    new_articles,
                    now,
                    planned,
                    placer,
                    stored,
                    list(failed),
                    item_keys or {},
                )
        except BaseException:
            if placer is not None and stored:
                placer.forget([a.id for a in stored if a.id is not None])
            raise
        if placer is not None:
            placer.commit()
        return recorded

    async def _record_success(  # noqa: PLR0917 - one transaction's parts
        self,
        conn: AsyncConnection,
        source: Source,
        change: PollSuccess,
        seen_keys: Sequence[str],
        new_articles: Sequence[Article],
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None,
        placer: StoryPlacer | None,
        stored: list[Article],
        failed: list[FailedItem],
        item_keys: Mapping[str, Sequence[str]],
    ) -> PollRecord:
        url = source.url
        if change.moved_to and change.moved_to != source.url:
            taken = await conn.execute(select(sources.c.id).where(sources.c.url == change.moved_to))
            if taken.first() is None:
                url = change.moved_to
            else:
                log.warning("source %s moved to %r, already watched", source.id, change.moved_to)
        # The source's update comes first: it opens the transaction the articles' savepoints
        # nest in (SQLite's driver opens one only at a write).
        await conn.execute(
            SUCCESS_UPDATE,
            {
                "sid": source.id,
                "url": url,
                "title": change.title or source.title,
                "site_url": change.site_url or source.site_url,
                "etag": change.etag,
                "last_modified": change.last_modified,
                "next_poll": change.next_poll_at,
                "now": now,
            },
        )
        tags = search_tags(source.id, source.url)
        for article in new_articles:
            kept = await self._store_isolated(conn, source, article, tags, now, planned, placer)
            if isinstance(kept, FailedItem):
                failed.append(
                    FailedItem(
                        source.id,
                        tuple(item_keys.get(article.item_key, ())) or (article.item_key,),
                        article.url,
                        kept.reason,
                    )
                )
            elif kept is not None:
                stored.append(kept)
        # Beside every article kept, in the same transaction (after their savepoints).
        await mark_hours(self._dialect, conn, stored)
        await file_speakers(self._dialect, conn, stored)
        unsettled = {key for item in failed for key in item.keys}
        keys = [key for key in dict.fromkeys(seen_keys) if key not in unsettled]
        given_up = await self._count_failures(conn, source, failed, now) if failed else []
        keys.extend(key for item in given_up for key in item.keys)
        if keys:
            # The hottest write of a first poll (every item of every new feed): plain
            # driver parameters, none of the per-value processing of a Core statement.
            stamp = now.astimezone(UTC).replace(tzinfo=None)
            await conn.exec_driver_sql(
                _seen_insert_sql(self._dialect), [(source.id, key, stamp) for key in keys]
            )
        degraded = sum(1 for a in stored if a.problems)
        if degraded or given_up:
            await conn.execute(
                update(sources)
                .where(sources.c.id == source.id)
                .values(
                    degraded_items=sources.c.degraded_items + degraded,
                    given_up_items=sources.c.given_up_items + len(given_up),
                )
            )
        return PollRecord(stored, failed=len(failed) - len(given_up), given_up=len(given_up))

    async def _store_isolated(  # noqa: PLR0917 - one transaction's parts
        self,
        conn: AsyncConnection,
        source: Source,
        article: Article,
        tags: str,
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None,
        placer: StoryPlacer | None,
    ) -> Article | FailedItem | None:
        """One article in a savepoint of its own: the database refusing it (its full-text
        index, a value it won't take) costs this article, never the poll. Refused whole, it is
        stored again without its quotes and with its text cut; refused again, it fails."""
        attempt = article
        for last in (False, True):
            problem: Exception
            try:
                async with conn.begin_nested():
                    return await self._store_article(
                        conn, source, attempt, tags, now, planned, placer
                    )
            except DBAPIError as exc:
                if _unavailable(exc):
                    raise  # the store's trouble, not the article's: the poll is not recorded
                problem = exc
            except Exception as exc:  # noqa: BLE001 - one article's failure is its own
                problem = exc
            log.warning(
                "source %s item %r (%r): the store refused the article%s: %s",
                source.id,
                article.item_key,
                article.url,
                "" if last else "; storing it without quotes and with its text cut",
                describe(problem),
                exc_info=problem,
            )
            if last:
                return FailedItem(source.id, (article.item_key,), article.url, describe(problem))
            attempt = replace(
                article,
                quotes=(),
                text=article.text[:SLIM_TEXT_CHARS],
                problems=(*article.problems, Problem(Stage.INDEX, describe(problem))),
            )
        return None  # not reached: the second pass returns

    async def _count_failures(
        self, conn: AsyncConnection, source: Source, failed: Sequence[FailedItem], now: datetime
    ) -> list[FailedItem]:
        """Count one more failed attempt for each item; returns those given up now."""
        firsts = list(dict.fromkeys(item.keys[0] for item in failed))
        known = {
            str(key): int(attempts)
            for key, attempts in await conn.execute(
                select(item_failures.c.item_key, item_failures.c.attempts).where(
                    item_failures.c.source_id == source.id, item_failures.c.item_key.in_(firsts)
                )
            )
        }
        given_up: list[FailedItem] = []
        for item in {item.keys[0]: item for item in failed}.values():
            attempts = known.get(item.keys[0], 0) + 1
            values = {
                "link": item.link[:2048] if item.link else None,
                "attempts": attempts,
                "reason": item.reason[:1000],
                "last_failed_at": now,
                "given_up_at": now if attempts >= MAX_ATTEMPTS else None,
            }
            if item.keys[0] in known:
                await conn.execute(
                    update(item_failures)
                    .where(
                        item_failures.c.source_id == source.id,
                        item_failures.c.item_key == item.keys[0],
                    )
                    .values(values)
                )
            else:
                await conn.execute(
                    item_failures.insert().values(
                        source_id=source.id, item_key=item.keys[0], first_failed_at=now, **values
                    )
                )
            if attempts >= MAX_ATTEMPTS:
                log.warning(
                    "source %s item %r (%r) given up after %d attempts: %s",
                    source.id,
                    item.keys[0],
                    item.link,
                    attempts,
                    item.reason,
                )
                given_up.append(item)
        return given_up

    async def _store_article(  # noqa: PLR0917 - one transaction's parts
        self,
        conn: AsyncConnection,
        source: Source,
        article: Article,
        tags: str,
        now: datetime,
        planned: Mapping[str, Sequence[Planned]] | None,
        placer: StoryPlacer | None,
    ) -> Article | None:
        """One new article with its quotes, its story and its alerts (None: already stored)."""
        row = (
            await conn.execute(
                _insert_ignore(self._dialect, articles)
                .values(_article_values(article, tags))
                .returning(articles.c.id)
            )
        ).first()
        if row is None:
            return None
        article_id = int(row[0])
        if article.quotes:
            await conn.execute(quotes.insert(), _quote_rows(article_id, article.quotes))
            await count_speakers(self._dialect, conn, source.id, article)
        placement, placed = place(placer, article, article_id)
        try:
            if placed is not article:
                article = placed
                await conn.execute(
                    update(articles)
                    .where(articles.c.id == article_id)
                    .values(degraded=article.degraded)
                )
            story_id, first = await file_in_story(
                conn, article_id, placement.story_id, placement.new, article
            )
            if not first and placement.absorbed:
                await merge_stories(conn, story_id, placement.absorbed, now)
            if not first and isinstance(placer, PollPlacer):
                # The index learns of merges done here, and of those another process did
                # (the story it placed the article in is now part of another).
                stale = {placement.story_id, *placement.absorbed} - {story_id}
                if stale:
                    placer.merged(article_id, story_id, sorted(stale))
            # The alerts are queued in the same transaction: an article is never stored
            # without its alerts, so a crash can't lose one. The plan is written as it is;
            # a row the outbox's unique keys already hold (this story, or this article, at
            # that destination: see bot.routing) is skipped.
            plan = (planned or {}).get(article.item_key, ())
            lines = [p for p in plan if p.kind is OutboxKind.LINE]
            routed = [p for p in plan if p.kind is not OutboxKind.LINE]
            if lines and not first and story_id is not None:
                # Where the story has a thread (or forum post), this copy is a line in it.
                await queue_thread_lines(
                    self._dialect, conn, lines, article_id, source.id, story_id, now
                )
            if routed:
                await conn.execute(
                    _insert_ignore(self._dialect, outbox),
                    [
                        _pending(
                            p.kind,
                            p.guild_id,
                            p.channel_id,
                            now,
                            article_id=article_id,
                            source_id=source.id,
                            user_id=p.user_id,
                            role_id=p.role_id,
                            explanation=p.explanation,
                            style=p.style,
                            terms=p.terms,
                            story_id=story_id,
                        )
                        for p in routed
                    ],
                )
        except BaseException:
            if placer is not None:
                placer.forget([article_id])  # the savepoint is undone: so is its placing
            raise
        return _with_id(article, article_id)
