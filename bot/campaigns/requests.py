"""The API's transactional surveys: find or make the customer a request names, and the
campaign it counts for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from bot import deeplinks, store
from bot.audience.customers import (
    IDENTITIES,
    CustomerRecord,
    customer_of,
    set_attributes,
    upsert_customer,
)
from bot.campaign_tables import Campaign, CampaignSource, CampaignStatus, Customer
from bot.campaigns.spec import CampaignError


def find_customer(session: Session, record: CustomerRecord, now: datetime) -> Customer:
    """The customer ``record`` names: by ``external_id`` (upserted), else by a Telegram or
    Slack account (made when new), else by e-mail (made when new)."""
    if record.external_id:
        return upsert_customer(session=session, record=record, now=now)[0]
    customer: Customer | None = None
    for channel, field in IDENTITIES.items():
        user_id = getattr(record, field)
        if user_id:
            person = store.lock_respondent(session=session, channel=channel,
                                           user_id=str(user_id)[:64], default_locale="en",
                                           now=now)
            if channel == "telegram" and not person.chat_id:
                person.chat_id = person.platform_user_id
                session.add(person)
            customer = customer_of(session=session, person=person, now=now)
            break
    email = (record.email or "").strip().lower() or None
    if customer is None and email:
        customer = session.execute(select(Customer).where(col(Customer.email) == email).order_by(
            col(Customer.id)).limit(1)).scalars().first()
        if customer is None:
            customer = Customer(email=email, created_at=now, updated_at=now)
            session.add(customer)
            session.flush()
    if customer is None:
        raise CampaignError("bad_customer", "the customer needs an external_id, telegram_id, "
                            "slack_id or email")
    assert customer.id is not None
    set_attributes(session=session, customer_id=customer.id, attributes=record.attributes)
    return customer


def api_campaign(session: Session, name: str, survey: str, channel: str,
                 now: datetime) -> Campaign:
    """The campaign ``name``, made (source api, active) on first use."""
    found: Campaign | None = session.execute(
        select(Campaign).where(col(Campaign.name) == name)).scalars().first()
    if found is not None:
        if found.status not in (CampaignStatus.ACTIVE, CampaignStatus.PAUSED):
            raise CampaignError("bad_state", f"campaign {name!r} is {found.status}",
                                params={"name": name, "status": found.status})
        return found
    problem = deeplinks.name_problem(name)
    if problem:
        raise CampaignError("bad_name", f"campaign name {name!r}: {problem}",
                            params={"name": name, "problem": problem})
    campaign = Campaign(name=name, survey=survey, channel=channel, source=CampaignSource.API,
                        status=CampaignStatus.ACTIVE, start_at=now, planned_at=now,
                        created_at=now, reminders=0)
    session.add(campaign)
    session.flush()  # a concurrent maker's row makes this raise: the caller tries again
    return campaign
