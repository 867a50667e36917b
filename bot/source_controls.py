"""What a server's admins do to the sources they watch, beyond adding and removing them: pause and
resume, edit (URL, poll interval, name, User-Agent), import a feed list and export it as OPML.

Core: no discord imports. Sources are shared by every server watching the same feed, so each
server's choices are its own (``guild_sources``); the store combines them into what the source
is polled with."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.errors import LimitReached, UserFacingError
from bot.feeds import FeedError, NotAFeed, ParsedFeed, parse_feed
from bot.fetch import Fetcher, FetchError
from bot.messages import clean_text, plain_text
from bot.opml import ExportedFeed, ListedFeed, read_feed_list, write_opml
from bot.pool import WorkerCrashed, WorkPool
from bot.sources import Source, WatchedSource
from bot.storage.guilds import Guilds
from bot.storage.sources import Sources
from bot.urls import InvalidURL, check_url, source_label

MAX_INTERVAL = timedelta(hours=24)
PROBES_AT_ONCE = 8
MAX_USER_AGENT = 300
RESET = "default"
"""Typed as an interval, name or User-Agent: go back to the default."""
_DURATION = re.compile(r"(\d+)\s*(d|h|m|min|s|sec)?", re.IGNORECASE)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1}
_PRINTABLE_ASCII = re.compile(r"[ -~]+")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


class ControlError(UserFacingError):
    """A control can't be applied as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Probe:
    """A URL fetched and read as a feed (a site page's own feed found)."""

    url: str
    title: str | None
    site_url: str | None
    items: int
    keys: tuple[str, ...]


class Prober:
    """Fetches and parses a URL the way a poll would, storing nothing."""

    def __init__(self, fetcher: Fetcher, pool: WorkPool, *, max_items: int) -> None:
        """Check feeds with this fetcher and pool, reading up to max_items of each."""
        self._fetcher = fetcher
        self._pool = pool
        self._max_items = max_items

    async def probe(self, url: str, *, user_agent: str | None = None) -> Probe:
        """Raises FetchError or FeedError (their messages say what is wrong in plain words)."""
        result = await self._fetcher.fetch(url, user_agent=user_agent)
        try:
            feed = await self._parse(result.body, result.final_url, result.content_type)
        except NotAFeed as exc:
            if not exc.alternates:
                raise
            result = await self._fetcher.fetch(exc.alternates[0], user_agent=user_agent)
            feed = await self._parse(result.body, result.final_url, result.content_type)
        keys = tuple(key for item in feed.items for key in item.keys)
        return Probe(result.final_url, feed.title or None, feed.link, len(feed.items), keys)

    async def _parse(self, body: bytes, url: str, content_type: str | None) -> ParsedFeed:
        return await self._pool.run(
            parse_feed, body, url=url, content_type=content_type, max_items=self._max_items
        )


class Verdict(StrEnum):
    """What an import makes of one feed."""

    VALID = "valid"
    WATCHED = "already watched"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class CheckedFeed:
    """One feed of an import, checked."""

    listed: ListedFeed
    verdict: Verdict
    url: str
    title: str | None = None
    items: int = 0
    reason: str | None = None

    def describe(self) -> str:
        """One line of the preview (plain text; the Discord layer escapes it)."""
        name = self.title or self.listed.title or source_label(self.url)
        if self.verdict is Verdict.VALID:
            return f"valid: {name} ({self.items} items)"
        if self.verdict is Verdict.WATCHED:
            return f"already watched: {name}"
        return f"refused: {source_label(self.listed.url)}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What an import would do, shown before it is confirmed."""

    guild_id: int
    feeds: tuple[CheckedFeed, ...]
    room: int
    """How many more sources the server may watch."""

    @property
    def valid(self) -> list[CheckedFeed]:
        """The feeds that can be added."""
        return [f for f in self.feeds if f.verdict is Verdict.VALID]

    @property
    def to_add(self) -> list[CheckedFeed]:
        """The valid feeds that fit in the server's room."""
        return self.valid[: self.room]

    @property
    def over_cap(self) -> int:
        """How many valid feeds do not fit."""
        return max(0, len(self.valid) - self.room)

    def count(self, verdict: Verdict) -> int:
        """How many feeds got this verdict."""
        return sum(f.verdict is verdict for f in self.feeds)


@dataclass(frozen=True, slots=True)
class ImportDone:
    """What a confirmed import added."""

    added: int
    already: int
    over_cap: int


@dataclass(frozen=True, slots=True)
class Edited:
    """What /sources edit changed."""

    source: Source
    changes: tuple[str, ...]
    """What changed, as short phrases for the answer."""
    name: str
    """What the server called the source before the change."""


Progress = Callable[[int, int], Awaitable[None]]


def parse_interval(text: str, *, minimum: int) -> int | None:
    """Seconds from "30m", "2h", "1h30m", "1d" or a plain number of minutes; None for
    "default". Between ``minimum`` and 24 hours, else ControlError."""
    typed = text.strip().lower()
    if typed == RESET:
        return None
    seconds, pos = 0, 0
    for match in _DURATION.finditer(typed):
        if typed[pos : match.start()].strip():
            break
        seconds += int(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "m").lower()]
        pos = match.end()
    if not typed or pos == 0 or typed[pos:].strip():
        raise ControlError(
            f"“{clean_text(text[:40])}” is not an interval: write it like 30m, 2h, 1h30m or 1d "
            f"(or “{RESET}”)."
        )
    limit = int(MAX_INTERVAL.total_seconds())
    if not minimum <= seconds <= limit:
        raise ControlError(
            f"The interval must be between {describe_interval(minimum)} (this bot's shortest) "
            "and 24h."
        )
    return seconds


def describe_interval(seconds: int) -> str:
    """30m, 2h, 1h30m, 45s."""
    parts = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def check_user_agent(text: str) -> str | None:
    """A User-Agent header value (printable ASCII, at most 300 characters); None: the default."""
    value = text.strip()
    if value.lower() == RESET:
        return None
    if not value or len(value) > MAX_USER_AGENT or not _PRINTABLE_ASCII.fullmatch(value):
        raise ControlError(
            f"A User-Agent must be printable ASCII of 1 to {MAX_USER_AGENT} characters."
        )
    return value


class SourceControls:
    """/sources pause, resume, edit, import and export."""

    def __init__(
        self,
        *,
        guilds: Guilds,
        sources: Sources,
        prober: Prober,
        clock: Callable[[], datetime],
        cap: int,
        default_interval: int,
    ) -> None:
        """Keep the servers' sources and the sources repositories, the feed prober, the clock,
        and the server cap and default interval."""
        self._guilds = guilds
        self._sources = sources
        self._prober = prober
        self._clock = clock
        self._cap = cap
        self._default_interval = default_interval

    # ---- pause, resume, edit ------------------------------------------------------------------

    async def pause(self, guild_id: int, source_id: int) -> WatchedSource:
        """No alerts from the source here; polling stops if every server watching it paused."""
        watched = await self._owned(guild_id, source_id)
        if not await self._guilds.set_guild_source_paused(
            guild_id, source_id, paused=True, now=self._clock()
        ):
            raise ControlError(f"{clean_text(watched.display_name)} is already paused here.")
        return watched

    async def resume(self, guild_id: int, source_id: int) -> WatchedSource:
        """Alerts again, from items that appear from now on (nothing published meanwhile)."""
        watched = await self._owned(guild_id, source_id)
        if not await self._guilds.set_guild_source_paused(
            guild_id, source_id, paused=False, now=self._clock()
        ):
            raise ControlError(f"{clean_text(watched.display_name)} is not paused here.")
        return watched

    async def edit(
        self,
        guild_id: int,
        source_id: int,
        *,
        url: str | None = None,
        interval: str | None = None,
        name: str | None = None,
        user_agent: str | None = None,
    ) -> Edited:
        """Change what was given. A new URL is fetched and read like a new source first (with
        the User-Agent given or set) and keeps what the source has seen."""
        watched = await self._owned(guild_id, source_id)
        source = watched.source
        if url is None and interval is None and name is None and user_agent is None:
            raise ControlError("Say what to change: url, interval, name or user_agent.")
        changes = []
        agent = source.user_agent
        if user_agent is not None:
            agent = check_user_agent(user_agent)
        seconds = parse_interval(interval, minimum=self._default_interval) if interval else None
        if url is not None:
            source = await self._move(guild_id, source, url, agent)
            changes.append(f"URL is now {source_label(source.url)}")
        now = self._clock()
        if interval is not None:
            await self._guilds.set_guild_source_interval(
                guild_id, source.id, seconds, default=self._default_interval, now=now
            )
            shown = describe_interval(seconds or self._default_interval)
            changes.append(f"polled every {shown}" + ("" if seconds else " (the default)"))
        if name is not None:
            label = None if name.strip().lower() == RESET else _CONTROL.sub("", plain_text(name))
            label = " ".join((label or "").split())[:300] or None
            await self._guilds.set_guild_source_name(guild_id, source.id, label)
            changes.append(f"named {label}" if label else "named by its feed again")
        if user_agent is not None:
            await self._guilds.set_guild_source_user_agent(guild_id, source.id, agent)
            changes.append("sent with its own User-Agent" if agent else "sent the usual User-Agent")
        updated = await self._owned(guild_id, source.id)
        return Edited(updated.source, tuple(changes), watched.display_name)

    async def _move(self, guild_id: int, source: Source, url: str, agent: str | None) -> Source:
        try:
            probe = await self._prober.probe(check_url(url), user_agent=agent)
        except InvalidURL as exc:
            raise ControlError(str(exc)) from None
        except (FetchError, FeedError, WorkerCrashed) as exc:
            raise ControlError(f"That URL can't be used: {exc}") from None
        if probe.url == source.url:
            raise ControlError(
                f"{clean_text(source.name)} already reads {source_label(probe.url)}."
            )
        moved = await self._guilds.move_guild_source(
            guild_id,
            source.id,
            url=probe.url,
            added_url=url.strip(),
            title=probe.title,
            seen_keys=probe.keys,
            now=self._clock(),
        )
        if moved is None:
            raise ControlError("This server already watches that feed.")
        return moved

    async def _owned(self, guild_id: int, source_id: int) -> WatchedSource:
        for watched in await self._guilds.guild_source_controls(guild_id):
            if watched.source.id == source_id:
                return watched
        raise ControlError("This server doesn't watch that source (pick one from the list).")

    # ---- import and export --------------------------------------------------------------------

    async def preview_import(
        self, guild_id: int, data: bytes, *, progress: Progress | None = None
    ) -> ImportPreview:
        """Each listed feed checked: valid (fetched and read), already watched here, or refused
        with the reason. ``progress(done, total)`` is awaited as feeds are checked."""
        listed = read_feed_list(data)
        watched = {s.url for s in await self._guilds.guild_sources(guild_id)}
        room = max(0, self._cap - len(watched))
        slots = asyncio.Semaphore(PROBES_AT_ONCE)
        done = 0

        async def check(feed: ListedFeed) -> CheckedFeed:
            nonlocal done
            async with slots:
                checked = await self._check(feed, watched)
            done += 1
            if progress is not None:
                await progress(done, len(listed))
            return checked

        checked = await asyncio.gather(*(check(feed) for feed in listed))
        # A feed listed twice under two addresses (a site page and its feed) counts once.
        seen: set[str] = set()
        unique = []
        for feed in checked:
            twice = feed.verdict is Verdict.VALID and feed.url in seen
            seen.add(feed.url)
            unique.append(
                CheckedFeed(feed.listed, Verdict.REFUSED, feed.url, reason="listed twice")
                if twice
                else feed
            )
        return ImportPreview(guild_id, tuple(unique), room)

    async def _check(self, feed: ListedFeed, watched: set[str]) -> CheckedFeed:
        try:
            url = check_url(feed.url)
        except InvalidURL as exc:
            return CheckedFeed(feed, Verdict.REFUSED, feed.url, reason=str(exc))
        if url in watched:
            return CheckedFeed(feed, Verdict.WATCHED, url, title=feed.title)
        try:
            probe = await self._prober.probe(url)
        except (FetchError, FeedError, WorkerCrashed) as exc:
            return CheckedFeed(feed, Verdict.REFUSED, url, reason=str(exc))
        if probe.url in watched:
            return CheckedFeed(feed, Verdict.WATCHED, probe.url, title=probe.title or feed.title)
        return CheckedFeed(
            feed, Verdict.VALID, probe.url, title=probe.title or feed.title, items=probe.items
        )

    async def confirm_import(self, preview: ImportPreview, *, user_id: int) -> ImportDone:
        """Add the preview's valid feeds, as many as the server's cap allows now (their first
        poll, soon, is a baseline: nothing already in them is posted)."""
        guild_id = preview.guild_id
        room = max(0, self._cap - len(await self._guilds.guild_sources(guild_id)))
        valid = preview.valid
        added = already = 0
        now = self._clock()
        for index, feed in enumerate(valid[:room]):
            source, created = await self._sources.add_source(
                feed.url, added_url=feed.listed.url, now=now
            )
            if created and feed.title:
                await self._sources.name_untitled_source(source.id, feed.title)
            try:
                # The cap is checked again with each insert: other adds may have come since.
                subscribed = await self._guilds.add_guild_source(
                    guild_id, source.id, user_id=user_id, now=now, cap=self._cap
                )
            except LimitReached:
                return ImportDone(added, already, len(valid) - index)
            if subscribed:
                added += 1
            else:
                already += 1
        return ImportDone(added, already, max(0, len(valid) - room))

    async def export(self, guild_id: int, *, title: str) -> bytes:
        """The server's sources as an OPML 2.0 document (each with its name here)."""
        watched = await self._guilds.guild_source_controls(guild_id)
        feeds = [
            ExportedFeed(
                url=w.source.url, title=w.name or w.source.name, site_url=w.source.site_url
            )
            for w in watched
        ]
        return write_opml(feeds, title=title, created=self._clock())


def preview_lines(preview: ImportPreview, *, limit: int | None = None) -> Sequence[str]:
    """The preview as lines, valid feeds first (``limit``: at most that many)."""
    order = {Verdict.VALID: 0, Verdict.WATCHED: 1, Verdict.REFUSED: 2}
    lines = [f.describe() for f in sorted(preview.feeds, key=lambda f: order[f.verdict])]
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines
