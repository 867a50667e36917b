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
from typing import TYPE_CHECKING

from bot.digests import DEFAULT_TIME, DEFAULT_ZONE, Period, Schedule, parse_clock
from bot.errors import LimitReached, UserFacingError
from bot.messages import CONTENT_LIMIT, clean_text, clip, web_url
from bot.quiet import QuietHours, quiet_hours_from
from bot.records import (  # noqa: F401 - the rest were here before bot.records
    Added,
    Delivery,
    Route,
    Subscription,
    TopicChange,
    TopicChanges,
)
from bot.topics import Topic, as_topic, parse_topic
from bot.urls import host_of

if TYPE_CHECKING:
    from bot.storage.guilds import Guilds
    from bot.storage.queries import Queries
    from bot.storage.quiet import Quiet
    from bot.storage.topics import Topics as TopicStore

PREVIEW_DAYS = 7
PREVIEW_SHOWN = 10
COUNT_AT_MOST = 1000
"""Matches are counted up to this many ("1000+")."""


@dataclass(frozen=True, slots=True)
class PreviewHit:
    """One article a topic preview found, with why it matched."""

    headline: str
    url: str
    source: str
    published: datetime
    explanation: str


def preview_text(hits: Sequence[PreviewHit], *, total: int | None = None) -> str:
    """What ``/alerts preview`` says: how many articles matched (``total``, counted up to
    COUNT_AT_MOST) and the first few, every piece of feed text escaped as in alerts (nothing
    pings, no markdown or masked link of the feed's own, no invisible or direction-changing
    characters), within Discord's 2000 characters."""
    count = len(hits) if total is None else total
    if not count:
        return f"Nothing from this server's sources matched in the last {PREVIEW_DAYS} days."
    plus = "+" if count >= COUNT_AT_MOST else ""
    text = f"{count}{plus} matches in {PREVIEW_DAYS} days:"
    shown = 0
    for hit in hits[:PREVIEW_SHOWN]:
        headline = clip(clean_text(hit.headline), 150)
        url = web_url(hit.url)
        linked = f"[{headline}](<{_link_target(url)}>)" if url else headline
        source = clip(clean_text(hit.source), 80)
        why = f" ({clip(clean_text(hit.explanation), 200)})" if hit.explanation else ""
        line = f"\n• {linked} — {source}{why}"
        if len(text) + len(line) > CONTENT_LIMIT - 40:
            break
        text += line
        shown += 1
    if count > shown:
        text += f"\n…and {count - shown}{plus} more."
    return text


def _link_target(url: str) -> str:
    """A link's address as Markdown can't misread it: nothing in it ends the link early."""
    return "".join(f"%{ord(ch):02X}" if ch in "()<>\\[]" else ch for ch in url)


CHOICE_PREFIX = "topic#"


def choice_value(sub: Subscription) -> str:
    """An autocomplete choice's value naming one of a person's topics wherever it is."""
    return f"{CHOICE_PREFIX}{sub.id}"


def _chosen_id(typed: str) -> int | None:
    number = typed.strip().removeprefix(CHOICE_PREFIX)
    return int(number) if typed.strip().startswith(CHOICE_PREFIX) and number.isdigit() else None


def listing_everywhere(subs: Sequence[Subscription], server_names: dict[int, str]) -> str:
    """What ``/subscriptions`` says in a DM: the person's topics grouped by server, each
    server named (the person is, or was, a member of each: they subscribed there)."""
    if not subs:
        return "You follow no topics in any server. `/subscribe` in a server to start."
    text = "Your topics in every server (stop one here with `/unsubscribe`):"
    by_server: dict[int, list[Subscription]] = {}
    for sub in subs:
        by_server.setdefault(sub.guild_id, []).append(sub)
    for guild_id, mine in by_server.items():
        name = clip(clean_text(server_names.get(guild_id) or "a server newsbot can't see"), 100)
        lines = "".join(f"\n• “{clean_text(s.topic)}” ({s.delivery.value})" for s in mine)
        part = f"\n**{name}**{lines}"
        if len(text) + len(part) > CONTENT_LIMIT - 60:
            text += "\n…and more: `/unsubscribe` lists them all as you type."
            break
        text += part
    return text


@dataclass(frozen=True, slots=True)
class Preview:
    """What a topic would have matched lately."""

    hits: list[PreviewHit]
    """The newest PREVIEW_SHOWN matches, newest first."""
    total: int
    """Every match in the window, counted up to COUNT_AT_MOST."""


class SubscriptionLimit(UserFacingError):
    """A topic or route that can't be added: the message says why."""

    pass


class TopicNotFound(UserFacingError):
    """A topic or route that isn't there."""

    pass


class Topics:
    """People's topics and servers' topic routes, within their caps."""

    def __init__(
        self,
        *,
        topics: TopicStore,
        queries: Queries,
        guilds: Guilds,
        quiet: Quiet,
        per_user_cap: int,
        clock: Callable[[], datetime],
        on_change: Callable[[], Awaitable[None]] | None = None,
        routes_cap: int = 50,
    ) -> None:
        """The repositories (topics and routes, the /news queries a topic's preview reads, the
        servers' sources, quiet hours), the caps, the clock, and whom to tell of a change."""
        self._topics = topics
        self._queries = queries
        self._guilds = guilds
        self._quiet = quiet
        self._cap = per_user_cap
        self._routes_cap = routes_cap
        self._clock = clock
        self._on_change = on_change

    async def _changed(self) -> None:
        if self._on_change is not None:
            await self._on_change()

    async def subscribe(
        self,
        user_id: int,
        guild_id: int,
        typed: str | Topic,
        delivery: Delivery = Delivery.DM,
        *,
        digest: Schedule | None = None,
    ) -> Subscription:
        """Follow a topic in a server: at most ``per_user_cap`` topics per person in each server
        (counted in the same transaction as the insert, so concurrent commands can't pass it).
        With ``digest``, its articles come as one DM a day or a week instead."""
        topic = as_topic(typed)
        added = await self._topics.add_subscription(
            user_id,
            guild_id,
            topic.text,
            topic.typed,
            delivery,
            now=self._clock(),
            cap=self._cap,
            digest=digest.encode() if digest is not None else None,
        )
        if added is Added.ALREADY:
            raise SubscriptionLimit(f"You already follow “{topic.text}” here.")
        if added is Added.FULL:
            raise SubscriptionLimit(
                f"You follow {self._cap} topics in this server, the most one person can here; "
                "`/unsubscribe` one first."
            )
        await self._changed()
        (found,) = [
            s
            for s in await self._topics.subscriptions_of(user_id, guild_id)
            if s.topic == topic.text
        ]
        return found

    async def digest_schedule(
        self, user_id: int, guild_id: int, period: Period, at: str | None, zone: str | None
    ) -> Schedule:
        """A digest's schedule from what was typed: the time defaults to 08:00, the zone to
        ``usual_zone``."""
        zone = zone or await self.usual_zone(user_id, guild_id)
        return Schedule(period, parse_clock(at) if at else DEFAULT_TIME, zone)

    async def usual_zone(self, user_id: int, guild_id: int | None) -> str:
        """The time zone this person last chose for a digest (in any server), else their quiet
        hours', else the one this server's newest digest route uses, else UTC."""
        mine = [s for s in await self._topics.subscriptions_of(user_id) if s.digest]
        if mine:
            return Schedule.decode(max(mine, key=lambda s: s.id).digest or "").zone
        quiet = await self.quiet_hours_of(user_id)
        if quiet is not None:
            return quiet.zone
        theirs = [r for r in await self._topics.routes_of(guild_id) if r.digest] if guild_id else []
        if theirs:
            return Schedule.decode(max(theirs, key=lambda r: r.id).digest or "").zone
        return DEFAULT_ZONE

    async def quiet_hours_of(self, user_id: int) -> QuietHours | None:
        """A person's quiet hours for DM alerts, if they set some."""
        stored = (await self._quiet.quiet_hours([user_id])).get(user_id)
        return QuietHours.decode(stored) if stored else None

    async def set_quiet_hours(
        self, user_id: int, guild_id: int | None, start: str, end: str | None, zone: str | None
    ) -> QuietHours | None:
        """Set a person's quiet hours from what they typed (``off``: none); the zone defaults
        to ``usual_zone``. Returns the hours now in force."""
        hours = quiet_hours_from(start, end, zone or await self.usual_zone(user_id, guild_id))
        stored = hours.encode() if hours is not None else None
        await self._quiet.set_quiet_hours(user_id, stored, now=self._clock())
        return hours

    async def unsubscribe(self, user_id: int, guild_id: int, typed: str) -> str:
        """Stop one of a person's topics in a server; returns its normal form."""
        topic = parse_topic(typed)
        if not await self._topics.remove_subscription(user_id, guild_id, topic.text):
            raise TopicNotFound(f"You don't follow “{topic.text}” here.")
        await self._changed()
        return topic.text

    async def unsubscribe_anywhere(self, user_id: int, typed: str) -> Subscription:
        """Stop one of a person's topics in whichever server it is (``/unsubscribe`` in a DM):
        ``typed`` is a choice's value (``choice_value``) or the topic as typed, which must then
        name one topic of theirs in one server."""
        chosen = _chosen_id(typed)
        if chosen is not None:
            removed = await self._topics.remove_subscription_by_id(user_id, chosen)
            if removed is None:
                raise TopicNotFound("You don't follow that topic any more.")
        else:
            topic = parse_topic(typed)
            found = [s for s in await self.everywhere(user_id) if s.topic == topic.text]
            if not found:
                raise TopicNotFound(f"You don't follow “{topic.text}” in any server.")
            if len(found) > 1:
                raise TopicNotFound(
                    f"You follow “{topic.text}” in {len(found)} servers: pick the one to stop "
                    "from the suggestions as you type."
                )
            (removed,) = found
            if not await self._topics.remove_subscription(user_id, removed.guild_id, removed.topic):
                raise TopicNotFound(f"You don't follow “{topic.text}” any more.")
        await self._changed()
        return removed

    async def mine(self, user_id: int, guild_id: int) -> list[Subscription]:
        """A person's topics in one server."""
        return await self._topics.subscriptions_of(user_id, guild_id)

    async def everywhere(self, user_id: int) -> list[Subscription]:
        """A person's topics in every server (for them only: a DM lists them all)."""
        return await self._topics.subscriptions_of(user_id)

    async def add_route(
        self,
        guild_id: int,
        channel_id: int,
        typed: str | Topic | None,
        *,
        role_id: int | None,
        user_id: int,
        role_mentionable: bool = True,
        bot_may_mention: bool = True,
        member_may_mention: bool = True,
        digest: Schedule | None = None,
    ) -> Route:
        """``role_mentionable``: anyone may mention the role. Otherwise only someone with
        Mention All Roles in the channel may, and newsbot pings it only for an admin who could
        ping it themselves (``member_may_mention``) and only if the bot can too
        (``bot_may_mention``)."""
        if role_id is not None and not role_mentionable:
            if not member_may_mention:
                raise SubscriptionLimit(
                    "That role isn't mentionable, and you lack **Mention @everyone, @here and "
                    "All Roles** in that channel: newsbot pings a role only for someone who "
                    "could ping it themselves. Leave the role out, or ask someone who can."
                )
            if not bot_may_mention:
                raise SubscriptionLimit(
                    "newsbot can't mention that role: make it mentionable in the server's role "
                    "settings (or give the bot Mention All Roles), or leave the role out."
                )
        topic = as_topic(typed) if typed else None
        text = topic.text if topic else None
        try:
            added = await self._topics.add_route(
                guild_id,
                channel_id,
                text,
                topic.typed if topic else None,
                role_id=role_id,
                user_id=user_id,
                now=self._clock(),
                cap=self._routes_cap,
                digest=digest.encode() if digest is not None else None,
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
            for r in await self._topics.routes_of(guild_id)
            if r.channel_id == channel_id and r.topic == text
        ]
        await self._changed()
        return route

    async def routes(self, guild_id: int) -> list[Route]:
        """A server's topic routes."""
        return await self._topics.routes_of(guild_id)

    async def remove_route(self, guild_id: int, route_id: int) -> None:
        """Stop one of a server's routes."""
        if not await self._topics.remove_route(guild_id, route_id):
            raise TopicNotFound("This server has no such route (pick one from the list).")
        await self._changed()

    async def pause_route(self, guild_id: int, route_id: int, *, paused: bool) -> None:
        """Pause or resume one of a server's routes."""
        if not await self._topics.set_route_paused(guild_id, route_id, paused=paused):
            raise TopicNotFound("This server has no such route (pick one from the list).")
        await self._changed()

    async def dms_closed_notice(self, user_id: int) -> str | None:
        """Said once, the next time someone uses a command after a DM to them failed."""
        if await self._topics.take_dms_closed(user_id):
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
        from bot.storage.fulltext import UnsearchableQuery

        mine = await self._topics.subscriptions_of(user_id, guild_id)
        scope = [s.id for s in await self._guilds.guild_source_names(guild_id)]
        since = self._clock() - timedelta(days=PREVIEW_DAYS)
        counts: dict[int, int | None] = {}
        for sub in mine:
            try:
                counts[sub.id] = await self._queries.count_matching(
                    scope, since, parse_topic(sub.topic), at_most=COUNT_AT_MOST
                )
            except UnsearchableQuery:
                counts[sub.id] = None
        return counts

    async def preview(self, guild_id: int, typed: str | Topic) -> Preview:
        """The last week's stored articles from the server's sources that the topic matches:
        how many (counted by the full-text index, up to COUNT_AT_MOST), and the newest
        PREVIEW_SHOWN with why each matched (worked out in a thread: an article's text may be
        long, and the event loop serves every server)."""
        from bot.storage.fulltext import UnsearchableQuery

        topic = as_topic(typed)
        names = {s.id: s for s in await self._guilds.guild_source_names(guild_id)}
        since = self._clock() - timedelta(days=PREVIEW_DAYS)
        try:
            total = await self._queries.count_matching(
                list(names), since, topic, at_most=COUNT_AT_MOST
            )
            ids = await self._queries.newest_matching(
                list(names), since, topic, limit=PREVIEW_SHOWN
            )
        except UnsearchableQuery as exc:
            raise TopicNotFound(
                f"That topic can't be previewed ({exc}); alerts for it work all the same."
            ) from None
        listed = await self._queries.listings(ids)
        texts = await self._queries.texts(ids)
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
