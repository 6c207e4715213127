"""One customer is one person everywhere, on SQLite and PostgreSQL: everybody who writes gets a
customer (once), ``/delete_my_data`` on one channel deletes the person on every channel, and
``/export_my_data`` gathers every channel."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot import privacy
from bot.app import build_engine
from bot.audience.customers import CustomerRecord, upsert_customer
from bot.audience.values import typed
from bot.campaign_tables import (
    Campaign,
    Customer,
    CustomerAttribute,
    Invitation,
    LinkToken,
)
from bot.engine import Engine
from bot.messages import AlertPost, AlertUpdate, ReplyFile
from bot.models import Alert, AlertNote, Answer, AnswerCount, Erasure, Respondent, SurveyRun
from tests.helpers import Person, of_type, texts

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings())
    eng.clock = lambda: NOW
    yield eng
    eng.db.dispose()


def count(engine: Engine, model: type, *where: Any) -> int:
    with Session(engine.db.read_engine) as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def customers_of(engine: Engine) -> dict[str, int | None]:
    with Session(engine.db.read_engine) as s:
        return {r.platform_user_id: r.customer_id for r in s.exec(select(Respondent))}


def test_everybody_who_writes_gets_one_customer(engine: Engine) -> None:
    ana = Person(engine, "ana", name="Ana")
    ana.command("start")
    ana.say("9")
    bo = Person(engine, "bo", name="Bo")
    bo.say("hello")
    people = customers_of(engine)
    assert None not in people.values() and len(set(people.values())) == 2
    with Session(engine.db.read_engine) as s:
        names = {c.name for c in s.exec(select(Customer))}
        assert all(c.external_id is None for c in s.exec(select(Customer)))
    assert names == {"Ana", "Bo"}
    ana.say("Great")
    ana.say("5")
    assert customers_of(engine) == people and count(engine, Customer) == 2


def imported_on_both_channels(engine: Engine) -> tuple[Person, Person, int]:
    """Customer c-7 with a Telegram and a Slack account, an answer and a posted alert on
    each, attributes, a personal link and an invitation; and someone else who stays."""
    with Session(engine.db.engine) as s:
        customer, _ = upsert_customer(session=s, record=CustomerRecord(
            "c-7", telegram_id="7007", slack_id="U7007", name="Ion Pop", email="ion@example.com",
            attributes={"plan": typed("pro"), "revenue": typed(1200)}), now=NOW)
        assert customer.id is not None
        campaign = Campaign(name="winter", survey="nps")
        s.add(campaign)
        s.flush()
        assert campaign.id is not None
        s.add(Invitation(campaign_id=campaign.id, customer_id=customer.id,
                         key=f"customer:{customer.id}"))
        s.add(LinkToken(digest="d" * 64, customer_id=customer.id, survey="nps"))
        s.commit()
        customer_id = customer.id
    tg = Person(engine, "7007", channel="telegram", name="Ion", deliver=False)
    slack = Person(engine, "U7007", channel="slack", name="ion.pop", deliver=False)
    for person, ref, comment in ((tg, "tg:1", "Prea scump"), (slack, "sl:1", "Slow")):
        person.command("start")
        alert = of_type(person.press_score(2), AlertPost)[0].alert_id
        engine.set_alert_ref(alert, ref)
        person.say(comment)
    stays = Person(engine, "7008", channel="telegram", deliver=False)
    stays.command("start")
    stays.press_score(1)
    return tg, slack, customer_id


def test_delete_on_one_channel_deletes_the_person_on_every_channel(engine: Engine) -> None:
    tg, slack, customer_id = imported_on_both_channels(engine)
    assert count(engine, Answer) == 3 and count(engine, Alert) == 3
    slack.command("delete_my_data")
    out = slack.press("del:yes")
    assert "Deleted: 2 answers" in texts(out)
    redacted = of_type(out, AlertUpdate)
    assert sorted((r.channel, r.ref, r.choices) for r in redacted) == [
        ("slack", "sl:1", ()), ("telegram", "tg:1", ())]
    assert all("deleted at their request" in r.text for r in redacted)
    with Session(engine.db.read_engine) as s:
        left = [(r.channel, r.platform_user_id) for r in s.exec(select(Respondent))]
        assert left == [("telegram", "7008")]
        assert s.get(Customer, customer_id) is None
        assert [a.score for a in s.exec(select(Answer))] == [1]
        assert s.exec(select(func.sum(AnswerCount.count))).one() == 1  # the rollup forgot
        for model in (CustomerAttribute, LinkToken, Invitation):
            assert s.exec(select(func.count()).select_from(model)).one() == 0, model
        assert s.exec(select(func.count()).select_from(AlertNote)).one() == 0
        assert s.exec(select(func.count()).select_from(SurveyRun)).one() == 1
        assert s.exec(select(func.count()).select_from(Erasure)).one() == 2
        for channel, user in (("telegram", "7007"), ("slack", "U7007")):
            assert privacy.is_erased(session=s, channel=channel, user_id=user)
        assert not privacy.is_erased(session=s, channel="telegram", user_id="7008")
    # A manager's survey reaches neither account until the person comes back themselves.
    assert engine.start_survey_for(channel="telegram", user_id="7007") == []
    assert engine.start_survey_for(channel="slack", user_id="U7007") == []
    assert count(engine, Campaign) == 1  # the campaign is the company's, not the person's
    assert tg.user_id == "7007"


def test_export_gathers_every_channel_and_the_attributes(engine: Engine) -> None:
    tg, _slack, _customer_id = imported_on_both_channels(engine)
    files = of_type(tg.command("export_my_data"), ReplyFile)
    data = json.loads(files[0].content)
    customer = data["customer"]
    assert customer["customer id"] == "c-7" and customer["email"] == "ion@example.com"
    assert customer["attributes"] == {"plan": "pro", "revenue": "1200"}
    assert sorted((a["channel"], a["user id"]) for a in customer["accounts"]) == [
        ("Slack", "U7007"), ("Telegram", "7007")]
    assert [(a["channel"], a["score"], a["comment"]) for a in data["answers"]] == [
        ("Telegram", 2, "Prea scump"), ("Slack", 2, "Slow")]
    assert data["profile"]["user id"] == "7007"


def test_a_person_alone_is_deleted_alone(engine: Engine) -> None:
    one = Person(engine, "one", name="One")
    one.command("start")
    one.say("10")
    two = Person(engine, "two", name="Two")
    two.command("start")
    one.command("delete_my_data")
    assert "1 answer" in texts(one.press("del:yes"))
    assert list(customers_of(engine)) == ["two"] and count(engine, Customer) == 1
