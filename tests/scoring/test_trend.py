"""Weekly and monthly points, and the change over the period: hand-checked examples and
properties (the points pool back to the period's counts, tile its days, and the change is the
summary's test on the two halves)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import MEASURES, NpsResult, ShareResult, compare_nps
from scoring.compare import verdict
from scoring.trend import (
    Grain,
    add_counts,
    boundary_on_or_after,
    bucket_start,
    halves,
    next_start,
    period_change,
    points,
    pooled,
)

NPS, CSAT, CES = MEASURES["nps"], MEASURES["csat"], MEASURES["ces"]


def test_iso_weeks_start_on_monday_and_the_edges_are_clipped() -> None:
    # 1 January 2026 is a Thursday; 20 January a Tuesday.
    days = {date(2026, 1, 1): {10: 3, 0: 1}, date(2026, 1, 4): {9: 1},
            date(2026, 1, 5): {7: 2}, date(2026, 1, 20): {0: 1}}
    got = points(NPS, days, date(2026, 1, 1), date(2026, 1, 20), Grain.WEEK)
    assert [(p.first, p.last) for p in got] == [
        (date(2026, 1, 1), date(2026, 1, 4)), (date(2026, 1, 5), date(2026, 1, 11)),
        (date(2026, 1, 12), date(2026, 1, 18)), (date(2026, 1, 19), date(2026, 1, 20))]
    first, second, empty, last = got
    # 4 promoters and 1 detractor of 5: NPS = (4 − 1) / 5 = +60.
    assert first.n == 5 and first.counts == {10: 3, 0: 1, 9: 1} and first.figure == 60.0
    assert second.n == 2 and second.figure == 0.0  # two passives
    assert empty.n == 0 and empty.figure is None and empty.interval is None
    assert empty.counts == {} and not empty.enough
    assert last.figure == -100.0
    assert not any(p.enough for p in got)  # none reaches 30 answers


def test_months_are_calendar_months() -> None:
    days = {date(2026, 1, 31): {5: 1}, date(2026, 2, 1): {1: 1}, date(2026, 2, 28): {4: 1},
            date(2026, 3, 10): {3: 1}}
    got = points(CSAT, days, date(2026, 1, 15), date(2026, 3, 10), Grain.MONTH)
    assert [(p.first, p.last, p.n) for p in got] == [
        (date(2026, 1, 15), date(2026, 1, 31), 1), (date(2026, 2, 1), date(2026, 2, 28), 2),
        (date(2026, 3, 1), date(2026, 3, 10), 1)]
    assert [p.figure for p in got] == [1.0, 0.5, 0.0]  # satisfied = 4–5
    january = got[0].interval
    assert january is not None and january[1] == 1.0 and january[0] == pytest.approx(0.2065,
                                                                                       abs=1e-4)
    assert next_start(date(2024, 12, 1), Grain.MONTH) == date(2025, 1, 1)
    assert next_start(date(2024, 2, 1), Grain.MONTH) == date(2024, 3, 1)


def test_boundaries() -> None:
    assert bucket_start(date(2026, 1, 4), Grain.WEEK) == date(2025, 12, 29)  # Sunday → Monday
    assert bucket_start(date(2026, 1, 5), Grain.WEEK) == date(2026, 1, 5)
    assert boundary_on_or_after(date(2026, 1, 6), Grain.WEEK) == date(2026, 1, 12)
    assert boundary_on_or_after(date(2026, 1, 5), Grain.WEEK) == date(2026, 1, 5)
    assert boundary_on_or_after(date(2026, 1, 2), Grain.MONTH) == date(2026, 2, 1)
    assert boundary_on_or_after(date(2026, 12, 2), Grain.MONTH) == date(2027, 1, 1)


def test_the_floor_marks_points_it_does_not_hide_them() -> None:
    day = date(2026, 3, 2)
    got = points(NPS, {day: {10: 29}, day + timedelta(days=7): {10: 30}}, day,
                 day + timedelta(days=13), Grain.WEEK)
    assert [(p.n, p.enough) for p in got] == [(29, False), (30, True)]
    assert [p.n for p in points(NPS, {day: {10: 29}}, day, day, Grain.WEEK, floor=5)] == [29]
    assert points(NPS, {day: {10: 29}}, day, day, Grain.WEEK, floor=5)[0].enough


def test_days_outside_the_period_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        points(NPS, {date(2026, 1, 1): {1: 1}}, date(2026, 1, 2), date(2026, 1, 9), Grain.WEEK)
    with pytest.raises(ValueError, match="before it starts"):
        points(NPS, {}, date(2026, 1, 9), date(2026, 1, 2), Grain.WEEK)


def test_the_change_compares_the_halves_with_the_summary_test() -> None:
    # Weeks 1–2 pool to 40 promoters, 20 passives, 40 detractors (NPS 0); weeks 4–5 to
    # 50 / 30 / 20 (NPS +30); week 3, the middle of five, is in neither half.  As in the
    # worked example of the comparison: +30 ± 23.27, significant.
    monday = date(2026, 3, 2)
    week = timedelta(days=7)
    days = {monday: {10: 20, 8: 10, 0: 20}, monday + week: {10: 20, 8: 10, 0: 20},
            monday + 2 * week: {0: 500},
            monday + 3 * week: {10: 25, 8: 15, 0: 10}, monday + 4 * week: {10: 25, 8: 15, 0: 10}}
    got = points(NPS, days, monday, monday + 5 * week - timedelta(days=1), Grain.WEEK)
    change = period_change(NPS, got)
    assert [p.first for p in change.before] == [monday, monday + week]
    assert [p.first for p in change.after] == [monday + 3 * week, monday + 4 * week]
    assert change.n_before == change.n_after == 100
    assert change.change is not None and change.verdict == "significant"
    assert change.change.delta == pytest.approx(30.0)
    assert change.change.margin == pytest.approx(23.27, abs=0.01)


def test_too_few_in_a_half_is_never_a_change() -> None:
    monday = date(2026, 3, 2)
    days = {monday: {0: 29}, monday + timedelta(days=7): {10: 100}}
    change = period_change(NPS, points(NPS, days, monday, monday + timedelta(days=13),
                                       Grain.WEEK))
    assert change.change is not None and change.change.significant  # −100 → +100 …
    assert change.verdict == "too_few"  # … but 29 answers are under the floor
    quiet = period_change(NPS, points(NPS, {monday: {0: 50}}, monday,
                                      monday + timedelta(days=13), Grain.WEEK))
    assert quiet.change is None and quiet.verdict is None  # the second half has no answers
    single = period_change(NPS, points(NPS, {monday: {0: 50}}, monday, monday, Grain.WEEK))
    assert single.before == single.after == () and single.verdict is None


def test_a_share_metric_changes_in_shares() -> None:
    first = date(2026, 1, 1)
    days = {first: {5: 30, 1: 30}, date(2026, 2, 1): {5: 50, 1: 10}}
    change = period_change(CES, points(CES, days, first, date(2026, 2, 28), Grain.MONTH))
    assert change.change is not None
    assert change.change.delta == pytest.approx(50 / 60 - 0.5)
    assert change.verdict == "significant"


# ------------------------------------------------------------------ properties

_FIRST = date(2023, 1, 1)


@st.composite
def period_days(draw: st.DrawFn) -> tuple[str, date, date, dict[date, dict[int, int]]]:
    metric = draw(st.sampled_from(sorted(MEASURES)))
    low, high = MEASURES[metric].scale
    first = _FIRST + timedelta(days=draw(st.integers(0, 800)))
    last = first + timedelta(days=draw(st.integers(0, 400)))
    span = (last - first).days
    days: dict[date, dict[int, int]] = {}
    for offset, score, n in draw(st.lists(st.tuples(
            st.integers(0, span), st.integers(low, high), st.integers(0, 60)), max_size=40)):
        counts = days.setdefault(first + timedelta(days=offset), {})
        counts[score] = counts.get(score, 0) + n
    return metric, first, last, days


@given(period_days(), st.sampled_from(list(Grain)))
def test_points_pool_to_the_period_and_tile_its_days(
        case: tuple[str, date, date, dict[date, dict[int, int]]], grain: Grain) -> None:
    metric, first, last, days = case
    measure = MEASURES[metric]
    got = points(measure, days, first, last, grain)
    whole = add_counts(days.values())
    assert pooled(got) == whole
    assert measure.result(pooled(got)) == measure.result(whole)  # the summary's figure
    assert got[0].first == first and got[-1].last == last
    for before, after in itertools.pairwise(got):
        assert after.first == before.last + timedelta(days=1)  # no gap, no overlap
        assert after.first == bucket_start(after.first, grain)  # a Monday or a 1st
    for p in got:
        assert bucket_start(p.first, grain) == bucket_start(p.last, grain)  # one bucket each
        in_it = add_counts(c for d, c in days.items() if p.first <= d <= p.last)
        assert p.counts == in_it and p.n == sum(in_it.values())
        assert p.enough == (p.n >= 30)
        assert (p.figure is None) == (p.n == 0) == (p.interval is None)
        if p.interval is not None and p.figure is not None:
            low, high = p.interval
            assert low <= p.figure <= high


@given(period_days(), st.sampled_from(list(Grain)))
def test_the_change_is_the_summary_verdict_on_the_halves(
        case: tuple[str, date, date, dict[date, dict[int, int]]], grain: Grain) -> None:
    metric, first, last, days = case
    measure = MEASURES[metric]
    got = points(measure, days, first, last, grain)
    before, after = halves(got)
    assert len(before) == len(after) == len(got) // 2
    assert not {p.first for p in before} & {p.first for p in after}
    change = period_change(measure, got)
    assert change.before_counts == pooled(before) and change.after_counts == pooled(after)
    expected = measure.compare(pooled(before), pooled(after))
    assert change.change == expected
    assert change.verdict == (None if expected is None else verdict(
        expected, change.n_before, change.n_after))
    if change.verdict == "significant":
        assert change.n_before >= 30 and change.n_after >= 30


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_one_half_against_itself_is_no_change(d: int, p: int, pr: int) -> None:
    monday = date(2026, 3, 2)
    counts = {0: d, 8: p, 10: pr}
    got = points(NPS, {monday: counts, monday + timedelta(days=7): counts}, monday,
                 monday + timedelta(days=13), Grain.WEEK)
    change = period_change(NPS, got)
    if d + p + pr:
        assert change.change == compare_nps(NpsResult(d, p, pr), NpsResult(d, p, pr))
        assert change.verdict in ("within_margin", "too_few")
        assert isinstance(got[0].result, NpsResult)
    assert isinstance(points(CSAT, {}, monday, monday, Grain.WEEK)[0].result, ShareResult)
