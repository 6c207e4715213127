"""Property: every period the parser accepts gives a summary on SQLite and PostgreSQL, and its
counts (and the counts of the span it compares with) equal a ``COUNT(*)`` over the raw answers
between bounds this test computes itself, from the local dates with zoneinfo, not with the code
under test."""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from bot.app import build_engine
from bot.engine import Engine
from bot.i18n import translator
from bot.periods import PeriodError, parse_period
from bot.reports import build_report, manager_command, render_report
from tests.reporting import Row, raw_counts, store_rows

FIRST, LAST = datetime(2024, 12, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)
EXAMPLES = 25  # per database and zone: the suite stays fast


def answer_times(tz: ZoneInfo) -> list[datetime]:
    """Every 7 h 13 min over the span, plus a second either side of every local midnight in
    the months where DST changes (March, April, September, October) and of each month's first."""
    times = []
    moment = FIRST
    while moment < LAST:
        times.append(moment)
        moment += timedelta(hours=7, minutes=13)
    day = FIRST.date()
    while day < LAST.date():
        if day.month in (3, 4, 9, 10) or day.day == 1:
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
            times += [midnight - timedelta(seconds=1), midnight]
        day += timedelta(days=1)
    return times


@pytest.fixture(params=["Europe/Bucharest", "Asia/Kolkata"])
def seeded(request: pytest.FixtureRequest, make_settings: Callable[..., Any]
           ) -> Iterator[Engine]:
    engine = build_engine(make_settings(report_timezone=request.param))
    rnd = random.Random(7)
    store_rows(engine, [Row("nps", rnd.randrange(11), at) for at in answer_times(
        engine.report_zone)])
    yield engine
    engine.db.dispose()


# ------------------------------------------------------------------ the test's own definitions


def months_back(day: date, months: int) -> date:
    """The same date ``months`` earlier, on the month's last day when it is shorter."""
    year, month = day.year, day.month
    for _ in range(months):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expected_days(form: tuple[str, Any], today: date
                  ) -> tuple[date | None, date, tuple[date, date] | None]:
    """(first, last, compared span) by the README's definitions."""
    kind, value = form
    one = timedelta(days=1)
    if kind == "all":
        return None, today, None
    if kind in ("today", "yesterday"):
        day = today if kind == "today" else today - one
        return day, day, (day - one, day - one)
    if kind in ("d", "w"):
        n = value * (7 if kind == "w" else 1)
        first = today - timedelta(days=n - 1)
        return first, today, (first - timedelta(days=n), first - one)
    if kind in ("m", "y"):
        n = value * (12 if kind == "y" else 1)
        first = months_back(today, n) + one
        return first, today, (months_back(first - one, n) + one, first - one)
    if kind == "ytd":
        return date(today.year, 1, 1), today, (date(today.year - 1, 1, 1),
                                               months_back(today, 12))
    if kind == "month":
        year, month = value
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        before = months_back(first, 1)
        return first, last, (before, first - one)
    first, last = value if kind == "range" else (value, value)
    span = (last - first).days + 1
    return first, last, (first - timedelta(days=span), first - one)


def bounds(first: date | None, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight before ``first`` and after ``last``, in UTC, straight from zoneinfo."""
    start = FIRST - timedelta(days=400) if first is None else datetime(
        first.year, first.month, first.day, tzinfo=tz).astimezone(UTC)
    after = last + timedelta(days=1)
    return start, datetime(after.year, after.month, after.day, tzinfo=tz).astimezone(UTC)


dates = st.dates(min_value=date(2024, 11, 1), max_value=date(2027, 8, 1))
forms = st.one_of(
    st.tuples(st.sampled_from(["today", "yesterday", "ytd", "all"]), st.none()),
    st.tuples(st.just("d"), st.integers(1, 400)),
    st.tuples(st.just("w"), st.integers(1, 60)),
    st.tuples(st.just("m"), st.integers(1, 30)),
    st.tuples(st.just("y"), st.integers(1, 3)),
    st.tuples(st.just("month"), st.tuples(st.integers(2024, 2027), st.integers(1, 12))),
    st.tuples(st.just("day"), dates),
    st.tuples(st.just("range"), st.tuples(dates, dates).map(sorted).map(tuple)),
)


def spelled(form: tuple[str, Any], draw_sep: str, upper: bool) -> str:
    kind, value = form
    if kind in ("d", "w", "m", "y"):
        text = f"{value}{kind}"
    elif kind == "month":
        text = f"{value[0]}-{value[1]:02d}"
    elif kind == "day":
        text = value.isoformat()
    elif kind == "range":
        text = f"{value[0].isoformat()}{draw_sep}{value[1].isoformat()}"
    else:
        text = kind
    return text.upper() if upper else text


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=forms, sep=st.sampled_from(["..", " .. ", "...", ":", " "]), upper=st.booleans(),
       now=st.datetimes(min_value=datetime(2025, 3, 1), max_value=datetime(2027, 6, 1),
                        timezones=st.just(UTC)))
def test_every_accepted_period_counts_what_count_star_counts(
    seeded: Engine, form: tuple[str, Any], sep: str, upper: bool, now: datetime,
) -> None:
    tz = seeded.report_zone
    text = spelled(form, sep, upper)
    today = now.astimezone(tz).date()
    first, last, compare = expected_days(form, today)
    try:
        period = parse_period(text, now, tz)
    except PeriodError as exc:
        assert first is not None and first > today and exc.code == "in_future", (text, exc.code)
        return
    assert first is None or first <= today, text
    assert (period.first, period.last) == (first, last), text
    with Session(seeded.db.read_engine) as s:
        report = build_report(s, "nps", period)
        reply = manager_command(s, "nps", f"summary {text}", translator("ro"), now, "/nps",
                                zone=tz)
    assert report.current == raw_counts(seeded, "nps", *bounds(first, last, tz)), text
    if compare is None:
        assert report.previous is None
    else:
        assert report.previous == raw_counts(seeded, "nps", *bounds(*compare, tz)), text
    assert render_report(report, translator("zh")).startswith("NPS 汇总")
    assert reply.startswith("Rezumat NPS"), reply
