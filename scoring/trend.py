"""A metric week by week or month by month: points with their n and interval, and whether the
score moved over the period by more than the noise.  Pure functions over answers per local day
and score; the days are the report zone's local dates, as the daily rollup counts them.

Weeks are ISO weeks (Monday to Sunday), months calendar months.  Every bucket that holds a day
of the period is a point, clipped to the period's first and last day, and a bucket without
answers is a point too (n = 0, no figure): nothing is hidden, and a point under the sample
floor carries ``enough = False`` instead of being left out.

**The change over the period** compares the first half of the points with the second half, each
half's answers pooled (with an odd number of points the middle one belongs to neither, so both
halves span as many buckets).  The two halves are disjoint sets of answers, independent samples
exactly like a summary's period and the span before it, so the summary's own test applies
unchanged (:func:`scoring.compare.verdict`: both halves at least at the floor and the difference
beyond its 95 % margin).  Why halves and not the first and last point: two single weeks are small
samples whose noise alone decides the result (a real move of a few points would almost never
pass), and choosing "the first and last trusted points" after seeing which points are trusted
makes the comparison depend on the data it tests.  Halves use every answer and are fixed before
looking.  What it tests is a shift in level between the earlier and later part of the period,
not a straight-line slope: a score that rises and falls back shows no change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from scoring.compare import Change, Verdict, verdict
from scoring.measures import Measure
from scoring.nps import MIN_RELIABLE_N, NpsResult
from scoring.shares import ShareResult

Counts = Mapping[int, int]
DayCounts = Mapping[date, Counts]
"""Answers per score on each local day (days without answers may be absent)."""


class Grain(StrEnum):
    """How long a point is: the ``by`` of ``/nps trend … by week``."""

    WEEK = "week"
    MONTH = "month"


def bucket_start(day: date, grain: Grain) -> date:
    """The first day of the bucket holding ``day``: its ISO week's Monday, or the 1st."""
    if grain is Grain.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_start(start: date, grain: Grain) -> date:
    """The first day of the bucket after the one starting on ``start``."""
    if grain is Grain.WEEK:
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def boundary_on_or_after(day: date, grain: Grain) -> date:
    """``day`` when a bucket starts on it, else the start of the next bucket."""
    start = bucket_start(day, grain)
    return day if start == day else next_start(start, grain)


@dataclass(frozen=True)
class Point:
    """One week or month: its days ``first``..``last`` (clipped to the period), answers per
    score, the figures of those answers and whether there are enough of them to trust."""

    first: date
    last: date
    counts: Mapping[int, int]
    result: NpsResult | ShareResult
    enough: bool

    @property
    def n(self) -> int:
        return self.result.n

    @property
    def figure(self) -> float | None:
        """The NPS (−100..+100) or the good share (0..1); None without answers."""
        if isinstance(self.result, NpsResult):
            return self.result.score
        return self.result.share if self.result.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95 % interval of :attr:`figure`, in its units; None without answers."""
        if not self.result.n:
            return None
        if isinstance(self.result, NpsResult):
            return self.result.interval
        return self.result.low, self.result.high


def add_counts(parts: Iterable[Counts]) -> dict[int, int]:
    """Answers per score of all ``parts`` together."""
    out: dict[int, int] = {}
    for counts in parts:
        for score, n in counts.items():
            if n:
                out[score] = out.get(score, 0) + n
    return out


def points(measure: Measure, days: DayCounts, first: date, last: date, grain: Grain,
           floor: int = MIN_RELIABLE_N) -> tuple[Point, ...]:
    """The points of ``first``..``last``, oldest first: every bucket that holds one of its
    days.  ValueError for an empty period or a day of ``days`` outside it (the caller read
    other days than it asks about)."""
    if first > last:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    outside = [day for day in days if not first <= day <= last]
    if outside:
        raise ValueError(f"{min(outside)} is outside {first}..{last}")
    grouped: dict[date, list[Counts]] = {}
    for day, counts in days.items():
        grouped.setdefault(bucket_start(day, grain), []).append(counts)
    out = []
    start = bucket_start(first, grain)
    while start <= last:
        following = next_start(start, grain)
        counts = add_counts(grouped.get(start, ()))
        result = measure.result(counts)
        out.append(Point(max(start, first), min(following - timedelta(days=1), last), counts,
                         result, result.n >= floor))
        start = following
    return tuple(out)


def pooled(trend: Iterable[Point]) -> dict[int, int]:
    """Answers per score of every point: the counts of the whole period."""
    return add_counts(p.counts for p in trend)


@dataclass(frozen=True)
class PeriodChange:
    """The second half of the points against the first (see the module's docstring): the
    pooled answers of each, their :class:`~scoring.compare.Change` (None when a half has no
    answers) and its verdict."""

    before: tuple[Point, ...]
    after: tuple[Point, ...]
    before_counts: Mapping[int, int]
    after_counts: Mapping[int, int]
    change: Change | None
    verdict: Verdict | None

    @property
    def n_before(self) -> int:
        return sum(self.before_counts.values())

    @property
    def n_after(self) -> int:
        return sum(self.after_counts.values())


def halves(trend: tuple[Point, ...]) -> tuple[tuple[Point, ...], tuple[Point, ...]]:
    """The first ⌊k/2⌋ points and the last ⌊k/2⌋ (the middle one of an odd k in neither)."""
    half = len(trend) // 2
    return trend[:half], trend[len(trend) - half:]


def period_change(measure: Measure, trend: tuple[Point, ...],
                  floor: int = MIN_RELIABLE_N) -> PeriodChange:
    """Whether the score moved between the halves of the period, by the summary's test."""
    before, after = halves(trend)
    first, second = pooled(before), pooled(after)
    change = measure.compare(first, second)
    called = None if change is None else verdict(
        change, sum(first.values()), sum(second.values()), floor)
    return PeriodChange(before, after, first, second, change, called)
