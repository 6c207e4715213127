"""NPS: buckets, score, margin of error — worked examples and invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import MIN_RELIABLE_N, NpsResult, nps_bucket, nps_from_scores, round_half_away

counts = st.integers(min_value=0, max_value=10_000)


@pytest.mark.parametrize(("score", "bucket"), [
    (0, "detractor"), (5, "detractor"), (6, "detractor"),  # 6 is a detractor, not "below 6"
    (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter"),
])
def test_standard_buckets(score: int, bucket: str) -> None:
    assert nps_bucket(score) == bucket


@pytest.mark.parametrize("bad", [-1, 11, 100])
def test_out_of_range_scores_raise(bad: int) -> None:
    with pytest.raises(ValueError, match=r"outside 0\.\.10"):
        nps_bucket(bad)


@pytest.mark.parametrize("bad", [8.0, "8", None, True])
def test_non_integer_scores_raise(bad: object) -> None:
    with pytest.raises(TypeError):
        nps_bucket(bad)  # type: ignore[arg-type]


def test_worked_example_50_30_20() -> None:
    # 50 promoters, 30 passives, 20 detractors, n = 100:
    # NPS = 50 % − 20 % = +30.
    # variance = p+ + p− − (p+ − p−)² = 0.5 + 0.2 − 0.3² = 0.61
    # margin = 1.96 · √(0.61 / 100) · 100 = 1.96 · 0.0781 · 100 = 15.31 points.
    result = NpsResult(detractors=20, passives=30, promoters=50)
    assert result.n == 100
    assert result.score == pytest.approx(30.0)
    assert result.score_rounded == 30
    assert result.variance == pytest.approx(0.61)
    assert result.margin == pytest.approx(15.31, abs=0.01)
    assert result.interval == pytest.approx((14.69, 45.31), abs=0.01)
    assert (result.share("promoter"), result.share("passive"), result.share("detractor")) == (
        0.5, 0.3, 0.2)
    assert not result.too_few


def test_worked_example_small_sample_and_rounding() -> None:
    # 3 promoters, 3 passives, 2 detractors: (3 − 2) / 8 = 12.5 % → 13 (half away from zero);
    # n = 8 < 30, too few to trust.
    result = nps_from_scores([10, 9, 9, 8, 7, 7, 6, 0])
    assert result.score == pytest.approx(12.5)
    assert result.score_rounded == 13
    assert result.too_few and MIN_RELIABLE_N == 30
    swapped = NpsResult(detractors=3, passives=3, promoters=2)
    assert swapped.score_rounded == -13


def test_no_answers() -> None:
    result = NpsResult(0, 0, 0)
    assert result.score is None and result.score_rounded is None and result.interval is None
    assert math.isinf(result.margin) and result.too_few and result.share("promoter") == 0.0


def test_unanimous_samples_have_no_margin() -> None:
    assert NpsResult(0, 0, 40).score == 100 and NpsResult(0, 0, 40).margin == 0
    assert NpsResult(40, 0, 0).score == -100 and NpsResult(0, 40, 0).score == 0


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_counts_raise(bad: object) -> None:
    with pytest.raises(ValueError):
        NpsResult(bad, 0, 0)  # type: ignore[arg-type]


@given(counts, counts, counts)
def test_invariants(d: int, p: int, pr: int) -> None:
    result = NpsResult(d, p, pr)
    assert result.n == d + p + pr
    if result.n == 0:
        return
    assert result.score is not None
    assert -100 <= result.score <= 100
    assert sum(result.share(b) for b in ("detractor", "passive", "promoter")) == pytest.approx(1)
    assert result.score == pytest.approx(
        100 * (result.share("promoter") - result.share("detractor")))
    assert result.margin >= 0
    low, high = result.interval or (0, 0)
    assert -100 <= low <= result.score <= high <= 100
    assert abs(result.score_rounded - result.score) <= 0.5  # type: ignore[operator]
    # Swapping promoters and detractors negates the score and keeps the margin.
    mirror = NpsResult(pr, p, d)
    assert mirror.score == pytest.approx(-result.score)
    assert mirror.margin == pytest.approx(result.margin)
    assert result.too_few == (result.n < 30)


@given(counts, counts, counts, st.integers(min_value=2, max_value=50))
def test_margin_shrinks_with_more_answers(d: int, p: int, pr: int, k: int) -> None:
    small = NpsResult(d, p, pr)
    if small.n == 0:
        return
    large = NpsResult(d * k, p * k, pr * k)
    assert large.score == pytest.approx(small.score)
    assert large.margin == pytest.approx(small.margin / math.sqrt(k))
    assert large.margin <= small.margin


@given(st.lists(st.integers(min_value=0, max_value=10), max_size=300))
def test_from_scores_counts_every_answer(scores: list[int]) -> None:
    result = nps_from_scores(scores)
    assert result.detractors == sum(1 for s in scores if s <= 6)
    assert result.passives == sum(1 for s in scores if 7 <= s <= 8)
    assert result.promoters == sum(1 for s in scores if s >= 9)


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
def test_round_half_away_is_symmetric(value: float) -> None:
    assert round_half_away(-value) == -round_half_away(value)
    assert abs(round_half_away(value) - value) <= 0.5


@pytest.mark.parametrize(("value", "rounded"), [(30.5, 31), (-30.5, -31), (2.5, 3), (0.49, 0)])
def test_round_half_away_examples(value: float, rounded: int) -> None:
    assert round_half_away(value) == rounded
