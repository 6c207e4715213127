"""A person's data across every channel: one customer is one person, so ``/delete_my_data`` on
any of their accounts deletes all of them, and ``/export_my_data`` gathers all of them.

Deleting removes, for each account (each ``respondents`` row of the customer), what
:func:`bot.store.delete_respondent` removes (runs, answers uncounted from the rollup, alerts and
their notes), records an erasure marker for that identity, then deletes the customer with its
attributes, personal-link tokens and invitations (and, by their foreign keys, the promoter
asks with their links and the referrals the customer made or came by).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot import privacy, store
from bot.advocacy.export import advocacy_export
from bot.audience.customers import accounts, attributes_of
from bot.campaign_tables import Customer, CustomerAttribute, Invitation, LinkToken
from bot.i18n import Translator
from bot.models import AlertNote, Answer, Respondent
from bot.prompts import channel_label
from bot.store import PostedAlert


@dataclass(frozen=True)
class Erased:
    answers: int
    accounts: int
    posted_alerts: tuple[PostedAlert, ...]


def everyone(session: Session, person: Respondent) -> list[Respondent]:
    """The person's accounts on every channel (only this one when they have no customer)."""
    if person.customer_id is None:
        return [person]
    found = accounts(session=session, customer_id=person.customer_id)
    return found if any(r.id == person.id for r in found) else [person, *found]


def erase_person(*, session: Session, person: Respondent, zone: ZoneInfo,
                 at: datetime) -> Erased:
    """Delete everything about ``person`` and the customer they are, on every channel."""
    session.flush()  # the person's pending changes first: the rows go next
    people = everyone(session, person)
    customer_id = person.customer_id
    identities = [(p.channel, p.platform_user_id, p.id) for p in people]
    for p in people:
        session.expunge(p)
    answers, posted = 0, list[PostedAlert]()
    for channel, user_id, respondent_id in identities:
        assert respondent_id is not None
        deletion = store.delete_respondent(session=session, respondent_id=respondent_id,
                                           zone=zone)
        answers += deletion.answers
        posted.extend(deletion.posted_alerts)
        privacy.record_erasure(session=session, channel=channel, user_id=user_id, at=at)
    if customer_id is not None:
        for model in (CustomerAttribute, LinkToken, Invitation):
            session.exec(delete(model).where(  # type: ignore[call-overload]
                col(model.customer_id) == customer_id))
        session.exec(delete(Customer).where(  # type: ignore[call-overload]
            col(Customer.id) == customer_id))
    return Erased(answers, len(identities), tuple(posted))


def answers_of(*, session: Session, person: Respondent) -> list[Answer]:
    """Every answer of the person's accounts, oldest first."""
    ids = [p.id for p in everyone(session, person)]
    return list(session.exec(select(Answer).where(col(Answer.respondent_id).in_(ids))
                             .order_by(col(Answer.created_at), col(Answer.id))))


def replies_to(*, session: Session, person: Respondent) -> list[AlertNote]:
    """The managers' replies that reached any of the person's accounts, oldest first."""
    notes = [note for p in everyone(session, person) if p.id is not None
             for note in privacy.replies_received(session=session, respondent_id=p.id)]
    return sorted(notes, key=lambda note: note.id or 0)


def recovery_answers_of(*, session: Session, person: Respondent) -> list[AlertNote]:
    """The person's answers to "is the problem solved?" on any of their accounts, oldest
    first."""
    notes = [note for p in everyone(session, person) if p.id is not None
             for note in privacy.recovery_answers(session=session, respondent_id=p.id)]
    return sorted(notes, key=lambda note: note.id or 0)


def customer_export(*, session: Session, person: Respondent, t: Translator) -> dict[str, Any]:
    """The customer part of ``/export_my_data``: what was imported about the person, and
    their accounts on every channel; worded in ``t``'s language."""
    customer = session.get(Customer, person.customer_id) if person.customer_id else None
    if customer is None:
        return {}
    attributes = attributes_of(session=session, customer_id=person.customer_id or 0)
    return {t.gettext("customer"): {
        t.gettext("customer id"): customer.external_id,
        t.gettext("name"): customer.name,
        t.gettext("email"): customer.email,
        t.gettext("time zone"): customer.timezone,
        t.gettext("attributes"): {name: a.text_value for name, a in attributes.items()},
        t.gettext("accounts"): [
            {t.gettext("channel"): channel_label(p.channel, t),
             t.gettext("user id"): p.platform_user_id}
            for p in everyone(session, person)],
    }, **advocacy_export(session=session, customer_id=customer.id or 0, t=t)}
