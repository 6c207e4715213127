"""Response rates in summaries, on SQLite and PostgreSQL, against hand counts of the world in
``tests/rates_world.py`` (REPORT_TIMEZONE Europe/Bucharest, now 24 Nov 2026 12:00 UTC, so
``30d`` is 26 Oct – 24 Nov local: 25 Oct 22:00 UTC up to 24 Nov 22:00 UTC).

NPS, 30d.  Invitations of NPS surveys (spring: nps; mixed: default, which asks NPS and CSAT;
the draft "preview" asks nobody) sent in the period: spring i1 i2 (answered) i3 i4, i8 (sent at
the period's first instant), i10 i10b, mixed i11 (answered) i12 → 9 sent, 3 answered: 33 %.
i9, sent one second before the period, is left out (its answer, inside the period, is not).
Not sent: i5 failed, one planned an hour ago (waiting); skipped and cancelled ones asked nobody.
Answers: i1 10, i2 3, i9 8, i11 9 after an invitation; 9, 7, 0, 8 on their own → n = 8: 4 + 4.

by channel: telegram n 5 (3 invited), sent 7, answered 2, failed 1 · slack n 2 (1), sent 2,
answered 1 · console n 1 (0), no invitation · not known yet: the planned one (waiting 1).
by language (the person's): en n 5 (2), sent 6, answered 1, failed 1 · zh n 2 (1), sent 1,
answered 1 · ro n 1 (1), sent 2, answered 1 · not known yet: waiting 1.
by campaign: spring n 4 (3), sent 7, answered 2, failed 1, waiting 1 · no campaign n 3 (0), no
invitation · mixed n 1 (1), sent 2, answered 1.
CSAT, 30d: mixed i11 (answered) i12, help i13 (answered) i14 → 4 sent, 2 answered: 50 %;
answers 5 and 4 after an invitation, 2 on its own → n = 3: 2 + 1.  CES: no invitation → no
line.  NPS today: none sent yet, one waiting.  NPS on 20 Nov: i10, sent one second before the
day ended, 0 of 1 answered; i10b, sent at midnight, belongs to 21 Nov.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.app import build_engine
from bot.campaign_tables import Invitation
from bot.cli import main
from bot.engine import Engine
from bot.i18n import translator
from bot.models import Answer, SurveyRun
from bot.periods import parse_period
from bot.reports import CSV_HEADER, build_report, csv_rows, render_report, report_dict
from tests.helpers import Person
from tests.rates_world import seed_world

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
EDGES = {"start": datetime(2026, 10, 25, 22, 0, tzinfo=UTC),
         "before_start": datetime(2026, 10, 25, 21, 59, 59, tzinfo=UTC),
         "day_end": datetime(2026, 11, 20, 22, 0, tzinfo=UTC),
         "before_day_end": datetime(2026, 11, 20, 21, 59, 59, tzinfo=UTC)}
ZONE = "Europe/Bucharest"


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(report_timezone=ZONE))
    seed_world(eng, NOW, edges=EDGES)
    yield eng
    eng.db.dispose()


def report(engine: Engine, metric: str, period: str, by: str | None = None,
           now: datetime = NOW) -> Any:
    with Session(engine.db.read_engine) as s:
        return build_report(s, metric, parse_period(period, now, engine.report_zone), by,
                            surveys=engine.surveys)


def response(sent: int, answered: int, rate: float | None, failed: int = 0,
             waiting: int = 0) -> dict[str, Any]:
    return {"sent": sent, "answered": answered, "rate": rate, "failed": failed,
            "waiting": waiting}


def test_the_period_counts_what_was_sent_in_it(engine: Engine) -> None:
    nps = report(engine, "nps", "30d")
    data = report_dict(nps)
    assert (data["n"], data["n_invited"], data["n_own"]) == (8, 4, 4)
    assert data["response"] == response(9, 3, 0.33, failed=1, waiting=1)
    assert "response" not in data["previous"]  # the compared span shows its answers only
    text = render_report(nps, translator("en"))
    assert "n = 8: 4 after an invitation, 4 on their own" in text
    assert "Response rate: 33% (3 of 9 invitations sent were answered)." in text
    assert "1 invitation could not be sent." in text
    assert "1 invitation is waiting to be sent." in text
    ro = render_report(nps, translator("ro"))
    assert "n = 8: 4 răspunsuri după o invitație, 4 din proprie inițiativă" in ro
    assert ("Rata de răspuns: 33\xa0% (s-a răspuns la 3 din 9 invitații trimise)." in ro)
    assert "1 invitație nu a putut fi trimisă." in ro
    zh = render_report(nps, translator("zh"))
    assert "n = 8：4 条在邀请后回答，4 条为主动回答" in zh
    assert "回答率：33%（已发送 9 份邀请，其中 3 份得到回答）。" in zh

    csat = report_dict(report(engine, "csat", "30d"))
    assert (csat["n"], csat["n_invited"], csat["n_own"]) == (3, 2, 1)
    assert csat["response"] == response(4, 2, 0.5)
    ces = report(engine, "ces", "30d")
    assert report_dict(ces)["response"] is None and report_dict(ces)["n_invited"] == 0
    ces_text = render_report(ces, translator("en"))
    assert "Response rate" not in ces_text and "on their own" not in ces_text


def test_period_edges_in_the_report_zone(engine: Engine) -> None:
    day = report(engine, "nps", "2026-11-20")
    assert report_dict(day)["response"] == response(1, 0, 0.0)
    text = render_report(day, translator("en"))
    assert "No answers in this period yet." in text
    assert "Response rate: 0% (0 of 1 invitation sent was answered)." in text
    assert "n = " not in text  # no answers to tell apart
    assert report_dict(report(engine, "nps", "2026-11-21"))["response"]["sent"] == 3  # i1 i2 i10b
    today = report(engine, "nps", "today")
    assert report_dict(today)["response"] == response(0, 0, None, waiting=1)
    text = render_report(today, translator("en"))
    assert "Response rate: no invitation sent in this period yet." in text
    assert "1 invitation is waiting to be sent." in text and "0%" not in text
    assert report_dict(report(engine, "csat", "today"))["response"] is None


def segments(engine: Engine, by: str) -> dict[str, tuple[int, int, Any]]:
    data = report_dict(report(engine, "nps", "30d", by))
    return {s["key"]: (s["n"], s["n_invited"], s["response"]) for s in data["segments"]}


def test_per_channel_language_and_campaign(engine: Engine) -> None:
    assert segments(engine, "channel") == {
        "telegram": (5, 3, response(7, 2, 0.29, failed=1)),
        "slack": (2, 1, response(2, 1, 0.5)),
        "console": (1, 0, None),
        "": (0, 0, response(0, 0, None, waiting=1)),
    }
    assert segments(engine, "language") == {
        "en": (5, 2, response(6, 1, 0.17, failed=1)),
        "zh": (2, 1, response(1, 1, 1.0)),
        "ro": (1, 1, response(2, 1, 0.5)),
        "": (0, 0, response(0, 0, None, waiting=1)),
    }
    assert segments(engine, "campaign") == {
        "spring": (4, 3, response(7, 2, 0.29, failed=1, waiting=1)),
        "": (3, 0, None),
        "mixed": (1, 1, response(2, 1, 0.5)),
    }
    split = report(engine, "nps", "30d", "channel")
    assert [key for key, _ in split.segments] == ["telegram", "slack", "console", ""]
    text = render_report(split, translator("en"))
    telegram = text.split("▸ Telegram")[1].split("▸ Slack")[0]
    assert "n = 5: 3 after an invitation, 2 on their own" in telegram
    assert "Response rate: 29% (2 of 7 invitations sent were answered)." in telegram
    console = text.split("▸ console")[1].split("▸ ")[0]
    assert "n = 1: 0 after an invitation, 1 on their own" in console
    assert "Response rate" not in console
    assert "▸ not known yet\nNo answers in this period yet.\nResponse rate: no invitation" in text


def test_csv_carries_the_same_figures(engine: Engine) -> None:
    rows = csv_rows(report(engine, "nps", "30d", "campaign"))
    assert tuple(rows[0]) == CSV_HEADER
    at = {name: i for i, name in enumerate(CSV_HEADER)}
    by_segment = {row[at["segment"]]: row for row in rows[1:]}
    spring = by_segment["spring"]
    assert [spring[at[k]] for k in ("n", "n_invited", "n_own", "sent", "answered",
                                    "response_rate", "failed", "waiting")] == [
        4, 3, 1, 7, 2, 0.29, 1, 1]
    none = by_segment[""]
    assert [none[at[k]] for k in ("n_invited", "n_own", "sent", "response_rate")] == [0, 3, "",
                                                                                     ""]
    whole = csv_rows(report(engine, "nps", "today"))[1]
    assert [whole[at[k]] for k in ("n", "sent", "response_rate", "waiting")] == [0, 0, "", 1]


def test_an_answer_to_an_invitation_through_the_engine_is_counted_as_invited(
        engine: Engine) -> None:
    person = Person(engine, "invited-1")
    person.command("start")  # the run a campaign's feeder would start, tied to an invitation
    with Session(engine.db.engine) as s:
        run = s.exec(select(SurveyRun).order_by(col(SurveyRun.id).desc())).first()
        invitation = s.exec(select(Invitation)).first()
        assert run is not None and invitation is not None
        run.invitation_id = invitation_id = invitation.id
        s.add(run)
        s.commit()
    before = report_dict(report(engine, "nps", "all", now=engine.clock()))
    person.press_score(10)
    after = report_dict(report(engine, "nps", "all", now=engine.clock()))
    assert (after["n"], after["n_invited"]) == (before["n"] + 1, before["n_invited"] + 1)
    with Session(engine.db.read_engine) as s:
        answer = s.exec(select(Answer).order_by(col(Answer.id).desc())).first()
    assert answer is not None and answer.invitation_id == invitation_id


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        engine: Engine, capsys: pytest.CaptureFixture[str]
        ) -> Callable[..., tuple[int, str]]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REPORT_TIMEZONE", ZONE)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    import bot.models

    monkeypatch.setattr(bot.models, "utcnow", lambda: NOW)

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["summary", *args])
        return code, capsys.readouterr().out
    return run


def test_survey_bot_summary_text_json_and_csv(cli: Callable[..., tuple[int, str]]) -> None:
    code, out = cli("--metric", "nps", "--period", "30d", "--by", "channel", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["response"] == response(9, 3, 0.33, failed=1, waiting=1)
    assert data["segments"][0]["key"] == "telegram"
    assert data["segments"][0]["response"] == response(7, 2, 0.29, failed=1)
    code, out = cli("--metric", "csat", "--period", "30d", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {(r["n_invited"], r["n_own"], r["sent"], r["answered"],
                           r["response_rate"]) for r in rows} == {("2", "1", "4", "2", "0.5")}
    code, out = cli("--metric", "nps", "--period", "30d", "--by", "campaign")
    assert code == 0
    assert "Invited" in out and "/ own" in out and "Response" in out  # headings may wrap
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("spring"))
    assert "3 / 1" in lines[at] and "29%" in lines[at] and "(2/7)" in " ".join(lines[at:at + 2])
    assert "Response rate: 33% (3 of 9 invitations sent were answered)." in out
    code, out = cli("--metric", "ces", "--period", "30d")
    assert code == 0 and "Response rate" not in out and "Invited" not in out


async def test_get_api_v1_summary_carries_the_rates(make_settings: Callable[..., Any]) -> None:
    from tests.test_api import TOKEN, serve

    settings = make_settings(api_token=TOKEN, report_timezone=ZONE)
    engine = build_engine(settings)
    try:
        now = engine.clock()
        seed_world(engine, now)  # the same world, a day's edges aside: see the module's counts
        async for site in serve(engine, settings):
            status, body, _ = await site.get("/api/v1/summary?metric=nps&period=30d&by=campaign")
            assert status == 200, body
            assert (body["n_invited"], body["n_own"]) == (4, 4)
            assert body["response"]["answered"] == 3 and body["response"]["failed"] == 1
            spring = next(s for s in body["segments"] if s["key"] == "spring")
            assert spring["n_invited"] == 3 and spring["response"]["waiting"] == 1
            status, body, _ = await site.get("/api/v1/summary?metric=ces&period=30d")
            assert status == 200 and body["response"] is None and body["n_own"] == 2
    finally:
        engine.db.dispose()


def test_the_raw_rows_and_a_recounted_rollup_tell_the_same(engine: Engine) -> None:
    from bot.store import ROLLUP_ZONE_KEY, kv_set, rebuild_counts

    def figures() -> list[tuple[int, int, Any]]:
        out = []
        for by in (None, "channel", "language", "campaign"):
            data = report_dict(report(engine, "nps", "30d", by))
            out.append((data["n"], data["n_invited"], data["response"]))
            out += [(s["n"], s["n_invited"], s["response"]) for s in data.get("segments", [])]
        return out

    from_rollup = figures()
    with Session(engine.db.engine) as s:  # the rollup counts another zone's days: raw rows
        kv_set(session=s, key=ROLLUP_ZONE_KEY, value="Asia/Tokyo")
        s.commit()
    assert figures() == from_rollup
    with Session(engine.db.engine) as s:  # recounted from the answers, invited ones apart
        rebuild_counts(session=s, zone=engine.report_zone)
        s.commit()
    assert figures() == from_rollup
