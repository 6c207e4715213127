"""REPORT_TIMEZONE: checked at start-up, the daily rollup counted by local day in it, rebuilt once
when it changes (by the process that migrates, while others write), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from bot.app import SchemaOutOfDate, build_engine, prepare_database
from bot.cli import main
from bot.models import Answer, AnswerCount, Respondent, SurveyRun
from bot.settings import SettingsError, load_settings
from bot.store import ROLLUP_ZONE_KEY, add_answer, kv_get, rollup_zone
from tests.reporting import Row, store_rows

# 22:30 UTC on 24 October is 01:30 on the 25th in Bucharest (UTC+3 in summer time) and 04:00 on
# the 25th in Kolkata; 20:00 UTC on 25 October is 22:00 there (UTC+2 after the change).
AT = [datetime(2026, 10, 24, 22, 30, tzinfo=UTC), datetime(2026, 10, 24, 12, 0, tzinfo=UTC),
      datetime(2026, 10, 25, 20, 0, tzinfo=UTC)]
# Each test migrates its database itself: the recount happens in the process that migrates.
pytestmark = pytest.mark.empty_database


def rollup(session: Session) -> dict[str, int]:
    rows = session.exec(select(AnswerCount.day, func.sum(AnswerCount.count))
                        .group_by(AnswerCount.day)).all()
    return {str(day): int(n) for day, n in rows if n}


def expected_rollup(tz: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for moment in AT:
        day = str(moment.astimezone(ZoneInfo(tz)).date())
        out[day] = out.get(day, 0) + 1
    return out


def test_a_bad_zone_stops_start_up(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SettingsError, match="REPORT_TIMEZONE"):
        load_settings(_env_file=None, report_timezone="Europe/Atlantis")
    assert load_settings(_env_file=None, report_timezone=" Asia/Shanghai ").report_timezone == (
        "Asia/Shanghai")
    monkeypatch.setenv("REPORT_TIMEZONE", "UTC+3")
    assert main(["db", "current"]) == 2
    assert "REPORT_TIMEZONE" in capsys.readouterr().err


def test_the_rollup_follows_the_zone(make_settings: Callable[..., Any]) -> None:
    """Built in UTC, then the zone changes: the migrating process recounts once, records the
    zone, and the engine goes on counting new answers in it; a process that does not migrate
    refuses a zone the rollup does not count."""
    engine = build_engine(make_settings())
    try:
        store_rows(engine, [Row("nps", 9, at) for at in AT])
        with Session(engine.db.engine) as s:
            assert rollup(s) == expected_rollup("UTC") == {"2026-10-24": 2, "2026-10-25": 1}
            assert kv_get(session=s, key=ROLLUP_ZONE_KEY) is None and rollup_zone(
                session=s) == "UTC"
    finally:
        engine.db.dispose()
    bucharest = make_settings(report_timezone="Europe/Bucharest")
    with pytest.raises(SchemaOutOfDate, match="REPORT_TIMEZONE: the daily rollup counts days "
                                              "in UTC"):
        prepare_database(bucharest, migrate=False)
    engine = build_engine(bucharest)  # migrates: recounts
    try:
        with Session(engine.db.engine) as s:
            assert rollup(s) == expected_rollup("Europe/Bucharest") == {
                "2026-10-24": 1, "2026-10-25": 2}
            assert rollup_zone(session=s) == "Europe/Bucharest"
        prepare_database(bucharest, migrate=False).dispose()  # agrees now
        store_rows(engine, [Row("nps", 3, datetime(2026, 10, 25, 21, 30, tzinfo=UTC))])
        with Session(engine.db.engine) as s:  # 23:30 on the 25th in Bucharest
            assert rollup(s)["2026-10-25"] == 3
    finally:
        engine.db.dispose()
    kolkata = make_settings(report_timezone="Asia/Kolkata")
    db = prepare_database(kolkata)
    try:
        with Session(db.engine) as s:
            # 17:30 on the 24th, 04:00 on the 25th, 01:30 and 03:00 on the 26th in Kolkata.
            assert rollup(s) == {"2026-10-24": 1, "2026-10-25": 1, "2026-10-26": 2}
        again = prepare_database(kolkata)  # nothing to do the second time
        again.dispose()
    finally:
        db.dispose()


def test_db_upgrade_recounts_the_rollup(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                        make_settings: Callable[..., Any], tmp_path: Any) -> None:
    engine = build_engine(make_settings())
    try:
        store_rows(engine, [Row("csat", 4, at) for at in AT])
    finally:
        engine.db.dispose()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REPORT_TIMEZONE", "Asia/Kolkata")
    assert main(["db", "upgrade"]) == 0
    db = prepare_database(make_settings(report_timezone="Asia/Kolkata"), migrate=False)
    try:
        with Session(db.engine) as s:
            assert rollup(s) == expected_rollup("Asia/Kolkata")
    finally:
        db.dispose()


def _answer(session: Session, at: datetime, key: str) -> Answer:
    person = session.exec(select(Respondent)).first()
    run = session.exec(select(SurveyRun)).first()
    assert person is not None and run is not None
    return Answer(respondent_id=person.id, survey_run_id=run.id,  # type: ignore[arg-type]
                  survey="default", question_key=key, metric="nps", score=7, scale_min=0,
                  scale_max=10, bucket="passive", locale="en", channel="telegram", created_at=at)


def test_rebuild_while_engines_write(postgres_url: str, make_settings: Callable[..., Any]) -> None:
    """PostgreSQL: an engine's transaction that has counted its answer holds the rebuild until it
    commits; an engine that stores an answer during the rebuild waits for the new table and
    counts itself in it.  Nothing is lost or counted twice."""
    utc = make_settings(database_url=postgres_url)
    engine = build_engine(utc)
    try:
        store_rows(engine, [Row("nps", 9, at) for at in AT])
        early = Session(engine.db.engine)  # counted in UTC, not yet committed
        add_answer(session=early, zone=ZoneInfo("UTC"),
                   answer=_answer(early, datetime(2026, 10, 24, 23, 0, tzinfo=UTC), "early"))
        done = threading.Event()
        errors: list[BaseException] = []

        def rebuild() -> None:
            try:
                prepare_database(make_settings(database_url=postgres_url,
                                               report_timezone="Europe/Bucharest")).dispose()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                done.set()

        worker = threading.Thread(target=rebuild)
        worker.start()
        assert not done.wait(1.5)  # waits for the early writer's lock
        early.commit()
        early.close()
        assert done.wait(60) and not errors, errors
        worker.join(timeout=10)
        with Session(engine.db.engine) as s:
            # 23:00 UTC on the 24th is 02:00 on the 25th in Bucharest: recounted there.
            assert rollup(s) == {"2026-10-24": 1, "2026-10-25": 3}

        # Now hold the table as a rebuild does and let an engine store an answer meanwhile.
        holder = Session(engine.db.engine)
        holder.exec(text("LOCK TABLE answer_counts IN EXCLUSIVE MODE"))  # type: ignore[call-overload]
        stored = threading.Event()

        def write() -> None:
            with Session(engine.db.engine) as s:
                add_answer(session=s, zone=ZoneInfo("Europe/Bucharest"),
                           answer=_answer(s, datetime(2026, 10, 26, 10, 0, tzinfo=UTC), "late"))
                s.commit()
            stored.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not stored.wait(1.0)  # blocked by the lock
        holder.commit()
        holder.close()
        assert stored.wait(30)
        writer.join(timeout=10)
        with Session(engine.db.engine) as s:
            assert rollup(s) == {"2026-10-24": 1, "2026-10-25": 3, "2026-10-26": 1}
            raw = s.exec(select(func.count()).select_from(Answer)).one()
            assert sum(rollup(s).values()) == raw == 5
            assert date(2026, 10, 26) in {r.day for r in s.exec(select(AnswerCount))}
    finally:
        engine.db.dispose()
