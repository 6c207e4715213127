"""The ranking measure (the log odds ratio with an informative prior, scoring/themes/ranking.py)
worked by hand on a tiny example, and its invariants; the absorption of shorter phrases by
longer ones, as properties over random comments."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.themes.phrases import ABSORB, MAX_WORDS, Key, absorb, comment_phrases, contains
from scoring.themes.ranking import PRIOR, log_odds, rank
from scoring.themes.tokens import Sentence, Token
from scoring.themes.words import Kind


def test_the_measure_worked_by_hand() -> None:
    # A theme in 5 of the bucket's 10 comments and in 1 of the other buckets' 10, prior of
    # strength a = 10 centred on its share of all comments, p = 6/20 = 0.3: a·p = 3, a·(1−p) = 7.
    # δ = ln((5 + 3)/(10 − 5 + 7)) − ln((1 + 3)/(10 − 1 + 7)) = ln(8/12) − ln(4/16) = ln(8/3)
    #   = 0.98083;
    # σ² = 1/8 + 1/12 + 1/4 + 1/16 = 0.52083, σ = 0.72169; z = 0.98083 / 0.72169 = 1.35908.
    assert PRIOR == 10
    odds = log_odds(5, 10, 1, 10)
    assert odds.delta == pytest.approx(0.98083, abs=1e-5)
    assert odds.z == pytest.approx(1.35908, abs=1e-5)
    # In 2 of 10 and none of the others: p = 0.1, a·p = 1, a·(1−p) = 9.
    # δ = ln(3/17) − ln(1/19) = ln(57/17) = 1.20984; σ² = 1/3 + 1/17 + 1/1 + 1/19 = 1.44479,
    # z = 1.20984 / 1.20199 = 1.00653.
    rare = log_odds(2, 10, 0, 10)
    assert rare.delta == pytest.approx(1.20984, abs=1e-5)
    assert rare.z == pytest.approx(1.00653, abs=1e-5)
    # Said by half of both: nothing tells them apart.
    assert log_odds(5, 10, 5, 10).delta == 0
    # The ranking: the frequent and distinctive first, the rare one (larger δ, less sure)
    # second, the shared one last.
    counts, other = {"a": 5, "rare": 2, "shared": 5}, {"a": 1, "shared": 5}
    assert [k for k, _ in rank(counts, counts, 10, other, 10)] == ["a", "rare", "shared"]


def test_without_other_comments_themes_rank_by_count() -> None:
    assert log_odds(4, 10, 0, 0).delta == pytest.approx(0)
    counts = {"few": 3, "most": 7, "some": 5}
    assert [k for k, _ in rank(counts, counts, 10, {}, 0)] == ["most", "some", "few"]
    assert log_odds(10, 10, 4, 4).delta == 0  # every comment says it


def test_impossible_counts_are_refused() -> None:
    for args in ((11, 10, 0, 10), (1, 10, 5, 4), (-1, 10, 0, 1), (0, 0, 0, 0)):
        with pytest.raises(ValueError):
            log_odds(*args)


counts_pair = st.tuples(st.integers(1, 60), st.integers(0, 60)).map(
    lambda t: (min(t[1], t[0]), t[0]))  # (y, n) with 0 <= y <= n, n >= 1


@given(counts_pair, counts_pair)
def test_swapping_the_buckets_turns_the_sign(mine: tuple[int, int],
                                             theirs: tuple[int, int]) -> None:
    forward, back = log_odds(*mine, *theirs), log_odds(*theirs, *mine)
    assert forward.delta == pytest.approx(-back.delta, abs=1e-9)
    assert forward.z == pytest.approx(-back.z, abs=1e-9)


@given(counts_pair, counts_pair)
def test_the_sign_is_whether_the_bucket_says_it_more_often(mine: tuple[int, int],
                                                           theirs: tuple[int, int]) -> None:
    (y, n), (y2, n2) = mine, theirs
    delta = log_odds(y, n, y2, n2).delta
    if y * n2 == y2 * n:  # equal shares
        assert delta == pytest.approx(0, abs=1e-9)
    elif 0 < (y + y2) < n + n2:
        assert (delta > 0) == (y * n2 > y2 * n)


@given(counts_pair, counts_pair)
def test_more_of_the_buckets_comments_saying_it_ranks_it_higher(
        mine: tuple[int, int], theirs: tuple[int, int]) -> None:
    (y, n), (y2, n2) = mine, theirs
    if y < n and 0 < y + y2:
        assert log_odds(y + 1, n, y2, n2).delta > log_odds(y, n, y2, n2).delta
    if y2 < n2 and y + y2 < n + n2 - 1:
        assert log_odds(y, n, y2 + 1, n2).delta < log_odds(y, n, y2, n2).delta


@given(st.dictionaries(st.text("abc", min_size=1, max_size=3), st.integers(1, 10), min_size=1),
       st.integers(0, 10))
def test_the_ranking_is_by_z_then_count(counts: dict[str, int], extra: int) -> None:
    n = max(counts.values()) + extra
    other = {k: v // 2 for k, v in counts.items()}
    ranked = rank(counts, counts, n, other, n)
    assert sorted(k for k, _ in ranked) == sorted(counts)
    zs = [odds.z for _, odds in ranked]
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(zs))


# ------------------------------------------------------------------ absorption


def as_sentence(words: list[str]) -> Sentence:
    tokens = tuple(Token(w, Kind.CONTENT, i, i + 1) for i, w in enumerate(words))
    return Sentence(tokens, 0, len(words))


comment = st.lists(st.lists(st.sampled_from("abcd"), min_size=1, max_size=6), min_size=1,
                   max_size=3)


def phrase_counts(comments: list[list[list[str]]]) -> Counter[Key]:
    out: Counter[Key] = Counter()
    for parts in comments:
        out.update(comment_phrases([as_sentence(s) for s in parts]).keys())
    return out


@given(st.lists(comment, min_size=1, max_size=25))
def test_a_longer_phrase_absorbs_the_shorter_ones_it_mostly_holds(
        comments: list[list[list[str]]]) -> None:
    counts = phrase_counts(comments)
    kept = absorb(counts)
    assert len(kept) == len(set(kept)) and set(kept) <= set(counts)
    for key in counts:  # a comment saying a phrase says every phrase inside it
        for longer in counts:
            if contains(longer, key):
                assert counts[longer] <= counts[key]
    shown = set(kept)
    for key in counts:
        holders = [k for k in shown if contains(k, key) and counts[k] > ABSORB * counts[key]]
        # Shown exactly when no shown longer phrase holds most of its comments.
        assert (key in shown) == (not holders), key
    assert {k for k in counts if len(k) == MAX_WORDS} <= shown  # nothing absorbs the longest
    assert set(absorb({k: counts[k] for k in kept})) == shown  # absorbing again changes nothing


def test_absorption_by_hand() -> None:
    # "late" in 6 comments, "late delivery" in 2: "late" stays (2 is not more than half of 6).
    # "customer" in 4, "customer support" in 4, "support" in 5: both words absorbed.
    counts = {("late",): 6, ("late", "deliveri"): 2, ("custom",): 4, ("support",): 5,
              ("custom", "support"): 4, ("deliveri",): 5}
    assert absorb(counts) == [("custom", "support"), ("late", "deliveri"), ("late",),
                              ("deliveri",)]
