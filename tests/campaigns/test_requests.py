"""The API's transactional surveys (Engine.request_survey): idempotent, even when two
processes race with the same key; the cooldown and the skip checks as for campaigns."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.audience.customers import CustomerRecord
from bot.audience.values import typed
from bot.campaign_tables import Customer, Invitation
from bot.campaigns.spec import CampaignError, RequestResult, SurveyRequest
from bot.engine import Engine
from tests.campaigns.helpers import (
    Clock,
    customer_row,
    deliver,
    invitations,
    make_engine,
    score_button,
    tick_all,
)
from tests.helpers import Person


def ticket(key: str | None, **fields: Any) -> SurveyRequest:
    record = CustomerRecord("acme-7", telegram_id="70", attributes={"plan": typed("pro")})
    return SurveyRequest(fields.pop("customer", record), fields.pop("survey", "csat"),
                         campaign="ticket-closed", idempotency_key=key, **fields)


def test_the_same_key_never_sends_twice(engine_clock: tuple[Engine, Clock]) -> None:
    engine, _clock = engine_clock
    first = engine.request_survey(ticket("ticket-4711"))
    assert (first.status, first.reason, first.duplicate) == ("queued", None, False)
    again = engine.request_survey(ticket("ticket-4711"))
    assert again == RequestResult(first.id, "queued", None, duplicate=True)
    assert [s.user_id for s in tick_all(engine, "telegram")] == ["70"]
    assert engine.request_survey(ticket("ticket-4711")).duplicate
    assert tick_all(engine, "telegram") == []
    assert len(invitations(engine)) == 1
    stats = engine.campaign_stats("ticket-closed")
    assert (stats.source, stats.status, stats.sent) == ("api", "active", 1)
    assert customer_row(engine, "acme-7").external_id == "acme-7"


def test_racing_requests_with_one_key_end_the_same(make_settings: Callable[..., Any]) -> None:
    engines = [make_engine(make_settings) for _ in range(2)]
    pairs = [next(gen) for gen in engines]
    try:
        results: list[RequestResult] = []
        barrier = threading.Barrier(2, timeout=30)

        def ask(engine: Engine) -> None:
            barrier.wait()
            results.append(engine.request_survey(ticket("race-1")))
        threads = [threading.Thread(target=ask, args=(engine,)) for engine, _ in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
            assert not thread.is_alive()
        assert len({r.id for r in results}) == 1 and len(results) == 2
        assert sorted(r.duplicate for r in results) == [False, True]
        engine = pairs[0][0]
        with Session(engine.db.engine) as session:
            assert session.exec(select(func.count()).select_from(Invitation)).one() == 1
            assert session.exec(select(func.count()).select_from(Customer)).one() == 1
    finally:
        for gen in engines:
            gen.close()


def test_cooldown_zero_delay_and_the_skip_checks(engine_clock: tuple[Engine, Clock]) -> None:
    engine, clock = engine_clock
    first = engine.request_survey(ticket("t-1", cooldown_days=0, delay=timedelta(hours=2)))
    assert first.status == "queued"
    assert tick_all(engine, "telegram") == []  # not before the delay
    clock.advance(hours=2)
    (sent,) = tick_all(engine, "telegram")
    # Unanswered, it is in progress: a second ticket's survey does not interrupt it.
    busy = engine.request_survey(ticket("t-2", cooldown_days=0))
    assert (busy.status, busy.reason) == ("skipped", "in_progress")
    pressed = Person(engine, "70", channel="telegram", deliver=False).press(
        score_button(sent, 5))
    deliver(engine, "telegram", pressed.ids)  # type: ignore[attr-defined]
    # Answered: with cooldown 0 the next ticket asks again; the default cooldown (30 days)
    # would not.
    assert engine.request_survey(ticket("t-3", cooldown_days=0)).status == "queued"
    assert len(tick_all(engine, "telegram")) == 1
    clock.advance(days=4)
    later = engine.request_survey(ticket("t-4"))
    assert (later.status, later.reason) == ("skipped", "cooldown")
    stats = engine.campaign_stats("ticket-closed")
    assert (stats.sent, stats.answered, stats.skipped) == (2, 1, {"cooldown": 1,
                                                                  "in_progress": 1})


def test_a_customer_found_by_account_or_email(engine_clock: tuple[Engine, Clock]) -> None:
    engine, _clock = engine_clock
    by_account = engine.request_survey(ticket(None, customer=CustomerRecord(
        "", slack_id="U9")))
    assert by_account.status == "queued"
    by_email = engine.request_survey(ticket(None, customer=CustomerRecord(
        "", email="Mia@Example.com")))
    assert (by_email.status, by_email.reason) == ("queued", None)  # looked up on Slack
    same = engine.request_survey(ticket(None, customer=CustomerRecord(
        "", email="mia@example.com"), cooldown_days=0))
    assert same.id != by_email.id
    with Session(engine.db.engine) as session:
        assert session.exec(select(func.count()).select_from(Customer)).one() == 2
    assert [s.user_id for s in tick_all(engine, "slack")] == ["U9"]


@pytest.mark.parametrize("request_,code", [
    (ticket("k", survey="nope"), "unknown_survey"),
    (ticket("k", channel="fax"), "bad_channel"),
    (ticket("k", customer=CustomerRecord("")), "bad_customer"),
    (SurveyRequest(CustomerRecord("x", telegram_id="1"), "csat", campaign="p-bad"), "bad_name"),
])
def test_bad_requests_change_nothing(engine_clock: tuple[Engine, Clock],
                                     request_: SurveyRequest, code: str) -> None:
    engine, _clock = engine_clock
    with pytest.raises(CampaignError) as caught:
        engine.request_survey(request_)
    assert caught.value.code == code
    with Session(engine.db.engine) as session:
        assert session.exec(select(func.count()).select_from(Invitation)).one() == 0
        assert session.exec(select(func.count()).select_from(Customer)).one() == 0
