"""After the loop is closed (docs/alerts.md): the customer of a resolved alert is asked whether
the problem is solved (RECOVERY_QUESTION), a Yes is recorded, a No opens the alert again, a
question is answered once; who is not asked; typed answers; and ``/nps alerts stats`` figures
checked by hand on a small fixture with an injected clock.  On SQLite and PostgreSQL, the
engine driven as a Telegram channel without sending (the outbox rows are read); the real
python-telegram-bot and slack-bolt stacks: tests/telegram/test_recovery.py,
tests/slack/test_slack_recovery.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot import buttons, privacy
from bot.app import build_engine
from bot.delivery import codec
from bot.engine import Engine
from bot.messages import (
    AlertPost,
    AlertUpdate,
    EditPressed,
    Notice,
    Outbound,
    Reply,
    ReplyFile,
    SendTo,
)
from bot.models import Alert, AlertNote, OutboxMessage
from tests.helpers import Person, of_type

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MANAGER = "900"


@pytest.fixture
def engines(make_settings: Callable[..., Any]) -> Iterator[Callable[..., Engine]]:
    made: list[Engine] = []

    def make(**overrides: Any) -> Engine:
        settings = make_settings(**{
            "telegram_bot_token": "1:x", "telegram_alert_chat_id": "-1001",
            "telegram_manager_ids": MANAGER, "recovery_question": True, **overrides})
        engine = build_engine(settings)
        now = [NOW]
        engine.clock = lambda: now[0]
        engine.now = now  # type: ignore[attr-defined]
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.db.dispose()


@pytest.fixture
def engine(engines: Callable[..., Engine]) -> Engine:
    return engines()


def at(engine: Engine, moment: datetime) -> None:
    engine.now[0] = moment  # type: ignore[attr-defined]


def customer(engine: Engine, user: str, locale: str = "en", name: str = "") -> Person:
    return Person(engine, user, channel="telegram", locale_hint=locale, name=name or user,
                  deliver=False)


def detractor(engine: Engine, person: Person, score: int = 2) -> int:
    person.command("start")
    [post] = of_type(person.press_score(score), AlertPost)
    return int(post.alert_id)


def manager(engine: Engine) -> Person:
    return Person(engine, MANAGER, channel="telegram", name="Maria Popescu", deliver=False)


def act(engine: Engine, alert_id: int, action: buttons.AlertAction) -> list[Outbound]:
    return manager(engine).press(buttons.encode(buttons.Alert(alert_id, action)))


def resolve(engine: Engine, alert_id: int) -> list[Outbound]:
    return act(engine, alert_id, buttons.AlertAction.RESOLVE)


def question(said: list[Outbound]) -> SendTo:
    [asked] = of_type(said, SendTo)
    return asked


def notes(engine: Engine, alert_id: int) -> list[str]:
    with Session(engine.db.read_engine) as s:
        return [n.kind for n in s.exec(select(AlertNote).where(AlertNote.alert_id == alert_id)
                                       .order_by(col(AlertNote.id)))]


def alert_row(engine: Engine, alert_id: int) -> Alert:
    with Session(engine.db.read_engine) as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        return alert


def test_yes_is_recorded_and_a_second_press_changes_nothing(engine: Engine) -> None:
    ana = customer(engine, "301", "en", "Ana")
    alert_id = detractor(engine, ana)
    said = resolve(engine, alert_id)
    assert of_type(said, Notice)[0].text == (
        "Marked as resolved. We asked Ana whether the problem is solved.")
    asked = question(said)
    assert (asked.channel, asked.user_id) == ("telegram", "301")
    assert asked.text == ("Our team has marked the problem you told us about as resolved. Is it "
                          "solved for you?")
    assert [c.label for c in asked.choices] == ["Yes, it is solved", "No, it is not solved"]
    with Session(engine.db.read_engine) as s:
        asked_id = s.exec(select(AlertNote.id).where(AlertNote.kind == "asked")).one()
    assert [buttons.decode(c.value) for c in asked.choices] == [
        buttons.Recovery(asked_id, True), buttons.Recovery(asked_id, False)]
    [update] = of_type(said, AlertUpdate)
    assert "❔ Asked the customer whether the problem is solved: no answer yet." in update.text
    assert update.choices == ()

    said = ana.press(asked.choices[0].value)
    assert of_type(said, EditPressed)[0].text.endswith("\nYour answer: Yes, it is solved")
    assert of_type(said, Reply)[0].text == (
        "Thank you for letting us know. We are glad the problem is solved.")
    [update] = of_type(said, AlertUpdate)
    assert "✅ The customer says the problem is solved." in update.text
    assert "Status: resolved by Maria Popescu" in update.text
    assert notes(engine, alert_id) == ["resolve", "asked", "solved"]

    for value in (asked.choices[0].value, asked.choices[1].value):
        said = ana.press(value)
        assert said == [Notice("This question has already been answered.")]
    assert notes(engine, alert_id) == ["resolve", "asked", "solved"]
    assert alert_row(engine, alert_id).status == "resolved"
    [exported] = of_type(ana.command("export_my_data"), ReplyFile)
    assert json.loads(exported.content)["answers to “is the problem solved?”"] == [
        {"answered at": NOW.isoformat(), "solved": True}]


def test_no_reopens_the_alert_and_the_old_question_stays_answered(engine: Engine) -> None:
    ion = customer(engine, "302", "ro", "Ion")
    alert_id = detractor(engine, ion)
    at(engine, NOW + timedelta(hours=1))
    act(engine, alert_id, buttons.AlertAction.CLAIM)
    at(engine, NOW + timedelta(hours=2))
    first = question(resolve(engine, alert_id))
    assert first.text.startswith("Echipa noastră a marcat ca rezolvată problema")
    assert [c.label for c in first.choices] == ["Da, s-a rezolvat", "Nu, nu s-a rezolvat"]

    at(engine, NOW + timedelta(hours=3))
    said = ion.press(first.choices[1].value)
    assert of_type(said, Reply)[0].text == (
        "Vă mulțumim că ne-ați spus. Am redeschis problema, iar echipa noastră vă va contacta "
        "din nou.")
    [update] = of_type(said, AlertUpdate)
    assert "↩️ The customer says the problem is not solved: the alert is open again." in (
        update.text)
    assert "Status: open" in update.text
    assert [c.label for c in update.choices] == ["Claim", "Reply", "Resolved"]
    alert = alert_row(engine, alert_id)
    assert (alert.status, alert.assignee, alert.resolved_by, alert.resolved_at) == (
        "open", None, None, None)
    assert alert.claimed_at == NOW + timedelta(hours=1), "the first claim is kept"

    listed = manager(engine).command("nps", "alerts")
    assert any(c.label == f"Claim #{alert_id}" for c in of_type(listed, Reply)[0].choices)
    at(engine, NOW + timedelta(hours=4))
    assert of_type(act(engine, alert_id, buttons.AlertAction.CLAIM), Notice) == [
        Notice("You claimed this alert.")]
    assert alert_row(engine, alert_id).claimed_at == NOW + timedelta(hours=1)
    second = question(resolve(engine, alert_id))
    assert second.choices[0].value != first.choices[0].value
    assert ion.press(first.choices[0].value) == [
        Notice("Ați răspuns deja la această întrebare.")]
    ion.press(second.choices[0].value)
    assert notes(engine, alert_id) == ["claim", "resolve", "asked", "unsolved", "claim",
                                       "resolve", "asked", "solved"]
    assert alert_row(engine, alert_id).status == "resolved"


def test_a_reopened_alert_is_not_posted_again_as_unclaimed(
        engines: Callable[..., Engine]) -> None:
    engine = engines(alert_escalate_after="24h")
    li = customer(engine, "303", "zh", "李娜")
    alert_id = detractor(engine, li)
    at(engine, NOW + timedelta(hours=2))
    ask = question(resolve(engine, alert_id))
    assert ask.text == "我们的团队已将您反馈的问题标记为已解决。请问您的问题确实解决了吗？"
    li.press(ask.choices[1].value)
    at(engine, NOW + timedelta(days=3))
    assert engine.escalate_alerts() == []
    assert alert_row(engine, alert_id).status == "open"


def test_only_the_customer_answers_and_a_question_of_deleted_data_is_inactive(
        engine: Engine) -> None:
    ana = customer(engine, "304", "en", "Ana")
    alert_id = detractor(engine, ana)
    ask = question(resolve(engine, alert_id))
    other = customer(engine, "305", "en", "Bob")
    assert other.press(ask.choices[1].value) == [Notice("These buttons are not yours.")]
    forged = ask.choices[0].value.replace(":yes", ":maybe")
    assert ana.press(forged) == [Notice("These buttons are no longer active.")]
    assert alert_row(engine, alert_id).status == "resolved"
    ana.command("delete_my_data")
    ana.press(buttons.encode(buttons.ConfirmDelete(True)))
    assert ana.press(ask.choices[1].value) == [Notice("These buttons are no longer active.")]


def test_nobody_is_asked_with_the_setting_off(engines: Callable[..., Engine]) -> None:
    engine = engines(recovery_question=False)
    alert_id = detractor(engine, customer(engine, "306"))
    said = resolve(engine, alert_id)
    assert of_type(said, SendTo) == []
    assert of_type(said, Notice) == [Notice("Marked as resolved.")]
    assert notes(engine, alert_id) == ["resolve"]
    assert "Asked the customer" not in of_type(said, AlertUpdate)[0].text


def test_opted_out_unreachable_or_erased_customers_are_not_asked(engine: Engine) -> None:
    stopped = customer(engine, "307", "en", "Stopped")
    stopped_alert = detractor(engine, stopped)
    stopped.command("stop")
    gone = customer(engine, "308", "en", "Gone")
    gone_alert = detractor(engine, gone)
    engine.mark_unreachable("telegram", "308")
    erased = customer(engine, "309", "en", "Erased")
    erased_alert = detractor(engine, erased)
    with Session(engine.db.engine) as s:  # a tombstone beside a live row (an old erasure)
        privacy.record_erasure(session=s, channel="telegram", user_id="309", at=NOW)
        s.commit()
    for alert_id, name in ((stopped_alert, "Stopped"), (gone_alert, "Gone"),
                           (erased_alert, "Erased")):
        said = resolve(engine, alert_id)
        assert of_type(said, SendTo) == [], name
        assert of_type(said, Notice) == [Notice(
            f"Marked as resolved. {name} is not asked whether it is solved: they opted out or "
            "cannot be reached.")]
        assert notes(engine, alert_id) == ["resolve"]
        assert alert_row(engine, alert_id).status == "resolved"


def test_typed_answers_while_the_question_is_the_latest_thing_asked(engine: Engine) -> None:
    ion = customer(engine, "310", "ro", "Ion")
    alert_id = detractor(engine, ion)
    ion.say("Livrarea a întârziat")  # the follow-up comment; the CSAT question comes next
    at(engine, NOW + timedelta(hours=1))
    resolve(engine, alert_id)  # asked after the survey's question: a typed no answers it
    said = ion.say("Nu, nu s-a rezolvat!")
    assert of_type(said, Reply)[0].text.startswith("Vă mulțumim că ne-ați spus.")
    assert alert_row(engine, alert_id).status == "open"
    with Session(engine.db.read_engine) as s:
        typed = s.exec(select(AlertNote).where(AlertNote.kind == "unsolved")).one()
    assert typed.text == "Nu, nu s-a rezolvat!" and typed.author == "Ion"
    said = ion.say("nu")  # answered already: the words go to the survey's open question
    assert of_type(said, Reply)[0].text == (
        "Nu am înțeles. Vă rog să răspundeți cu un număr de la 1 la 5.")

    wang = customer(engine, "311", "zh", "王芳")
    wang_alert = detractor(engine, wang)
    wang.say("太慢了")
    at(engine, NOW + timedelta(hours=2))
    resolve(engine, wang_alert)
    at(engine, NOW + timedelta(hours=3))
    wang.command("start")  # the survey's question asked again after "solved?"
    said = wang.say("是")
    assert of_type(said, Reply)[0].text == "抱歉，我没有理解您的意思。请回复 1 到 5 之间的数字。"
    assert alert_row(engine, wang_alert).status == "resolved"
    assert "solved" not in notes(engine, wang_alert)


def test_a_reopened_alert_tells_the_webhook(engines: Callable[..., Engine]) -> None:
    engine = engines(webhook_url="https://hooks.example.com/survey",
                     webhook_secret="s3cret-s3cret-s3cret")
    ana = customer(engine, "312", "en", "Ana")
    alert_id = detractor(engine, ana)
    ask = question(resolve(engine, alert_id))
    ana.press(ask.choices[1].value)
    with Session(engine.db.read_engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                      .order_by(col(OutboxMessage.id)))
        events = [json.loads(codec.loads(r.kind, r.payload).body) for r in rows]  # type: ignore[union-attr]
    reopened = [e for e in events if e["type"] == "alert.reopened"]
    assert len(reopened) == 1
    assert reopened[0]["data"]["alert"] == {"id": alert_id, "status": "open", "assignee": None,
                                            "resolved_by": None, "resolved_at": None}


def test_alert_stats_by_hand(engine: Engine) -> None:
    """Seven alerts, the clock stepped by hand; six raised in the last 30 days (A6 is older).

    ====  ======  ==================  ===================  ============
    name  raised  claimed (first)     resolved now         said
    ====  ======  ==================  ===================  ============
    A1    -10 d   +1 h                +5 h                 yes
    A2    -9 d    +3 h                (reopened)           no
    A3    -8 d    +2 h (resolved)     +2 h                 no answer
    A4    -7 d    +30 min             —                    —
    A5    -6 d    —                   —                    —
    A6    -40 d   +1 h                +2 h                 yes (outside the period)
    A7    -5 d    +4 h (resolved)     +4 h                 not asked (opted out)
    ====  ======  ==================  ===================  ============

    Claimed 5, median of 0.5, 1, 2, 3, 4 h = 2 hours; resolved 3, median of 2, 4, 5 h = 4 hours;
    asked 3, said yes 1: 33 %, Wilson 95 % (1 of 3) = 6.1 %–79.2 %.
    """
    people = {name: customer(engine, f"40{i}", "en", name)
              for i, name in enumerate(("A1", "A2", "A3", "A4", "A5", "A6", "A7"))}
    raised = {"A1": -10, "A2": -9, "A3": -8, "A4": -7, "A5": -6, "A6": -40, "A7": -5}
    ids: dict[str, int] = {}
    for name, days in raised.items():
        at(engine, NOW + timedelta(days=days))
        ids[name] = detractor(engine, people[name])

    def step(name: str, hours: float, action: buttons.AlertAction) -> list[Outbound]:
        at(engine, NOW + timedelta(days=raised[name], hours=hours))
        return act(engine, ids[name], action)

    claim, done = buttons.AlertAction.CLAIM, buttons.AlertAction.RESOLVE
    step("A1", 1, claim)
    people["A1"].press(question(step("A1", 5, done)).choices[0].value)
    step("A2", 3, claim)
    people["A2"].press(question(step("A2", 24, done)).choices[1].value)
    question(step("A3", 2, done))
    step("A4", 0.5, claim)
    step("A6", 1, claim)
    people["A6"].press(question(step("A6", 2, done)).choices[0].value)
    people["A7"].command("stop")
    assert of_type(step("A7", 4, done), SendTo) == []

    at(engine, NOW)
    said = manager(engine).command("nps", "alerts stats 30d")
    assert of_type(said, Reply)[0].text.splitlines() == [
        "Alerts · 30d (Nov 1\u2009–\u200930, 2026)",
        "Raised: 6 · claimed: 5 · resolved: 3",
        "Median time to claim: 2 hours (n = 5)",
        "Median time to resolve: 4 hours (n = 3)",
        "Recovery rate: 33% of the customers asked say the problem is solved (95% confidence "
        "interval 6%–79%; n = 3) ⚠ too few to trust",
        "Solved: 1 · not solved (opened again): 1 · no answer yet: 1",
        "Counted: the alerts raised in the period; claimed: taken by a manager (claimed, "
        "replied to or resolved); resolved: resolved now. The rate counts each alert by its "
        "customer's answer to the latest question."]
    alltime = of_type(manager(engine).command("nps", "alerts stats all"), Reply)[0].text
    assert "Raised: 7 · claimed: 6 · resolved: 4" in alltime
    assert "Recovery rate: 50% of the customers asked" in alltime and "n = 4)" in alltime
    assert "Median time to resolve: 3 hours (n = 4)" in alltime  # 2, 2, 4, 5 h


def test_alert_stats_words(engine: Engine) -> None:
    boss = manager(engine)
    empty = of_type(boss.command("nps", "alerts stats 7d"), Reply)[0].text
    assert empty.splitlines() == ["Alerts · 7d (Nov 24\u2009–\u200930, 2026)",
                                  "No alert was raised in this period."]
    bad = of_type(boss.command("nps", "alerts stats soon"), Reply)[0].text
    assert bad.startswith("I did not understand the period “soon”. Use one of: today,")
    customer(engine, "501", "en").command("start")
    stranger = customer(engine, "502", "ro")
    assert of_type(stranger.command("nps", "alerts stats"), Reply)[0].text == (
        "Ne pare rău, această comandă este disponibilă doar pentru manageri.")
    ion = customer(engine, "503", "en", "Ion")
    alert_id = detractor(engine, ion)
    resolve(engine, alert_id)
    boss.command("language", "zh")
    zh = of_type(boss.command("nps", "alerts stats"), Reply)[0].text.splitlines()
    assert zh[0] == "预警 · 30d（2026年11月1日至30日）"
    assert zh[1] == "新增：1 · 已认领：1 · 已解决：1"
    assert zh[2] == "认领所需时间中位数：0分钟（n = 1）"
    assert zh[4].startswith(
        "补救成功率：在被询问的客户中，0% 表示问题已解决（95% 置信区间 0%–79%；n = 1）")
    help_text = of_type(boss.command("help"), Reply)[0].text
    assert "/nps alerts stats [时间段] — 新增、已认领和已解决的预警数" in help_text
