"""What a server's admins do with sources and their alerts channel (core; no discord imports).

The slash commands in ``cogs/`` are thin adapters over these methods.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.alerts import Alert, alert_for
from bot.errors import DATABASE_BUSY, LimitReached, StoreUnavailable, UserFacingError
from bot.messages import CONTENT_LIMIT, clean_text, fit_lines
from bot.poll_report import PollOutcome
from bot.records import ThreadMode
from bot.sources import Source, SourceStatus, source_matches
from bot.storage.articles import Articles
from bot.storage.guilds import Guilds
from bot.storage.outbox import Outbox
from bot.storage.sources import Sources
from bot.storage.threads import Threads
from bot.urls import check_url
from bot.watcher import Watcher

MAX_SOURCES_PER_GUILD = 50


class SourceUnusable(UserFacingError):
    """The URL can't be watched; the message says why."""


class NotFound(UserFacingError):
    """The server has no source (or route) by that id."""


class MissingChannelPermissions(UserFacingError):
    """The bot (or the admin asking) lacks a permission in the channel."""


@dataclass(frozen=True, slots=True)
class ChannelAccess:
    """What the bot may do in a channel (worked out by the Discord layer)."""

    view: bool
    send: bool
    """Send Messages (in a forum, "Create Posts")."""
    embed: bool
    create_threads: bool = True
    """Create Public Threads."""
    send_in_threads: bool = True
    """Send Messages in Threads."""


class ThreadChoice(StrEnum):
    """/alerts channel and /alerts add's ``threads`` option for a text channel."""

    OFF = "off"
    PER_STORY = "per-story"


def thread_mode_for(
    *, forum: bool, choice: ThreadChoice | None, current: ThreadMode | None
) -> ThreadMode | None:
    """How a channel will take alerts: a forum, a post per story; a text channel, as its
    ``threads`` option says (left out: as it was)."""
    if forum:
        return ThreadMode.FORUM
    if choice is None:
        return current if current is not ThreadMode.FORUM else None
    return ThreadMode.PER_STORY if choice is ThreadChoice.PER_STORY else None


@dataclass(frozen=True, slots=True)
class AddedSource:
    """What /sources add did: the source, its feed's title and size, and alerts queued."""

    source: Source
    title: str
    items: int
    queued: int
    has_channel: bool


@dataclass(frozen=True, slots=True)
class DefaultsAdded:
    """What /sources defaults did."""

    added: int
    already: int
    left_out: int = 0
    """Not added: the server reached its cap of ``cap`` sources."""
    cap: int = MAX_SOURCES_PER_GUILD


class SourcesFull(UserFacingError):
    """A server watches as many sources as it may."""

    def __init__(self, count: int) -> None:
        """Say how many sources the server has, and how to make room."""
        super().__init__(
            f"This server already watches {count} sources, the most it can "
            f"({MAX_SOURCES_PER_GUILD}): `/sources remove` one first."
        )


@dataclass(frozen=True, slots=True)
class SourceLine:
    """A source as a server's list shows it: its state, and the server's own name for it."""

    source: Source
    paused_since: datetime | None = None
    name: str | None = None
    """The server's own name for the source (None: the feed's title)."""

    def describe(self, now: datetime) -> str:
        """The source's line in /sources list."""
        return self._status(now) + self._items()

    def _status(self, now: datetime) -> str:
        source = self.source
        name = clean_text(self.name or source.name)
        if self.paused_since is not None:
            paused = int(self.paused_since.timestamp())
            return f"⏸️ {name}: paused since <t:{paused}:R>, not polled for this server"
        if source.status is SourceStatus.GONE:
            return f"⛔ {name}: gone (the server said 410); remove it"
        if source.status is SourceStatus.FAILING:
            since = source.failing_since or now
            why = clean_text(source.last_error or "")
            return f"⚠️ {name}: failing since <t:{int(since.timestamp())}:R>: {why}"
        if source.status is SourceStatus.NEW:
            return f"🆕 {name}: waiting for its first poll"
        nxt = source.next_poll_at or now
        return f"✅ {name}: ok, next poll <t:{int(nxt.timestamp())}:R>"

    def _items(self) -> str:
        """Articles kept without part of their processing (their page, quotes, story or topic
        matches) and items given up after failing three polls, when there are any."""
        source = self.source
        parts = []
        if source.degraded_items:
            parts.append(f"{source.degraded_items} degraded")
        if source.given_up_items:
            parts.append(f"{source.given_up_items} given up")
        return f" · {', '.join(parts)}" if parts else ""


ITEMS_LEGEND = (
    "-# degraded: articles kept without their page (the feed's text is used), quotes, story or "
    "topic matches; given up: items skipped after failing three polls."
)


def describe_sources(
    lines: Sequence[SourceLine], now: datetime, *, limit: int = CONTENT_LIMIT
) -> str:
    """/sources list: a line per source (as many as fit in ``limit``), and what the item counts
    mean when one shows any."""
    rows = [line.describe(now) for line in lines]
    if any(line.source.degraded_items or line.source.given_up_items for line in lines):
        return fit_lines(rows, limit - len(ITEMS_LEGEND) - 1) + "\n" + ITEMS_LEGEND
    return fit_lines(rows, limit)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The gateway shard a server is on (Discord's rule)."""
    return (guild_id >> 22) % shard_count


class ServerSources:
    """What /sources and /alerts channel do for a server."""

    def __init__(
        self,
        *,
        guilds: Guilds,
        sources: Sources,
        outbox: Outbox,
        articles: Articles,
        threads: Threads,
        watcher: Watcher,
        default_sources: Sequence[str],
        clock: Callable[[], datetime],
        on_left: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Keep the repositories (servers, sources, the outbox for a new channel's backfill,
        articles, channels' thread modes), the watcher and the clock the commands use."""
        self._guilds = guilds
        self._sources = sources
        self._outbox = outbox
        self._articles = articles
        self._threads = threads
        self._watcher = watcher
        self._defaults = list(default_sources)
        self._clock = clock
        self._on_left = on_left

    async def add(self, guild_id: int, user_id: int, url: str, *, backfill: int) -> AddedSource:
        """Watch a URL for this server, polling it at once (its newest ``backfill`` items become
        alerts), through the watcher's one add path: a new source is leased to this process
        while it is polled, so no worker polls it too. It is fetched in full even when another
        server already watches it, and the answer is the same either way: no server learns
        what another watches."""
        url = check_url(url)
        existing = await self._guilds.guild_sources(guild_id)
        if len(existing) >= MAX_SOURCES_PER_GUILD:
            raise SourcesFull(len(existing))
        now = self._clock()
        joined: list[tuple[Source, int | None]] = []  # the source, the alerts channel if set

        async def join(source: Source) -> None:
            try:
                subscribed = await self._guilds.add_guild_source(
                    guild_id, source.id, user_id=user_id, now=now, cap=MAX_SOURCES_PER_GUILD
                )
            except LimitReached as full:  # others were added since the check above
                raise SourcesFull(full.count) from None
            if not subscribed:
                raise SourceUnusable(f"This server already watches {clean_text(source.name)}.")
            guild = await self._guilds.guild(guild_id)
            joined.append((source, guild.alerts_channel_id if guild is not None else None))

        # No conditional GET (refetch): a 304 would tell this server that someone else polls it.
        outcome = await self._watcher.add_source(url, backfill=backfill, join=join, refetch=True)
        ((source, channel_id),) = joined
        has_channel = channel_id is not None
        if not outcome.ok:
            await self._guilds.remove_guild_source(guild_id, source.id)
            if outcome.error == DATABASE_BUSY:
                raise StoreUnavailable
            raise SourceUnusable(f"That URL can't be used: {outcome.error}")
        if source.last_success_at is None:  # its first poll: a baseline, with its backfill
            return await self._added(outcome, has_channel)
        queued = 0
        if backfill and channel_id is not None:
            latest = await self._articles.latest_articles_of(source.id, limit=backfill)
            await self._outbox.enqueue_articles(
                guild_id, channel_id, list(reversed(latest)), now=now
            )
            queued = len(latest)
        source = await self._sources.get_source(source.id) or source
        return AddedSource(
            source=source,
            title=outcome.feed_title or source.name,
            items=outcome.items_in_feed,
            queued=queued,
            has_channel=has_channel,
        )

    async def _added(self, outcome: PollOutcome, has_channel: bool) -> AddedSource:
        source = await self._sources.get_source(outcome.source.id) or outcome.source
        return AddedSource(
            source=source,
            title=outcome.feed_title or source.name,
            items=outcome.items_in_feed,
            queued=len(outcome.articles) if has_channel else 0,
            has_channel=has_channel,
        )

    async def remove(self, guild_id: int, source_id: int) -> Source:
        """Stop watching a source in a server; the source."""
        source = await self._owned(guild_id, source_id)
        await self._guilds.remove_guild_source(guild_id, source_id)
        return source

    async def status(self, guild_id: int) -> list[SourceLine]:
        """Each of the server's sources and how it is doing."""
        watched = await self._guilds.guild_source_controls(guild_id)
        return [SourceLine(w.source, w.paused_since, w.name) for w in watched]

    async def search(self, guild_id: int, typed: str) -> list[Source]:
        """Autocomplete: this server's sources whose title or host contains what was typed."""
        found = await self._guilds.guild_sources(guild_id)
        return [s for s in found if source_matches(typed, s.title, s.url)][:25]

    async def preview(self, guild_id: int, source_id: int) -> Alert:
        """How the source's latest item looks as an alert."""
        source = await self._owned(guild_id, source_id)
        latest = await self._articles.latest_articles_of(source_id, limit=1)
        if not latest:
            raise NotFound(
                f"{clean_text(source.name)} has no stored articles yet: alerts start with its "
                "next new item."
            )
        return alert_for(latest[0], source)

    async def add_defaults(self, guild_id: int, user_id: int) -> DefaultsAdded:
        """Subscribe the server to the operator's starter feeds (polled on the next cycle), as
        many as fit under the server's cap; the rest are counted as left out."""
        if not self._defaults:
            raise NotFound("This bot's operator has not set up any default sources.")
        now = self._clock()
        added = already = 0
        for index, url in enumerate(self._defaults):
            source, _ = await self._sources.add_source(url, added_url=url, now=now)
            try:
                subscribed = await self._guilds.add_guild_source(
                    guild_id, source.id, user_id=user_id, now=now, cap=MAX_SOURCES_PER_GUILD
                )
            except LimitReached:
                left_out = len(self._defaults) - index
                return DefaultsAdded(added, already, left_out, MAX_SOURCES_PER_GUILD)
            if subscribed:
                added += 1
            else:
                already += 1
        return DefaultsAdded(added, already)

    async def set_channel(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        access: ChannelAccess,
        *,
        forum: bool = False,
        threads: ThreadChoice | None = None,
    ) -> ThreadMode | None:
        """Choose the server's alerts channel, once the bot may post there (in a forum, or with
        a thread per story, also make and post in threads); how it takes alerts."""
        mode = await self.channel_mode(channel_id, forum=forum, threads=threads)
        self.check_channel(channel_id, access, mode)
        await self._guilds.set_alerts_channel(
            guild_id, channel_id, user_id=user_id, now=self._clock()
        )
        await self._threads.set_thread_mode(guild_id, channel_id, mode, now=self._clock())
        return mode

    async def channel_mode(
        self, channel_id: int, *, forum: bool, threads: ThreadChoice | None
    ) -> ThreadMode | None:
        """How a channel will take alerts once set with these options (see thread_mode_for)."""
        current = await self._threads.thread_mode(channel_id)
        return thread_mode_for(forum=forum, choice=threads, current=current)

    async def set_thread_mode(
        self, guild_id: int, channel_id: int, mode: ThreadMode | None
    ) -> None:
        """A channel's alerts go in a post or thread per story (None: plainly)."""
        await self._threads.set_thread_mode(guild_id, channel_id, mode, now=self._clock())

    def check_channel(
        self, channel_id: int, access: ChannelAccess, mode: ThreadMode | None = None
    ) -> None:
        """Raise MissingChannelPermissions naming what the bot lacks in the channel (in a
        forum: Create Posts and Send Messages in Threads; with a thread per story, Create
        Public Threads and Send Messages in Threads)."""
        forum = mode is ThreadMode.FORUM
        missing = [
            name
            for name, ok in (
                ("View Channel", access.view),
                ("Create Posts" if forum else "Send Messages", access.send),
                ("Embed Links", access.embed),
                (
                    "Create Public Threads",
                    access.create_threads or mode is not ThreadMode.PER_STORY,
                ),
                ("Send Messages in Threads", access.send_in_threads or mode is None),
            )
            if not ok
        ]
        if missing:
            listed = (
                ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
            )
            raise MissingChannelPermissions(
                f"newsbot can't post alerts in <#{channel_id}>: it lacks "
                f"{listed} there. Grant {'it' if len(missing) == 1 else 'them'} "
                "to the bot's role, or pick another channel."
            )

    def check_member_channel(self, channel_id: int, access: ChannelAccess) -> None:
        """Raise MissingChannelPermissions unless the admin may view and post in the channel
        themselves: Manage Server doesn't make anyone a poster where the server said no."""
        if not (access.view and access.send):
            raise MissingChannelPermissions(
                f"You can't post in <#{channel_id}> yourself, so you can't send newsbot's "
                "alerts there either. Pick a channel you can post in."
            )

    async def joined(self, guild_id: int) -> None:
        """Remember a server the bot is in."""
        await self._guilds.join_guild(guild_id, now=self._clock())

    async def left(self, guild_id: int) -> None:
        """The bot was removed from the server: its data goes (see ``Guilds.remove_guild``)."""
        await self._guilds.remove_guild(guild_id)
        if self._on_left is not None:
            await self._on_left()  # the router forgets its routes and topics

    async def reconcile(
        self, present: Collection[int], *, shards: tuple[int, Sequence[int]] | None = None
    ) -> int:
        """Forget servers the bot is no longer in (removed while it was offline). Returns how
        many were forgotten. ``shards``: (count, ids) this process runs; it knows only their
        servers, so only theirs are checked."""
        known = await self._guilds.guild_ids()
        if shards is not None:
            count, ids = shards
            known = {g for g in known if shard_of(g, count) in ids}
        gone = known - set(present)
        for guild_id in gone:
            await self.left(guild_id)
        return len(gone)

    async def _owned(self, guild_id: int, source_id: int) -> Source:
        for source in await self._guilds.guild_sources(guild_id):
            if source.id == source_id:
                return source
        raise NotFound("This server doesn't watch that source (pick one from the list).")
