"""Customers and their channel identities: keyword-only data functions over a session, like
bot/store.py.  A customer is one person everywhere: each ``respondents`` row (a channel and a
platform id) points at one customer, imported or made when that person first wrote."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from bot import store
from bot.advocacy.referrals import ImportedReferral, attribute_imported, carry_over
from bot.audience.values import Typed
from bot.campaign_tables import Customer, CustomerAttribute
from bot.i18n import negotiate
from bot.models import Respondent

log = logging.getLogger(__name__)

IDENTITIES = {"telegram": "telegram_id", "slack": "slack_id"}
"""The channels a customer record may name an account on, and the record's field for it."""


@dataclass(frozen=True)
class CustomerRecord:
    """What an import row or an API request says of a customer; None leaves a field as it
    is."""

    external_id: str
    telegram_id: str | None = None
    slack_id: str | None = None
    email: str | None = None
    name: str | None = None
    language: str | None = None
    timezone: str | None = None
    attributes: Mapping[str, Typed] = field(default_factory=dict)
    referred_by: str | None = None
    """The ``external_id`` of the promoter who brought them (``docs/advocacy.md``)."""


def find_by_external_id(*, session: Session, external_id: str,
                        lock: bool = False) -> Customer | None:
    query = select(Customer).where(Customer.external_id == external_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def upsert_customer(*, session: Session, record: CustomerRecord,
                    now: datetime) -> tuple[Customer, bool]:
    """Create or update the customer ``record.external_id`` names, with its attributes and its
    accounts; True when it was created.  The caller commits."""
    customer = find_by_external_id(session=session, external_id=record.external_id, lock=True)
    created = customer is None
    if customer is None:
        customer = Customer(external_id=record.external_id, created_at=now, updated_at=now)
        session.add(customer)
        session.flush()
    if record.email is not None:
        customer.email = record.email.strip().lower() or None
    if record.name is not None:
        customer.name = record.name.strip()[:200]
    if record.language is not None:
        customer.language = negotiate(record.language, "") or None
    if record.timezone is not None:
        customer.timezone = record.timezone.strip() or None
    customer.updated_at = now
    session.add(customer)
    set_attributes(session=session, customer_id=_id(customer), attributes=record.attributes)
    for channel, name in IDENTITIES.items():
        user_id = getattr(record, name)
        if user_id:
            bind(session=session, customer=customer, channel=channel, user_id=str(user_id),
                 now=now)
    if record.referred_by:
        for _line, why in attribute_imported(session=session, rows=[ImportedReferral(
                0, record.external_id, record.referred_by)], now=now):
            log.warning("customer %r: %s", record.external_id, why)
    return customer, created


def set_attributes(*, session: Session, customer_id: int,
                   attributes: Mapping[str, Typed]) -> None:
    """Replace the named attributes (the others stay)."""
    if not attributes:
        return
    session.exec(delete(CustomerAttribute).where(  # type: ignore[call-overload]
        col(CustomerAttribute.customer_id) == customer_id,
        col(CustomerAttribute.name).in_(list(attributes))))
    session.add_all(CustomerAttribute(
        customer_id=customer_id, name=name, kind=value.kind, text_value=value.text,
        number_value=value.number, date_value=value.day) for name, value in attributes.items())
    session.flush()


def attributes_of(*, session: Session, customer_id: int) -> dict[str, CustomerAttribute]:
    rows = session.exec(select(CustomerAttribute).where(
        CustomerAttribute.customer_id == customer_id).order_by(col(CustomerAttribute.name)))
    return {row.name: row for row in rows}


def bind(*, session: Session, customer: Customer, channel: str, user_id: str,
         now: datetime) -> Respondent:
    """Make ``user_id`` on ``channel`` an account of ``customer`` (creating the respondent if
    the person never wrote).  A person who came by themselves before keeps their answers,
    now the customer's; the customer that held only them is dropped."""
    person = store.lock_respondent(session=session, channel=channel, user_id=user_id,
                                   default_locale=customer.language or "en", now=now)
    if channel == "telegram" and not person.chat_id:
        person.chat_id = user_id  # a private chat's id is the user's id
    if customer.language and not person.locale_chosen:
        person.locale = customer.language
    previous = person.customer_id
    person.customer_id = customer.id
    session.add(person)
    session.flush()
    if previous is not None and previous != customer.id:
        carry_over(session=session, moves={previous: _id(customer)})
        _drop_if_orphan(session, previous)
    return person


def _drop_if_orphan(session: Session, customer_id: int) -> None:
    """Delete a customer nobody imported once no account points at it."""
    old = session.get(Customer, customer_id)
    if old is None or old.external_id is not None:
        return
    left = session.exec(select(func.count()).select_from(Respondent).where(
        Respondent.customer_id == customer_id)).one()
    if not left:
        session.delete(old)
        session.flush()


def customer_of(*, session: Session, person: Respondent, now: datetime) -> Customer:
    """The person's customer, made (without an external id) when they have none."""
    if person.customer_id is not None:
        found = session.get(Customer, person.customer_id)
        if found is not None:
            return found
    customer = Customer(name=person.display_name, created_at=now, updated_at=now)
    session.add(customer)
    session.flush()
    person.customer_id = customer.id
    session.add(person)
    session.flush()
    return customer


def accounts(*, session: Session, customer_id: int) -> list[Respondent]:
    """Every channel identity of the customer."""
    return list(session.exec(select(Respondent).where(
        Respondent.customer_id == customer_id).order_by(col(Respondent.id))))


def _id(customer: Customer) -> int:
    assert customer.id is not None
    return customer.id
