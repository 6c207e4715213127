"""``survey-bot campaign …`` on SQLite and PostgreSQL: the preview, the list, the figures (text
and JSON) after sends the platform accepted and refused, pause / resume / cancel, the
languages, and every bad value refused in one line with exit status 2 and nothing written."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from adapters.cli import main
from bot.app import build_engine
from bot.audience.customers import CustomerRecord, upsert_customer
from bot.audience.values import typed
from bot.delivery.outbox import Outcome
from bot.models import utcnow
from bot.settings import load_settings


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SEND_WINDOW", "00:00-24:00")
    monkeypatch.setenv("REPORT_TIMEZONE", "Europe/Bucharest")
    for var in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SURVEY_FILE", "MANAGER_LOCALE"):
        monkeypatch.delenv(var, raising=False)
    return database_url


def customers(url: str) -> None:
    """Three pro customers on Telegram, one basic; two on Slack only."""
    engine = create_engine(url)
    with Session(engine) as session:
        for i, (plan, tg, slack) in enumerate([("pro", "9001", None), ("pro", "9002", None),
                                               ("pro", "9003", None), ("basic", "9004", None),
                                               ("pro", None, "US1"), ("pro", None, "US2")]):
            upsert_customer(session=session, now=utcnow(), record=CustomerRecord(
                external_id=f"x{i}", telegram_id=tg, slack_id=slack,
                attributes={"plan": typed(plan, None)}))
        session.commit()
    engine.dispose()


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as c:
        n = int(c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return n


def create(*args: str) -> int:
    return main(["campaign", "create", *args])


def test_create_prints_the_preview(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    customers(env)
    assert create("pro-nps", "--survey", "nps", "--audience", "plan=pro", "--channel",
                  "telegram", "--remind-after", "3d", "--expire-after", "14d") == 0
    out = capsys.readouterr().out
    assert "Campaign pro-nps created: nps on Telegram, starting now." in out
    assert "3 people will receive it." in out
    assert "2 skipped:" in out and "no account on this channel" in out
    assert count(env, "campaigns") == 1 and count(env, "invitations") == 5


def test_create_in_romanian_and_chinese(env: str, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    customers(env)
    assert create("ro", "--survey", "nps", "--channel", "telegram", "--lang", "ro") == 0
    out = capsys.readouterr().out
    assert "4 persoane" in out and "fără cont pe acest canal" in out, out
    monkeypatch.setenv("MANAGER_LOCALE", "zh")
    assert create("zh", "--survey", "nps", "--channel", "telegram", "--cooldown", "0") == 0
    out = capsys.readouterr().out
    assert "4 人" in out, out


def test_a_later_start_is_local_time(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    customers(env)
    later = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert create("later", "--survey", "nps", "--start", f"{later}T09:00") == 0
    assert "(Europe/Bucharest)" in capsys.readouterr().out
    assert main(["campaign", "show", "later", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    local = datetime.fromisoformat(f"{later}T09:00").replace(tzinfo=ZoneInfo("Europe/Bucharest"))
    assert datetime.fromisoformat(shown["start_at"]) == local


def _send(url: str, *, sent: int, refused: int) -> None:
    """One step of the sending side, as a worker takes it; the platform accepts ``sent`` of
    the first questions and refuses ``refused`` for good (the person blocked the bot)."""
    engine = build_engine(load_settings())
    try:
        ids = engine.campaign_tick("telegram", ahead=100)
        assert len(ids) == sent + refused
        claimed = engine.queues.claim("telegram", rates=lambda _row: [], lease=timedelta(
            seconds=30), hold=timedelta(seconds=2), ids=ids)
        engine.queues.record(
            [Outcome(d.id, True, ref=str(d.id)) for d in claimed[:sent]]
            + [Outcome(d.id, False, error="Forbidden: bot was blocked by the user",
                       unreachable=True) for d in claimed[sent:]])
    finally:
        engine.db.dispose()


def test_show_list_and_changes(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    customers(env)
    assert create("shown", "--survey", "nps", "--channel", "telegram") == 0
    _send(env, sent=3, refused=1)
    capsys.readouterr()
    assert main(["campaign", "show", "shown", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["sent"], shown["failed"], shown["answered"]) == (3, 1, 0)
    assert shown["response_rate"] == 0 and sum(shown["failed_reasons"].values()) == 1
    assert shown["skipped"] == {"no_account": 2}
    assert shown["by_channel"]["telegram"]["sent"] == 3
    assert main(["campaign", "show", "shown"]) == 0
    out = capsys.readouterr().out
    for line in ("Response rate", "Failed, by reason:", "unreachable", "Skipped, by reason:",
                 "no account on this channel"):
        assert line in out, out
    assert main(["campaign", "list"]) == 0
    assert "shown" in capsys.readouterr().out
    for action, status in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
        assert main(["campaign", action, "shown"]) == 0
        assert f"Campaign shown is {status}" in capsys.readouterr().out


def test_list_with_no_campaigns(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaign", "list"]) == 0
    assert "No campaigns yet" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "said"), [
    (["--remind-after", "3"], "--remind-after 3: expected a duration such as 30m"),
    (["--expire-after", "0d"], "--expire-after 0d: a duration must be more than zero"),
    (["--remind-after", "1d1d"], "--remind-after 1d1d: expected a duration"),
    (["--start", "tomorrow"], "--start tomorrow: expected a date and time"),
    (["--start", "2020-01-01T09:00"], "--start 2020-01-01T09:00: that moment has passed"),
    (["--reminders", "9"], "--reminders 9: give a number from 0 to 5"),
    (["--cooldown", "-1"], "--cooldown -1: give a number of days from 0 to 3650"),
    (["--audience", "plan"], "--audience: "),
    (["--audience", "revenue>"], "--audience: "),
])
def test_bad_values_change_nothing(env: str, capsys: pytest.CaptureFixture[str],
                                   args: list[str], said: str) -> None:
    customers(env)
    assert create("bad", "--survey", "nps", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"survey-bot: {said}") and err.count("\n") == 1, err
    assert count(env, "campaigns") == 0 and count(env, "invitations") == 0


def test_unknown_survey_name_taken_unknown_campaign(
        env: str, capsys: pytest.CaptureFixture[str]) -> None:
    customers(env)
    assert create("x", "--survey", "bogus") == 2
    err = capsys.readouterr().err
    assert err.startswith("survey-bot: --survey bogus: no such survey; the surveys are ")
    assert "nps" in err and count(env, "campaigns") == 0
    assert create("taken", "--survey", "nps") == 0
    invited = count(env, "invitations")
    assert create("taken", "--survey", "csat") == 2
    assert capsys.readouterr().err.endswith(
        "survey-bot: a campaign named taken exists already; choose another name\n")
    assert count(env, "campaigns") == 1 and count(env, "invitations") == invited
    for command in (["show", "nobody"], ["pause", "nobody"], ["cancel", "nobody"]):
        assert main(["campaign", *command]) == 2
        assert capsys.readouterr().err == ("survey-bot: no campaign is named nobody; "
                                           "`survey-bot campaign list` shows them\n")
    assert main(["campaign", "cancel", "taken"]) == 0
    capsys.readouterr()
    assert main(["campaign", "resume", "taken"]) == 2
    assert capsys.readouterr().err.startswith("survey-bot: campaign taken is cancelled")
