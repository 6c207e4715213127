"""scoring/advocacy.py: figures worked out by hand, and properties that hold for any group of
promoters."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.advocacy import (
    Figures,
    Promoter,
    Rate,
    Share,
    figures,
    poisson_interval,
    top_referrers,
)


def test_a_group_by_hand() -> None:
    group = [Promoter(True, 5, 2, 3, 2), Promoter(True, 1, 0, 1, 0), Promoter(), Promoter()]
    f = figures(group)
    assert f == Figures(asked=4, accepted=Share(2, 4), link_clicks=6, referred=4,
                        referred_answered=Share(2, 4), referral_rate=Rate(4, 4),
                        conversion=Share(2, 4), review_clicks=2, reviewers=Share(1, 4))
    assert f.referral_rate.value == 1.0
    # Wilson, 2 of 4: centre 0.5, half-width 1.96·√(1/16 + 1.96²/64) / (1 + 1.96²/4).
    low, high = f.accepted.interval or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.15, 0.85)
    # Wilson, 1 of 4.
    low, high = f.reviewers.interval or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.0456, 0.6994)


@pytest.mark.parametrize("count,low,high", [
    # The exact 95 % limits of a Poisson count, as printed in the tables (Garwood 1936).
    (0, 0.0, 3.6889), (1, 0.0253, 5.5716), (3, 0.6187, 8.7673), (4, 1.0899, 10.2416),
    (5, 1.6235, 11.6683), (10, 4.7954, 18.3904),
])
def test_the_poisson_interval_against_the_tables(count: int, low: float, high: float) -> None:
    found = poisson_interval(count, 1)
    assert found is not None
    assert (round(found[0], 4), round(found[1], 4)) == (low, high)
    per_four = poisson_interval(count, 4)
    assert per_four is not None
    assert math.isclose(per_four[0], found[0] / 4) and math.isclose(per_four[1], found[1] / 4)


def test_nothing_to_divide_by() -> None:
    f = figures([])
    assert (f.asked, f.accepted.value, f.accepted.interval, f.referral_rate.value,
            f.referral_rate.interval, f.referred_answered.interval) == (0, None, None, None,
                                                                        None, None)
    assert poisson_interval(0, 0) is None
    with pytest.raises(ValueError):
        poisson_interval(-1, 3)
    with pytest.raises(ValueError):
        Share(3, 2)
    with pytest.raises(ValueError):
        Promoter(referred=1, referred_answered=2)


def test_top_referrers() -> None:
    counts = {"ana": 3, "bob": 1, "cid": 0, "dan": 3, "eve": 2}
    assert top_referrers(counts, 3) == [("ana", 3), ("dan", 3), ("eve", 2)]
    assert top_referrers(counts, 10) == [("ana", 3), ("dan", 3), ("eve", 2), ("bob", 1)]
    assert top_referrers(counts, 0) == [] and top_referrers({}, 5) == []


promoters = st.builds(
    lambda accepted, clicks, reviews, referred, answered: Promoter(
        accepted, clicks, reviews, referred, min(answered, referred)),
    st.booleans(), st.integers(0, 50), st.integers(0, 50), st.integers(0, 20),
    st.integers(0, 20))


@given(st.lists(promoters, max_size=60))
def test_properties_of_any_group(group: list[Promoter]) -> None:
    f = figures(group)
    n = len(group)
    assert f.asked == n == f.accepted.n == f.conversion.n == f.reviewers.n
    assert f.referred == sum(p.referred for p in group) == f.referral_rate.count
    assert f.referred_answered.n == f.referred and f.referred_answered.k <= f.referred
    # Who brought someone brought at least one each: the conversion never exceeds the rate.
    assert f.conversion.k <= f.referred
    if n:
        assert f.conversion.value is not None and f.referral_rate.value is not None
        assert f.conversion.value <= f.referral_rate.value
    for share in (f.accepted, f.conversion, f.reviewers, f.referred_answered):
        if share.n:
            low, high = share.interval or (2.0, -1.0)
            assert 0 <= low <= (share.value or 0) <= high <= 1
        else:
            assert share.value is None and share.interval is None
    if n:
        low, high = f.referral_rate.interval or (2.0, -1.0)
        assert 0 <= low <= (f.referral_rate.value or 0) <= high
    # The order of the promoters changes nothing.
    assert figures(list(reversed(group))) == f


@given(st.integers(0, 200), st.integers(1, 200))
def test_the_poisson_interval_holds_the_rate_and_grows_with_the_count(count: int,
                                                                    exposure: int) -> None:
    low, high = poisson_interval(count, exposure) or (2.0, -1.0)
    assert 0 <= low <= count / exposure < high
    more = poisson_interval(count + 1, exposure)
    assert more is not None and more[0] > low and more[1] > high
    wider = poisson_interval(count, exposure, level=0.99)
    assert wider is not None and wider[0] <= low and wider[1] >= high
