"""Alert statistics (scoring/recovery.py): worked examples checked by hand, and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.recovery import AlertFacts, Median, Said, alert_stats, median_time

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_median_worked_examples() -> None:
    assert median_time([]) == Median(None, 0)
    assert median_time([3 * H]) == Median(3 * H, 1)
    assert median_time([4 * H, 0.5 * H, 2 * H, 3 * H, H]) == Median(2 * H, 5)
    # Even count: the mean of the middle two, 2 h and 4 h → 3 h.
    assert median_time([5 * H, 2 * H, 4 * H, 2 * H]) == Median(3 * H, 4)
    # To the microsecond: (1 µs + 2 µs) / 2 rounds half to even → 2 µs.
    assert median_time([timedelta(microseconds=1), timedelta(microseconds=2)]).value == (
        timedelta(microseconds=2))


def test_stats_worked_example() -> None:
    # A1 claimed +1 h, resolved +5 h, yes; A2 claimed +3 h, reopened (not resolved now), no;
    # A3 taken and resolved +2 h, asked, silent; A4 claimed +30 min; A5 untouched;
    # A7 resolved +4 h, not asked.
    facts = [
        AlertFacts(T0, T0 + H, T0 + 5 * H, Said.SOLVED),
        AlertFacts(T0, T0 + 3 * H, None, Said.UNSOLVED),
        AlertFacts(T0, T0 + 2 * H, T0 + 2 * H, Said.SILENT),
        AlertFacts(T0, T0 + 0.5 * H),
        AlertFacts(T0),
        AlertFacts(T0, T0 + 4 * H, T0 + 4 * H, Said.NOT_ASKED),
    ]
    stats = alert_stats(facts)
    assert (stats.raised, stats.claimed, stats.resolved) == (6, 5, 3)
    assert stats.to_claim == Median(2 * H, 5)  # 0.5, 1, 2, 3, 4 h
    assert stats.to_resolve == Median(4 * H, 3)  # 2, 4, 5 h
    assert (stats.asked, stats.solved, stats.unsolved, stats.silent) == (3, 1, 1, 1)
    assert stats.rate == pytest.approx(1 / 3)
    # Wilson, 1 of 3, z = 1.96: centre (1/3 + 1.9208/3) / (1 + 3.8416/3) = 0.42692,
    # half 1.96 · √(2/27 + 3.8416/36) / 2.28053 = 0.36543 → 0.0615 .. 0.7924.
    assert stats.interval == pytest.approx((0.0615, 0.7924), abs=1e-4)


def test_nobody_asked_has_no_rate() -> None:
    stats = alert_stats([AlertFacts(T0, T0 + H, T0 + 2 * H)])
    assert stats.asked == 0 and stats.rate is None and stats.interval is None
    empty = alert_stats([])
    assert (empty.raised, empty.to_claim, empty.to_resolve) == (0, Median(None, 0),
                                                                 Median(None, 0))


def test_a_time_before_the_alert_counts_as_zero() -> None:
    stats = alert_stats([AlertFacts(T0, T0 - H, T0 - 2 * H)])
    assert stats.to_claim == Median(timedelta(0), 1)
    assert stats.to_resolve == Median(timedelta(0), 1)


_minutes = st.integers(min_value=0, max_value=60 * 24 * 90)
_alert = st.builds(
    lambda raised, claim, resolve, said: AlertFacts(
        T0 + timedelta(minutes=raised),
        None if claim is None else T0 + timedelta(minutes=raised + claim),
        None if resolve is None or claim is None else
        T0 + timedelta(minutes=raised + claim + resolve),
        said if resolve is not None or said in (Said.NOT_ASKED, Said.UNSOLVED)
        else Said.NOT_ASKED),
    _minutes, st.one_of(st.none(), _minutes), st.one_of(st.none(), _minutes),
    st.sampled_from(list(Said)))


@given(st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
                max_size=60))
def test_median_is_between_the_middle_values(times: list[timedelta]) -> None:
    median = median_time(times)
    assert median.n == len(times)
    if not times:
        assert median.value is None
        return
    ordered = sorted(times)
    assert median.value is not None
    low, high = ordered[(len(times) - 1) // 2], ordered[len(times) // 2]
    assert low <= median.value <= high
    assert median_time(reversed(times)) == median  # the order does not matter
    at_most = sum(t <= median.value for t in times)
    at_least = sum(t >= median.value for t in times)
    assert at_most * 2 >= len(times) and at_least * 2 >= len(times)


@given(st.lists(_alert, max_size=80))
def test_counts_add_up_and_the_rate_is_in_its_interval(facts: list[AlertFacts]) -> None:
    stats = alert_stats(facts)
    assert stats.raised == len(facts)
    assert stats.resolved <= stats.claimed <= stats.raised
    assert stats.to_claim.n == stats.claimed and stats.to_resolve.n == stats.resolved
    assert stats.asked == stats.solved + stats.unsolved + stats.silent <= stats.raised
    assert stats.asked == sum(f.said is not Said.NOT_ASKED for f in facts)
    if stats.asked:
        assert stats.rate is not None and stats.interval is not None
        low, high = stats.interval
        assert 0 <= low <= stats.rate <= high <= 1
    else:
        assert stats.rate is None
    for median in (stats.to_claim, stats.to_resolve):
        assert median.value is None or median.value >= timedelta(0)
    shuffled = alert_stats(list(reversed(facts)))
    assert shuffled == stats
