"""Topics: people's subscriptions and servers' topic routes, and the log of changes to them
that lets each process's matcher catch up."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    func,
    select,
    update,
)

from bot.errors import LimitReached
from bot.records import (
    Added,
    Delivery,
    OutboxKind,
    OutboxStatus,
    Route,
    Subscription,
    TopicChange,
    TopicChanges,
    Watching,
)
from bot.storage.database import Repository, _insert_ignore, _literal_row, _serialize
from bot.storage.guilds import lock_guild, mark_joined
from bot.storage.rows import _SUBSCRIPTION_COLUMNS, _OverCap, _route, _subscription, _topics_changed
from bot.storage.schema import (
    TOPIC_CHANGES_KEPT,
    TOPICS_COUNTER,
    channel_styles,
    channel_threads,
    channels,
    counters,
    guild_sources,
    guilds,
    outbox,
    routes,
    subscriptions,
    topic_changes,
)

log = logging.getLogger(__name__)


class Topics(Repository):
    """People's topics and servers' routes."""

    async def add_subscription(
        self,
        user_id: int,
        guild_id: int,
        topic: str,
        typed: str,
        delivery: Delivery,
        *,
        now: datetime,
        cap: int | None = None,
        digest: str | None = None,
    ) -> Added:
        """A person's topic in a server: ADDED, or ALREADY when they had it (same normal form),
        or FULL when they already follow ``cap`` topics in that server. The insert and the count
        are one transaction, serialized per person and server on PostgreSQL (and by SQLite's
        single writer, which the insert takes before the count reads), so adds made at the same
        moment, in any number of processes, never pass the cap."""
        try:
            async with self._write() as conn:
                await _serialize(self._dialect, conn, "topics", guild_id, user_id)
                added = (
                    (
                        await conn.execute(
                            _insert_ignore(self._dialect, subscriptions)
                            .values(
                                user_id=user_id,
                                guild_id=guild_id,
                                topic=topic,
                                typed=typed[:400],
                                delivery=delivery.value,
                                created_at=now,
                                digest=digest,
                            )
                            .returning(subscriptions.c.id)
                        )
                    )
                    .scalars()
                    .all()
                )
                if not added:
                    return Added.ALREADY
                if cap is not None:
                    count = await conn.execute(
                        select(func.count()).where(
                            subscriptions.c.user_id == user_id,
                            subscriptions.c.guild_id == guild_id,
                        )
                    )
                    if int(count.scalar() or 0) > cap:
                        raise _OverCap
                await _topics_changed(conn, TopicChange.SUBSCRIPTION, added)
        except _OverCap:
            return Added.FULL  # the transaction, with its insert, was rolled back
        return Added.ADDED

    async def remove_subscription(self, user_id: int, guild_id: int, topic: str) -> bool:
        """Stop a person's topic in a server; False when they had none such."""
        async with self._write() as conn:
            removed = (
                (
                    await conn.execute(
                        subscriptions.delete()
                        .where(
                            subscriptions.c.user_id == user_id,
                            subscriptions.c.guild_id == guild_id,
                            subscriptions.c.topic == topic,
                        )
                        .returning(subscriptions.c.id)
                    )
                )
                .scalars()
                .all()
            )
            await _topics_changed(conn, TopicChange.SUBSCRIPTION, removed)
        return bool(removed)

    async def remove_subscription_by_id(
        self, user_id: int, subscription_id: int
    ) -> Subscription | None:
        """Remove one of this person's topics by its id (None if it isn't theirs, or gone)."""
        async with self._write() as conn:
            row = (
                await conn.execute(
                    subscriptions.delete()
                    .where(
                        subscriptions.c.id == subscription_id, subscriptions.c.user_id == user_id
                    )
                    .returning(*subscriptions.c)
                )
            ).first()
            if row is None:
                return None
            await _topics_changed(conn, TopicChange.SUBSCRIPTION, [row.id])
        return _subscription(row)

    async def forget_member(self, guild_id: int, user_id: int) -> int:
        """Someone left a server: their topics there go, with the personal alerts still queued
        for them from it. Returns how many topics went."""
        async with self._write() as conn:
            removed = (
                (
                    await conn.execute(
                        subscriptions.delete()
                        .where(
                            subscriptions.c.user_id == user_id,
                            subscriptions.c.guild_id == guild_id,
                        )
                        .returning(subscriptions.c.id)
                    )
                )
                .scalars()
                .all()
            )
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.guild_id == guild_id,
                    outbox.c.user_id == user_id,
                    outbox.c.kind.in_([OutboxKind.DM.value, OutboxKind.HERE.value]),
                    outbox.c.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.DROPPED.value, last_error="no longer a member")
            )
            await _topics_changed(conn, TopicChange.SUBSCRIPTION, removed)
        return len(removed)

    async def subscriptions_of(
        self, user_id: int, guild_id: int | None = None
    ) -> list[Subscription]:
        """A person's topics (in one server, or in all), in the order added."""
        query = select(subscriptions).where(subscriptions.c.user_id == user_id)
        if guild_id is not None:
            query = query.where(subscriptions.c.guild_id == guild_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(subscriptions.c.id))).all()
        return [_subscription(row) for row in rows]

    async def mark_dms_closed(self, user_id: int, *, now: datetime) -> None:
        """The person's DMs refused an alert: their alerts go to the server instead."""
        async with self._write() as conn:
            await conn.execute(
                update(subscriptions)
                .where(subscriptions.c.user_id == user_id)
                .values(dm_closed_at=now)
            )

    async def take_dms_closed(self, user_id: int) -> bool:
        """Whether a DM to this person failed since they were last told (and forget it). Most
        people have nothing to be told: a read answers them without queueing for a write."""
        closed = subscriptions.c.user_id == user_id, subscriptions.c.dm_closed_at.is_not(None)
        async with self._engine.connect() as conn:
            if (
                await conn.execute(select(subscriptions.c.id).where(*closed).limit(1))
            ).first() is None:
                return False
        async with self._write() as conn:
            result = await conn.execute(
                update(subscriptions).where(*closed).values(dm_closed_at=None)
            )
        return bool(result.rowcount)

    async def topics_version(self) -> int:
        """A number that changes whenever a route or a subscription does (in any process)."""
        query = select(counters.c.value).where(counters.c.name == TOPICS_COUNTER)
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar() or 0)

    async def all_routes(self) -> list[Route]:
        """Every server's topic routes."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(routes))).all()
        return [_route(row) for row in rows]

    async def watching(self, source_id: int) -> Watching:
        """The servers watching this source, unpaused, their working alerts channels and their
        thread-mode channels."""
        query = (
            select(
                guild_sources.c.guild_id,
                guilds.c.alerts_channel_id,
                guilds.c.left_at,
                channels.c.blocked_at,
            )
            .select_from(guild_sources)
            .outerjoin(guilds, guilds.c.id == guild_sources.c.guild_id)
            .outerjoin(channels, channels.c.id == guilds.c.alerts_channel_id)
            .where(guild_sources.c.source_id == source_id, guild_sources.c.paused_at.is_(None))
            .order_by(guild_sources.c.guild_id)
        )
        threaded = (
            select(channel_threads.c.guild_id, channel_threads.c.channel_id)
            .join(guild_sources, guild_sources.c.guild_id == channel_threads.c.guild_id)
            .where(guild_sources.c.source_id == source_id, guild_sources.c.paused_at.is_(None))
            .order_by(channel_threads.c.guild_id, channel_threads.c.channel_id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            threads = (await conn.execute(threaded)).all()
        return Watching(
            frozenset(row.guild_id for row in rows),
            tuple(
                (int(row.guild_id), int(row.alerts_channel_id))
                for row in rows
                if row.alerts_channel_id is not None
                and row.left_at is None
                and row.blocked_at is None
            ),
            tuple((int(row.guild_id), int(row.channel_id)) for row in threads),
        )

    async def all_subscriptions(self) -> list[Subscription]:
        """Every person's topics."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(*_SUBSCRIPTION_COLUMNS))).all()
        return [_subscription(row) for row in rows]

    async def topic_changes(self, after: int, upto: int) -> TopicChanges | None:
        """What changed in routes and subscriptions after topics version ``after`` up to
        ``upto`` (one read of the change log); None when the log no longer goes back that far
        (reload everything)."""
        if not 0 <= after <= upto or upto - after > TOPIC_CHANGES_KEPT:
            return None
        query = select(topic_changes.c.version, topic_changes.c.kind, topic_changes.c.row_id).where(
            topic_changes.c.version > after, topic_changes.c.version <= upto
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        if {int(version) for version, _, _ in rows} != set(range(after + 1, upto + 1)):
            return None
        named: dict[str, set[int]] = {kind.value: set() for kind in TopicChange}
        for _, kind, row_id in rows:
            named.setdefault(kind, set()).add(int(row_id))
        return TopicChanges(
            routes=frozenset(named[TopicChange.ROUTE.value]),
            subscriptions=frozenset(named[TopicChange.SUBSCRIPTION.value]),
            servers=frozenset(named[TopicChange.SERVER.value]),
        )

    async def routes_by_id(self, ids: Iterable[int]) -> list[Route]:
        """Those of these routes that exist."""
        wanted = list(ids)
        if not wanted:
            return []
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(routes).where(routes.c.id.in_(wanted)))).all()
        return [_route(row) for row in rows]

    async def subscriptions_by_id(self, ids: Iterable[int]) -> list[Subscription]:
        """Those of these subscriptions that exist."""
        wanted = list(ids)
        if not wanted:
            return []
        query = select(*_SUBSCRIPTION_COLUMNS).where(subscriptions.c.id.in_(wanted))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_subscription(row) for row in rows]

    async def add_route(
        self,
        guild_id: int,
        channel_id: int,
        topic: str | None,
        typed: str | None,
        *,
        role_id: int | None,
        user_id: int,
        now: datetime,
        cap: int | None = None,
        digest: str | None = None,
    ) -> bool:
        """Send a server's articles (those matching ``topic``; all when None) to a channel.
        False when that channel already gets that topic. With ``cap``, raises LimitReached when
        the server has that many routes. As for sources, the checks and the insert are one
        statement, after the server's row is locked on PostgreSQL."""
        async with self._write() as conn:
            await mark_joined(self._dialect, conn, guild_id, now)
        same = (
            select(routes.c.id)
            .where(
                routes.c.guild_id == guild_id,
                routes.c.channel_id == channel_id,
                routes.c.topic.is_(None) if topic is None else routes.c.topic == topic,
            )
            .exists()
        )
        count = (
            select(func.count()).select_from(routes).where(routes.c.guild_id == guild_id)
        ).scalar_subquery()
        row = {
            "guild_id": guild_id,
            "channel_id": channel_id,
            "topic": topic,
            "typed": typed[:400] if typed else None,
            "role_id": role_id,
            "paused": False,
            "created_by": user_id,
            "created_at": now,
            "digest": digest,
        }
        wanted = _literal_row(routes, row).where(~same)
        if cap is not None:
            wanted = wanted.where(count < cap)
        async with self._write() as conn:
            await lock_guild(self._dialect, conn, guild_id)
            added = (
                (
                    await conn.execute(
                        routes.insert().from_select(list(row), wanted).returning(routes.c.id)
                    )
                )
                .scalars()
                .all()
            )
            if added:
                await _topics_changed(conn, TopicChange.ROUTE, added)
                return True
            if (await conn.execute(select(same))).scalar():
                return False
            routed = int((await conn.execute(select(count))).scalar_one())
        raise LimitReached(routed)

    async def routes_of(self, guild_id: int) -> list[Route]:
        """A server's topic routes."""
        query = select(routes).where(routes.c.guild_id == guild_id).order_by(routes.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_route(row) for row in rows]

    async def set_channel_style(
        self, guild_id: int, channel_id: int, style: str, *, user_id: int, now: datetime
    ) -> None:
        """How a channel's alerts look from now on (``AlertStyle.encode()``)."""
        async with self._write() as conn:
            await conn.execute(
                channel_styles.delete().where(channel_styles.c.channel_id == channel_id)
            )
            await conn.execute(
                channel_styles.insert().values(
                    channel_id=channel_id,
                    guild_id=guild_id,
                    style=style,
                    set_by=user_id,
                    set_at=now,
                )
            )

    async def channel_style(self, channel_id: int) -> str | None:
        """A channel's alert style as stored, or None for the standard one."""
        query = select(channel_styles.c.style).where(channel_styles.c.channel_id == channel_id)
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar()

    async def set_route_style(self, guild_id: int, route_id: int, style: str) -> bool:
        """How a route's alerts look from now on; False when the server has no such route."""
        async with self._write() as conn:
            changed = await conn.execute(
                routes.update()
                .where(routes.c.guild_id == guild_id, routes.c.id == route_id)
                .values(style=style)
            )
            # The matchers keep routes (with their style) in memory: they reload this one.
            await _topics_changed(conn, TopicChange.ROUTE, [route_id] if changed.rowcount else [])
        return bool(changed.rowcount)

    async def remove_route(self, guild_id: int, route_id: int) -> bool:
        """Delete a server's route; False when it has none with that id."""
        async with self._write() as conn:
            result = await conn.execute(
                routes.delete().where(routes.c.guild_id == guild_id, routes.c.id == route_id)
            )
            await _topics_changed(conn, TopicChange.ROUTE, [route_id] if result.rowcount else [])
        return bool(result.rowcount)

    async def set_route_paused(self, guild_id: int, route_id: int, *, paused: bool) -> bool:
        """Pause or resume a server's route; False when it has none with that id."""
        async with self._write() as conn:
            result = await conn.execute(
                update(routes)
                .where(routes.c.guild_id == guild_id, routes.c.id == route_id)
                .values(paused=paused)
            )
            await _topics_changed(conn, TopicChange.ROUTE, [route_id] if result.rowcount else [])
        return bool(result.rowcount)
