"""People's topics and servers' topic routes (core; no discord imports).

What ``/subscribe``, ``/unsubscribe``, ``/subscriptions`` and ``/alerts add|remove|list|pause|
resume|preview`` do. (The commands themselves, and routing matched articles into the outbox, are
the next step; see the Topics issue.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.errors import UserFacingError
from bot.topics import parse_topic

if TYPE_CHECKING:
    from bot.store import Store

PREVIEW_DAYS = 7
PREVIEW_SHOWN = 10


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


class SubscriptionLimit(UserFacingError):
    pass


class TopicNotFound(UserFacingError):
    pass


class Topics:
    def __init__(self, *, store: Store, per_user_cap: int, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._cap = per_user_cap
        self._clock = clock

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
    ) -> Route:
        topic = parse_topic(typed) if typed else None
        text = topic.text if topic else None
        if not await self._store.add_route(
            guild_id,
            channel_id,
            text,
            typed,
            role_id=role_id,
            user_id=user_id,
            now=self._clock(),
        ):
            raise SubscriptionLimit("That channel already gets that topic.")
        (route,) = [
            r
            for r in await self._store.routes_of(guild_id)
            if r.channel_id == channel_id and r.topic == text
        ]
        return route

    async def preview(self, guild_id: int, typed: str) -> list[PreviewHit]:
        """The last week's stored articles from the server's sources that the topic matches."""
        from bot.matcher import Matcher, MatchInput
        from bot.urls import host_of

        topic = parse_topic(typed)
        matcher = Matcher({0: topic})
        since = self._clock() - timedelta(days=PREVIEW_DAYS)
        hits = []
        for article, source in await self._store.guild_articles_since(guild_id, since):
            found = matcher.match(
                MatchInput(article.title, article.lead, article.text, host_of(source.url))
            )
            if found:
                hits.append(
                    PreviewHit(
                        article.title,
                        article.url,
                        article.site_name or source.name,
                        article.published,
                        found[0].explain(),
                    )
                )
        return hits
