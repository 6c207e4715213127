"""Reminders, expiry, answers and response rates with an injected clock (console channel,
so the people answer through the engine as they would by pressing buttons)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.campaign_tables import InvitationStatus
from bot.campaigns.spec import CampaignSpec
from bot.engine import Engine
from bot.messages import Notice, SendTo
from bot.models import Answer, RunStatus, SurveyRun
from tests.campaigns.helpers import (
    Clock,
    add_customers,
    bind_all,
    customer,
    deliver_each,
    invitations,
    respondent,
    score_button,
    tick_all,
)
from tests.helpers import Person, of_type, texts


@pytest.fixture
def six(engine_clock: tuple[Engine, Clock]) -> tuple[Engine, Clock]:
    engine, clock = engine_clock
    add_customers(engine, [customer(name) for name in ("a", "b", "c", "d", "e", "f")])
    bind_all(engine, "console")
    return engine, clock


def first_send(engine: Engine) -> dict[str, SendTo]:
    """Tick once: e's send fails, f blocked the bot; the others are sent."""
    ids = engine.campaign_tick("console", ahead=50)

    def outcome(item: SendTo) -> dict[str, object]:
        if item.user_id == "u-e":
            return {"sent": False, "error": "Bad Request: chat not found"}
        if item.user_id == "u-f":
            return {"sent": False, "error": "Forbidden", "unreachable": True}
        return {}
    return {item.user_id: item for item in deliver_each(engine, "console", ids, outcome)}


def test_reminders_expiry_and_the_response_rate(six: tuple[Engine, Clock]) -> None:
    engine, clock = six
    preview = engine.create_campaign(CampaignSpec(
        "remind", "nps", channel="console", remind_after=timedelta(days=2), reminders=2,
        expire_after=timedelta(days=7)))
    assert preview.recipients == 6
    first = first_send(engine)
    assert sorted(first) == ["u-a", "u-b", "u-c", "u-d", "u-e", "u-f"]
    assert respondent(engine, "console", "u-f").unreachable
    a, b, c, d = (Person(engine, f"u-{n}") for n in "abcd")
    a.press(score_button(first["u-a"], 9))  # answers before any reminder
    c.command("stop")  # opts out: no reminder
    stats = engine.campaign_stats("remind")
    assert (stats.sent, stats.failed, stats.answered) == (4, 2, 1)
    assert stats.failed_reasons == {"Bad Request: chat not found": 1, "unreachable": 1}

    clock.advance(days=1)
    assert tick_all(engine, "console") == []  # not yet
    clock.advance(days=1, minutes=1)
    reminded = {s.user_id: s for s in tick_all(engine, "console")}
    assert sorted(reminded) == ["u-b", "u-d"]
    assert "A reminder" in reminded["u-b"].text and "recommend" in reminded["u-b"].text
    # The reminder continues the same run: its buttons are the first message's.
    assert [ch.value for ch in reminded["u-b"].choices] == [
        ch.value for ch in first["u-b"].choices]
    out = b.press(score_button(first["u-b"], 10))  # the earlier button still works
    assert not of_type(out, Notice)
    assert "Your answer: 10" in texts(out)

    clock.advance(days=2)
    assert [s.user_id for s in tick_all(engine, "console")] == ["u-d"]  # d's second reminder
    clock.advance(days=2)
    assert tick_all(engine, "console") == []  # two reminders were asked for: no third
    assert engine.campaign_stats("remind").status == "active"  # d's survey is still open

    clock.advance(days=1, minutes=1)  # 7 days after the send
    assert tick_all(engine, "console") == []
    out = d.press(score_button(first["u-d"], 3))
    assert "This survey has closed" in texts(of_type(out, Notice))
    with Session(engine.db.engine) as session:
        runs = {run.invitation_id: run.status for run in session.exec(
            select(SurveyRun))}
        answers = list(session.exec(select(Answer)))
    by_user = {inv.respondent_id: inv for inv in invitations(engine)}
    d_inv = by_user[respondent(engine, "console", "u-d").id]
    assert runs[d_inv.id] == RunStatus.EXPIRED
    assert {a.invitation_id for a in answers} == {
        by_user[respondent(engine, "console", f"u-{n}").id].id for n in "ab"}

    stats = engine.campaign_stats("remind")
    assert stats.status == "done"
    assert (stats.sent, stats.failed, stats.answered, stats.reminders_sent) == (4, 2, 2, 3)
    assert stats.response_rate == pytest.approx(2 / 4)
    assert stats.by_channel == {"console": {"sent": 4, "answered": 2, "failed": 2}}
    assert {i.status for i in invitations(engine)} == {InvitationStatus.SENT,
                                                       InvitationStatus.FAILED}


def test_an_answer_is_counted_once_and_stops_reminders(six: tuple[Engine, Clock]) -> None:
    engine, clock = six
    engine.create_campaign(CampaignSpec("once", "default", channel="console",
                                        remind_after=timedelta(hours=1)))
    first = first_send(engine)
    a = Person(engine, "u-a")
    a.press(score_button(first["u-a"], 8))
    answered = next(i.answered_at for i in invitations(engine)
                    if i.respondent_id == respondent(engine, "console", "u-a").id)
    assert answered == clock.now
    clock.advance(minutes=5)
    a.say("Faster please")  # the follow-up comment
    a.say("4")  # the second question
    again = next(i.answered_at for i in invitations(engine)
                 if i.respondent_id == respondent(engine, "console", "u-a").id)
    assert again == answered
    clock.advance(hours=2)
    assert sorted(s.user_id for s in tick_all(engine, "console")) == ["u-b", "u-c", "u-d"]
    assert engine.campaign_stats("once").answered == 1


