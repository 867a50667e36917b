"""Who gets each new article: every destination is planned here (core; no discord imports).

The plan of an article, made before it is stored, lists every alert it earns, in the order
they are queued:

- a line in each thread-mode channel (``bot.threads``) of a server watching the source: a later
  copy of a story is posted as a line in the story's thread or forum post there. The store
  writes a planned line only where the story was already alerted (its thread's first message),
  which only the write transaction knows: the article is put in its story there;
- the alerts channel of each server watching the source (unpaused, the bot still in it, the
  channel not blocked): every article goes there;
- each topic route whose topic matches (or that takes every article) in a server watching the
  source, and each person whose topic matches: one alert per destination (a channel, a person),
  listing every topic of theirs that matched, with the matched words as data.

A route to a server's alerts channel adds nothing: the channel already gets the article.

**Story de-duplication** is planned the same way for every destination: each alert is queued
*once per story*, so a copy of a story (another outlet's version, see ``bot.stories``) reaches
only the destinations the story hasn't reached yet. The store writes the plan and does not
decide anything: it files the article in its story, then inserts the planned rows with that
story's id, skipping any row the outbox already holds under one of its two unique keys: one
alert per destination per article ``(kind, channel_id, article_id)`` and one per destination
per story ``(kind, channel_id, story_id)``.

**Why this is exactly-once with several ``newsbot worker`` processes on PostgreSQL.** The plan
is made from a snapshot (the servers watching the source, read once per poll, and this
process's topics), so two workers storing copies of one story at the same moment both plan an
alert to a channel that has had none. Neither reads the other's rows; the unique key decides:
both insert with ``ON CONFLICT DO NOTHING``, PostgreSQL makes the second insert wait for the
first transaction and then skips the row (or inserts it, if the first rolled back). So an
article is alerted to a destination at most once, a story at most once, and a row is never
lost to a rollback of another worker's poll. The keys are write rules, the same for every
caller (a backfill is held to them too); which destinations an article earns is decided only
here. A server that changes its alerts channel, pauses the source or leaves while a poll is
being stored gets that poll's alerts as planned; delivery drops what it can no longer send.
Caps (a channel's alerts in ten minutes, with its personal 'here' alerts) are applied when
sending (``bot.delivery``), not when queuing.
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
    """Plans who gets each new article: alerts channels, topic routes and people, with why
    each matched. One not ``matching`` (or never refreshed) plans the alerts channels only."""

    def __init__(
        self,
        store: Topics,
        *,
        observe: Callable[[float], None] | None = None,
        matching: bool = True,
    ) -> None:
        """``observe(seconds)``: told how long matching each article took. Not ``matching``:
        a process that matches no topics (it plans the alerts channels only; ``refresh`` and
        ``reload`` read nothing)."""
        self._store = store
        self.matching = matching
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
        if not self.matching or now - self._checked < at_most_every:
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
        if not self.matching:
            return
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
        """Every alert each article earns (by item key), in the order they are queued: the
        lines of the servers' thread-mode channels and their alerts channels first, then the
        matched topic routes and people. An article whose topics can't be matched gets only
        the lines, the alerts channels and the all-articles routes (``on_failure`` is told why)."""
        if not articles:
            return {}
        watching = await self._store.watching(source.id)
        channels = [
            Planned(OutboxKind.LINE, guild_id, channel_id, None, None, None)
            for guild_id, channel_id in watching.thread_channels
        ] + [
            Planned(OutboxKind.ALERT, guild_id, channel_id, None, None, None)
            for guild_id, channel_id in watching.alert_channels
        ]
        if not (self._routes or self._subscriptions):
            return {a.item_key: list(channels) for a in articles} if channels else {}
        guilds = watching.guilds
        taken = {(c.kind, c.channel_id) for c in channels}
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
            planned[article.item_key] = channels + [
                replace(
                    p,
                    explanation="; ".join(dict.fromkeys(why for why, _ in whys)) or None,
                    terms=tuple(dict.fromkeys(t for _, words in whys for t in words)),
                )
                for key, (p, whys) in destinations.items()
                if key not in taken
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
            why = (found.explain(match), found.words(match))
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


Destinations = dict[tuple[OutboxKind, int], tuple[Planned, list[tuple[str, tuple[str, ...]]]]]
"""Per destination: what is queued, and each match's (why, matched words)."""


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
