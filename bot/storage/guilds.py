"""Servers: joining and leaving, their alerts channel, and the sources each watches with its
own settings (paused, interval, name, user agent, moved to another URL)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    case,
    func,
    literal,
    select,
    update,
)

from bot.articles import Article
from bot.errors import LimitReached
from bot.records import (
    GuildConfig,
    OutboxStatus,
    TopicChange,
)
from bot.sources import Source, SourceName, SourceStatus, WatchedSource
from bot.storage.database import Repository, _insert_ignore, _literal_row, _seen_insert_sql
from bot.storage.rows import (
    _article,
    _combine_choices,
    _delete_source,
    _guild_source,
    _source,
    _topics_changed,
)
from bot.storage.schema import (
    articles,
    channel_styles,
    channels,
    digest_runs,
    guild_sources,
    guilds,
    outbox,
    routes,
    seen_items,
    sources,
    subscriptions,
)
from bot.storage.sources import load_source

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)


async def mark_joined(dialect: str, conn: AsyncConnection, guild_id: int, now: datetime) -> None:
    """The bot is in this server (again), in a write transaction."""
    await conn.execute(_insert_ignore(dialect, guilds).values(id=guild_id, joined_at=now))
    await conn.execute(update(guilds).where(guilds.c.id == guild_id).values(left_at=None))


async def lock_guild(dialect: str, conn: AsyncConnection, guild_id: int) -> None:
    """Hold the server's row until the transaction ends (PostgreSQL: SELECT ... FOR UPDATE),
    so that checks of what it has and the changes that follow are one step per server.
    SQLite has one writer at a time: there the conditional statements alone suffice."""
    if dialect != "sqlite":
        await conn.execute(select(guilds.c.id).where(guilds.c.id == guild_id).with_for_update())


class Guilds(Repository):
    """The servers the bot is in and what each watches."""

    async def join_guild(self, guild_id: int, *, now: datetime) -> None:
        """The bot is in this server (again)."""
        async with self._write() as conn:
            await mark_joined(self._dialect, conn, guild_id, now)

    async def guild(self, guild_id: int) -> GuildConfig | None:
        """The server's settings (None when the bot never joined it)."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(guilds).where(guilds.c.id == guild_id))).first()
        if row is None:
            return None
        return GuildConfig(row.id, row.alerts_channel_id, row.configured_by, row.left_at)

    async def set_alerts_channel(
        self, guild_id: int, channel_id: int, *, user_id: int, now: datetime
    ) -> None:
        """Route the server's alerts to a channel (clearing an earlier block on it)."""
        await self.join_guild(guild_id, now=now)
        async with self._write() as conn:
            await conn.execute(
                update(guilds)
                .where(guilds.c.id == guild_id)
                .values(alerts_channel_id=channel_id, configured_by=user_id)
            )
            await conn.execute(channels.delete().where(channels.c.id == channel_id))

    async def add_guild_source(
        self,
        guild_id: int,
        source_id: int,
        *,
        user_id: int,
        now: datetime,
        cap: int | None = None,
    ) -> bool:
        """Subscribe a server to a source. Returns False when it already was. With ``cap``,
        raises LimitReached when the server already watches that many sources (a source no
        server watches then is forgotten). The count and the insert are one statement (one
        writer at a time on SQLite), after the server's row is locked on PostgreSQL: concurrent
        adds never pass the cap."""
        await self.join_guild(guild_id, now=now)
        row = {
            "guild_id": guild_id,
            "source_id": source_id,
            "added_by": user_id,
            "added_at": now,
            "failing_notified": False,
        }
        count = (
            select(func.count())
            .select_from(guild_sources)
            .where(guild_sources.c.guild_id == guild_id)
            .scalar_subquery()
        )
        async with self._write() as conn:
            if cap is None:
                inserted = _insert_ignore(self._dialect, guild_sources).values(row)
            else:
                await lock_guild(self._dialect, conn, guild_id)
                inserted = _insert_ignore(self._dialect, guild_sources).from_select(
                    list(row), _literal_row(guild_sources, row).where(count < cap)
                )
            if (await conn.execute(inserted)).rowcount:
                await _combine_choices(conn, [source_id], now)
                return True
            already = await conn.execute(
                select(guild_sources.c.source_id).where(
                    guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                )
            )
            if cap is None or already.first() is not None:
                return False
            watched = int((await conn.execute(select(count))).scalar_one())
            await self._forget_unused_sources(conn, [source_id])
        raise LimitReached(watched)

    async def remove_guild_source(self, guild_id: int, source_id: int) -> bool:
        """Unsubscribe; queued alerts from that source to that server are dropped, and a source
        no server uses any more stops being polled."""
        async with self._write() as conn:
            result = await conn.execute(
                guild_sources.delete().where(
                    guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                )
            )
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.guild_id == guild_id,
                    outbox.c.source_id == source_id,
                    outbox.c.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.DROPPED.value, last_error="source removed")
            )
            await self._forget_unused_sources(conn, [source_id])
            await _combine_choices(conn, [source_id], now=None)
        return bool(result.rowcount)

    async def remove_guild(self, guild_id: int) -> None:
        """The bot was removed from a server: its routes, its members' topics there, its queue
        and the sources only it used go."""
        async with self._write() as conn:
            used = (
                (
                    await conn.execute(
                        select(guild_sources.c.source_id).where(
                            guild_sources.c.guild_id == guild_id
                        )
                    )
                )
                .scalars()
                .all()
            )
            await conn.execute(
                update(outbox)
                .where(outbox.c.guild_id == guild_id, outbox.c.status == OutboxStatus.PENDING.value)
                .values(status=OutboxStatus.DROPPED.value, last_error="bot removed from server")
            )
            await conn.execute(guild_sources.delete().where(guild_sources.c.guild_id == guild_id))
            await conn.execute(routes.delete().where(routes.c.guild_id == guild_id))
            await conn.execute(channel_styles.delete().where(channel_styles.c.guild_id == guild_id))
            await conn.execute(digest_runs.delete().where(digest_runs.c.guild_id == guild_id))
            await conn.execute(subscriptions.delete().where(subscriptions.c.guild_id == guild_id))
            await _topics_changed(conn, TopicChange.SERVER, [guild_id])
            await conn.execute(channels.delete().where(channels.c.guild_id == guild_id))
            await conn.execute(guilds.delete().where(guilds.c.id == guild_id))
            await self._forget_unused_sources(conn, list(used))
            await _combine_choices(conn, list(used), now=None)

    async def guild_ids(self) -> set[int]:
        """Every server the store keeps data for."""
        async with self._engine.connect() as conn:
            return {int(i) for i in (await conn.execute(select(guilds.c.id))).scalars()}

    async def _forget_unused_sources(self, conn: AsyncConnection, ids: Sequence[int]) -> None:
        for source_id in ids:
            still = await conn.execute(
                select(guild_sources.c.guild_id).where(guild_sources.c.source_id == source_id)
            )
            if still.first() is None:
                await _delete_source(conn, source_id)

    async def guild_sources(self, guild_id: int) -> list[Source]:
        """The sources this server watches."""
        query = (
            select(sources)
            .join(guild_sources, guild_sources.c.source_id == sources.c.id)
            .where(guild_sources.c.guild_id == guild_id)
            # Untitled (never polled) first on both engines: PostgreSQL sorts NULL last.
            .order_by(sources.c.title.nulls_first(), sources.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_source(row) for row in rows]

    async def guild_source_names(self, guild_id: int) -> list[SourceName]:
        """The server's sources as answers name them (a light read: a server may watch
        thousands, and every /news command starts here)."""
        query = (
            select(sources.c.id, sources.c.url, sources.c.title)
            .join(guild_sources, guild_sources.c.source_id == sources.c.id)
            .where(guild_sources.c.guild_id == guild_id)
            .order_by(sources.c.title, sources.c.id)
        )
        async with self._engine.connect() as conn:
            return [
                SourceName(int(i), str(url), title) for i, url, title in await conn.execute(query)
            ]

    async def guild_source_controls(self, guild_id: int) -> list[WatchedSource]:
        """The server's sources with its own choices for each (named as the server named them;
        ordered like ``guild_sources``)."""
        query = (
            select(
                sources,
                guild_sources.c.paused_at.label("gs_paused_at"),
                guild_sources.c.interval_seconds.label("gs_interval"),
                guild_sources.c.user_agent.label("gs_user_agent"),
                guild_sources.c.name.label("gs_name"),
            )
            .join(guild_sources, guild_sources.c.source_id == sources.c.id)
            .where(guild_sources.c.guild_id == guild_id)
            .order_by(sources.c.title.nulls_first(), sources.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            WatchedSource(
                source=_source(row),
                paused_since=row.gs_paused_at,
                interval_seconds=row.gs_interval,
                user_agent=row.gs_user_agent,
                name=row.gs_name,
            )
            for row in rows
        ]

    async def set_guild_source_paused(
        self, guild_id: int, source_id: int, *, paused: bool, now: datetime
    ) -> bool:
        """Pause (or resume) a source for one server. Returns False when it already was (not).
        A source every server paused is no longer polled; resumed, it is polled at once."""
        was = (
            guild_sources.c.paused_at.is_(None) if paused else guild_sources.c.paused_at.isnot(None)
        )
        async with self._write() as conn:
            result = await conn.execute(
                update(guild_sources)
                .where(
                    guild_sources.c.guild_id == guild_id,
                    guild_sources.c.source_id == source_id,
                    was,
                )
                .values(paused_at=now if paused else None)
            )
            if not result.rowcount:
                return False
            await _combine_choices(conn, [source_id], now)
        return True

    async def set_guild_source_interval(
        self, guild_id: int, source_id: int, seconds: int | None, *, default: int, now: datetime
    ) -> None:
        """One server's poll interval for a source (None: the default). The source is polled
        as often as the most eager of its servers wants; a shorter wait applies at once."""
        async with self._write() as conn:
            await conn.execute(_guild_source(guild_id, source_id).values(interval_seconds=seconds))
            await _combine_choices(conn, [source_id], now)
            combined = (
                await conn.execute(
                    select(sources.c.interval_seconds).where(sources.c.id == source_id)
                )
            ).scalar()
            soonest = now + timedelta(seconds=max(default, combined or default))
            await conn.execute(
                update(sources)
                .where(sources.c.id == source_id, sources.c.next_poll_at > soonest)
                .values(next_poll_at=soonest)
            )

    async def set_guild_source_name(self, guild_id: int, source_id: int, name: str | None) -> None:
        """The server's own name for a source (None: the feed's title)."""
        async with self._write() as conn:
            await conn.execute(_guild_source(guild_id, source_id).values(name=name))

    async def set_guild_source_user_agent(
        self, guild_id: int, source_id: int, agent: str | None
    ) -> None:
        """The User-Agent the server wants the source fetched with (None: the default)."""
        async with self._write() as conn:
            await conn.execute(_guild_source(guild_id, source_id).values(user_agent=agent))
            await _combine_choices(conn, [source_id], None)

    async def move_guild_source(
        self,
        guild_id: int,
        source_id: int,
        *,
        url: str,
        added_url: str,
        title: str | None,
        seen_keys: Sequence[str],
        now: datetime,
    ) -> Source | None:
        """Point the server's source at another URL (checked by the caller), keeping what it
        has seen, with ``seen_keys`` (the new feed's items now) seen too: only items that
        appear later are posted. Watched by this server alone, the source itself changes;
        shared, the server moves to a source of that URL (made if new) and the others keep
        theirs. Returns None when the server already watches that URL."""
        async with self._write() as conn:
            target = (await conn.execute(select(sources.c.id).where(sources.c.url == url))).scalar()
            if target is not None:
                watching = await conn.execute(
                    select(guild_sources.c.guild_id).where(
                        guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == target
                    )
                )
                if watching.first() is not None:
                    return None
            others = (
                await conn.execute(
                    select(func.count()).where(
                        guild_sources.c.source_id == source_id,
                        guild_sources.c.guild_id != guild_id,
                    )
                )
            ).scalar()
            if target is None and not others:
                target = source_id
                await conn.execute(
                    update(sources)
                    .where(sources.c.id == source_id)
                    .values(
                        url=url,
                        added_url=added_url[:2048],
                        title=func.coalesce(title, sources.c.title),
                        etag=None,
                        last_modified=None,
                        status=SourceStatus.OK.value,
                        error_count=0,
                        last_error=None,
                        failing_since=None,
                        next_poll_at=case((sources.c.next_poll_at.is_(None), None), else_=now),
                    )
                )
            else:
                if target is None:
                    target = (
                        await conn.execute(
                            sources.insert()
                            .values(
                                url=url,
                                added_url=added_url[:2048],
                                title=title,
                                status=SourceStatus.OK.value,
                                next_poll_at=now,
                                error_count=0,
                                created_at=now,
                                last_success_at=now,
                            )
                            .returning(sources.c.id)
                        )
                    ).scalar_one()
                await conn.execute(
                    _insert_ignore(self._dialect, seen_items).from_select(
                        ["source_id", "item_key", "first_seen_at"],
                        select(
                            literal(target), seen_items.c.item_key, seen_items.c.first_seen_at
                        ).where(seen_items.c.source_id == source_id),
                    )
                )
                await conn.execute(_guild_source(guild_id, source_id).values(source_id=target))
            if seen_keys:
                stamp = now.astimezone(UTC).replace(tzinfo=None)  # raw SQL: naive UTC
                await conn.exec_driver_sql(
                    _seen_insert_sql(self._dialect),
                    [(target, key, stamp) for key in dict.fromkeys(seen_keys)],
                )
            await _combine_choices(conn, [target, source_id], now)
            await self._forget_unused_sources(conn, [source_id])
        return await load_source(self._engine, target)

    async def guild_articles_since(
        self, guild_id: int, since: datetime, *, limit: int = 2000
    ) -> list[tuple[Article, Source]]:
        """Stored articles from the sources a server watches, newest first."""
        query = (
            select(articles, sources.c.url.label("source_url"))
            .join(guild_sources, guild_sources.c.source_id == articles.c.source_id)
            .join(sources, sources.c.id == articles.c.source_id)
            .where(guild_sources.c.guild_id == guild_id, articles.c.published_at >= since)
            .order_by(articles.c.published_at.desc(), articles.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        by_id = {s.id: s for s in await self.guild_sources(guild_id)}
        return [(_article(row), by_id[row.source_id]) for row in rows if row.source_id in by_id]
