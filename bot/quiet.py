"""Quiet hours (pure): the hours of the day a person wants no DM alerts, in their time zone.

Alerts that come in those hours are held and arrive as one catch-up message when the hours end.
The hours are wall-clock times: 22:00–07:00 in Europe/London stays 22:00–07:00 there in winter
and in summer; a range that crosses midnight covers the evening and the next morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.digests import ScheduleError, local_moment, parse_clock, zone_of

QUIET_OFF = "off"
"""What a person types as the start to end their quiet hours."""


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` to ``end`` (local times in ``zone``), every day."""

    start: time
    end: time
    zone: str

    def __post_init__(self) -> None:
        """Refuse an unknown zone and an empty range when the hours are made."""
        zone_of(self.zone)
        if self.start == self.end:
            raise ScheduleError(
                "Quiet hours need a start and an end that differ, such as 22:00 to 07:00."
            )

    def holds(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls in these hours, by the wall clock there."""
        now = moment.astimezone(zone_of(self.zone)).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def ends_after(self, moment: datetime) -> datetime:
        """The first end of these hours strictly after ``moment`` (UTC). A local end time a
        daylight saving change skips is the moment an hour on, as for digests."""
        zone = zone_of(self.zone)
        day = moment.astimezone(zone).date() - timedelta(days=1)
        while True:
            end = local_moment(datetime.combine(day, self.end), zone)
            if end > moment:
                return end
            day += timedelta(days=1)

    def encode(self) -> str:
        """As stored ("22:00 07:00 Europe/London"); ``decode`` reads it back."""
        return f"{self.start.strftime('%H:%M')} {self.end.strftime('%H:%M')} {self.zone}"

    @classmethod
    def decode(cls, text: str) -> QuietHours:
        """Stored hours (a ScheduleError if they can't be read)."""
        try:
            start, end, zone = text.split()
        except ValueError:
            raise ScheduleError(f"not quiet hours: {text!r}") from None
        return cls(parse_clock(start), parse_clock(end), zone)

    def describe(self) -> str:
        """In words, as replies show it ("22:00 to 07:00 Europe/London")."""
        return f"{self.start.strftime('%H:%M')} to {self.end.strftime('%H:%M')} {self.zone}"


def quiet_hours_from(start: str, end: str | None, zone: str) -> QuietHours | None:
    """Quiet hours from what a person typed; None when they typed ``off`` as the start."""
    if start.strip().lower() == QUIET_OFF:
        return None
    if not end:
        raise ScheduleError("Say when your quiet hours end too, such as from 22:00 to 07:00.")
    return QuietHours(parse_clock(start), parse_clock(end), zone)
