"""Report periods: the days of every form, the span each compares with, errors, time zones and
DST, and the local-day helpers the rollup shares with them."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.localdays import day_start, local_day, offset_spans, zone
from bot.periods import (
    ERROR_CODES,
    FORMS,
    MAX_DAYS,
    UTC_ZONE,
    Period,
    PeriodError,
    parse_period,
)

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # a Tuesday
BUCHAREST = ZoneInfo("Europe/Bucharest")
KOLKATA = ZoneInfo("Asia/Kolkata")
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date


def days(text: str, now: datetime = NOW, tz: ZoneInfo = UTC_ZONE
         ) -> tuple[tuple[date | None, date], tuple[date, date] | None]:
    period = parse_period(text, now, tz)
    return (period.first, period.last), period.compare


@pytest.mark.parametrize(
    ("text", "span", "compare", "label"),
    [("today", (D(2026, 12, 1), D(2026, 12, 1)), (D(2026, 11, 30), D(2026, 11, 30)), "today"),
     ("yesterday", (D(2026, 11, 30),) * 2, (D(2026, 11, 29),) * 2, "yesterday"),
     ("7d", (D(2026, 11, 25), D(2026, 12, 1)), (D(2026, 11, 18), D(2026, 11, 24)), "7d"),
     ("30d", (D(2026, 11, 2), D(2026, 12, 1)), (D(2026, 10, 3), D(2026, 11, 1)), "30d"),
     (None, (D(2026, 11, 2), D(2026, 12, 1)), (D(2026, 10, 3), D(2026, 11, 1)), "30d"),
     ("90d", (D(2026, 9, 3), D(2026, 12, 1)), (D(2026, 6, 5), D(2026, 9, 2)), "90d"),
     ("12w", (D(2026, 9, 9), D(2026, 12, 1)), (D(2026, 6, 17), D(2026, 9, 8)), "12w"),
     ("6m", (D(2026, 6, 2), D(2026, 12, 1)), (D(2025, 12, 2), D(2026, 6, 1)), "6m"),
     ("1m", (D(2026, 11, 2), D(2026, 12, 1)), (D(2026, 10, 2), D(2026, 11, 1)), "1m"),
     ("1y", (D(2025, 12, 2), D(2026, 12, 1)), (D(2024, 12, 2), D(2025, 12, 1)), "1y"),
     ("ytd", (D(2026, 1, 1), D(2026, 12, 1)), (D(2025, 1, 1), D(2025, 12, 1)), "ytd"),
     ("2026-10", (D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 9, 1), D(2026, 9, 30)), "2026-10"),
     ("2026-3", (D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 2, 1), D(2026, 2, 28)), "2026-03"),
     ("2026-12", (D(2026, 12, 1), D(2026, 12, 31)), (D(2026, 11, 1), D(2026, 11, 30)),
      "2026-12"),
     ("2026-10-15", (D(2026, 10, 15),) * 2, (D(2026, 10, 14),) * 2, "2026-10-15"),
     ("2026-01-01..2026-03-31", (D(2026, 1, 1), D(2026, 3, 31)),
      (D(2025, 10, 3), D(2025, 12, 31)), "2026-01-01..2026-03-31"),
     ("all", (None, D(2026, 12, 1)), None, "all")],
)
def test_every_form_has_its_days_and_its_comparison(
    text: str | None, span: tuple[date | None, date], compare: tuple[date, date] | None,
    label: str,
) -> None:
    period = parse_period(text, NOW)
    assert ((period.first, period.last), period.compare, period.label) == (span, compare, label)
    if compare is not None:
        before = period.previous()
        assert before is not None and (before.first, before.last) == compare
        assert before.end == period.start or text in ("ytd",)  # ytd compares with last year


def test_every_form_help_names_is_accepted() -> None:
    for form in FORMS:
        assert parse_period(form, NOW).label == form


@pytest.mark.parametrize(
    ("text", "label"),
    [("7D", "7d"), (" 7 d ", "7d"), ("007d", "7d"), ("７ｄ", "7d"), ("Today", "today"),
     ("YTD", "ytd"), ("All", "all"), ("all-time", "all"), ("2026-01-01..2026-03-31", None),
     ("2026-01-01 .. 2026-03-31", None), ("2026-01-01 ..2026-03-31", None),
     ("2026-01-01...2026-03-31", None), ("2026-01-01:2026-03-31", None),
     ("2026-01-01 2026-03-31", None), ("2026-01-01–2026-03-31", None),
     ("2026-1-1..2026-3-31", None), ("２０２６－０１－０１..２０２６－０３－３１", None)],
)
def test_spellings(text: str, label: str | None) -> None:
    assert parse_period(text, NOW).label == (label or "2026-01-01..2026-03-31")


def test_calendar_months_clamp_to_shorter_months() -> None:
    # Six months ending 31 August start on 1 March; one month ending 31 March starts on 1 March.
    assert days("6m", datetime(2026, 8, 31, tzinfo=UTC))[0] == (D(2026, 3, 1), D(2026, 8, 31))
    assert days("1m", datetime(2026, 3, 31, tzinfo=UTC))[0] == (D(2026, 3, 1), D(2026, 3, 31))
    # A year ending on 29 February 2028 starts on 1 March 2027; ytd compares with 28 Feb.
    assert days("1y", datetime(2028, 2, 29, tzinfo=UTC))[0] == (D(2027, 3, 1), D(2028, 2, 29))
    assert days("ytd", datetime(2028, 2, 29, tzinfo=UTC))[1] == (D(2027, 1, 1), D(2027, 2, 28))
    assert days("10y")[0] == (D(2016, 12, 2), D(2026, 12, 1))  # 3652 days: allowed
    assert days("120m")[0][0] == D(2016, 12, 2)
    assert days("400d")[0] == (D(2025, 10, 28), D(2026, 12, 1))  # more days than 11 years' months


def test_a_period_is_whole_local_days_in_the_report_zone() -> None:
    # 10:30 UTC on 1 December is 12:30 in Bucharest and 18:30 in Shanghai: still 1 December;
    # 23:30 UTC on 1 December is already 2 December in both.
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert days("today", late, BUCHAREST)[0] == (D(2026, 12, 2),) * 2
    assert days("today", late, ZoneInfo("UTC"))[0] == (D(2026, 12, 1),) * 2
    period = parse_period("30d", NOW, SHANGHAI)
    assert period.start == datetime(2026, 11, 1, 16, 0, tzinfo=UTC)  # 2 Nov, 00:00 in Shanghai
    assert period.end == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # the next local midnight
    assert period.start.tzinfo is UTC and period.end.tzinfo is UTC
    assert parse_period("7d", NOW.astimezone(KOLKATA), BUCHAREST) == parse_period(
        "7d", NOW, BUCHAREST)


def test_dst_days_are_23_or_25_hours() -> None:
    # Bucharest leaves summer time on 25 October 2026 at 04:00 (to 03:00) and enters it on
    # 29 March 2026 at 03:00 (to 04:00).
    autumn = parse_period("2026-10-25", NOW, BUCHAREST)
    assert autumn.start == datetime(2026, 10, 24, 21, 0, tzinfo=UTC)
    assert autumn.end == datetime(2026, 10, 25, 22, 0, tzinfo=UTC)
    spring = parse_period("2026-03-29", NOW, BUCHAREST)
    assert spring.end is not None and spring.start is not None
    assert spring.end - spring.start == timedelta(hours=23)
    october = parse_period("2026-10", NOW, BUCHAREST)
    assert october.start is not None
    assert october.end - october.start == timedelta(days=31, hours=1)
    # Asia/Kolkata (+5:30): a day starts at 18:30 UTC the day before.
    assert parse_period("2026-10-15", NOW, KOLKATA).start == datetime(
        2026, 10, 14, 18, 30, tzinfo=UTC)


def test_a_day_without_midnight_starts_when_the_clock_jumps() -> None:
    # Chile springs forward at 24:00 on 5 September 2026: 6 September starts at 01:00 (-03),
    # which is 04:00 UTC; local_day agrees that 03:59:59 UTC is still the 5th.
    santiago = ZoneInfo("America/Santiago")
    start = day_start(D(2026, 9, 6), santiago)
    assert start == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
    assert local_day(start, santiago) == D(2026, 9, 6)
    assert local_day(start - timedelta(seconds=1), santiago) == D(2026, 9, 5)


def test_future_and_past() -> None:
    assert days("2026-12-01")[0] == (D(2026, 12, 1),) * 2  # today: started already
    assert days("2026-11-15..2027-01-31")[0][1] == D(2027, 1, 31)  # may run past today
    for text in ("2026-12-02", "2027-01", "2026-12-02..2026-12-31", "9999-12-31"):
        with pytest.raises(PeriodError) as err:
            parse_period(text, NOW)
        assert err.value.code == "in_future"
    assert parse_period("0001-01-01", datetime(1, 1, 2, 12, tzinfo=UTC)).previous() is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("lastweek", "bad_format"), ("30", "bad_format"), ("d", "bad_format"), ("-7d", "bad_format"),
     ("7.5d", "bad_format"), ("7h", "bad_format"), ("2026-13-01x", "bad_format"),
     ("20260101", "bad_format"), ("2026-01-01..", "bad_format"), ("x" * 1000, "bad_format"),
     ("2026-10..2026-12", "bad_format"), ("2026-02-30", "bad_date"), ("2026-13-01", "bad_date"),
     ("2026-01-01..2026-02-30", "bad_date"), ("2026-13", "bad_date"), ("2026-00", "bad_date"),
     ("0d", "empty"), ("0w", "empty"), ("000y", "empty"), ("0m", "empty"),
     (f"{MAX_DAYS + 1}d", "too_long"), ("522w", "too_long"), ("121m", "too_long"),
     ("11y", "too_long"), ("99999999999999999999d", "too_long"), ("99999999999m", "too_long"),
     ("2010-01-01..2026-01-01", "too_long"),
     ("2026-03-31..2026-01-01", "end_before_start"), ("2026-01-02 2026-01-01", "end_before_start"),
     ("2027-01-01", "in_future")],
)
def test_errors_have_a_code_and_a_message(text: str, code: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text, NOW)
    assert err.value.code == code
    assert str(err.value)
    assert isinstance(err.value, ValueError)


def test_bad_format_says_what_is_expected() -> None:
    with pytest.raises(PeriodError, match=r"expected today, yesterday, 7d.*all$"):
        parse_period("last week", NOW)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_period("7d", datetime(2026, 11, 24, 12, 30))


def test_period_rejects_an_end_before_its_start() -> None:
    with pytest.raises(ValueError):
        Period(D(2026, 1, 2), D(2026, 1, 1), "x")


@given(text=st.text(max_size=80))
def test_arbitrary_text_gives_a_period_or_a_period_error(text: str) -> None:
    try:
        period = parse_period(text, NOW, BUCHAREST)
    except PeriodError as exc:
        assert exc.code in ERROR_CODES
        return
    assert period.end.tzinfo is UTC
    if period.first is not None and period.start is not None:
        assert period.first <= D(2026, 12, 1)
        assert period.start < period.end
        assert (period.days or 0) <= MAX_DAYS


@given(count=st.integers(min_value=1, max_value=MAX_DAYS), unit=st.sampled_from("dwmy"),
       now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1),
                        timezones=st.just(UTC)))
def test_rolling_periods_end_today_and_compare_with_what_touches_them(
    count: int, unit: str, now: datetime,
) -> None:
    too_long = (count * {"d": 1, "w": 7}[unit] > MAX_DAYS if unit in "dw"
                else count * {"m": 1, "y": 12}[unit] > 120)
    try:
        period = parse_period(f"{count}{unit}", now, BUCHAREST)
    except PeriodError as exc:
        assert exc.code == "too_long" and too_long
        return
    assert not too_long
    today = now.astimezone(BUCHAREST).date()
    assert period.last == today and period.first is not None
    if unit in "dw":
        assert period.days == count * (7 if unit == "w" else 1)
    before = period.previous()
    assert before is not None and before.last + timedelta(days=1) == period.first
    assert before.end == period.start
    if unit in "dw":
        assert before.days == period.days


def brute_force_day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first whole minute (UTC) whose local date is ``day``, searched minute by minute."""
    moment = datetime.combine(day, time(), tzinfo=UTC) - timedelta(hours=15)
    while moment.astimezone(tz).date() < day:
        moment += timedelta(minutes=1)
    return moment


@pytest.mark.parametrize("name", ["UTC", "Europe/Bucharest", "Asia/Kolkata", "Asia/Shanghai",
                                  "America/Santiago", "Pacific/Chatham", "America/St_Johns"])
def test_day_start_and_offset_spans_agree_with_zoneinfo(name: str) -> None:
    tz = zone(name)
    for day in (D(2026, 3, 29), D(2026, 4, 5), D(2026, 9, 6), D(2026, 9, 27), D(2026, 10, 25),
                D(2026, 11, 1), D(2026, 12, 1)):
        assert day_start(day, tz) == brute_force_day_start(day, tz), day
    lo, hi = datetime(2025, 12, 30, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC)
    spans = offset_spans(tz, lo, hi)
    assert spans[0][0] == lo and spans[-1][1] == hi
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    for start, end, offset in spans:
        assert start < end
        for moment in (start, end - timedelta(seconds=1), start + (end - start) / 2):
            assert moment.astimezone(tz).utcoffset() == timedelta(seconds=offset)
    changes = len(spans) - 1
    assert changes == {"UTC": 0, "Asia/Kolkata": 0, "Asia/Shanghai": 0}.get(name, 2)


def test_zone_names_are_checked() -> None:
    assert zone("Asia/Kolkata").key == "Asia/Kolkata"
    for bad in ("Mars/Olympus", "", "../etc/passwd", "Europe/"):
        with pytest.raises(ValueError, match="IANA"):
            zone(bad)
