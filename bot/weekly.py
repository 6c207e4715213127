"""A weekly moment as an operator types it (``DIGEST_SCHEDULE=mon 09:00``), and its
occurrences in a time zone's wall time.

Each occurrence begins a **period** that lasts until the next one: the digest of a period is
decided once, by whichever process first finds the period begun and not yet decided, so a
digest missed while every process was down goes out when one comes up within the same week.

A wall time that a DST change skips (02:30 on the night the clocks go forward) moves forward by
the gap; one that happens twice is its first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""The day names a schedule takes (a full English name also works: ``monday``)."""
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FORM = re.compile(r"([a-z]+)\s+([0-9]{1,2}):([0-9]{2})")
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class WeeklyTime:
    """A weekday (0 = Monday) and a local time of day."""

    weekday: int
    hour: int
    minute: int

    def __str__(self) -> str:
        return f"{DAYS[self.weekday]} {self.hour:02d}:{self.minute:02d}"

    def on(self, day: date, zone: ZoneInfo) -> datetime:
        """This time of day on ``day`` in ``zone``, as an aware UTC datetime."""
        wall = datetime.combine(day, time(self.hour, self.minute), tzinfo=zone).replace(fold=0)
        # A wall time in a DST gap does not exist: through UTC and back it moves by the gap.
        return wall.astimezone(UTC).astimezone(zone).astimezone(UTC)

    def latest(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The last occurrence at or before ``now`` (aware): when the current period began."""
        today = now.astimezone(zone).date()
        day = today - timedelta(days=(today.weekday() - self.weekday) % 7)
        moment = self.on(day, zone)
        return moment if moment <= now else self.on(day - WEEK, zone)

    def following(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The first occurrence after ``moment``: when the period that ``moment`` is in ends."""
        return self.on(self.latest(moment, zone).astimezone(zone).date() + WEEK, zone)


def parse_weekly(text: str) -> WeeklyTime:
    """``mon 09:00``, ``Monday 9:00``, ``SUN 23:30``; ValueError saying what is expected."""
    value = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    match = _FORM.fullmatch(value)
    if match is None:
        raise ValueError(f"{text!r}: expected a weekday and a time, such as mon 09:00")
    name, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    if name in DAYS:
        weekday = DAYS.index(name)
    elif name in _FULL:
        weekday = _FULL.index(name)
    else:
        raise ValueError(f"{text!r}: the day must be one of {', '.join(DAYS)}")
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: the time must be 00:00 to 23:59")
    return WeeklyTime(weekday, hour, minute)
