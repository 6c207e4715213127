"""A trend: one metric week by week or month by month over a period, with each point's n and
interval rounded as the summary rounds them, and whether the score moved over the period by
more than the noise (the summary's test on the period's two halves, :mod:`scoring.trend`).

Which days a trend covers (:func:`trend_period`): the period a manager types, read as for a
summary, with two adjustments so that points are whole weeks or months where they can be:

* a rolling form (``26w``, ``12m``, ``90d``, ``1y``) starts on the first Monday (by week) or
  1st (by month) on or after its first day, so ``26w by week`` is 26 ISO weeks and ``12m by
  month`` 12 calendar months, the last one this week or month so far;
* ``all`` starts at the Monday or 1st of the bucket of the first answer.

Every other form (``ytd``, ``2026-10``, a day, ``A..B``) keeps its days exactly; its first and
last points are clipped to them.  The defaults are ``26w`` by week and ``12m`` by month
(:data:`DEFAULT_PERIODS`): half a year of weeks, a year of months, both readable on one chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.metrics import METRICS
from bot.periods import Period, is_rolling, parse_period
from bot.reports.daily import daily_counts
from bot.reports.figures import SAMPLE_FLOOR, Headline, Trend, headline, trend
from scoring.trend import (
    Grain,
    PeriodChange,
    Point,
    boundary_on_or_after,
    bucket_start,
    next_start,
    period_change,
    points,
)

DEFAULT_GRAIN = Grain.WEEK
DEFAULT_PERIODS = {Grain.WEEK: "26w", Grain.MONTH: "12m"}
MAX_POINTS = 120
"""Ten years by month; by week about two years and four months.  More would not be readable."""


class TooManyPoints(ValueError):
    """The period holds more than :data:`MAX_POINTS` weeks or months."""

    def __init__(self, count: int, grain: Grain) -> None:
        super().__init__(f"{count} points by {grain} (at most {MAX_POINTS})")
        self.count = count
        self.grain = grain


def count_points(first: date, last: date, grain: Grain) -> int:
    count, start = 0, bucket_start(first, grain)
    while start <= last:
        count, start = count + 1, next_start(start, grain)
    return count


def _checked(period: Period, grain: Grain) -> Period:
    if period.first is not None and (count := count_points(period.first, period.last,
                                                           grain)) > MAX_POINTS:
        raise TooManyPoints(count, grain)
    return period


def trend_period(text: str | None, grain: Grain, now: datetime, zone: ZoneInfo) -> Period:
    """The days of a trend (see the module's docstring); :class:`~bot.periods.PeriodError`
    for a period that cannot be read, :class:`TooManyPoints` for one too long for ``grain``."""
    period = parse_period(text or DEFAULT_PERIODS[grain], now, zone)
    if period.first is not None and is_rolling(period):
        first = boundary_on_or_after(period.first, grain)
        if first <= period.last:
            period = Period(first, period.last, period.label, zone)
    return _checked(period, grain)


@dataclass(frozen=True)
class TrendReport:
    """The points of ``metric`` over ``period`` (its first day set: for ``all``, the first
    answer's bucket), oldest first, and the change between the halves."""

    metric: str
    grain: Grain
    period: Period
    points: tuple[Point, ...]
    change: PeriodChange

    @property
    def headlines(self) -> tuple[Headline, ...]:
        """Each point's figures as the summary shows them."""
        return tuple(headline(self.metric, dict(p.counts)) for p in self.points)

    @property
    def shown_change(self) -> Trend | None:
        """The change between the halves as the summary words a change (its delta, margin
        and verdict); None when a half has no answers."""
        if self.change.change is None:
            return None
        return trend(self.metric, dict(self.change.before_counts),
                     dict(self.change.after_counts))


def build_trend(session: Session, metric: str, period: Period, grain: Grain) -> TrendReport:
    """``metric``'s trend; KeyError for a metric that is none, :class:`TooManyPoints` when
    ``all`` turns out to hold too many weeks."""
    metric = METRICS[metric].key
    days = daily_counts(session, metric, period)
    if period.first is None:
        first = bucket_start(min(days, default=period.last), grain)
        period = _checked(Period(first, period.last, period.label, period.zone), grain)
    assert period.first is not None
    measure = METRICS[metric].measure
    trend_points = points(measure, days, period.first, period.last, grain, SAMPLE_FLOOR)
    return TrendReport(metric, grain, period, trend_points,
                       period_change(measure, trend_points, SAMPLE_FLOOR))
