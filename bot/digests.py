"""Digests (pure): when a daily or weekly digest is due in someone's time zone, and what it says.

A digest gathers a period's stories for one topic into one message: ranked by how many of the
server's own outlets carried them, then by recency; each with its headline, outlet count, best
key quote and link; and a line saying how many more there were. The times are local: 08:00 in
Europe/London is 08:00 there in winter and in summer, and a day that skips or repeats an hour
(a daylight saving change) still gets exactly one digest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.alerts import STANDARD_STYLE, AlertStyle, KeyQuote, StyleName
from bot.errors import UserFacingError
from bot.messages import (
    DESCRIPTION_LIMIT,
    MAX_CHOICES,
    TITLE_LIMIT,
    Embed,
    OutgoingMessage,
    clean_text,
    clip,
    web_url,
)

DEFAULT_TIME = time(8, 0)
"""When a digest goes out unless its owner picks another time."""
DEFAULT_ZONE = "UTC"
DIGEST_HEADLINE_LIMIT = 200
DIGEST_QUOTE_LIMIT = 220
_CLOCK = re.compile(r"\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*", re.IGNORECASE)


class Period(StrEnum):
    """How often a digest goes out."""

    DAILY = "daily"
    WEEKLY = "weekly"
    """On Mondays (ISO weekday 1)."""


class ScheduleError(UserFacingError):
    """A digest time or time zone that can't be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a digest goes out: every day or every Monday, at a local time in an IANA zone."""

    period: Period
    at: time = DEFAULT_TIME
    zone: str = DEFAULT_ZONE

    def __post_init__(self) -> None:
        """Refuse an unknown time zone when the schedule is made."""
        zone_of(self.zone)  # refuse an unknown zone when the schedule is made

    def next_after(self, moment: datetime) -> datetime:
        """The first time this digest is due strictly after ``moment`` (both in UTC).

        Each local day (or Monday) has exactly one: a local time that a daylight saving change
        skips is taken as the same moment an hour on ("02:30" on the spring-forward night is
        03:30 there); one it repeats is its first occurrence."""
        zone = zone_of(self.zone)
        day = moment.astimezone(zone).date() - timedelta(days=1)
        while True:
            if self.period is Period.DAILY or day.isoweekday() == 1:
                due = local_moment(datetime.combine(day, self.at), zone)
                if due > moment:
                    return due
            day += timedelta(days=1)

    def previous_before(self, moment: datetime) -> datetime:
        """The last time this digest was due at or before ``moment`` (UTC): where the period
        of the digest due next after ``moment`` starts."""
        step = timedelta(days=1 if self.period is Period.DAILY else 7)
        due = self.next_after(moment - step - timedelta(days=1))
        while (following := self.next_after(due)) <= moment:
            due = following
        return due

    def encode(self) -> str:
        """The schedule as stored ("daily 08:00 Europe/London"); ``decode`` reads it back."""
        return f"{self.period.value} {self.at.strftime('%H:%M')} {self.zone}"

    @classmethod
    def decode(cls, text: str) -> Schedule:
        """A stored schedule (a ScheduleError if it can't be read)."""
        try:
            period, clock, zone = text.split()
            return cls(Period(period), parse_clock(clock), zone)
        except ValueError:
            raise ScheduleError(f"not a digest schedule: {text!r}") from None

    def describe(self) -> str:
        """In words, as replies show it ("daily at 08:00 Europe/London")."""
        when = "daily" if self.period is Period.DAILY else "weekly on Mondays"
        return f"{when} at {self.at.strftime('%H:%M')} {self.zone}"


def local_moment(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as a UTC moment (see ``Schedule.next_after``): with
    ``fold=0`` (PEP 495) a skipped time is read with the offset before the change (so 02:30
    on a spring-forward night is 03:30 after it) and a repeated time is its first occurrence."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def zone_of(name: str) -> ZoneInfo:
    """An IANA time zone by name, or a ScheduleError that says it is unknown."""
    try:
        if name and "/" not in name.strip("/") and name not in ("UTC", "GMT"):
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"“{clean_text(name[:60])}” is not a time zone newsbot knows: pick one from the "
            "list, such as Europe/London or America/New_York."
        ) from None


def parse_clock(text: str) -> time:
    """A time of day as people type it: "8", "08:00", "18:30", "6pm", "6:30 am"."""
    found = _CLOCK.fullmatch(text)
    if found is not None:
        hour, minute = int(found[1]), int(found[2] or 0)
        half = (found[3] or "").lower()
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "pm" else 0)
        elif half:
            hour = 24  # "13pm", "0am": no such time
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ScheduleError(f"“{clean_text(text[:20])}” is not a time of day: try 08:00 or 6pm.")


def zone_choices(typed: str) -> list[str]:
    """IANA zone names for an autocomplete: those containing what was typed (any case, spaces
    read as underscores), shortest first, at most MAX_CHOICES."""
    needle = typed.strip().lower().replace(" ", "_")
    found = [z for z in _zones() if needle in z.lower()]
    return sorted(found, key=lambda z: (len(z), z))[:MAX_CHOICES]


_ZONES: list[str] = []


def _zones() -> list[str]:
    if not _ZONES:
        _ZONES.extend(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))
    return _ZONES


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One story of a digest: its first copy in the server's sources, and how widely carried."""

    headline: str
    url: str
    outlets: int
    """Distinct outlets among the server's own sources that carried the story."""
    published: datetime
    quote: KeyQuote | None = None
    image: str | None = None
    """The article's picture (the full style shows the top story's)."""


def ranked(entries: Sequence[DigestEntry]) -> list[DigestEntry]:
    """Most outlets first, then the newest."""
    return sorted(entries, key=lambda e: (-e.outlets, -e.published.timestamp(), e.headline))


def digest_message(
    title: str,
    entries: Sequence[DigestEntry],
    *,
    style: AlertStyle = STANDARD_STYLE,
    role_id: int | None = None,
    user_id: int | None = None,
) -> OutgoingMessage:
    """The digest as one embed: as many ranked stories as fit, then how many more there were.
    In the channel's or route's ``style``: compact lists headlines only; standard adds each
    story's best key quote (unless the style shows no quotes); full also names the speaker's
    role and shows the top story's picture."""
    top = ranked(entries)
    lines = [_entry_line(i, e, style) for i, e in enumerate(top, 1)]
    body, shown = "", 0
    for line in lines:
        tail = len(f"\n…and {len(lines) - shown} more stories.")
        if len(body) + len(line) + 2 + tail > DESCRIPTION_LIMIT:
            break
        body += ("\n\n" if body else "") + line
        shown += 1
    if shown < len(lines):
        more = len(lines) - shown
        body += f"\n\n…and {more} more {'story' if more == 1 else 'stories'}."
    if not lines:
        body = "Nothing new about this topic in this period."
    full = style.name is StyleName.FULL and style.image and top
    image = web_url(top[0].image or "") if full else None
    embed = Embed(title=clip(clean_text(title), TITLE_LIMIT), description=body, image_url=image)
    mention = f"<@&{role_id}>" if role_id else f"<@{user_id}>" if user_id else None
    return OutgoingMessage(
        content=mention, embeds=(embed,), mention_role=role_id, mention_user=user_id
    )


def _entry_line(number: int, entry: DigestEntry, style: AlertStyle) -> str:
    headline = clip(clean_text(entry.headline), DIGEST_HEADLINE_LIMIT)
    url = web_url(entry.url)
    linked = f"[{headline}]({url})" if url and len(url) <= 500 else headline
    noun = "outlet" if entry.outlets == 1 else "outlets"
    line = f"**{number}.** {linked} · {entry.outlets} {noun}"
    credit = style.credit(entry.quote, DIGEST_QUOTE_LIMIT) if entry.quote else None
    return line + f"\n> {credit}" if credit else line


def digest_text(title: str, entries: Sequence[DigestEntry]) -> str:
    """The digest as text, for a terminal (the demo)."""
    lines = [f"🗞 {title}"]
    for number, entry in enumerate(ranked(entries), 1):
        noun = "outlet" if entry.outlets == 1 else "outlets"
        lines.append(f"   {number}. {entry.headline} · {entry.outlets} {noun}")
        if entry.quote is not None:
            lines.append(f"      {entry.quote.line()}")
        lines.append(f"      🔗 {entry.url}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class DigestRun:
    """One digest queued: its title, topic and period (the outbox row's body, as JSON)."""

    title: str
    topic: str | None
    """Normal form (None: every article of the server's sources)."""
    since: datetime
    until: datetime

    def encode(self) -> str:
        """As stored in the outbox row."""
        return json.dumps(
            {
                "title": self.title,
                "topic": self.topic,
                "since": self.since.isoformat(),
                "until": self.until.isoformat(),
            }
        )

    @classmethod
    def decode(cls, text: str) -> DigestRun:
        """Read back what ``encode`` wrote."""
        data = json.loads(text)
        return cls(
            str(data["title"]),
            data["topic"],
            datetime.fromisoformat(data["since"]),
            datetime.fromisoformat(data["until"]),
        )


def digest_title(schedule: Schedule, typed: str | None) -> str:
    """ "Daily digest: nato" / "Weekly digest: every article"."""
    period = "Daily" if schedule.period is Period.DAILY else "Weekly"
    return f"{period} digest: {typed or 'every article'}"
