"""The conversation engine end to end on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.app import build_engine
from bot.engine import Engine
from bot.messages import AlertPost, AlertUpdate, EditPressed, Notice, Reply, SendTo
from bot.models import Alert, AlertNote, Answer, Respondent, SurveyRun, utcnow
from tests.helpers import Person, of_type, texts


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(console_manager=True))
    yield eng
    eng.db.dispose()


def answers(engine: Engine) -> list[Answer]:
    with Session(engine.db.engine) as s:
        return list(s.exec(select(Answer).order_by(Answer.id)))  # type: ignore[arg-type]


def test_typed_survey_is_stored_once_with_its_comment(engine: Engine) -> None:
    ann = Person(engine, "u1", locale_hint="en-GB")
    out = ann.command("start")
    assert "recommend us" in texts(out)
    reply = of_type(out, Reply)[-1]
    assert [c.label for c in reply.choices] == [str(n) for n in range(11)]
    assert "follow" not in texts(out)
    out = ann.say(" 8 ")
    assert "What would make it a 10" in texts(out)
    out = ann.say("Faster delivery, please")
    assert "How satisfied" in texts(out)
    out = ann.say("5")
    assert "Thank you for your answers" in texts(out)
    rows = answers(engine)
    assert [(a.metric, a.score, a.bucket, a.comment) for a in rows] == [
        ("nps", 8, "passive", "Faster delivery, please"),
        ("csat", 5, "satisfied", None),
    ]
    assert rows[0].locale == "en" and rows[0].scale_max == 10 and rows[1].scale_max == 5
    # Finished: plain text no longer answers anything.
    assert "no survey open" in texts(ann.say("9"))
    assert len(answers(engine)) == 2


@pytest.mark.parametrize("typed,score", [("８", 8), ("8/10", 8), ("八分", 8), ("十", 10),
                                          ("eight", 8), ("zece", 10), ("opt", 8)])
def test_typed_answers_in_each_language(engine: Engine, typed: str, score: int) -> None:
    p = Person(engine, f"typed-{score}-{typed}")
    p.command("start")
    p.say(typed)
    assert [a.score for a in answers(engine)] == [score]


@pytest.mark.parametrize("typed", ["banana", "11", "-1", "7.5", "", "👍"])
def test_bad_input_reprompts_and_changes_nothing(engine: Engine, typed: str) -> None:
    p = Person(engine, "bad")
    p.command("start")
    out = p.say(typed)
    assert "0 to 10" in texts(out)
    assert of_type(out, Reply)[-1].choices, "the buttons come again"
    assert answers(engine) == []
    with Session(engine.db.engine) as s:
        run = s.exec(select(SurveyRun)).one()
        assert run.step == 0 and run.status == "active"
    p.say("9")
    assert [a.score for a in answers(engine)] == [9]


def test_button_press_edits_question_and_second_press_changes_nothing(engine: Engine) -> None:
    p = Person(engine, "presser")
    p.command("start")
    first = p.last
    out = p.press_score(9)
    assert of_type(out, EditPressed) and "9" in of_type(out, EditPressed)[0].text
    p.last = first
    out = p.press_score(3)  # the same old keyboard again
    assert of_type(out, Notice) and "already been answered" in texts(out)
    assert [a.score for a in answers(engine)] == [9]


def test_redelivered_event_is_stored_once(engine: Engine) -> None:
    p = Person(engine, "dup")
    p.command("start")
    assert p.say("7", event_id="update-77")
    assert p.say("7", event_id="update-77") == []
    assert [a.score for a in answers(engine)] == [7]


def test_foreign_keyboard_is_refused(engine: Engine) -> None:
    owner, other = Person(engine, "owner"), Person(engine, "other")
    owner.command("start")
    value = of_type(owner.last, Reply)[-1].choices[2].value
    other.command("start")
    out = other.press(value)
    assert "not yours" in texts(out)
    assert answers(engine) == []


def test_detractor_alert_claim_reply_resolve(engine: Engine) -> None:
    cust = Person(engine, "cust", name="Ion Popescu", locale_hint="ro")
    boss = Person(engine, "console-manager", name="Ana")
    cust.command("start")
    out = cust.press_score(2)
    posts = of_type(out, AlertPost)
    assert len(posts) == 1 and "2/10" in posts[0].text and "Ion Popescu" in posts[0].text
    assert "speaks Romanian" in posts[0].text
    alert_id = posts[0].alert_id
    engine.set_alert_ref(alert_id, "alerts:1")
    out = cust.say("Comanda a întârziat două săptămâni")
    update = of_type(out, AlertUpdate)
    assert update and "întârziat" in update[0].text and update[0].ref == "alerts:1"
    claim, reply, resolve = [c.value for c in posts[0].choices]
    out = boss.press(claim)
    assert "claimed by Ana" in texts(of_type(out, AlertUpdate))
    out = boss.press(reply)
    assert of_type(out, Reply)[0].expects_text
    out = boss.say("Ne pare rău, vă sunăm azi.")
    send = of_type(out, SendTo)
    assert len(send) == 1 and send[0].user_id == "cust" and send[0].chat_id == "chat-cust"
    assert "Ne pare rău, vă sunăm azi." in send[0].text
    out = boss.press(resolve)
    assert "resolved by Ana" in texts(of_type(out, AlertUpdate))
    assert of_type(out, AlertUpdate)[0].choices == ()
    assert "already resolved" in texts(boss.press(claim))
    with Session(engine.db.engine) as s:
        alerts = list(s.exec(select(Alert)))
        assert len(alerts) == 1 and alerts[0].status == "resolved"
        kinds = [n.kind for n in s.exec(select(AlertNote).order_by(AlertNote.id))]  # type: ignore[arg-type]
        assert kinds == ["claim", "reply", "resolve"]


def test_alert_actions_are_for_managers_only(engine: Engine) -> None:
    cust = Person(engine, "c2")
    cust.command("start")
    post = of_type(cust.press_score(0), AlertPost)[0]
    out = cust.press(post.choices[0].value)
    assert "only for managers" in texts(out)
    with Session(engine.db.engine) as s:
        assert s.exec(select(Alert)).one().status == "open"


def test_summary_for_managers_and_refusal_for_customers(engine: Engine) -> None:
    # 5 promoters, 3 passives, 2 detractors: NPS = 50% - 20% = +30, n = 10 (< 30: warning).
    for i, score in enumerate([10, 9, 9, 10, 9, 7, 8, 7, 3, 6]):
        p = Person(engine, f"s{i}")
        p.command("start")
        p.say(str(score))
    boss = Person(engine, "console-manager")
    out = texts(boss.command("nps", "summary 30d"))
    assert "NPS +30 (n = 10)" in out
    assert "Promoters (9–10): 5 (50%)" in out and "Detractors (0–6): 2 (20%)" in out
    assert "too few to trust" in out
    refused = texts(Person(engine, "s1").command("nps", "summary"))
    assert "only for managers" in refused and "+30" not in refused
    assert "Usage" in texts(boss.command("nps", "summary 30d by colour"))
    assert "did not understand the period" in texts(boss.command("nps", "summary lastweek"))


def test_restart_mid_survey_resumes(make_settings: Callable[..., Any]) -> None:
    settings = make_settings()
    first = build_engine(settings)
    p = Person(first, "resume")
    p.command("start")
    p.say("10")  # promoter follow-up is now open
    first.db.dispose()
    second = build_engine(settings)
    try:
        p.engine = second
        out = p.command("start")
        assert "continue where we left off" in texts(out)
        assert "value most" in texts(out)
        p.say("The people")
        assert "How satisfied" in texts(p.last)
        assert [(a.score, a.comment) for a in answers(second)] == [(10, "The people")]
    finally:
        second.db.dispose()


def test_language_choice_beats_platform_hint(engine: Engine) -> None:
    p = Person(engine, "lang", locale_hint="en-US")
    out = p.command("language")
    values = [c.value for c in of_type(out, Reply)[0].choices]
    assert values == ["lang:en", "lang:ro", "lang:zh"]
    p.press("lang:ro")
    assert engine.chosen_locale("console", "lang") == "ro"
    p.command("start")
    p.say("9")
    assert answers(engine)[0].locale == "ro"


def test_stop_and_start_again(engine: Engine) -> None:
    p = Person(engine, "quitter")
    p.command("start")
    out = p.command("stop")
    assert "no more surveys" in texts(out)
    assert "opted out" in texts(p.say("9"))
    assert engine.start_survey_for(channel="console", user_id="quitter") == []
    assert "Welcome back" in texts(p.command("start"))
    # Their survey is in progress now: a manager's send never interrupts it.
    assert engine.start_survey_for(channel="console", user_id="quitter") == []
    engine.clock = lambda: utcnow() + timedelta(days=4)  # abandoned since
    sent = engine.start_survey_for(channel="console", user_id="quitter")
    assert len(sent) == 1 and isinstance(sent[0], SendTo)


def test_delete_my_data(engine: Engine) -> None:
    p = Person(engine, "forget-me")
    p.command("start")
    p.say("1")
    p.say("Bad")
    out = p.command("delete_my_data")
    assert [c.value for c in of_type(out, Reply)[0].choices] == ["del:yes", "del:no"]
    out = p.press("del:yes")
    assert "1 answer" in texts(out)
    assert answers(engine) == []
    with Session(engine.db.engine) as s:
        gone = select(Respondent).where(Respondent.platform_user_id == "forget-me")
        assert s.exec(gone).first() is None
        assert list(s.exec(select(Alert))) == []


def test_deep_link_payloads(engine: Engine) -> None:
    a, b, c = Person(engine, "dl-a"), Person(engine, "dl-b"), Person(engine, "dl-c")
    a.command("start", "ces__spring24")
    a.say("6")
    b.command("start", "receipt_0042")
    b.say("10")
    c.command("start", "bad payload!")
    c.say("4")
    got = {(x.survey, x.campaign, x.metric) for x in answers(engine)}
    assert got == {("ces", "spring24", "ces"), ("default", "receipt_0042", "nps"),
                   ("default", None, "nps")}


def test_long_comment_is_trimmed(make_settings: Callable[..., Any]) -> None:
    eng = build_engine(make_settings(comment_max_length=50))
    try:
        p = Person(eng, "long")
        p.command("start")
        p.say("3")
        out = p.say("ж" * 80)
        assert "first 50 characters" in texts(out)
        assert answers(eng)[0].comment == "ж" * 50
    finally:
        eng.db.dispose()


def test_skip_follow_up(engine: Engine) -> None:
    p = Person(engine, "skipper")
    p.command("start")
    out = p.say("9")
    skip = of_type(out, Reply)[-1].choices[0]
    out = p.press(skip.value)
    assert "How satisfied" in texts(out)
    assert "already been answered" in texts(p.press(skip.value))


def test_last_seen_is_kept_to_the_minute(engine: Engine) -> None:
    from datetime import UTC, datetime, timedelta

    now = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    engine.clock = lambda: now[0]
    p = Person(engine, "regular")

    def seen() -> tuple[datetime, datetime]:
        with Session(engine.db.engine) as s:
            row = s.exec(select(Respondent).where(Respondent.platform_user_id == "regular")).one()
            return row.first_seen, row.last_seen

    def last_seen() -> datetime:
        return seen()[1]

    p.command("start")
    first = last_seen()
    assert seen() == (now[0], now[0])  # a new person is first and last seen by the engine's clock
    now[0] += timedelta(seconds=30)
    p.say("9")
    assert last_seen() == first  # within the minute: no write for it
    now[0] += timedelta(seconds=31)
    p.say("fast delivery")
    assert last_seen() == now[0]
