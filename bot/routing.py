"""Which topic routes and which people get an article (core; no discord imports).

One Matcher holds every server route's topic and every person's topic. An article from a source
reaches a route or a person only in servers that watch that source; each destination (a channel,
a person) gets at most one alert per article, listing every topic of theirs that matched.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from operator import attrgetter
from typing import TYPE_CHECKING

from bot.articles import Article
from bot.matcher import Found, Matcher, MatchInput
from bot.records import Delivery, OutboxKind, Planned, Route, Subscription, TopicChanges
from bot.sources import Source
from bot.topics import Topic
from bot.urls import host_of

if TYPE_CHECKING:
    from bot.storage.topics import Topics


class Router:
    """Plans who gets each new article: topic routes and people, with why each matched."""

    def __init__(self, store: Topics, *, observe: Callable[[float], None] | None = None) -> None:
        """``observe(seconds)``: told how long matching each article took."""
        self._store = store
        self._observe = observe
        self._matcher = Matcher({})
        self._routes: dict[int, Route] = {}
        self._subscriptions: dict[int, Subscription] = {}
        self._version: int | None = None
        self._checked = -math.inf
        self._lock = asyncio.Lock()
        self.full_loads = 0
        """How many times every route and subscription was read (at start, or when the change
        log no longer reached back far enough); every other change was patched in."""

    async def refresh(self, *, at_most_every: float = 0.0) -> bool:
        """Take in the changes to routes and subscriptions made since the last look, in this
        process or another (a worker learns of a topic added through the bot this way): one
        small read when nothing changed, skipped if the last was under ``at_most_every``
        seconds ago. Changes are read from the store's change log and patched into the matcher,
        all of them at once however many there are; everything is read again only at start or
        when the log no longer reaches back far enough."""
        now = time.monotonic()
        if now - self._checked < at_most_every:
            return False
        self._checked = now
        async with self._lock:
            # The version is read first: a change made meanwhile is taken in next time.
            version = await self._store.topics_version()
            if version == self._version:
                return False
            changes = None
            if self._version is not None:
                changes = await self._store.topic_changes(self._version, version)
            if changes is None:
                await self._load_all(version)
            else:
                await self._take_in(changes, version)
        return True

    async def changed(self) -> None:
        """A route or topic changed through this process: take it in now (with whatever else
        changed since the last look)."""
        await self.refresh()

    async def reload(self) -> None:
        """Read every route and subscription again (at start)."""
        async with self._lock:
            await self._load_all(await self._store.topics_version())

    async def _load_all(self, version: int) -> None:
        self.full_loads += 1
        self._routes = {r.id: r for r in await self._store.all_routes()}
        self._subscriptions = {s.id: s for s in await self._store.all_subscriptions()}
        topics: dict[int, Topic] = {}
        parsed = self._matcher.parsed
        for route in self._routes.values():
            if route.topic is not None:
                topics[-route.id] = parsed(route.topic)
        for sub in self._subscriptions.values():
            topics[sub.id] = parsed(sub.topic)
        self._matcher = self._matcher.changed(topics)
        self._version = version

    async def _take_in(self, changes: TopicChanges, version: int) -> None:
        """Patch the changed routes and subscriptions (as they are now) into the matcher."""
        routes = {r.id: r for r in await self._store.routes_by_id(changes.routes)}
        subs = {s.id: s for s in await self._store.subscriptions_by_id(changes.subscriptions)}
        removed: list[int] = []
        added: dict[int, Topic] = {}
        if changes.servers:
            gone = changes.servers
            removed += [-r.id for r in self._routes.values() if r.guild_id in gone]
            removed += [s.id for s in self._subscriptions.values() if s.guild_id in gone]
            self._routes = {i: r for i, r in self._routes.items() if r.guild_id not in gone}
            self._subscriptions = {
                i: s for i, s in self._subscriptions.items() if s.guild_id not in gone
            }
        for route_id in changes.routes:
            self._routes.pop(route_id, None)
            removed.append(-route_id)
            route = routes.get(route_id)
            if route is not None:
                self._routes[route_id] = route
                if route.topic is not None:
                    added[-route_id] = self._matcher.parsed(route.topic)
        for sub_id in changes.subscriptions:
            self._subscriptions.pop(sub_id, None)
            removed.append(sub_id)
            sub = subs.get(sub_id)
            if sub is not None:
                self._subscriptions[sub_id] = sub
                added[sub_id] = self._matcher.parsed(sub.topic)
        self._matcher = self._matcher.patch(removed, added)
        self._version = version

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
            if r.topic is None and r.guild_id in guilds and not r.paused and r.digest is None
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
                replace(p, explanation="; ".join(dict.fromkeys(whys)) or None)
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
        # In the topics' order (not the matcher's, which depends on how it was built and
        # patched): the same article plans the same alerts, with the same reasons.
        for match in sorted(found, key=_TOPIC_FORM):
            why = found.explain(match)
            for topic_id in sorted(match.topic_ids):
                if topic_id < 0:
                    route = self._routes[-topic_id]
                    if route.guild_id not in guilds or route.paused or route.digest:
                        continue  # (a digest route's articles go out in its digest)
                    key = (OutboxKind.ALERT, route.channel_id)
                    destinations.setdefault(key, (_planned(route), []))[1].append(why)
                else:
                    sub = self._subscriptions[topic_id]
                    if sub.guild_id not in guilds or sub.digest:
                        continue
                    kind = OutboxKind.DM if sub.delivery is Delivery.DM else OutboxKind.HERE
                    person = Planned(kind, sub.guild_id, sub.user_id, sub.user_id, None, None)
                    destinations.setdefault((kind, sub.user_id), (person, []))[1].append(why)
        return destinations


Destinations = dict[tuple[OutboxKind, int], tuple[Planned, list[str]]]


_TOPIC_FORM = attrgetter("topic")


def _planned(route: Route) -> Planned:
    return Planned(
        OutboxKind.ALERT,
        route.guild_id,
        route.channel_id,
        None,
        route.role_id,
        None,
        style=route.style,
    )
