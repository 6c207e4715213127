"""Money by bucket (scoring/value.py) and readable numeric bands (scoring/bands.py): worked
examples checked by hand, and properties that must hold for any data."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.bands import band_of, digits, edges, nice
from scoring.value import (
    by_bucket,
    last_by_customer,
    mean_interval,
    median_interval,
    median_ranks,
    ratio_of_means,
    spread,
)

money = st.floats(min_value=0.01, max_value=1e7, allow_nan=False, allow_infinity=False)
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


# ------------------------------------------------------------------ worked examples


def test_mean_median_and_ratio_by_hand() -> None:
    top = [10.0, 20, 30, 40, 50, 60]
    # mean 35; s = √(1750 / 5) = √350 = 18.708; t(0.975, 5) = 2.5706;
    # half-width = 2.5706 · 18.708 / √6 = 19.633 → 15.37 … 54.63.
    low, high = mean_interval(top) or (0, 0)
    assert (low, high) == pytest.approx((15.367, 54.633), abs=1e-3)
    # n = 6: r = 0 (P(B ≤ 0) = 1/64 ≤ 2.5 %, P(B ≤ 1) = 7/64 > 2.5 %) → ranks 1 and 6.
    assert median_interval(top) == (10, 60)
    s = spread(top)
    assert (s.n, s.mean, s.median) == (6, 35, 35)
    bottom = [5.0, 10, 15]
    # R = 35 / 10 = 3.5; se(ln R) = √(350 / (6 · 35²) + 25 / (3 · 10²)) = √0.130952 = 0.36188;
    # exp(1.96 · 0.36188) = 2.0325 → 3.5 / 2.0325 … 3.5 · 2.0325 = 1.722 … 7.114.
    ratio = ratio_of_means(top, bottom)
    assert ratio is not None and ratio.value == pytest.approx(3.5)
    assert (ratio.low, ratio.high) == pytest.approx((1.722, 7.114), abs=1e-3)


def test_median_ranks_match_the_binomial_tables() -> None:
    # The classic table of distribution-free 95 % intervals for the median.
    assert median_ranks(5) is None  # 2 · (1/2)^5 = 6.25 % > 5 %: no 95 % interval
    assert median_ranks(6) == (1, 6)
    assert median_ranks(10) == (2, 9)  # P(B ≤ 1) = 11/1024 = 1.07 %
    assert median_ranks(20) == (6, 15)
    assert median_ranks(100) == (40, 61)


def test_too_few_values_have_no_interval_and_no_ratio() -> None:
    assert mean_interval([4.0]) is None
    one = spread([4.0])
    assert (one.n, one.mean, one.median, one.mean_low, one.median_low) == (1, 4, 4, None, None)
    assert spread([]).mean is None
    assert ratio_of_means([], [1.0]) is None
    assert ratio_of_means([1.0], [0.0, 0.0]) is None  # a mean of 0 has no ratio
    lone = ratio_of_means([3.0], [1.0, 2.0])
    assert lone is not None and lone.value == 2 and lone.low is None


def test_each_customer_counts_in_the_bucket_of_their_last_answer() -> None:
    answers = [(1, 1, "detractor"), (1, 3, "promoter"), (2, 5, "passive"), (1, 2, "passive"),
               (3, 1, "promoter")]
    assert last_by_customer(answers) == {1: "promoter", 2: "passive", 3: "promoter"}
    grouped = by_bucket({1: "promoter", 2: "passive", 3: "promoter"}, {1: 100.0, 2: 50.0},
                        ("detractor", "passive", "promoter"))
    assert grouped == {"detractor": [], "passive": [50.0], "promoter": [100.0]}


def test_nice_numbers_and_bands_by_hand() -> None:
    assert [nice(v) for v in (1234, 0.27, -3700, 180, 7, 0)] == [
        Decimal(1000), Decimal("0.25"), Decimal(-2500), Decimal(200), Decimal(5), Decimal(0)]
    # Quartiles (inclusive) of 10, 90, 200, 300, 800, 1200, 5000: 145, 300, 1000; the nearest
    # nice numbers 100 (|145 − 100| = 45 < |145 − 200| = 55), 250 and 1000.
    cut = edges([10, 200, 300, 1200, 5000, 800, 90])
    assert cut == (Decimal(100), Decimal(250), Decimal(1000))
    assert [band_of(v, cut) for v in (10, 99.9, 100, 250, 999, 1000, 5000)] == [
        0, 0, 1, 2, 2, 3, 3]
    assert edges([5, 5, 5]) == () and edges([7]) == ()
    assert digits(Decimal("0.25")) == 2 and digits(Decimal("1E+3")) == 0


# ------------------------------------------------------------------ properties


@given(st.lists(money, min_size=2, max_size=60))
def test_intervals_hold_their_estimate(values: list[float]) -> None:
    s = spread(values)
    assert s.mean is not None and s.mean_low is not None and s.mean_high is not None
    assert s.mean_low <= s.mean + 1e-6 * abs(s.mean) + 1e-9
    assert s.mean - 1e-6 * abs(s.mean) - 1e-9 <= s.mean_high
    if s.median_low is not None and s.median_high is not None:
        assert s.median_low <= s.median <= s.median_high  # type: ignore[operator]
        assert min(values) <= s.median_low and s.median_high <= max(values)
    else:
        assert len(values) < 6


@given(st.lists(money, min_size=2, max_size=30), st.floats(min_value=-1e5, max_value=1e5))
def test_the_mean_interval_moves_with_the_values(values: list[float], shift: float) -> None:
    before = mean_interval(values)
    after = mean_interval([v + shift for v in values])
    assert before is not None and after is not None
    width = before[1] - before[0]
    assert after[1] - after[0] == pytest.approx(width, rel=1e-6, abs=1e-3)


@given(st.lists(money, min_size=2, max_size=30), st.lists(money, min_size=2, max_size=30),
       st.floats(min_value=0.001, max_value=1000))
def test_the_ratio_does_not_depend_on_the_currency(top: list[float], bottom: list[float],
                                                   rate: float) -> None:
    plain = ratio_of_means(top, bottom)
    converted = ratio_of_means([v * rate for v in top], [v * rate for v in bottom])
    assert plain is not None and converted is not None
    assert converted.value == pytest.approx(plain.value, rel=1e-6)
    assert plain.low is not None and plain.high is not None
    assert plain.low <= plain.value <= plain.high
    assert converted.low == pytest.approx(plain.low, rel=1e-6)
    assert math.isclose(plain.value, statistics.fmean(top) / statistics.fmean(bottom))


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 20),
                          st.sampled_from(["detractor", "passive", "promoter"]))))
def test_the_last_answer_decides(answers: list[tuple[int, int, str]]) -> None:
    got = last_by_customer(answers)
    for customer in {c for c, _, _ in answers}:
        theirs = [(when, i, bucket) for i, (c, when, bucket) in enumerate(answers)
                  if c == customer]
        assert got[customer] == max(theirs)[2]


@given(st.lists(finite, min_size=1, max_size=80), st.integers(1, 8))
def test_bands_split_the_values_readably(values: list[float], bands: int) -> None:
    cut = edges(values, bands)
    assert list(cut) == sorted(set(cut)) and len(cut) <= bands - 1
    for edge in cut:
        assert min(values) < float(edge) <= max(values)
        mantissa = abs(edge).scaleb(-abs(edge).adjusted())
        assert edge == 0 or mantissa in {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}
    placed = [band_of(v, cut) for v in sorted(values)]
    assert placed == sorted(placed) and all(0 <= b <= len(cut) for b in placed)
    assert placed[0] == 0 and (not cut or placed[-1] >= 1)
