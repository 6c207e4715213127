"""Period comparison against the noise, and the customer retention rate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import (
    CesResult,
    CsatResult,
    NpsResult,
    RetentionInputError,
    compare_ces,
    compare_csat,
    compare_nps,
    compare_shares,
    retention_rate,
)
from scoring.retention import active, retention_counts


def test_nps_change_worked_example() -> None:
    # Before: 40 promoters, 20 passives, 40 detractors → NPS 0, variance 0.8.
    # After: 50 / 30 / 20 → NPS +30, variance 0.61.
    # se = √(0.8/100 + 0.61/100) · 100 = √0.0141 · 100 = 11.87; margin = 1.96 · 11.87 = 23.27.
    change = compare_nps(NpsResult(40, 20, 40), NpsResult(20, 30, 50))
    assert change is not None
    assert change.delta == pytest.approx(30.0)
    assert change.margin == pytest.approx(23.27, abs=0.01)
    assert change.significant
    small = compare_nps(NpsResult(4, 2, 4), NpsResult(2, 3, 5))  # same shares, n = 10
    assert small is not None and small.delta == pytest.approx(30.0) and not small.significant


def test_share_change_worked_example() -> None:
    # 60/100 → 75/100: delta 0.15; se = √(0.24/100 + 0.1875/100) = 0.0654; margin 0.128.
    change = compare_shares(60, 100, 75, 100)
    assert change is not None
    assert change.delta == pytest.approx(0.15)
    assert change.margin == pytest.approx(0.1282, abs=1e-3)
    assert change.significant


def test_csat_and_ces_comparisons() -> None:
    before = CsatResult.from_counts({5: 30, 4: 30, 1: 40})
    after = CsatResult.from_counts({5: 45, 4: 30, 1: 25})
    change = compare_csat(before, after)
    assert change is not None and change.delta == pytest.approx(0.15)
    ces = compare_ces(CesResult.from_counts({7: 5, 1: 5}), CesResult.from_counts({7: 6, 1: 4}))
    assert ces is not None and not ces.significant


def test_nothing_to_compare() -> None:
    assert compare_nps(NpsResult(0, 0, 0), NpsResult(1, 1, 1)) is None
    assert compare_shares(0, 0, 1, 2) is None


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_identical_samples_show_no_change(d: int, p: int, pr: int) -> None:
    sample = NpsResult(d, p, pr)
    change = compare_nps(sample, sample)
    if sample.n == 0:
        assert change is None
        return
    assert change is not None and change.delta == 0 and not change.significant


@given(st.integers(0, 300), st.integers(1, 300), st.integers(0, 300), st.integers(1, 300))
def test_comparison_is_antisymmetric(s1: int, n1: int, s2: int, n2: int) -> None:
    s1, s2 = min(s1, n1), min(s2, n2)
    forward = compare_shares(s1, n1, s2, n2)
    backward = compare_shares(s2, n2, s1, n1)
    assert forward is not None and backward is not None
    assert forward.delta == pytest.approx(-backward.delta)
    assert forward.margin == pytest.approx(backward.margin)
    assert forward.significant == backward.significant


def test_retention_worked_example() -> None:
    # 200 customers at the start, 220 at the end, 40 of them new: (220 − 40) / 200 · 100 = 90 %.
    assert retention_rate(start=200, end=220, new=40) == pytest.approx(90.0)
    assert retention_rate(start=50, end=50, new=0) == 100.0
    assert retention_rate(start=50, end=10, new=10) == 0.0


@pytest.mark.parametrize(("start", "end", "new", "message"), [
    (0, 10, 5, "customers at start is 0"),
    (100, 30, 40, "cannot exceed customers at end"),
    (-1, 10, 5, "cannot be negative"),
    (100, 150, 10, "retained customers .140. cannot exceed customers at start"),
    (100.5, 10, 5, "whole number"),
])
def test_retention_refuses_impossible_inputs(start: object, end: int, new: int,
                                             message: str) -> None:
    with pytest.raises(RetentionInputError, match=message):
        retention_rate(start=start, end=end, new=new)  # type: ignore[arg-type]


@given(st.integers(1, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))
def test_retention_is_a_percentage_when_it_exists(start: int, retained: int, new: int) -> None:
    retained = min(retained, start)
    rate = retention_rate(start=start, end=retained + new, new=new)
    assert 0 <= rate <= 100
    assert rate == pytest.approx(retained * 100 / start)


# ------------------------------------------------------------------ retention counts


def test_crr_of_a_hand_made_table() -> None:
    """The first quarter of 2026, ten customers: who counts at the start, at the end, as new."""
    table = {
        "A": (date(2025, 5, 1), None),  # start, end
        "B": (date(2025, 6, 1), date(2026, 2, 10)),  # start; churned in the quarter
        "C": (date(2025, 12, 31), date(2026, 1, 1)),  # start (a customer on 31 Dec); gone
        "D": (date(2026, 1, 1), None),  # new, end
        "E": (date(2026, 3, 31), None),  # new on the last day, end
        "F": (date(2026, 2, 1), date(2026, 3, 1)),  # came and went inside: none of them
        "G": (date(2026, 4, 1), None),  # after the quarter
        "H": (date(2024, 1, 1), date(2025, 12, 1)),  # gone before it
        "I": (date(2025, 1, 1), date(2026, 3, 31)),  # start; the churn day is a day gone
        "J": (date(2025, 1, 1), date(2026, 4, 1)),  # start, end
    }
    counts = retention_counts(table.values(), date(2026, 1, 1), date(2026, 3, 31))
    # CS = A B C I J = 5, CE = A D E J = 4, CN = D E = 2: CRR = (4 − 2) / 5 × 100 = 40 %.
    assert (counts.start, counts.end, counts.new, counts.retained) == (5, 4, 2, 2)
    assert counts.rate == pytest.approx(40.0)
    assert counts.rate == retention_rate(5, 4, 2)


def test_retention_counts_refuse_contradictions() -> None:
    with pytest.raises(RetentionInputError):
        retention_counts([(date(2026, 2, 1), date(2026, 1, 1))], date(2026, 1, 1),
                         date(2026, 3, 31))
    with pytest.raises(RetentionInputError):
        retention_counts([], date(2026, 3, 1), date(2026, 1, 1))
    assert retention_counts([], date(2026, 1, 1), date(2026, 1, 31)).rate is None


_days = st.integers(0, 800).map(lambda n: date(2025, 1, 1) + timedelta(days=n))


@given(st.lists(st.tuples(_days, st.one_of(st.none(), st.integers(0, 400)))),
       _days, st.integers(0, 200))
def test_retention_counts_match_the_definitions(people: list[tuple[date, int | None]],
                                                first: date, length: int) -> None:
    last = first + timedelta(days=length)
    rows = [(s, None if gone is None else s + timedelta(days=gone)) for s, gone in people]
    counts = retention_counts(rows, first, last)
    before = first - timedelta(days=1)
    assert counts.start == sum(active(s, c, before) for s, c in rows)
    assert counts.end == sum(active(s, c, last) for s, c in rows)
    assert counts.new == sum(active(s, c, last) and s >= first for s, c in rows)
    if counts.start:  # the formula's own checks never refuse real counts
        assert counts.rate is not None and 0 <= counts.rate <= 100
        assert counts.rate == pytest.approx(counts.retained * 100 / counts.start)
