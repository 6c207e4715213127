"""Quiet hours: the local hours when campaign sends and reminders may go out (SEND_WINDOW)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class SendWindow:
    """From ``start`` to ``end`` local time (minutes after midnight); ``end`` before ``start``
    crosses midnight; 0 to 1440 is any time."""

    start: int
    end: int

    @property
    def always(self) -> bool:
        return self.end - self.start >= 1440 or self.start == self.end

    def contains(self, minute: int) -> bool:
        if self.always:
            return True
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def next_open(self, at: datetime, zone: ZoneInfo) -> datetime:
        """``at`` when the window is open then in ``zone``, else the moment it opens next
        (an aware UTC-comparable datetime)."""
        if self.always:
            return at
        local = at.astimezone(zone)
        if self.contains(local.hour * 60 + local.minute):
            return at
        day = local.date()
        opening = time(self.start // 60, self.start % 60)
        for _ in range(3):  # today's opening, or tomorrow's
            candidate = datetime.combine(day, opening, tzinfo=zone)
            if candidate > local:
                # A gap at a DST change shifts the wall time: fold it back to a real instant.
                return candidate.astimezone(at.tzinfo)
            day += timedelta(days=1)
        return at  # pragma: no cover - an opening exists within two days


def parse_window(text: str) -> SendWindow:
    """``09:00-20:00``; ValueError naming the expected form otherwise."""
    match = _WINDOW.match(text or "")
    if not match:
        raise ValueError(f"{text!r}: expected HH:MM-HH:MM, e.g. 09:00-20:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{text!r}: not a time of day (00:00 to 24:00)")
    return SendWindow(h1 * 60 + m1, h2 * 60 + m2)
