"""Who and how much: the key quotes and speakers a server's sources carried, and the coverage
counts (articles, stories, outlets, speakers by day) behind /news's charts."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.database import Repository
from bot.storage.derived import speaker_key
from bot.storage.queries import (
    _LISTING_COLUMNS,
    _SCOPE,
    QuoteListing,
    _containing,
    _listing,
    matching,
)
from bot.storage.rows import MICROSECONDS_A_DAY, Keys, _quote
from bot.storage.schema import (
    articles,
    quoted_speakers,
    quotes,
    sources,
    speaker_names,
    speaker_words,
    speakers,
)
from bot.topics import (
    Topic,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CoverageCounts:
    """A topic's coverage in some sources since a time, counted by the database. A story (the
    copies of one story on several outlets) counts once, on the day of its first copy there."""

    days: dict[date, int]
    """Stories per day (UTC), days without any left out."""
    articles: int
    sources: int
    """How many of the sources carried it."""
    top_sources: list[tuple[int, int]]
    """(source, articles) of the five that carried most, most first, then by name (the
    source's title, else its address)."""
    widest: list[tuple[str, int]]
    """(headline of its first copy here, copies) of the five stories with the most copies here
    (at least two), most first; of equals, the one first published first."""
    speakers: list[tuple[str, int]]
    """The five most-quoted speakers in the matching articles (a quotation counts once), most
    first, then by name."""


def _coverage_query(dialect: str, found: Any) -> Any:
    """(kind, day, key, count, first_at, story, name) rows counting the ``found`` articles (id,
    published, source_id, story; as Keys reads them), one statement:

    - "day": a day (as Keys reads it) and how many stories' first copy here was published then;
    - "sources": how many sources (key) carried how many of them (count);
    - "source": the five sources that carried most (key, count, name: title or address);
    - "story": the five stories with the most copies here, at least two (count: copies,
      first_at: when the first copy here was published, name: the headline of the first
      stored copy here);
    - "speaker": the five speakers most quoted in them (name, count: quotations), most first,
      then by name."""
    stories = (
        select(
            found.c.story,
            func.min(found.c.published).label("first_at"),
            func.min(found.c.id).label("first_id"),
            func.count().label("copies"),
        )
        .group_by(found.c.story)
        .cte("stories")
    )
    widest = (
        select(stories)
        .where(stories.c.copies > 1)
        .order_by(stories.c.copies.desc(), stories.c.first_at, stories.c.story)
        .limit(5)
        .subquery("widest")
    )
    per_source = (
        select(found.c.source_id, func.count().label("articles"))
        .group_by(found.c.source_id)
        .cte("per_source")
    )
    # As SourceName.name: the title, else the address.
    name: ColumnElement[Any] = func.coalesce(func.nullif(sources.c.title, ""), sources.c.url)
    # Typed NULLs: PostgreSQL resolves a column that is NULL in the first two parts as text.
    no_text, no_number = cast(null(), Text), cast(null(), Integer)
    no_time = cast(null(), found.c.published.type)
    if dialect == "sqlite":
        day: ColumnElement[Any] = stories.c.first_at // MICROSECONDS_A_DAY
        no_day: ColumnElement[Any] = no_number
    else:
        day = func.to_char(stories.c.first_at, "YYYY-MM-DD")
        no_day = no_text
        name = name.collate("C")  # code point order, as Python's (and SQLite's BINARY)
    by_day = (
        select(literal("day"), day, no_number, func.count(), no_time, no_number, no_text)
        .select_from(stories)
        .group_by(day)
    )
    totals = select(
        literal("sources"),
        no_day,
        func.count(),
        func.sum(per_source.c.articles),
        no_time,
        no_number,
        no_text,
    ).select_from(per_source)
    top = (
        select(per_source.c.source_id, per_source.c.articles, name.label("name"))
        .join(sources, sources.c.id == per_source.c.source_id)
        .order_by(per_source.c.articles.desc(), name, per_source.c.source_id)
        .limit(5)
        .subquery("top")
    )
    by_source = select(
        literal("source"), no_day, top.c.source_id, top.c.articles, no_time, no_number, top.c.name
    )
    by_story = select(
        literal("story"),
        no_day,
        widest.c.first_id,
        widest.c.copies,
        widest.c.first_at,
        widest.c.story,
        articles.c.title,
    ).join(articles, articles.c.id == widest.c.first_id)
    counted = (
        select(quoted_speakers.c.speaker_id, func.sum(quoted_speakers.c.quotes).label("quotes"))
        .select_from(found.join(quoted_speakers, quoted_speakers.c.article_id == found.c.id))
        .group_by(quoted_speakers.c.speaker_id)
        .cte("counted")
        .prefix_with("MATERIALIZED")
    )
    # The fifth most quotations first, so only the speakers with at least as many are named.
    fifth = (
        select(counted.c.quotes)
        .order_by(counted.c.quotes.desc())
        .limit(1)
        .offset(4)
        .scalar_subquery()
    )
    speaker: ColumnElement[Any] = speaker_names.c.name
    if dialect != "sqlite":
        speaker = speaker.collate("C")
    quoted = (
        select(speaker_names.c.name, counted.c.quotes)
        .join(speaker_names, speaker_names.c.id == counted.c.speaker_id)
        .where(counted.c.quotes >= func.coalesce(fifth, 0))
        .order_by(counted.c.quotes.desc(), speaker)
        .limit(5)
        .subquery("quoted")
    )
    by_speaker = select(
        literal("speaker"), no_day, no_number, quoted.c.quotes, no_time, no_number, quoted.c.name
    )
    return union_all(by_day, totals, by_source, by_story, by_speaker)


def _named(kind: str, key: ColumnElement[Any], name: ColumnElement[Any]) -> Any:
    """(kind, id, name) of the ids in the JSON list of parameter ``kind``."""
    listed: Any = select(literal_column("value")).select_from(
        func.json_each(bindparam(kind, type_=Text))
    )
    return select(literal(kind), key, name).where(key.in_(listed.scalar_subquery()))


_NAMES = union_all(
    _named("sources", sources.c.id, func.coalesce(func.nullif(sources.c.title, ""), sources.c.url)),
    _named("speakers", speaker_names.c.id, speaker_names.c.name),
    _named("articles", articles.c.id, articles.c.title),
)
"""SQLite: the names coverage shows (sources', speakers', and headlines), of ids given as JSON
lists: one statement, however many ids tie."""


def _found_columns(keys: Keys, source: Any, where: Sequence[Any]) -> Any:
    """SQLite: the matching articles' ids, publication times, sources and stories as four
    comma-separated lists in one row (each one aggregate over the same rows, so the four are
    aligned), and a fifth list of (speaker, quotations) pairs, those of every matching article
    (``article_keys.said``, kept by triggers; migration 0025)."""
    return (
        select(
            func.group_concat(keys.id),
            func.group_concat(keys.published),
            func.group_concat(keys.source_id),
            func.group_concat(keys.story),
            func.group_concat(keys.table.c.said),
        )
        .select_from(source)
        .where(*where)
    )


class Coverage(Repository):
    """Quotes, speakers and coverage counts of the news in scope."""

    async def key_quotes(
        self,
        scope: Sequence[int],
        since: datetime,
        *,
        speakers: Sequence[str] | None = None,
        topic: Topic | None = None,
        limit: int,
        offset: int = 0,
    ) -> list[QuoteListing]:
        """Key quotes with a speaker, newest article first (of these speakers, from articles
        matching the topic)."""
        if not scope or speakers == []:
            return []
        keys, source, where = matching(
            self._dialect, scope, since, topic, newest_first=topic is None and speakers is None
        )
        # The page's quotations from the keys, then only those quotations and their articles.
        page = (
            select(quotes.c.id)
            .select_from(source.join(quotes, quotes.c.article_id == keys.id))
            .where(*where, quotes.c.speaker.is_not(None))
            .order_by(keys.published.desc(), keys.id.desc(), quotes.c.position)
            .limit(limit)
            .offset(offset)
        )
        if speakers is not None:
            # The partial index's own term (``is_key``; PostgreSQL's planner doesn't see that
            # IS TRUE implies it): each speaker's key quotations from the index.
            page = page.where(quotes.c.speaker.in_(list(speakers)), quotes.c.is_key)
        else:
            # Not the index's term: without a speaker, a scan of every key quotation in the
            # index (SQLite took it: 3.6 s) is no use; the articles of the window lead.
            page = page.where(quotes.c.is_key.is_(True))
        query = (
            select(quotes, *_LISTING_COLUMNS)
            .join(articles, articles.c.id == quotes.c.article_id)
            .where(quotes.c.id.in_(page.scalar_subquery()))
            .order_by(articles.c.published_at.desc(), articles.c.id.desc(), quotes.c.position)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query, {"scope": list(scope)})).all()
        return [QuoteListing(_quote(row), _listing(row)) for row in rows]

    async def speakers_named(
        self, scope: Sequence[int], typed: str, *, limit: int = 25
    ) -> list[str]:
        """Speakers quoted in these sources with a name word starting with each typed word
        ("stolt" finds Jens Stoltenberg), the most quoted first."""
        key = speaker_key(typed)
        if not scope or not key:
            return []
        # The longest typed word narrows the index range: each speaker in each source once
        # (a name with two words starting so is one speaker), with the quotes counted there.
        longest = max(key.split(), key=len)[:100]
        named = (
            select(speaker_words.c.source_id, speaker_words.c.name, speaker_words.c.quotes)
            .where(
                speaker_words.c.word >= longest,
                speaker_words.c.word < longest + "\U0010ffff",
                speaker_words.c.source_id.in_(_SCOPE),
            )
            .distinct()
        )
        if " " in key.strip():
            # Several typed words: every one must appear, in order (the name's key).
            named = named.join(
                speakers,
                and_(
                    speakers.c.source_id == speaker_words.c.source_id,
                    speakers.c.name == speaker_words.c.name,
                ),
            ).where(speakers.c.name_key.like(_containing(key), escape="\\"))
        found = named.subquery("found")
        count = func.sum(found.c.quotes).label("count")
        query = (
            select(found.c.name, count)
            .group_by(found.c.name)
            .order_by(count.desc(), found.c.name)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [str(row[0]) for row in await conn.execute(query, {"scope": list(scope)})]

    async def coverage(self, scope: Sequence[int], since: datetime, topic: Topic) -> CoverageCounts:
        """The matching articles counted by day, source and story, and their speakers. On
        PostgreSQL in one statement, so only the counts leave the database (not a row per
        article); on SQLite, whose GROUP BYs sort, the articles' numbers leave it as a few lists
        in one row and are counted here (``_coverage_counted_here``)."""
        if not scope:
            return CoverageCounts({}, 0, 0, [], [], [])
        keys, source, where = matching(self._dialect, scope, since, topic)
        if self._dialect == "sqlite":
            return await self._coverage_counted_here(keys, source, where, scope)
        found = (
            select(
                keys.id.label("id"),
                keys.published.label("published"),
                keys.source_id.label("source_id"),
                keys.story.label("story"),
            )
            .select_from(source)
            .where(*where)
            .cte("found")
            .prefix_with("MATERIALIZED")
        )
        days: dict[date, int] = {}
        articles_count = sources_count = 0
        top_sources: list[tuple[int, str, int]] = []
        widest: list[tuple[int, Any, int, str]] = []
        said: list[tuple[str, int]] = []
        async with self._engine.connect() as conn:
            for kind, day, key, count, first_at, story, name in await conn.execute(
                _coverage_query(self._dialect, found), {"scope": list(scope)}
            ):
                if kind == "day":
                    days[keys.day(day)] = int(count)
                elif kind == "sources":
                    articles_count, sources_count = int(count or 0), int(key)
                elif kind == "source":
                    top_sources.append((int(key), str(name), int(count)))
                elif kind == "story":
                    widest.append((int(count), first_at, int(story), str(name)))
                else:
                    said.append((str(name), int(count)))
        top_sources.sort(key=lambda s: (-s[2], s[1]))
        widest.sort(key=lambda w: (-w[0], w[1], w[2]))
        return CoverageCounts(
            days=days,
            articles=articles_count,
            sources=sources_count,
            top_sources=[(source_id, n) for source_id, _, n in top_sources],
            widest=[(title, copies) for copies, _, _, title in widest],
            speakers=sorted(said, key=lambda pair: (-pair[1], pair[0]))[:5],
        )

    async def _coverage_counted_here(
        self, keys: Keys, source: Any, where: Sequence[Any], scope: Sequence[int]
    ) -> CoverageCounts:
        """SQLite: the matching articles' numbers leave the database as five lists in one
        row (``_found_columns``), are counted here (``bot.storage.tally``), and only the names
        and headlines that can be shown are read after (in the same connection, just after)."""
        async with self._engine.connect() as conn:
            columns = (
                await conn.execute(_found_columns(keys, source, where), {"scope": list(scope)})
            ).one()
            # numpy, only here: a process that never counts coverage doesn't load it.
            from bot.storage.tally import tally_found

            tally = tally_found(tuple(columns))
            named: Sequence[Any] = []
            if tally.articles:
                named = (
                    await conn.execute(
                        _NAMES,
                        {
                            "sources": json.dumps(list(tally.source_counts)),
                            "speakers": json.dumps(list(tally.speaker_counts)),
                            "articles": json.dumps([w[3] for w in tally.widest]),
                        },
                    )
                ).all()
        names: dict[str, dict[int, str]] = {"sources": {}, "speakers": {}, "articles": {}}
        for kind, key, text in named:
            names[kind][int(key)] = str(text)
        source_names, speaker, titles = names["sources"], names["speakers"], names["articles"]
        top_sources = sorted(
            (n, source_names[i], i) for i, n in tally.source_counts.items() if i in source_names
        )
        top_sources.sort(key=lambda s: -s[0])
        said = sorted((-n, speaker[i]) for i, n in tally.speaker_counts.items() if i in speaker)
        return CoverageCounts(
            days={keys.day(day): n for day, n in tally.days.items()},
            articles=tally.articles,
            sources=tally.sources,
            top_sources=[(i, n) for n, _, i in top_sources[:5]],
            widest=[(titles[w[3]], w[0]) for w in tally.widest if w[3] in titles],
            speakers=[(name, -n) for n, name in said[:5]],
        )
