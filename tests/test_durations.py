"""Durations and start moments as the campaign CLI reads them (bot/durations.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.durations import TimeInputError, parse_duration, parse_moment

BUCHAREST = ZoneInfo("Europe/Bucharest")


@pytest.mark.parametrize(("text", "expected"), [
    ("3d", timedelta(days=3)), ("12h", timedelta(hours=12)), ("30m", timedelta(minutes=30)),
    ("1d12h", timedelta(days=1, hours=12)), ("2w", timedelta(weeks=2)),
    ("45s", timedelta(seconds=45)), ("1.5h", timedelta(minutes=90)),
    (" 1D 12H ", timedelta(days=1, hours=12)), ("３ｄ", timedelta(days=3)),
    ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
])
def test_durations_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", "bad_duration"), ("3", "bad_duration"), ("d", "bad_duration"),
    ("3 days", "bad_duration"), ("12h1d", "bad_duration"), ("1d1d", "bad_duration"),
    ("-3d", "bad_duration"), ("3x", "bad_duration"), ("1e3d", "bad_duration"),
    ("0d", "duration_zero"), ("0h0m", "duration_zero"), ("3651d", "duration_too_long"),
])
def test_bad_durations_refused(text: str, code: str) -> None:
    with pytest.raises(TimeInputError) as caught:
        parse_duration(text)
    assert caught.value.code == code and caught.value.value == text


def test_a_start_without_offset_is_local_time() -> None:
    # 09:00 in Bucharest in December is 07:00 UTC (EET, +02:00).
    assert parse_moment("2026-12-02T09:00", BUCHAREST) == datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert parse_moment("2026-12-02 09:00", BUCHAREST) == datetime(2026, 12, 2, 7, tzinfo=UTC)
    # In July it is EEST, +03:00.
    assert parse_moment("2026-07-02T09:00", BUCHAREST) == datetime(2026, 7, 2, 6, tzinfo=UTC)
    assert parse_moment("2026-12-02", BUCHAREST) == datetime(2026, 12, 1, 22, tzinfo=UTC)


def test_an_offset_wins_over_the_zone() -> None:
    assert parse_moment("2026-12-02T09:00+00:00", BUCHAREST) == datetime(
        2026, 12, 2, 9, tzinfo=UTC)
    assert parse_moment("2026-12-02T09:00Z", BUCHAREST) == datetime(2026, 12, 2, 9, tzinfo=UTC)


def test_dst_gaps_and_repeats() -> None:
    # 29 March 2026, 03:00 → 04:00 in Bucharest: 03:30 does not exist; it moves on by the gap.
    assert parse_moment("2026-03-29T03:30", BUCHAREST) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC)
    # 25 October 2026, 04:00 → 03:00: 03:30 happens twice; the first is meant.
    assert parse_moment("2026-10-25T03:30", BUCHAREST) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01T09:00", "2026-12-02T25:00", "",
                                  "09:00"])
def test_bad_moments_refused(text: str) -> None:
    with pytest.raises(TimeInputError) as caught:
        parse_moment(text, BUCHAREST)
    assert caught.value.code == "bad_moment"
