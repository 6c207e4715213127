"""Report periods a manager types: ``7d``, ``12w``, ``6m``, ``1y``, ``all``, dates and ranges.

Every period is the half-open UTC interval ``[start, end)``:

* ``Nd``/``Nw``/``Nm``/``Ny`` (default ``30d``): the rolling window ending at ``now``; a month
  is 30 days and a year 365, so ``6m`` is 180 days;
* ``all``: ``start`` None, ``end`` now;
* ``today``: the current UTC day, midnight to next midnight; ``ytd``: 1 January to next midnight;
* ``2026-03-05``: that UTC day; ``2026-01-01..2026-03-31`` (also ``:``, a space, ``–`` or
  ``—`` between the dates): both dates included, so ``end`` is the midnight after the second.

Rejected with :class:`PeriodError`: garbage, a zero length, more than ``MAX_DAYS`` days, an end
date before the start date, and a date or range that starts after ``now``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

DEFAULT = "30d"
MAX_DAYS = 3650
EXPECTED = "expected 7d, 30d, 12w, 6m, 1y, all, today, ytd, 2026-03-05 or 2026-01-01..2026-03-31"

ErrorCode = Literal["bad_format", "bad_date", "empty", "end_before_start", "too_long", "in_future"]

_RELATIVE = re.compile(r"([0-9]+)\s*([dwmy])")
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_DATE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
_RANGE = re.compile(rf"({_DATE})(?:\s*(?:\.\.\.?|:|–|—)\s*|\s+)({_DATE})")
_DAY = re.compile(_DATE)


class PeriodError(ValueError):
    """A period that cannot be read.  ``str()`` is a short English message, ``code`` says why."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.code: ErrorCode = code


@dataclass(frozen=True, slots=True)
class Period:
    """The half-open UTC interval ``[start, end)``; ``start`` None means all time."""

    start: datetime | None
    end: datetime
    label: str

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment is not None and moment.utcoffset() != timedelta(0):
                raise ValueError("period boundaries must be timezone-aware UTC datetimes")
        if self.start is not None and self.start >= self.end:
            raise ValueError("a period must start before it ends")

    def previous(self) -> Period | None:
        """The period of equal length just before this one; None for all time."""
        if self.start is None:
            return None
        length = self.end - self.start
        try:
            start = self.start - length
        except OverflowError:  # before year 1: there is nothing to compare with
            return None
        return Period(start, self.start, _range_label(start, self.start)
                      if _is_midnight(start) and _is_midnight(self.start)
                      else f"previous {self.label}")


def _is_midnight(moment: datetime) -> bool:
    return moment.timetz() == time(tzinfo=moment.tzinfo)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _range_label(start: datetime, end: datetime) -> str:
    """``2026-03-05`` for one day, else ``2026-01-01..2026-03-31`` (the last day included)."""
    first, last = start.date(), (end - timedelta(days=1)).date()
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def _day(text: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise PeriodError(f"{text} is not a calendar date", "bad_date") from exc


def _days(first: date, last: date, now: datetime, label: str | None = None) -> Period:
    """The whole UTC days ``first``..``last``, both included."""
    if last < first:
        raise PeriodError("the end date is before the start date", "end_before_start")
    if _midnight(first) > now:
        raise PeriodError("the period starts in the future", "in_future")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(f"a period can be at most {MAX_DAYS} days long", "too_long")
    start, end = _midnight(first), _midnight(last + timedelta(days=1))
    return Period(start, end, label or _range_label(start, end))


def parse_period(text: str | None, now: datetime) -> Period:
    """Read a period typed by a manager; ``now`` must be timezone-aware (it is made UTC)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    raw = unicodedata.normalize("NFKC", text or "").strip().casefold() or DEFAULT
    if len(raw) > 64:
        raise PeriodError(EXPECTED, "bad_format")
    if raw in ("all", "all-time", "alltime"):
        return Period(None, now, "all")
    if raw == "today":
        return _days(now.date(), now.date(), now, "today")
    if raw == "ytd":
        return _days(now.date().replace(month=1, day=1), now.date(), now, "ytd")
    if match := _RELATIVE.fullmatch(raw):
        count, unit = int(match[1]), match[2]
        days = count * _UNIT_DAYS[unit]
        if days == 0:
            raise PeriodError("a period must be at least one day long", "empty")
        if days > MAX_DAYS:
            raise PeriodError(f"a period can be at most {MAX_DAYS} days long", "too_long")
        return Period(now - timedelta(days=days), now, f"{count}{unit}")
    if match := _RANGE.fullmatch(raw):
        return _days(_day(match[1]), _day(match[2]), now)
    if _DAY.fullmatch(raw):
        day = _day(raw)
        return _days(day, day, now)
    raise PeriodError(EXPECTED, "bad_format")
