"""Report periods: boundaries, the previous period, errors and time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.periods import MAX_DAYS, Period, PeriodError, parse_period

NOW = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
DAY = timedelta(days=1)


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "days", "label"),
    [(None, 30, "30d"), ("", 30, "30d"), ("  ", 30, "30d"), ("7d", 7, "7d"), ("30d", 30, "30d"),
     ("90d", 90, "90d"), ("12w", 84, "12w"), ("6m", 180, "6m"), ("1y", 365, "1y"),
     ("7D", 7, "7d"), (" 7 d ", 7, "7d"), ("007d", 7, "7d"), ("７ｄ", 7, "7d"),
     (f"{MAX_DAYS}d", MAX_DAYS, f"{MAX_DAYS}d"), ("10y", 3650, "10y")],
)
def test_rolling_periods_end_now(text: str | None, days: int, label: str) -> None:
    period = parse_period(text, NOW)
    assert period == Period(NOW - timedelta(days=days), NOW, label)


def test_all_time() -> None:
    period = parse_period("All", NOW)
    assert period == Period(None, NOW, "all")
    assert period.previous() is None


def test_today_and_ytd_are_whole_utc_days() -> None:
    assert parse_period("today", NOW) == Period(utc(2026, 11, 24), utc(2026, 11, 25), "today")
    assert parse_period("YTD", NOW) == Period(utc(2026, 1, 1), utc(2026, 11, 25), "ytd")
    assert parse_period("today", NOW).previous() == Period(
        utc(2026, 11, 23), utc(2026, 11, 24), "2026-11-23")


@pytest.mark.parametrize(
    "text",
    ["2026-01-01..2026-03-31", "2026-01-01:2026-03-31", "2026-01-01 2026-03-31",
     "2026-01-01 .. 2026-03-31", "2026-01-01...2026-03-31", "2026-01-01–2026-03-31",
     "2026-1-1..2026-3-31", "２０２６－０１－０１..２０２６－０３－３１"],
)
def test_date_range_includes_the_end_date(text: str) -> None:
    period = parse_period(text, NOW)
    assert period == Period(utc(2026, 1, 1), utc(2026, 4, 1), "2026-01-01..2026-03-31")


def test_single_day_and_one_day_range() -> None:
    day = Period(utc(2026, 3, 5), utc(2026, 3, 6), "2026-03-05")
    assert parse_period("2026-03-05", NOW) == day
    assert parse_period("2026-03-05..2026-03-05", NOW) == day
    assert parse_period("2024-02-29", NOW).end == utc(2024, 3, 1)
    assert parse_period("2025-12-31", NOW).end == utc(2026, 1, 1)


def test_a_range_may_run_past_now_but_not_start_after_it() -> None:
    assert parse_period("2026-11-01..2026-12-31", NOW).end == utc(2027, 1, 1)
    assert parse_period("2026-11-24", NOW).start == utc(2026, 11, 24)  # today, started already
    with pytest.raises(PeriodError) as err:
        parse_period("2026-11-25", NOW)
    assert err.value.code == "in_future"


def test_previous_has_equal_length_and_touches() -> None:
    period = parse_period("30d", NOW)
    before = period.previous()
    assert before == Period(NOW - 60 * DAY, NOW - 30 * DAY, "previous 30d")
    q1 = parse_period("2026-01-01..2026-03-31", NOW).previous()
    assert q1 == Period(utc(2025, 10, 3), utc(2026, 1, 1), "2025-10-03..2025-12-31")
    assert parse_period("0001-01-01", datetime(1, 1, 2, tzinfo=UTC)).previous() is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("lastweek", "bad_format"), ("30", "bad_format"), ("d", "bad_format"), ("-7d", "bad_format"),
     ("7.5d", "bad_format"), ("7h", "bad_format"), ("2026-13-01x", "bad_format"),
     ("20260101", "bad_format"), ("2026-01-01..", "bad_format"), ("x" * 1000, "bad_format"),
     ("2026-02-30", "bad_date"), ("2026-13-01", "bad_date"), ("2026-01-01..2026-02-30", "bad_date"),
     ("0d", "empty"), ("0w", "empty"), ("000y", "empty"),
     (f"{MAX_DAYS + 1}d", "too_long"), ("522w", "too_long"), ("122m", "too_long"),
     ("11y", "too_long"), ("99999999999999999999d", "too_long"),
     ("2010-01-01..2026-01-01", "too_long"),
     ("2026-03-31..2026-01-01", "end_before_start"), ("2026-01-02 2026-01-01", "end_before_start"),
     ("2027-01-01", "in_future"), ("2026-12-01..2026-12-31", "in_future"),
     ("9999-12-31", "in_future")],
)
def test_errors_have_a_code_and_a_message(text: str, code: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text, NOW)
    assert err.value.code == code
    assert str(err.value)
    assert isinstance(err.value, ValueError)


def test_bad_format_says_what_is_expected() -> None:
    with pytest.raises(PeriodError, match=r"expected 7d, 30d.*2026-01-01\.\.2026-03-31"):
        parse_period("last week", NOW)


def test_now_must_be_aware_and_is_made_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_period("7d", datetime(2026, 11, 24, 12, 30))
    bucharest = NOW.astimezone(timezone(timedelta(hours=2)))
    period = parse_period("7d", bucharest)
    assert period == parse_period("7d", NOW)
    assert period.end.tzinfo is UTC and period.start is not None and period.start.tzinfo is UTC
    # "today" is the UTC day: 01:00 in Bucharest on the 25th is still the 24th in UTC.
    late = datetime(2026, 11, 25, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert parse_period("today", late).start == utc(2026, 11, 24)


def test_period_rejects_naive_or_empty_intervals() -> None:
    with pytest.raises(ValueError):
        Period(datetime(2026, 1, 1), NOW, "x")
    with pytest.raises(ValueError):
        Period(NOW, NOW, "x")
    with pytest.raises(ValueError):
        Period(None, NOW.astimezone(timezone(timedelta(hours=2))), "x")


@given(text=st.text(max_size=80))
def test_arbitrary_text_gives_a_period_or_a_period_error(text: str) -> None:
    try:
        period = parse_period(text, NOW)
    except PeriodError as exc:
        assert exc.code in (
            "bad_format", "bad_date", "empty", "end_before_start", "too_long", "in_future")
        return
    assert period.end.tzinfo is UTC
    if period.start is not None:
        assert period.start < period.end
        assert period.start <= NOW
        assert period.end - period.start <= timedelta(days=MAX_DAYS)


@given(days=st.integers(min_value=1, max_value=MAX_DAYS),
       unit=st.sampled_from([("d", 1), ("w", 7), ("m", 30), ("y", 365)]))
def test_rolling_lengths_and_previous(days: int, unit: tuple[str, int]) -> None:
    letter, size = unit
    count = max(1, days // size)
    period = parse_period(f"{count}{letter}", NOW)
    assert period.start is not None and period.end == NOW
    assert period.end - period.start == timedelta(days=count * size)
    before = period.previous()
    assert before is not None and before.start is not None and before.end == period.start
    assert before.end - before.start == period.end - period.start
