"""DIGEST_SCHEDULE: a weekday and a time, its occurrences in a zone's wall time (DST included),
and the settings that read it and ALERT_ESCALATE_AFTER."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.settings import SettingsError, load_settings
from bot.weekly import WeeklyTime, parse_weekly

BUCHAREST = ZoneInfo("Europe/Bucharest")


@pytest.mark.parametrize("text,want", [
    ("mon 09:00", WeeklyTime(0, 9, 0)), ("Monday 9:00", WeeklyTime(0, 9, 0)),
    ("  SUN   23:59 ", WeeklyTime(6, 23, 59)), ("fri 00:05", WeeklyTime(4, 0, 5)),
    ("ｗｅｄ　１２：３０", WeeklyTime(2, 12, 30)),
])
def test_schedules_an_operator_types(text: str, want: WeeklyTime) -> None:
    assert parse_weekly(text) == want
    assert str(parse_weekly(str(want))) == str(want)


@pytest.mark.parametrize("text", ["", "monday", "09:00", "mon 24:00", "mon 9:60", "lun 09:00",
                                  "mon 9", "every monday 09:00"])
def test_bad_schedules_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weekly(text)


def test_occurrences_in_local_wall_time() -> None:
    monday_nine = parse_weekly("mon 09:00")
    # Monday 2 March 2026, 09:00 in Bucharest (UTC+2) is 07:00 UTC.
    begun = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert monday_nine.latest(begun, BUCHAREST) == begun
    assert monday_nine.latest(begun - timedelta(seconds=1), BUCHAREST) == begun - timedelta(
        days=7)
    assert monday_nine.latest(begun + timedelta(days=6, hours=23), BUCHAREST) == begun
    assert monday_nine.following(begun, BUCHAREST) == begun + timedelta(days=7)
    # The week of the change to summer time (29 March 2026): 09:00 is 06:00 UTC from then on.
    assert monday_nine.following(datetime(2026, 3, 24, tzinfo=UTC), BUCHAREST) == datetime(
        2026, 3, 30, 6, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_moves_forward_by_the_gap() -> None:
    # On Sunday 29 March 2026 Bucharest goes from 03:00 to 04:00: 03:30 does not exist.
    sunday = parse_weekly("sun 03:30")
    moment = sunday.latest(datetime(2026, 3, 29, 12, tzinfo=UTC), BUCHAREST)
    assert moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 04:30 summer time
    assert moment.astimezone(BUCHAREST).hour == 4


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)),
       st.integers(0, 6), st.integers(0, 23), st.integers(0, 59),
       st.sampled_from(["UTC", "Europe/Bucharest", "Asia/Shanghai", "America/Santiago",
                        "Asia/Kolkata"]))
def test_every_moment_is_in_exactly_one_period(now: datetime, day: int, hour: int,
                                               minute: int, name: str) -> None:
    zone, schedule = ZoneInfo(name), WeeklyTime(day, hour, minute)
    began = schedule.latest(now, zone)
    ends = schedule.following(now, zone)
    assert began <= now < ends
    assert timedelta(days=6, hours=22) <= ends - began <= timedelta(days=7, hours=2)
    assert schedule.latest(began, zone) == began
    assert began.astimezone(zone).weekday() == day


def test_settings_read_both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALERT_ESCALATE_AFTER", "2d")
    monkeypatch.setenv("DIGEST_SCHEDULE", "Friday 17:30")
    s = load_settings()
    assert s.alert_escalate_after == timedelta(days=2)
    assert s.digest_schedule == "fri 17:30" and s.digest_weekly == WeeklyTime(4, 17, 30)
    monkeypatch.setenv("ALERT_ESCALATE_AFTER", "0")
    monkeypatch.delenv("DIGEST_SCHEDULE")
    s = load_settings()
    assert not s.alert_escalate_after and s.digest_weekly is None
    assert load_settings(alert_escalate_after="90m").alert_escalate_after == timedelta(
        minutes=90)


@pytest.mark.parametrize("var,value", [("ALERT_ESCALATE_AFTER", "soon"),
                                       ("ALERT_ESCALATE_AFTER", "-1h"),
                                       ("ALERT_ESCALATE_AFTER", "86400"),
                                       ("DIGEST_SCHEDULE", "mon 25:00"),
                                       ("DIGEST_SCHEDULE", "weekly")])
def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      var: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=var):
        load_settings()
