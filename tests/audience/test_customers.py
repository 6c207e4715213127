"""Customers across channels and their typed attributes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from bot import store
from bot.audience.customers import (
    CustomerRecord,
    accounts,
    attributes_of,
    customer_of,
    upsert_customer,
)
from bot.audience.values import BadValue, header, typed
from bot.campaign_tables import AttributeKind, Customer
from bot.db import open_database

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_values_are_typed_by_header_or_by_look() -> None:
    assert typed("12.5").number == 12.5
    assert typed("12.5").kind is AttributeKind.NUMBER
    assert typed("2026-11-30").day == date(2026, 11, 30)
    assert typed("2026-13-40").kind is AttributeKind.TEXT  # looks like a date, is not one
    assert typed("007", AttributeKind.TEXT).kind is AttributeKind.TEXT
    assert typed("pro").kind is AttributeKind.TEXT
    assert typed(3).number == 3.0
    assert header("revenue:number") == ("revenue", AttributeKind.NUMBER)
    assert header(" plan ") == ("plan", None)
    for bad, kind in (("abc", AttributeKind.NUMBER), ("1,5", AttributeKind.NUMBER),
                      ("30.11.2026", AttributeKind.DATE)):
        with pytest.raises(BadValue):
            typed(bad, kind)
    for bad_header in ("", "1plan", "plan:money", "a b"):
        with pytest.raises(BadValue):
            header(bad_header)


def test_one_customer_on_both_channels(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with Session(db.engine) as session:
            person = store.lock_respondent(session=session, channel="telegram", user_id="42",
                                           default_locale="en", now=NOW)
            came = customer_of(session=session, person=person, now=NOW)
            assert came.external_id is None
            record = CustomerRecord("c-1", telegram_id="42", slack_id="U1",
                                    email="Ana@Example.com", name="Ana", language="ro-RO",
                                    attributes={"plan": typed("pro"),
                                                "revenue": typed("1200")})
            customer, created = upsert_customer(session=session, record=record, now=NOW)
            session.commit()
            assert created
            assert customer.email == "ana@example.com" and customer.language == "ro"
            found = accounts(session=session, customer_id=customer.id or 0)
            assert {(r.channel, r.platform_user_id) for r in found} == {("telegram", "42"),
                                                                        ("slack", "U1")}
            assert all(r.locale == "ro" for r in found)
            # The customer the Telegram account had before was nobody's but theirs: gone.
            assert session.get(Customer, came.id) is None
            again, created = upsert_customer(session=session, record=CustomerRecord(
                "c-1", attributes={"plan": typed("free")}), now=NOW)
            session.commit()
            assert not created and again.id == customer.id and again.name == "Ana"
            attrs = attributes_of(session=session, customer_id=customer.id or 0)
            assert attrs["plan"].text_value == "free" and attrs["revenue"].number_value == 1200
            assert len(session.exec(select(Customer)).all()) == 1
    finally:
        db.dispose()
