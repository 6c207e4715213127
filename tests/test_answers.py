"""Typed scores in Chinese, Romanian and English: what is understood and what is not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answers import Problem, ScoreParse, parse_score

ACCEPTED_0_10: list[tuple[str, int]] = [
    # digits and layout
    ("8", 8), (" 8 ", 8), ("\t10\n", 10), ("0", 0), ("08", 8), ("+8", 8),
    ("８", 8), ("１０", 10),
    ("8/10", 8), ("8 / 10", 8), ("８／１０", 8), ("10/10", 10),
    ("8!", 8), ("8.", 8), ("8?!", 8), ("8。", 8), ("8！", 8),
    ("nota 8", 8), ("Nota: 9", 9), ("score: 8", 8), ("Score 8", 8), ("scorul 7", 7),
    ("rating=7", 7),
    # Chinese (Simplified)
    ("8分", 8), ("8 分", 8), ("10分", 10), ("8/10分", 8), ("8分/10分", 8),
    ("零", 0), ("〇", 0), ("一", 1), ("二", 2), ("两", 2), ("三", 3), ("四", 4), ("五", 5),
    ("六", 6), ("七", 7), ("八", 8), ("九", 9), ("十", 10),
    ("十分", 10), ("八分", 8), ("零分", 0), ("两分", 2), ("评分：8", 8), ("打分 9", 9),
    # English
    ("zero", 0), ("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6),
    ("seven", 7), ("eight", 8), ("nine", 9), ("ten", 10),
    ("Eight", 8), ("EIGHT", 8), ("eight points", 8), ("1 point", 1), ("8 pts", 8),
    ("8 out of 10", 8), ("8 of 10", 8), ("eight out of ten", 8), ("ten!", 10),
    # Romanian, with diacritics, without them, and with the cedilla look-alikes
    ("unu", 1), ("una", 1), ("unul", 1), ("doi", 2), ("două", 2), ("doua", 2), ("trei", 3),
    ("patru", 4), ("cinci", 5), ("șase", 6), ("şase", 6), ("sase", 6), ("șapte", 7),
    ("şapte", 7), ("sapte", 7), ("ŞAPTE", 7), ("Șapte", 7), ("opt", 8), ("nouă", 9),
    ("noua", 9), ("zece", 10), ("Zece", 10), ("8 din 10", 8), ("opt din zece", 8),
    ("8 puncte", 8), ("1 punct", 1), ("nota zece", 10), ("nouă.", 9),
]

NOT_A_NUMBER: list[str] = [
    "", "   ", "bine", "good", "很好", "😀", "👍", "8 👍", "?", "/10", "8/", "分",
    "7.5", "7,5", "7.0", "8.5/10", "1e1", "0x8",
    "eight thousand", "10000000000000000000000", "1000000", "eleven", "十一", "二十",
    "十分满意", "十分好", "very", "nota", "score:", "8 9", "8-9", "8 or 9",
    "8/5", "8/100", "8 din 5", "8 of 5", "8 out of",
    "8" * 200, " " * 10_000 + "8",
]


@pytest.mark.parametrize(("text", "value"), ACCEPTED_0_10)
def test_accepted_on_0_to_10(text: str, value: int) -> None:
    assert parse_score(text, 0, 10) == ScoreParse(value, "ok")


@pytest.mark.parametrize("text", NOT_A_NUMBER)
def test_not_a_number(text: str) -> None:
    assert parse_score(text, 0, 10) == ScoreParse(None, "not_a_number")


@pytest.mark.parametrize(
    ("text", "low", "high", "value"),
    [("11", 0, 10, 11), ("-1", 0, 10, -1), ("−1", 0, 10, -1), ("0", 1, 5, 0),
     ("6", 1, 5, 6), ("十", 1, 5, 10), ("十分", 1, 5, 10), ("零分", 1, 5, 0), ("eight", 1, 7, 8),
     ("zece", 1, 5, 10), ("999999", 0, 10, 999999), ("11/10", 0, 10, 11), ("0/5", 1, 5, 0)],
)
def test_out_of_range_keeps_the_number(text: str, low: int, high: int, value: int) -> None:
    assert parse_score(text, low, high) == ScoreParse(value, "out_of_range")


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [("5/5", 1, 5, ScoreParse(5, "ok")), ("3 din 5", 1, 5, ScoreParse(3, "ok")),
     ("8/10", 1, 5, ScoreParse(None, "not_a_number")),
     ("7 out of 7", 1, 7, ScoreParse(7, "ok")), ("7/10", 1, 7, ScoreParse(None, "not_a_number")),
     ("五分", 1, 5, ScoreParse(5, "ok")), ("1", 1, 5, ScoreParse(1, "ok"))],
)
def test_denominator_must_be_the_top_of_the_scale(
    text: str, low: int, high: int, expected: ScoreParse
) -> None:
    assert parse_score(text, low, high) == expected


SCALES = st.sampled_from([(0, 10), (1, 5), (1, 7)])


@given(text=st.text(max_size=120), scale=SCALES)
def test_never_raises_and_values_agree_with_the_problem(
    text: str, scale: tuple[int, int]
) -> None:
    low, high = scale
    parsed = parse_score(text, low, high)
    if parsed.problem == "ok":
        assert parsed.value is not None and low <= parsed.value <= high
    elif parsed.problem == "out_of_range":
        assert parsed.value is not None and not low <= parsed.value <= high
    else:
        assert parsed == ScoreParse(None, "not_a_number")


_PIECES = st.sampled_from(
    ["8", "10", "-", "+", "/", " ", "分", "十", "din", "of", "out", "nota", ":", ".", ",",
     "eight", "zece", "ş", "ă", "０", "1", "\u00a0", "。"]
)


@given(pieces=st.lists(_PIECES, max_size=8), scale=SCALES)
def test_near_misses_never_raise(pieces: list[str], scale: tuple[int, int]) -> None:
    low, high = scale
    parsed = parse_score("".join(pieces), low, high)
    assert parsed.problem in ("ok", "out_of_range", "not_a_number")
    if parsed.problem == "ok":
        assert parsed.value is not None and low <= parsed.value <= high


@given(value=st.integers(min_value=-999_999, max_value=999_999), scale=SCALES)
def test_every_integer_round_trips(value: int, scale: tuple[int, int]) -> None:
    low, high = scale
    expected: Problem = "ok" if low <= value <= high else "out_of_range"
    assert parse_score(str(value), low, high) == ScoreParse(value, expected)
    assert parse_score(f" {value}/{high} ", low, high) == ScoreParse(value, expected)
