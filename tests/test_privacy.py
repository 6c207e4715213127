"""A person's own data: complete deletion with the posted alerts redacted, no survey from a
manager afterwards until the person comes back, and an export of everything in their language."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from bot.app import build_engine
from bot.engine import Engine
from bot.messages import AlertPost, AlertUpdate, EditPressed, ReplyFile, SendTo
from bot.models import (
    Alert,
    AlertNote,
    Answer,
    AnswerCount,
    Erasure,
    Respondent,
    SurveyRun,
    utcnow,
)
from tests.helpers import Person, of_type, texts

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(console_manager=True))
    now = [NOW]
    eng.clock = lambda: now[0]
    eng.now = now  # type: ignore[attr-defined]
    yield eng
    eng.db.dispose()


def count(engine: Engine, model: type) -> int:
    with Session(engine.db.read_engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def detractor_with_alert(engine: Engine, user: str, ref: str | None) -> tuple[Person, int]:
    """A customer who answered 2 with a comment; the alert posted at ``ref`` (or not posted)."""
    p = Person(engine, user, name="Ion Popescu", locale_hint="ro")
    p.command("start")
    alert_id = of_type(p.press_score(2), AlertPost)[0].alert_id
    if ref is not None:
        engine.set_alert_ref(alert_id, ref)
    p.say("Livrarea a întârziat")
    return p, alert_id


def test_delete_removes_everything_and_redacts_posted_alerts(engine: Engine) -> None:
    kept, kept_alert = detractor_with_alert(engine, "stays", "alerts:1")
    gone, gone_alert = detractor_with_alert(engine, "leaves", "alerts:2")
    boss = Person(engine, "console-manager", name="Ana")
    boss.press(f"al:{gone_alert}:reply")  # a pending reply to the alert that goes away
    boss.press(f"al:{gone_alert}:claim")
    engine.now[0] += timedelta(minutes=5)  # type: ignore[attr-defined]
    gone.name = "Ion P."  # a changed name and last_seen are written in the same event
    gone.command("delete_my_data")
    out = gone.press("del:yes")
    assert "1 răspuns" in texts(out)
    redactions = of_type(out, AlertUpdate)
    assert [(r.alert_id, r.ref, r.choices) for r in redactions] == [(gone_alert, "alerts:2", ())]
    assert "deleted at their request" in redactions[0].text  # in MANAGER_LOCALE (en)
    assert of_type(out, EditPressed)
    with Session(engine.db.read_engine) as s:
        users = [r.platform_user_id for r in s.exec(select(Respondent))]
        assert "leaves" not in users and "stays" in users
        assert [a.respondent_id for a in s.exec(select(Answer))] == [
            r.id for r in s.exec(select(Respondent).where(Respondent.platform_user_id == "stays"))]
        assert [a.id for a in s.exec(select(Alert))] == [kept_alert]
        assert all(n.alert_id == kept_alert for n in s.exec(select(AlertNote)))
        assert {r.survey_run_id for r in s.exec(select(Answer))} == {
            r.id for r in s.exec(select(SurveyRun))}
        manager = s.exec(select(Respondent).where(
            Respondent.platform_user_id == "console-manager")).one()
        assert manager.pending_alert_id is None
        # The rollup forgot the answer too: one NPS answer counted, the one that stayed.
        counted = s.exec(select(func.sum(AnswerCount.count)).where(
            AnswerCount.metric == "nps")).one()
        assert counted == 1
        # What remains of them is a keyed hash, not their id.
        subjects = [e.subject for e in s.exec(select(Erasure))]
        assert len(subjects) == 1 and "leaves" not in subjects[0] and len(subjects[0]) == 64
    assert count(engine, Erasure) == 1
    assert kept.engine is engine


def test_an_alert_never_posted_is_not_posted_to_be_redacted(engine: Engine) -> None:
    gone, _ = detractor_with_alert(engine, "quiet", None)
    gone.command("delete_my_data")
    out = gone.press("del:yes")
    assert of_type(out, AlertUpdate) == []


def test_no_survey_from_a_manager_after_deletion_until_they_come_back(
        engine: Engine, make_settings: Callable[..., Any]) -> None:
    p = Person(engine, "erased")
    p.command("start")
    p.say("9")
    p.command("delete_my_data")
    p.press("del:yes")
    assert engine.start_survey_for(channel="console", user_id="erased") == []
    with Session(engine.db.read_engine) as s:  # and no profile was made again for them
        assert s.exec(select(Respondent).where(
            Respondent.platform_user_id == "erased")).first() is None
    p.say("hello?")  # talking to the bot is not opting in again
    assert engine.start_survey_for(channel="console", user_id="erased") == []
    assert "recommend" in texts(p.command("start"))  # their own /start is
    # ... and the survey they started is not interrupted; once abandoned, a new one may come.
    assert engine.start_survey_for(channel="console", user_id="erased") == []
    engine.clock = lambda: utcnow() + timedelta(days=4)
    sent = engine.start_survey_for(channel="console", user_id="erased")
    assert len(sent) == 1 and isinstance(sent[0], SendTo)
    assert count(engine, Erasure) == 0


def test_the_operator_may_survey_erased_people_again(make_settings: Callable[..., Any]) -> None:
    eng = build_engine(make_settings(resurvey_erased=True))
    try:
        p = Person(eng, "again")
        p.command("start")
        p.command("delete_my_data")
        p.press("del:yes")
        assert len(eng.start_survey_for(channel="console", user_id="again")) == 1
    finally:
        eng.db.dispose()


def test_export_holds_profile_answers_and_replies_in_the_persons_language(
        engine: Engine) -> None:
    other = Person(engine, "other", name="Someone Else")
    other.command("start")
    other.say("0")
    other.say("Secret complaint")
    customer = Person(engine, "curious", name="王芳", locale_hint="zh-CN")
    customer.command("start")
    alert_id = of_type(customer.press_score(1), AlertPost)[0].alert_id
    customer.say("送货太慢了")
    customer.say("2")
    boss = Person(engine, "console-manager", name="Ana")
    boss.press(f"al:{alert_id}:reply")
    boss.say("非常抱歉，我们今天给您打电话。")
    out = customer.command("export_my_data")
    files = of_type(out, ReplyFile)
    assert len(files) == 1 and files[0].filename == "my-data.json"
    assert files[0].caption == "这是我们保存的关于您的全部数据的副本。"
    data = json.loads(files[0].content)
    assert data["个人资料"]["姓名"] == "王芳" and data["个人资料"]["语言"] == "简体中文"
    assert data["个人资料"]["渠道"] == "控制台"
    assert [(a["评分"], a["评论"], a["指标"]) for a in data["回答"]] == [
        (1, "送货太慢了", "NPS"), (2, None, "CSAT")]
    assert [r["内容"] for r in data["我们团队的回复"]] == ["非常抱歉，我们今天给您打电话。"]
    assert data["导出时间"] == NOW.isoformat()
    assert data["我们团队的回复"][0]["发件人"] == "Ana"
    dumped = json.dumps(data, ensure_ascii=False)
    assert "Someone Else" not in dumped and "Secret complaint" not in dumped


def test_erasure_key_is_made_once(engine: Engine) -> None:
    for user in ("a1", "a2"):
        p = Person(engine, user)
        p.command("start")
        p.command("delete_my_data")
        p.press("del:yes")
    with engine.db.engine.connect() as conn:
        keys = conn.execute(text("SELECT count(*) FROM kv WHERE key = 'privacy.erasure_key'"))
        assert keys.scalar() == 1
    assert count(engine, Erasure) == 2
