"""The trend's reads on SQLite and PostgreSQL: answers per local day from the rollup and from
the raw answers agree, weeks and months start at local midnight in the report zone (DST days
included), empty weeks are points, the periods a trend covers, and (a property) the points
always pool back to the summary of the same days."""

from __future__ import annotations

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
from bot.periods import Period, PeriodError
from bot.reports import build_report
from bot.reports.daily import daily_counts
from bot.reports.figures import headline
from bot.reports.trend import MAX_POINTS, TooManyPoints, build_trend, trend_period
from scoring.trend import Grain, add_counts, pooled
from tests.reporting import Row, store_rows

BUCHAREST = ZoneInfo("Europe/Bucharest")
KOLKATA = ZoneInfo("Asia/Kolkata")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def engine_in(make_settings: Callable[..., Any]) -> Iterator[Callable[[str], Engine]]:
    made: list[Engine] = []

    def make(zone: str) -> Engine:
        engine = build_engine(make_settings(report_timezone=zone))
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.db.dispose()


def test_weeks_start_at_local_midnight_on_monday(engine_in: Callable[[str], Engine]) -> None:
    engine = engine_in("Europe/Bucharest")
    # Summer time starts on Sunday 29 March 2026 at 03:00 local: that day is 23 hours long.
    # A second before and at Monday's local midnight (21:00 UTC on Sunday): two weeks.
    monday = local(BUCHAREST, 2026, 3, 30)
    store_rows(engine, [
        Row("nps", 10, monday - timedelta(seconds=1)), Row("nps", 0, monday),
        Row("nps", 9, local(BUCHAREST, 2026, 3, 29, 3, 30)),  # just after the change
        Row("nps", 8, local(BUCHAREST, 2026, 3, 23)),  # the Monday before, first instant
        Row("nps", 7, local(BUCHAREST, 2026, 4, 1) - timedelta(seconds=1)),  # 31 March
        Row("csat", 5, monday)])
    period = Period(date(2026, 3, 23), date(2026, 4, 12), "range", BUCHAREST)
    with Session(engine.db.read_engine) as session:
        rollup = daily_counts(session, "nps", period, use_rollup=True)
        raw = daily_counts(session, "nps", period, use_rollup=False)
        weeks = build_trend(session, "nps", period, Grain.WEEK)
        months = build_trend(session, "nps", period, Grain.MONTH)
    assert rollup == raw == {date(2026, 3, 23): {8: 1}, date(2026, 3, 29): {10: 1, 9: 1},
                             date(2026, 3, 30): {0: 1}, date(2026, 3, 31): {7: 1}}
    assert [(p.first, p.n) for p in weeks.points] == [
        (date(2026, 3, 23), 3), (date(2026, 3, 30), 2), (date(2026, 4, 6), 0)]
    assert weeks.points[0].figure == pytest.approx(200 / 3)  # 2 promoters, 1 passive
    empty = weeks.points[2]
    assert empty.figure is None and not empty.enough  # an empty week is a point
    assert weeks.headlines[2].n == 0 and weeks.headlines[2].score is None
    assert [(p.first, p.last, p.n) for p in months.points] == [
        (date(2026, 3, 23), date(2026, 3, 31), 5), (date(2026, 4, 1), date(2026, 4, 12), 0)]


def test_raw_answers_dated_in_another_zone_than_the_rollup(
        engine_in: Callable[[str], Engine]) -> None:
    # The rollup counts Kolkata's days; a trend in UTC reads the raw answers (as the summary
    # does) and dates them by UTC days.
    engine = engine_in("Asia/Kolkata")
    sunday_late = local(KOLKATA, 2026, 5, 10, 23, 0)  # 17:30 UTC on Sunday
    monday_early = local(KOLKATA, 2026, 5, 11, 2, 0)  # 20:30 UTC on Sunday
    store_rows(engine, [Row("nps", 10, sunday_late), Row("nps", 0, monday_early)])
    in_kolkata = Period(date(2026, 5, 4), date(2026, 5, 17), "range", KOLKATA)
    in_utc = Period(date(2026, 5, 4), date(2026, 5, 17), "range", ZoneInfo("UTC"))
    with Session(engine.db.read_engine) as session:
        kolkata = build_trend(session, "nps", in_kolkata, Grain.WEEK)
        utc = build_trend(session, "nps", in_utc, Grain.WEEK)
        assert daily_counts(session, "nps", in_utc) == {date(2026, 5, 10): {10: 1, 0: 1}}
    assert [p.n for p in kolkata.points] == [1, 1]
    assert [p.n for p in utc.points] == [2, 0]


def test_which_days_a_trend_covers() -> None:
    now = datetime(2026, 12, 10, 12, tzinfo=UTC)  # a Thursday
    zone = ZoneInfo("UTC")
    weeks = trend_period(None, Grain.WEEK, now, zone)
    assert weeks.label == "26w" and weeks.last == date(2026, 12, 10)
    assert weeks.first == date(2026, 6, 15) and weeks.first.weekday() == 0  # 26 ISO weeks
    months = trend_period(None, Grain.MONTH, now, zone)
    assert (months.first, months.last) == (date(2026, 1, 1), date(2026, 12, 10))  # 12 months
    assert trend_period("90d", Grain.WEEK, now, zone).first == date(2026, 9, 14)
    month = trend_period("2026-10", Grain.WEEK, now, zone)  # kept as typed
    assert (month.first, month.last) == (date(2026, 10, 1), date(2026, 10, 31))
    one_day = trend_period("1d", Grain.MONTH, now, zone)  # no boundary inside: unchanged
    assert one_day.first == one_day.last == date(2026, 12, 10)
    assert trend_period("all", Grain.WEEK, now, zone).first is None
    with pytest.raises(TooManyPoints) as too_many:
        trend_period("3y", Grain.WEEK, now, zone)
    assert too_many.value.count > MAX_POINTS
    assert trend_period("10y", Grain.MONTH, now, zone).first == date(2017, 1, 1)
    with pytest.raises(PeriodError):
        trend_period("soon", Grain.WEEK, now, zone)


def test_all_starts_at_the_first_answers_week(engine_in: Callable[[str], Engine]) -> None:
    engine = engine_in("UTC")
    now = engine.clock()
    store_rows(engine, [Row("ces", 6, now - timedelta(days=20)), Row("ces", 2, now)])
    with Session(engine.db.read_engine) as session:
        got = build_trend(session, "ces", trend_period("all", Grain.WEEK, now,
                                                       engine.report_zone), Grain.WEEK)
        nothing = build_trend(session, "csat", trend_period("all", Grain.MONTH, now,
                                                            engine.report_zone), Grain.MONTH)
    first_day = (now - timedelta(days=20)).date()
    assert got.period.first == first_day - timedelta(days=first_day.weekday())
    assert sum(p.n for p in got.points) == 2 and got.points[0].n == 1
    assert len(nothing.points) == 1 and nothing.points[0].n == 0
    assert nothing.change.verdict is None


# ------------------------------------------------------------------ the property

START = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 9, tzinfo=UTC)


@pytest.fixture(params=["Asia/Kolkata", "America/Santiago"])
def seeded(request: pytest.FixtureRequest, engine_in: Callable[[str], Engine]) -> Engine:
    """A year and a half of answers of all three metrics every 5 h 17 min, and one a second
    either side of each local midnight of a Monday or a 1st."""
    engine = engine_in(request.param)
    tz = engine.report_zone
    rnd = random.Random(11)
    rows = []
    moment = START
    while moment < NOW:
        metric = rnd.choice(["nps", "nps", "csat", "ces"])
        low, high = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}[metric]
        rows.append(Row(metric, rnd.randint(low, high), moment))
        moment += timedelta(hours=5, minutes=17)
    day = START.date()
    while day < NOW.date():
        if day.weekday() == 0 or day.day == 1:
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
            rows += [Row("nps", 10, midnight - timedelta(seconds=1)), Row("nps", 0, midnight)]
        day += timedelta(days=1)
    store_rows(engine, rows)
    engine.clock = lambda: NOW
    return engine


forms = st.one_of(
    st.sampled_from(["all", "ytd", "2026-02", "2025-12"]),
    st.tuples(st.integers(1, 80), st.sampled_from("dwm")).map(lambda v: f"{v[0]}{v[1]}"),
    st.tuples(st.dates(date(2024, 12, 1), date(2026, 6, 30)), st.integers(0, 300)).map(
        lambda v: f"{v[0].isoformat()}..{(v[0] + timedelta(days=v[1])).isoformat()}"),
)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=forms, grain=st.sampled_from(list(Grain)), metric=st.sampled_from(
    ["nps", "csat", "ces"]))
def test_the_points_pool_to_the_summary_of_the_same_days(
        seeded: Engine, text: str, grain: Grain, metric: str) -> None:
    try:
        period = trend_period(text, grain, NOW, seeded.report_zone)
    except TooManyPoints:
        return
    with Session(seeded.db.read_engine) as session:
        got = build_trend(session, metric, period, grain)
        first = got.period.first
        assert first is not None
        same_days = Period(first, got.period.last, "same", seeded.report_zone)
        summary = build_report(session, metric, same_days)
        raw = daily_counts(session, metric, got.period, use_rollup=False)
    assert pooled(got.points) == summary.current == add_counts(raw.values())
    assert headline(metric, pooled(got.points)) == headline(metric, summary.current)
    assert sum(p.n for p in got.points) == sum(summary.current.values())
    for p, h in zip(got.points, got.headlines, strict=True):
        assert h == headline(metric, p.counts)
