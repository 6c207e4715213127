"""Local days in the report time zone (``REPORT_TIMEZONE``, an IANA name read with zoneinfo).

One definition serves the periods, the engine's rollup row of each answer and the rollup rebuild:
an instant belongs to the local date its wall clock shows in the zone (:func:`local_day`), and a
local day starts at the first instant that belongs to it (:func:`day_start`), so a day with a DST
change is 23 or 25 hours long and a +5:30 zone's days start at 18:30 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Zones change their offset twice a year at most (a few did it a month apart): probing every
# six hours finds every change; a bisection then finds its second.
_PROBE = timedelta(hours=6)


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"{name!r} is not an IANA time zone name (such as Europe/Bucharest)"
                         ) from exc


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The local date of an aware instant."""
    return moment.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date is ``day``: local midnight, or the end of the
    DST gap where midnight does not exist (America/Santiago in September)."""
    candidates = [datetime.combine(day, time(), tzinfo=tz).replace(fold=fold).astimezone(UTC)
                  for fold in (0, 1)]
    return min(c for c in candidates if local_day(c, tz) >= day)


def _offset(moment: datetime, tz: ZoneInfo) -> timedelta:
    return moment.astimezone(tz).utcoffset() or timedelta(0)


def offset_spans(tz: ZoneInfo, start: datetime, end: datetime
                 ) -> list[tuple[datetime, datetime, int]]:
    """``[(from, to, offset seconds)]``: the UTC offset of ``tz`` is constant on each half-open
    span, the spans touch and cover ``[start, end)``.  A SQL rebuild of the daily rollup adds
    the offset to each UTC timestamp and takes the date, with no time-zone database."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    spans: list[tuple[datetime, datetime, int]] = []
    span_start, current = start, _offset(start, tz)
    probe = start
    while probe < end:
        step = min(probe + _PROBE, end)
        if _offset(step, tz) != current:
            low, high = probe, step  # the offset changes in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(middle, tz) == current:
                    low = middle
                else:
                    high = middle
            change = high.replace(microsecond=0) if _offset(
                high.replace(microsecond=0), tz) != current else high
            spans.append((span_start, change, int(current.total_seconds())))
            span_start, current = change, _offset(change, tz)
            step = change
        probe = step
    spans.append((span_start, end, int(current.total_seconds())))
    return spans
