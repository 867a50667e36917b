"""What is filed from each stored article besides its row: its story, who it quotes (speakers,
quoted speakers) and its publication hour. Functions on the ingest's write transaction."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)

from bot.articles import Article, Problem, Stage, describe
from bot.storage.database import _insert_ignore, _upsert
from bot.storage.rows import _published_of, hour_of
from bot.storage.schema import (
    article_hours,
    articles,
    quoted_speakers,
    speaker_names,
    speaker_words,
    speakers,
    stories,
)
from bot.stories import Placement, Reason
from bot.topics import (
    tokens,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)


class StoryPlacer(Protocol):
    """Puts each newly stored article in a story (see bot.stories), inside the store's
    transaction; told to forget them again if that transaction fails, and told of stories the
    store merged once the merge is committed.

    Placing stays inside the write transaction, not in the router before it, for three
    reasons: the index keeps each article by its id, which the article's INSERT gives; the
    story it joins is settled against the stories table as committed by other workers
    (``file_in_story``, ``merge_stories``), which only the transaction sees in step; and an
    article, its story and its alerts commit together or not at all, so a crash between two
    transactions can't leave an article stored with no story or no alerts. What the router
    plans is therefore per destination; which story a copy belongs to, and so whether its
    planned line or alert is new there, is settled here."""

    def place(self, article: Article, article_id: int) -> Placement:
        """The article's story, whether it starts it, and other stories it joins to it."""
        ...

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        """These stories are one now, ``into``."""
        ...

    def forget(self, article_ids: Sequence[int]) -> None:
        """Drop these articles from the index (their transaction was rolled back)."""
        ...


def speaker_key(name: str) -> str:
    """' jens stoltenberg' for Jens Stoltenberg: a space before each folded word."""
    return "".join(f" {word}" for word in tokens(name))


def _lower_hour_mark(dialect: str) -> Any:
    """INSERT an hour's first id, or lower the one there (ON CONFLICT DO UPDATE, per engine)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(article_hours)
    return statement.on_conflict_do_update(
        index_elements=[article_hours.c.hour],
        set_={
            "first_id": (func.min if dialect == "sqlite" else func.least)(
                article_hours.c.first_id, statement.excluded.first_id
            )
        },
    )


def _upsert_speaker(dialect: str) -> Any:
    """Count a speaker's quotes per source (INSERT ... ON CONFLICT DO UPDATE, per engine)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(speakers)
    return statement.on_conflict_do_update(
        index_elements=[speakers.c.source_id, speakers.c.name],
        set_={
            "quotes": speakers.c.quotes + statement.excluded.quotes,
            "last_quoted_at": (func.max if dialect == "sqlite" else func.greatest)(
                speakers.c.last_quoted_at, statement.excluded.last_quoted_at
            ),
        },
    )


async def file_speakers(dialect: str, conn: AsyncConnection, stored: Sequence[Article]) -> None:
    """Who the stored articles quote, by number (``quoted_speakers``; new names numbered in
    ``speaker_names``): three statements a poll, however many articles it stored."""
    said = [
        (article.id, name, count)
        for article in stored
        for name, count in Counter(q.speaker[:200] for q in article.quotes if q.speaker).items()
    ]
    if not said:
        return
    names = sorted({name for _, name, _ in said})
    await conn.execute(_insert_ignore(dialect, speaker_names), [{"name": name} for name in names])
    numbered = await conn.execute(
        select(speaker_names.c.name, speaker_names.c.id).where(
            speaker_names.c.name.in_(bindparam("names", expanding=True))
        ),
        {"names": names},
    )
    ids = {str(name): int(number) for name, number in numbered}
    await conn.execute(
        quoted_speakers.insert(),
        [
            {"article_id": article_id, "speaker_id": ids[name], "quotes": count}
            for article_id, name, count in said
        ],
    )


async def mark_hours(dialect: str, conn: AsyncConnection, stored: Sequence[Article]) -> None:
    """Lower each stored article's publication hour in ``article_hours`` to its id if it is
    above (see ``first_id_since``). Rows already low enough are read, not written: a poll
    rarely needs a write, and on PostgreSQL concurrent polls don't queue on one hour's row."""
    wanted: dict[int, int] = {}
    for article in stored:
        assert article.id is not None
        hour = hour_of(_published_of(article))
        wanted[hour] = min(wanted.get(hour, article.id), article.id)
    if not wanted:
        return
    known = dict(
        (
            await conn.execute(
                select(article_hours.c.hour, article_hours.c.first_id).where(
                    article_hours.c.hour.in_(list(wanted))
                )
            )
        ).all()
    )
    lower = [
        {"hour": hour, "first_id": first}
        for hour, first in wanted.items()
        if hour not in known or first < known[hour]
    ]
    if lower:
        await conn.execute(_lower_hour_mark(dialect), lower)


def place(
    placer: StoryPlacer | None, article: Article, article_id: int
) -> tuple[Placement, Article]:
    """The article's story; one that can't be placed starts its own (and says so)."""
    if placer is None:
        return Placement(article_id, Reason.NEW), article
    try:
        placement = placer.place(article, article_id)
    except Exception as exc:  # a story that can't be found costs only the grouping
        log.warning(
            "source %s item %r (%r): no story (grouping failed), it starts its own: %s",
            article.source_id,
            article.item_key,
            article.url,
            describe(exc),
            exc_info=exc,
        )
        problem = Problem(Stage.STORY, describe(exc))
        placement = Placement(article_id, Reason.NEW)
        return placement, replace(article, problems=(*article.problems, problem))
    return placement, article


async def file_in_story(
    conn: AsyncConnection, article_id: int, story_id: int, first: bool, article: Article
) -> tuple[int, bool]:
    """Record the article's story; returns the story and whether the article starts it. A
    story merged into another (here or by another process) is filed as that one; a story
    the database doesn't know, e.g. one whose first article was pruned, starts again here."""
    published = _published_of(article)
    if not first:
        story_id = await current_story(conn, story_id)
        outlets = (
            select(func.count(articles.c.source_id.distinct()))
            .where(or_(articles.c.story_id == story_id, articles.c.id == article_id))
            .scalar_subquery()
        )
        updated = await conn.execute(
            update(stories)
            .where(stories.c.id == story_id)
            .values(
                articles=stories.c.articles + 1,
                latest_at=case(
                    (stories.c.latest_at < published, published), else_=stories.c.latest_at
                ),
                outlets=outlets,
            )
        )
        first = not updated.rowcount
    if first:
        story_id = article_id
        await conn.execute(
            stories.insert().values(
                id=article_id, first_at=published, latest_at=published, articles=1, outlets=1
            )
        )
    await conn.execute(
        update(articles).where(articles.c.id == article_id).values(story_id=story_id)
    )
    return story_id, first


async def current_story(conn: AsyncConnection, story_id: int) -> int:
    """The story as it stands: a story is named by its first article, whose row says which
    story it is in now (another, once it was merged; every article of a merged story moves at
    once, so one step is enough). Unchanged when that article is gone."""
    now_in = (
        await conn.execute(select(articles.c.story_id).where(articles.c.id == story_id))
    ).scalar()
    return story_id if now_in is None else int(now_in)


async def count_speakers(
    dialect: str, conn: AsyncConnection, source_id: int, article: Article
) -> None:
    """Count the speakers of the article's key quotes in its source's ``speakers``."""
    counts: dict[str, int] = {}
    for quote in article.key_quotes:
        if quote.speaker:
            name = quote.speaker[:200]
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return
    words = {(word[:100], name) for name in counts for word in speaker_key(name).split()}
    await conn.execute(
        _upsert(dialect, speaker_words, ["word", "source_id", "name"], add=["quotes"]),
        [{"word": w, "source_id": source_id, "name": n, "quotes": counts[n]} for w, n in words],
    )
    statement = _upsert_speaker(dialect)
    await conn.execute(
        statement,
        [
            {
                "source_id": source_id,
                "name": name,
                "name_key": speaker_key(name),
                "quotes": count,
                "last_quoted_at": _published_of(article),
            }
            for name, count in counts.items()
        ],
    )
