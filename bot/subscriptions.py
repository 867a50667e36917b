"""People's topics and servers' topic routes (core; no discord imports).

What ``/subscribe``, ``/unsubscribe``, ``/subscriptions`` and ``/alerts add|remove|list|pause|
resume|preview`` do. (The commands themselves, and routing matched articles into the outbox, are
the next step; see the Topics issue.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.errors import LimitReached, UserFacingError
from bot.topics import Topic, parse_topic
from bot.urls import host_of

if TYPE_CHECKING:
    from bot.store import Store

PREVIEW_DAYS = 7
PREVIEW_SHOWN = 10
COUNT_AT_MOST = 1000
"""Matches are counted up to this many ("1000+")."""


class Delivery(StrEnum):
    DM = "dm"
    HERE = "here"
    """A mention in the server's alerts channel (for people whose DMs are closed)."""


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    user_id: int
    guild_id: int
    topic: str
    """Normal form."""
    typed: str
    delivery: Delivery


@dataclass(frozen=True, slots=True)
class Route:
    id: int
    guild_id: int
    channel_id: int
    topic: str | None
    """Normal form; None routes every article of the server's sources."""
    typed: str | None
    role_id: int | None
    paused: bool


@dataclass(frozen=True, slots=True)
class PreviewHit:
    headline: str
    url: str
    source: str
    published: datetime
    explanation: str


class TopicChange(StrEnum):
    """What one logged change to topics names."""

    ROUTE = "route"
    SUBSCRIPTION = "subscription"
    SERVER = "server"
    """A server whose routes and topics all went (the bot was removed from it)."""


@dataclass(frozen=True, slots=True)
class TopicChanges:
    """The routes and subscriptions changed (added, removed or edited) since some version,
    and the servers whose routes and topics all went."""

    routes: frozenset[int]
    subscriptions: frozenset[int]
    servers: frozenset[int]


@dataclass(frozen=True, slots=True)
class Preview:
    hits: list[PreviewHit]
    """The newest PREVIEW_SHOWN matches, newest first."""
    total: int
    """Every match in the window, counted up to COUNT_AT_MOST."""


class SubscriptionLimit(UserFacingError):
    pass


class TopicNotFound(UserFacingError):
    pass


class Topics:
    def __init__(
        self,
        *,
        store: Store,
        per_user_cap: int,
        clock: Callable[[], datetime],
        on_change: Callable[[], Awaitable[None]] | None = None,
        routes_cap: int = 50,
    ) -> None:
        self._store = store
        self._cap = per_user_cap
        self._routes_cap = routes_cap
        self._clock = clock
        self._on_change = on_change

    async def _changed(self) -> None:
        if self._on_change is not None:
            await self._on_change()

    async def subscribe(
        self, user_id: int, guild_id: int, typed: str, delivery: Delivery = Delivery.DM
    ) -> Subscription:
        topic = parse_topic(typed)
        mine = await self._store.subscriptions_of(user_id)
        if any(s.topic == topic.text and s.guild_id == guild_id for s in mine):
            raise SubscriptionLimit(f"You already follow “{topic.text}” here.")
        if len(mine) >= self._cap:
            raise SubscriptionLimit(
                f"You follow {len(mine)} topics, the most one person can; `/unsubscribe` one first."
            )
        await self._store.add_subscription(
            user_id, guild_id, topic.text, typed, delivery, now=self._clock()
        )
        await self._changed()
        (added,) = [
            s
            for s in await self._store.subscriptions_of(user_id, guild_id)
            if s.topic == topic.text
        ]
        return added

    async def unsubscribe(self, user_id: int, guild_id: int, typed: str) -> str:
        topic = parse_topic(typed)
        if not await self._store.remove_subscription(user_id, guild_id, topic.text):
            raise TopicNotFound(f"You don't follow “{topic.text}” here.")
        await self._changed()
        return topic.text

    async def mine(self, user_id: int, guild_id: int) -> list[Subscription]:
        return await self._store.subscriptions_of(user_id, guild_id)

    async def add_route(
        self,
        guild_id: int,
        channel_id: int,
        typed: str | None,
        *,
        role_id: int | None,
        user_id: int,
        role_mentionable: bool = True,
    ) -> Route:
        if role_id is not None and not role_mentionable:
            raise SubscriptionLimit(
                "newsbot can't mention that role: make it mentionable in the server's role "
                "settings (or give the bot Mention All Roles), or leave the role out."
            )
        topic = parse_topic(typed) if typed else None
        text = topic.text if topic else None
        try:
            added = await self._store.add_route(
                guild_id,
                channel_id,
                text,
                typed,
                role_id=role_id,
                user_id=user_id,
                now=self._clock(),
                cap=self._routes_cap,
            )
        except LimitReached as full:
            raise SubscriptionLimit(
                f"This server has {full.count} topic routes, the most it can: "
                "`/alerts remove` one first."
            ) from None
        if not added:
            raise SubscriptionLimit("That channel already gets that topic.")
        (route,) = [
            r
            for r in await self._store.routes_of(guild_id)
            if r.channel_id == channel_id and r.topic == text
        ]
        await self._changed()
        return route

    async def routes(self, guild_id: int) -> list[Route]:
        return await self._store.routes_of(guild_id)

    async def remove_route(self, guild_id: int, route_id: int) -> None:
        if not await self._store.remove_route(guild_id, route_id):
            raise TopicNotFound("This server has no such route (pick one from the list).")
        await self._changed()

    async def pause_route(self, guild_id: int, route_id: int, *, paused: bool) -> None:
        if not await self._store.set_route_paused(guild_id, route_id, paused=paused):
            raise TopicNotFound("This server has no such route (pick one from the list).")
        await self._changed()

    async def dms_closed_notice(self, user_id: int) -> str | None:
        """Said once, the next time someone uses a command after a DM to them failed."""
        if await self._store.take_dms_closed(user_id):
            return (
                "⚠️ newsbot couldn't DM you an alert: your DMs are closed to it. Allow direct "
                "messages from this server's members, or `/subscribe` with `delivery: here` to "
                "be mentioned in the alerts channel instead."
            )
        return None

    async def recent_counts(self, user_id: int, guild_id: int) -> dict[int, int | None]:
        """How many of the last week's stored articles from the server's sources each of the
        person's topics matched, counted by the full-text index up to COUNT_AT_MOST (None: a
        topic the index can't run, so it isn't counted). No article is read."""
        from bot.store import UnsearchableQuery

        mine = await self._store.subscriptions_of(user_id, guild_id)
        scope = [s.id for s in await self._store.guild_source_names(guild_id)]
        since = self._clock() - timedelta(days=PREVIEW_DAYS)
        counts: dict[int, int | None] = {}
        for sub in mine:
            try:
                counts[sub.id] = await self._store.count_matching(
                    scope, since, parse_topic(sub.topic), at_most=COUNT_AT_MOST
                )
            except UnsearchableQuery:
                counts[sub.id] = None
        return counts

    async def preview(self, guild_id: int, typed: str) -> Preview:
        """The last week's stored articles from the server's sources that the topic matches:
        how many (counted by the full-text index, up to COUNT_AT_MOST), and the newest
        PREVIEW_SHOWN with why each matched (worked out in a thread: an article's text may be
        long, and the event loop serves every server)."""
        from bot.store import UnsearchableQuery

        topic = parse_topic(typed)
        names = {s.id: s for s in await self._store.guild_source_names(guild_id)}
        since = self._clock() - timedelta(days=PREVIEW_DAYS)
        try:
            total = await self._store.count_matching(
                list(names), since, topic, at_most=COUNT_AT_MOST
            )
            ids = await self._store.newest_matching(list(names), since, topic, limit=PREVIEW_SHOWN)
        except UnsearchableQuery as exc:
            raise TopicNotFound(
                f"That topic can't be previewed ({exc}); alerts for it work all the same."
            ) from None
        listed = await self._store.listings(ids)
        texts = await self._store.texts(ids)
        inputs = [
            (item.title, item.lead, texts.get(item.id, ""), host_of(names[item.source_id].url))
            for item in listed
        ]
        reasons = await asyncio.to_thread(explain_matches, topic, inputs)
        hits = [
            PreviewHit(
                item.title,
                item.url,
                item.site_name or names[item.source_id].name,
                item.published,
                reason,
            )
            for item, reason in zip(listed, reasons, strict=True)
        ]
        hits.sort(key=lambda hit: hit.published, reverse=True)
        return Preview(hits, total)


def explain_matches(topic: Topic, articles: Sequence[tuple[str, str, str, str]]) -> list[str]:
    """Why the topic matched each article (title, lead, text, source domain): "nato, russia in
    title". Empty where the matcher itself finds no match (the full-text index and the matcher
    differ at the edges: a prefix in Chinese or Japanese text)."""
    from bot.matcher import Matcher, MatchInput

    matcher = Matcher({0: topic})
    reasons = []
    for title, lead, text, domain in articles:
        found = matcher.match(MatchInput(title, lead, text, domain))
        reasons.append(found.explain(found.matches[0]) if found else "")
    return reasons
