"""CSAT (1-5) and CES (1-7), with the Wilson interval."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import CesResult, CsatResult, bucket_for, ces_bucket, csat_bucket, wilson


def test_csat_worked_example() -> None:
    # 40 fives, 30 fours, 10 each of 3, 2, 1 (n = 100): CSAT = 70 / 100 = 70 %;
    # mean = (5·40 + 4·30 + 3·10 + 2·10 + 1·10) / 100 = 380 / 100 = 3.8.
    result = CsatResult.from_counts({5: 40, 4: 30, 3: 10, 2: 10, 1: 10})
    assert (result.n, result.satisfied) == (100, 70)
    assert result.share == pytest.approx(0.70)
    assert result.mean == pytest.approx(3.8)
    assert result.low < 0.70 < result.high


def test_ces_worked_example() -> None:
    # 7:10 6:20 5:20 4:20 3:10 2:10 1:10 (n = 100): agree (5-7) = 50 → 50 %;
    # mean = (70 + 120 + 100 + 80 + 30 + 20 + 10) / 100 = 4.3.
    result = CesResult.from_counts({7: 10, 6: 20, 5: 20, 4: 20, 3: 10, 2: 10, 1: 10})
    assert result.agree == 50 and result.agree_share == pytest.approx(0.5)
    assert result.mean == pytest.approx(4.3)
    assert "CES 2.0" in result.method


def test_wilson_worked_example() -> None:
    # 8 of 10, z = 1.96: denominator 1 + 3.8416/10 = 1.38416;
    # centre = (0.8 + 0.19208) / 1.38416 = 0.7167; half = 1.96·√(0.016 + 0.00096)/1.38416
    # = 0.1844 → 0.490 .. 0.943.
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-3)
    assert high == pytest.approx(0.9433, abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)
    low0, high0 = wilson(0, 20)
    assert low0 == 0.0 and 0 < high0 < 0.2


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (1, -1)])
def test_wilson_refuses_impossible_counts(successes: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson(successes, n)


@pytest.mark.parametrize(("score", "bucket"), [
    (1, "unsatisfied"), (2, "unsatisfied"), (3, "neutral"), (4, "satisfied"), (5, "satisfied")])
def test_csat_buckets(score: int, bucket: str) -> None:
    assert csat_bucket(score) == bucket == bucket_for("csat", score)


@pytest.mark.parametrize(("score", "bucket"), [
    (1, "disagree"), (3, "disagree"), (4, "neutral"), (5, "agree"), (7, "agree")])
def test_ces_buckets(score: int, bucket: str) -> None:
    assert ces_bucket(score) == bucket == bucket_for("ces", score)


@pytest.mark.parametrize(("metric", "score"), [("csat", 0), ("csat", 6), ("ces", 0), ("ces", 8),
                                               ("nps", 11)])
def test_out_of_scale(metric: str, score: int) -> None:
    with pytest.raises(ValueError):
        bucket_for(metric, score)


def test_unknown_metric_and_bad_counts() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        bucket_for("nss", 3)
    with pytest.raises(ValueError):
        CsatResult.from_counts({4: -1})
    with pytest.raises(ValueError):
        CesResult.from_counts({9: 1})


@given(st.lists(st.integers(min_value=1, max_value=5), max_size=300))
def test_csat_invariants(scores: list[int]) -> None:
    result = CsatResult.from_scores(scores)
    assert result.n == len(scores)
    assert 0 <= result.share <= 1
    if scores:
        assert 1 <= result.mean <= 5
        assert result.mean == pytest.approx(sum(scores) / len(scores))
        assert result.low <= result.share <= result.high
    assert 0 <= result.low <= result.high <= 1


@given(st.lists(st.integers(min_value=1, max_value=7), max_size=300))
def test_ces_invariants(scores: list[int]) -> None:
    result = CesResult.from_scores(scores)
    assert result.agree == sum(1 for s in scores if s >= 5)
    assert 0 <= result.agree_share <= 1
    if scores:
        assert 1 <= result.mean <= 7
        assert result.low <= result.agree_share <= result.high


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=1, max_value=5000))
def test_wilson_contains_the_estimate(successes: int, n: int) -> None:
    successes = min(successes, n)
    low, high = wilson(successes, n)
    assert 0 <= low <= successes / n <= high <= 1
    wider_low, wider_high = wilson(successes, n, z=2.58)
    assert wider_low <= low and wider_high >= high
