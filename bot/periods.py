"""Report periods a manager types, as runs of whole local days in the report time zone.

A period is the local days ``first``..``last`` (both included; ``first`` None for all time) in
the report zone (``REPORT_TIMEZONE``), and the half-open interval of aware UTC datetimes
``[start, end)`` from the start of ``first`` to the start of the day after ``last``
(:func:`bot.localdays.day_start`), so a DST day is 23 or 25 hours long.  "Today" is the local
date of ``now``.  A period that includes today ends at the next local midnight, not at ``now``:
no answer is stored after now, so the data is the same, and every period is whole days, which
the daily rollup answers without reading raw rows.

========================  ==================================  ================================
form                      days                                compared with
========================  ==================================  ================================
``today``                 today                               yesterday
``yesterday``             yesterday                           the day before
``7d``, ``30d``, ``Nd``   the last N days, today included     the N days before
``12w``, ``Nw``           the last 7·N days, today included   the 7·N days before
``6m``, ``Nm``            N calendar months ending today:     the N calendar months before
                          from the day after the same date
                          N months ago (clamped to the end
                          of a shorter month)
``1y``, ``Ny``            N calendar years ending today       the N years before
                          (12·N months)
``ytd``                   1 January to today                  1 January to the same date a
                                                              year earlier
``2026-10``               that calendar month                 the calendar month before
``2026-10-15``            that day                            the day before
``A..B``                  A to B, both included               as many days just before A
``all``                   everything up to today              nothing
========================  ==================================  ================================

On 1 December 2026, ``30d`` is 2 November – 1 December and compares with 3 October –
1 November; ``6m`` is 2 June – 1 December.  A range is also written ``A .. B``, ``A...B``,
``A:B``, ``A–B`` or ``A B``; letters are read case-insensitively and full-width digits as digits.

Rejected with :class:`PeriodError` (its ``code`` says why): ``bad_format`` (none of the forms),
``bad_date`` (no such calendar date or month), ``empty`` (``0d``), ``end_before_start``,
``too_long`` (more than ten years, :data:`MAX_DAYS`), ``in_future`` (starts after today).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.localdays import day_start, local_day

DEFAULT = "30d"
MAX_DAYS = 3653  # ten calendar years, leap days included
# The forms /help, the usage text and the CLI name, in that order (one definition).
FORMS = ("today", "yesterday", "7d", "30d", "90d", "12w", "6m", "1y", "ytd", "2026-10",
         "2026-10-15", "2026-01-01..2026-03-31", "all")
EXPECTED = "expected " + ", ".join(FORMS)
UTC_ZONE = ZoneInfo("UTC")

ErrorCode = Literal["bad_format", "bad_date", "empty", "end_before_start", "too_long", "in_future"]
ERROR_CODES: tuple[ErrorCode, ...] = (
    "bad_format", "bad_date", "empty", "end_before_start", "too_long", "in_future")

_ROLLING = re.compile(r"([0-9]+)\s*([dwmy])")
_DATE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
_RANGE = re.compile(rf"({_DATE})(?:\s*(?:\.\.\.?|:|–|—)\s*|\s+)({_DATE})")
_DAY = re.compile(_DATE)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_ONE_DAY = timedelta(days=1)


class PeriodError(ValueError):
    """A period that cannot be read.  ``str()`` is a short English message, ``code`` says why."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.code: ErrorCode = code


@dataclass(frozen=True, slots=True)
class Period:
    """The local days ``first``..``last`` in ``zone`` (``first`` None: all time), ``label`` as
    the manager reads it, and ``compare``: the first and last day of the previous equal span."""

    first: date | None
    last: date
    label: str
    zone: ZoneInfo = UTC_ZONE
    compare: tuple[date, date] | None = None
    start: datetime | None = field(init=False)
    end: datetime = field(init=False)

    def __post_init__(self) -> None:
        if self.first is not None and self.first > self.last:
            raise ValueError("a period must start before it ends")
        object.__setattr__(self, "start", None if self.first is None
                           else day_start(self.first, self.zone))
        object.__setattr__(self, "end", day_start(self.last + _ONE_DAY, self.zone))

    @property
    def days(self) -> int | None:
        """How many local days it spans (None for all time)."""
        return None if self.first is None else (self.last - self.first).days + 1

    def previous(self) -> Period | None:
        """The span it is compared with; None for all time or before year 1."""
        if self.compare is None:
            return None
        first, last = self.compare
        try:
            return Period(first, last, range_label(first, last), self.zone)
        except OverflowError:
            return None


def is_rolling(period: Period) -> bool:
    """Whether ``period`` is one of the rolling forms (``30d``, ``12w``, ``6m``, ``1y``): the
    last so many days, weeks, months or years up to today."""
    return _ROLLING.fullmatch(period.label) is not None


def range_label(first: date, last: date) -> str:
    """``2026-03-05`` for one day, else ``2026-01-01..2026-03-31``."""
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later (earlier when negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _months_ending(last: date, months: int) -> date:
    """The first day of the ``months`` calendar months that end on ``last``."""
    return add_months(last, -months) + _ONE_DAY


def _date(text: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise PeriodError(f"{text} is not a calendar date", "bad_date") from exc


def _checked(first: date, last: date, today: date) -> None:
    if last < first:
        raise PeriodError("the end date is before the start date", "end_before_start")
    if first > today:
        raise PeriodError("the period starts in the future", "in_future")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError("a period can be at most ten years long", "too_long")


def _rolling(count: int, unit: str, today: date) -> tuple[date, tuple[date, date] | None]:
    """The first day of ``count`` units ending today, and the span before it."""
    if count == 0:
        raise PeriodError("a period must be at least one day long", "empty")
    days = count * (7 if unit == "w" else 1) if unit in "dw" else 0
    months = count * (12 if unit == "y" else 1) if unit in "my" else 0
    if days > MAX_DAYS or months > 12 * 11:  # eleven years are too long however counted
        raise PeriodError("a period can be at most ten years long", "too_long")
    try:
        first = (today - timedelta(days=days - 1) if unit in "dw"
                 else _months_ending(today, months))
    except OverflowError as exc:
        raise PeriodError("the period starts before year 1", "bad_date") from exc
    _checked(first, today, today)
    try:
        before = first - _ONE_DAY
        if unit in "dw":
            return first, (before - (today - first), before)
        return first, (_months_ending(before, months), before)
    except OverflowError:
        return first, None


def _before(first: date, last: date) -> tuple[date, date] | None:
    """As many days as ``first``..``last``, just before it."""
    try:
        return first - (last - first) - _ONE_DAY, first - _ONE_DAY
    except OverflowError:
        return None


def _days(text: str, today: date) -> tuple[date | None, date, str, tuple[date, date] | None]:
    """(first, last, label, compare) for the text, already normalised."""
    if text in ("all", "all-time", "alltime"):
        return None, today, "all", None
    if text in ("today", "yesterday"):
        day = today if text == "today" else today - _ONE_DAY
        return day, day, text, _before(day, day)
    if text == "ytd":
        first = today.replace(month=1, day=1)
        try:
            last_year = (first.replace(year=first.year - 1), add_months(today, -12))
        except (OverflowError, ValueError):
            return first, today, "ytd", None
        return first, today, "ytd", last_year
    if match := _ROLLING.fullmatch(text):
        count, unit = int(match[1]), match[2]
        first, compare = _rolling(count, unit, today)
        return first, today, f"{count}{unit}", compare
    if match := _RANGE.fullmatch(text):
        first, last = _date(match[1]), _date(match[2])
        _checked(first, last, today)
        return first, last, range_label(first, last), _before(first, last)
    if _DAY.fullmatch(text):
        day = _date(text)
        _checked(day, day, today)
        return day, day, day.isoformat(), _before(day, day)
    if match := _MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or year < 1:
            raise PeriodError(f"{text} is not a calendar month", "bad_date")
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        _checked(first, last, today)
        label = f"{year:04d}-{month:02d}"
        try:
            return first, last, label, (add_months(first, -1), first - _ONE_DAY)
        except OverflowError:
            return first, last, label, None
    raise PeriodError(EXPECTED, "bad_format")


def parse_period(text: str | None, now: datetime, zone: ZoneInfo = UTC_ZONE) -> Period:
    """Read a period typed by a manager; ``now`` must be timezone-aware, ``zone`` is the report
    time zone whose local days the period counts."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    raw = unicodedata.normalize("NFKC", text or "").strip().casefold() or DEFAULT
    if len(raw) > 64:
        raise PeriodError(EXPECTED, "bad_format")
    today = local_day(now.astimezone(UTC), zone)
    first, last, label, compare = _days(raw, today)
    try:
        return Period(first, last, label, zone, compare)
    except OverflowError as exc:  # the day after 9999-12-31
        raise PeriodError("the period ends after year 9999", "bad_date") from exc
