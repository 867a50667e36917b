"""Which topic routes and which people get an article (core; no discord imports).

One Matcher holds every server route's topic and every person's topic. An article from a source
reaches a route or a person only in servers that watch that source; each destination (a channel,
a person) gets at most one alert per article, listing every topic of theirs that matched.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from bot.articles import Article
from bot.delivery import OutboxKind, Planned
from bot.matcher import Found, Matcher, MatchInput
from bot.sources import Source
from bot.subscriptions import Delivery, Route, Subscription
from bot.topics import Topic, parse_topic
from bot.urls import host_of

if TYPE_CHECKING:
    from bot.store import Store


class Router:
    def __init__(self, store: Store, *, observe: Callable[[float], None] | None = None) -> None:
        """``observe(seconds)``: told how long matching each article took."""
        self._store = store
        self._observe = observe
        self._matcher = Matcher({})
        self._routes: dict[int, Route] = {}
        self._subscriptions: dict[int, Subscription] = {}
        self._version: int | None = None
        self._checked = -math.inf

    async def refresh(self, *, at_most_every: float = 0.0) -> bool:
        """Reload if routes or subscriptions changed since the last load, in this process or
        another (a worker learns of a topic added through the bot this way). One small read,
        skipped if the last was under ``at_most_every`` seconds ago."""
        now = time.monotonic()
        if now - self._checked < at_most_every:
            return False
        self._checked = now
        if await self._store.topics_version() == self._version:
            return False
        await self.reload()
        return True

    async def reload(self) -> None:
        """Read every route and subscription again (after a change, or at start)."""
        # The version is read first: a change made during the reload is seen next time.
        self._version = await self._store.topics_version()
        self._routes = {r.id: r for r in await self._store.all_routes()}
        self._subscriptions = {s.id: s for s in await self._store.all_subscriptions()}
        topics: dict[int, Topic] = {}
        for route in self._routes.values():
            if route.topic is not None:
                topics[-route.id] = parse_topic(route.topic)
        for sub in self._subscriptions.values():
            topics[sub.id] = parse_topic(sub.topic)
        self._matcher = self._matcher.changed(topics)

    async def plan(
        self,
        source: Source,
        articles: Sequence[Article],
        *,
        on_failure: Callable[[Article, Exception], None] | None = None,
    ) -> dict[str, list[Planned]]:
        """The alerts each article earns beyond the server's all-articles channel. An article
        whose topics can't be matched gets only the all-articles routes (``on_failure`` is
        told why); the others are matched as usual."""
        if not articles or not (self._routes or self._subscriptions):
            return {}
        guilds = await self._store.guilds_watching(source.id)
        domain = host_of(source.url)
        everything = [
            r
            for r in self._routes.values()
            if r.topic is None and r.guild_id in guilds and not r.paused
        ]
        planned: dict[str, list[Planned]] = {}
        for article in articles:
            try:
                started = time.perf_counter()
                found = self._matcher.match(
                    MatchInput(article.title, article.lead, article.text, domain)
                )
                if self._observe is not None:
                    self._observe(time.perf_counter() - started)
                destinations = self._destinations(found, everything, guilds)
            except Exception as exc:
                if on_failure is None:
                    raise
                on_failure(article, exc)
                destinations = {
                    (OutboxKind.ALERT, r.channel_id): (_planned(r), []) for r in everything
                }
            planned[article.item_key] = [
                Planned(
                    p.kind,
                    p.guild_id,
                    p.channel_id,
                    p.user_id,
                    p.role_id,
                    "; ".join(dict.fromkeys(whys)) or None,
                )
                for p, whys in destinations.values()
            ]
        return planned

    def _destinations(
        self, found: Found, everything: Sequence[Route], guilds: Collection[int]
    ) -> Destinations:
        """Each channel and person the matches reach, with why (one entry each)."""
        destinations: Destinations = {
            (OutboxKind.ALERT, r.channel_id): (_planned(r), []) for r in everything
        }
        for match in found:
            why = found.explain(match)
            for topic_id in match.topic_ids:
                if topic_id < 0:
                    route = self._routes[-topic_id]
                    if route.guild_id not in guilds or route.paused:
                        continue
                    key = (OutboxKind.ALERT, route.channel_id)
                    destinations.setdefault(key, (_planned(route), []))[1].append(why)
                else:
                    sub = self._subscriptions[topic_id]
                    if sub.guild_id not in guilds:
                        continue
                    kind = OutboxKind.DM if sub.delivery is Delivery.DM else OutboxKind.HERE
                    person = Planned(kind, sub.guild_id, sub.user_id, sub.user_id, None, None)
                    destinations.setdefault((kind, sub.user_id), (person, []))[1].append(why)
        return destinations


Destinations = dict[tuple[OutboxKind, int], tuple[Planned, list[str]]]


def _planned(route: Route) -> Planned:
    return Planned(OutboxKind.ALERT, route.guild_id, route.channel_id, None, route.role_id, None)
