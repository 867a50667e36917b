"""Rows into records (sources, articles, quotes, outbox entries, routes, subscriptions) and the
small statements several areas share."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Integer,
    Row,
    Text,
    and_,
    case,
    column,
    func,
    select,
    update,
)
from sqlalchemy import table as table_clause
from sqlalchemy.sql.elements import ColumnElement

from bot.articles import Article
from bot.quotes import Attribution, Quotation, QuoteKind, SpeakerKind
from bot.records import (
    Delivery,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    Route,
    Subscription,
    TopicChange,
)
from bot.sources import Source, SourceStatus
from bot.storage.database import HOUR_SECONDS
from bot.storage.schema import (
    TOPIC_CHANGES_KEPT,
    TOPICS_COUNTER,
    articles,
    counters,
    guild_sources,
    outbox,
    quoted_speakers,
    quotes,
    seen_items,
    sources,
    subscriptions,
    topic_changes,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)


def _pending(
    kind: OutboxKind,
    guild_id: int,
    channel_id: int,
    now: datetime,
    *,
    article_id: int | None = None,
    source_id: int | None = None,
    body: str | None = None,
    user_id: int | None = None,
    role_id: int | None = None,
    explanation: str | None = None,
    style: str | None = None,
    terms: Sequence[str] = (),
    story_id: int | None = None,
) -> dict[str, Any]:
    """An outbox row, due now."""
    return {
        "kind": kind.value,
        "guild_id": guild_id,
        "channel_id": channel_id,
        "article_id": article_id,
        "source_id": source_id,
        "body": body,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "user_id": user_id,
        "role_id": role_id,
        "explanation": explanation,
        "style": style,
        "terms": json.dumps(list(terms)) if terms else None,
        "story_id": story_id,
    }


async def _delete_source(conn: AsyncConnection, source_id: int) -> bool:
    """A source and everything that hangs off it (quotes, queued alerts, articles, seen keys)."""
    owned = select(articles.c.id).where(articles.c.source_id == source_id)
    await conn.execute(quotes.delete().where(quotes.c.article_id.in_(owned)))
    await conn.execute(quoted_speakers.delete().where(quoted_speakers.c.article_id.in_(owned)))
    await conn.execute(outbox.delete().where(outbox.c.source_id == source_id))
    await conn.execute(articles.delete().where(articles.c.source_id == source_id))
    await conn.execute(seen_items.delete().where(seen_items.c.source_id == source_id))
    result = await conn.execute(sources.delete().where(sources.c.id == source_id))
    return bool(result.rowcount)


class _OverCap(Exception):
    """Rolls back an insert that would pass a cap."""


def _guild_source(guild_id: int, source_id: int) -> Any:
    """UPDATE of one server's row for one source."""
    return update(guild_sources).where(
        guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
    )


async def _combine_choices(
    conn: AsyncConnection, source_ids: Sequence[int], now: datetime | None
) -> None:
    """What each source is polled with, from its servers' choices: the shortest interval they
    asked for (NULL when one of them keeps the default), a User-Agent one of them set. A source
    every server watching it paused is not polled (no next poll); with ``now``, one no longer
    paused by all is polled at once, its first poll a baseline (what it published while paused
    is recorded as seen, not posted)."""
    for source_id in dict.fromkeys(source_ids):
        watchers, chose, shortest, agent, paused = (
            await conn.execute(
                select(
                    func.count(),
                    func.count(guild_sources.c.interval_seconds),
                    func.min(guild_sources.c.interval_seconds),
                    func.max(guild_sources.c.user_agent),
                    func.count(guild_sources.c.paused_at),
                ).where(guild_sources.c.source_id == source_id)
            )
        ).one()
        if not watchers:
            continue  # no server watches it: it goes, or it is the command line's own
        values: dict[str, Any] = {
            "interval_seconds": shortest if chose == watchers else None,
            "user_agent": agent,
        }
        if paused == watchers:
            values["next_poll_at"] = None
        elif now is not None:
            asleep = and_(
                sources.c.next_poll_at.is_(None), sources.c.status != SourceStatus.GONE.value
            )
            values["next_poll_at"] = case((asleep, now), else_=sources.c.next_poll_at)
            values["last_success_at"] = case((asleep, None), else_=sources.c.last_success_at)
        await conn.execute(update(sources).where(sources.c.id == source_id).values(values))


def _fully_paused(source_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """The source is watched, and every server watching it paused it (so it is not polled)."""
    paused = select(guild_sources.c.source_id).where(
        guild_sources.c.source_id == source_id, guild_sources.c.paused_at.is_not(None)
    )
    active = select(guild_sources.c.source_id).where(
        guild_sources.c.source_id == source_id, guild_sources.c.paused_at.is_(None)
    )
    return and_(paused.exists(), ~active.exists())


_SUBSCRIPTION_COLUMNS = (
    subscriptions.c.id,
    subscriptions.c.user_id,
    subscriptions.c.guild_id,
    subscriptions.c.topic,
    subscriptions.c.typed,
    subscriptions.c.delivery,
    subscriptions.c.digest,
)
"""What a Subscription is made of (not its times: reading 20,000 of them, converting times
cost more than the rest)."""


def _subscription(row: Row[*tuple[Any, ...]]) -> Subscription:
    m = row._mapping
    return Subscription(
        id=m["id"],
        user_id=m["user_id"],
        guild_id=m["guild_id"],
        topic=m["topic"],
        typed=m["typed"],
        delivery=Delivery(m["delivery"]),
        digest=m["digest"],
    )


def _route(row: Row[Any]) -> Route:
    m = row._mapping
    return Route(
        id=m["id"],
        guild_id=m["guild_id"],
        channel_id=m["channel_id"],
        topic=m["topic"],
        typed=m["typed"],
        role_id=m["role_id"],
        paused=bool(m["paused"]),
        style=m["style"],
        digest=m["digest"],
    )


def _outbox(row: Row[Any]) -> OutboxEntry:
    m = row._mapping
    return OutboxEntry(
        id=m["id"],
        kind=OutboxKind(m["kind"]),
        guild_id=m["guild_id"],
        channel_id=m["channel_id"],
        article_id=m["article_id"],
        source_id=m["source_id"],
        body=m["body"],
        status=OutboxStatus(m["status"]),
        attempts=m["attempts"],
        message_id=m["message_id"],
        last_error=m["last_error"],
        user_id=m["user_id"],
        role_id=m["role_id"],
        explanation=m["explanation"],
        style=m["style"],
        terms=tuple(json.loads(m["terms"])) if m["terms"] else (),
        held=m["held_at"] is not None,
    )


def _source(row: Row[Any]) -> Source:
    m = row._mapping
    return Source(
        id=m["id"],
        url=m["url"],
        added_url=m["added_url"],
        title=m["title"],
        site_url=m["site_url"],
        etag=m["etag"],
        last_modified=m["last_modified"],
        status=SourceStatus(m["status"]),
        next_poll_at=m["next_poll_at"],
        error_count=m["error_count"],
        last_error=m["last_error"],
        failing_since=m["failing_since"],
        last_success_at=m["last_success_at"],
        last_polled_at=m["last_polled_at"],
        created_at=m["created_at"],
        interval_seconds=m.get("interval_seconds"),
        user_agent=m.get("user_agent"),
        degraded_items=m.get("degraded_items") or 0,
        given_up_items=m.get("given_up_items") or 0,
    )


def _article(row: Row[Any]) -> Article:
    m = row._mapping
    return Article(
        id=m["id"],
        source_id=m["source_id"],
        item_key=m["item_key"],
        url=m["url"],
        canonical_url=m["canonical_url"],
        title=m["title"],
        published=m["published_at"],
        author=m["author"],
        site_name=m["site_name"],
        lead=m["lead"],
        text=m["text"],
        image=m["image_url"],
        from_page=bool(m["from_page"]),
        fetched_at=m["fetched_at"],
    )


def _quote(row: Row[Any]) -> Quotation:
    m = row._mapping
    return Quotation(
        text=m["text"],
        spans=tuple((int(a), int(b)) for a, b in json.loads(m["spans"])),
        speaker=m["speaker"],
        role=m["role"],
        cue=m["cue"],
        attribution=Attribution(m["attribution"]),
        kind=QuoteKind(m["kind"]),
        key=bool(m["is_key"]),
        speaker_kind=SpeakerKind(m["speaker_kind"]) if m.get("speaker_kind") else None,
    )


def _with_id(article: Article, article_id: int) -> Article:
    return replace(article, id=article_id)


def hour_of(moment: datetime) -> int:
    """Hours since 1970-01-01 UTC (``article_hours``' key)."""
    return math.floor(moment.timestamp() / HOUR_SECONDS)


def _published_of(article: Article) -> datetime:
    """The publication time stored: a date in the future (a feed's mistake) would pin the
    article to the top of every list, so it is never later than the fetch."""
    return min(article.published, article.fetched_at)


def _best_quote(found: Sequence[Quotation]) -> Quotation | None:
    return next((q for q in found if q.key and q.speaker), None)


MICROSECONDS_A_DAY = 86_400_000_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Keys:
    """Where a query reads each article's id, publication time, source and story: the articles
    table, or SQLite's ``article_keys`` (the same as integers, the time in microseconds since
    1970, kept by triggers; made by migration 0015)."""

    table: Any
    id: ColumnElement[Any]
    published: ColumnElement[Any]
    source_id: ColumnElement[Any]
    story_column: ColumnElement[Any]
    """The story as stored (NULL: none yet)."""
    microseconds: bool

    @property
    def story(self) -> ColumnElement[Any]:
        """The story, or the article's own id when it has none (never NULL)."""
        return func.coalesce(self.story_column, self.id)

    def moment(self, when: datetime) -> Any:
        """A time as ``published`` holds it."""
        return (when - _EPOCH) // timedelta(microseconds=1) if self.microseconds else when

    def read(self, value: Any) -> datetime:
        """A ``published`` value as a time."""
        if self.microseconds:
            return _EPOCH + timedelta(microseconds=int(value))
        assert isinstance(value, datetime)
        return value

    def day(self, value: Any) -> date:
        """A day as the coverage query gives it (days since 1970, or 'YYYY-MM-DD')."""
        if isinstance(value, int):
            return date(1970, 1, 1) + timedelta(days=value)
        return date.fromisoformat(str(value))


_SQLITE_ARTICLE_KEYS = table_clause(
    "article_keys",
    column("id", Integer),
    column("published", Integer),
    column("source_id", Integer),
    column("story_id", Integer),
    # Who the article quotes: "speaker,quotations,..." (NULL: no one; migration 0025).
    column("said", Text),
)


SQLITE_KEYS = Keys(
    _SQLITE_ARTICLE_KEYS,
    _SQLITE_ARTICLE_KEYS.c.id,
    _SQLITE_ARTICLE_KEYS.c.published,
    _SQLITE_ARTICLE_KEYS.c.source_id,
    _SQLITE_ARTICLE_KEYS.c.story_id,
    microseconds=True,
)


ARTICLES_KEYS = Keys(
    articles,
    articles.c.id,
    articles.c.published_at,
    articles.c.source_id,
    articles.c.story_id,
    microseconds=False,
)


async def _topics_changed(conn: AsyncConnection, kind: TopicChange, row_ids: Sequence[int]) -> None:
    """In the transaction of a change to routes or subscriptions: raise the topics counter
    (its row stays locked until the transaction ends, so on PostgreSQL changes take their
    numbers in the order they commit) and log what changed under the new number; changes
    older than the last TOPIC_CHANGES_KEPT are forgotten. Nothing changed: nothing logged."""
    if not row_ids:
        return
    raised = (
        update(counters)
        .where(counters.c.name == TOPICS_COUNTER)
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    )
    version = int((await conn.execute(raised)).scalar_one())
    await conn.execute(
        topic_changes.insert(),
        [{"version": version, "kind": kind.value, "row_id": int(i)} for i in row_ids],
    )
    await conn.execute(
        topic_changes.delete().where(topic_changes.c.version <= version - TOPIC_CHANGES_KEPT)
    )
