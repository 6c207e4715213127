"""Customers known by e-mail only, found on a channel when a send needs them (Slack's
``users.lookupByEmail``): the engine says who waits for a look-up and records the answer; the
adapter asks the platform at its pace.  Asked once: found, the account is bound to the
customer; not found, ``customer.slack_lookup_at`` is set and the feeder skips them
(no_account)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select
from sqlmodel import Session, col

from bot.audience.customers import bind
from bot.campaign_tables import Campaign, CampaignStatus, Customer, Invitation, InvitationStatus
from bot.engine.transient import retrying
from bot.i18n import negotiate
from bot.models import Respondent

if TYPE_CHECKING:
    from bot.db import Database
    from bot.engine.turn import EngineConfig

LOOKUP_CHANNEL = "slack"
"""The one channel that finds people by e-mail today."""


class Lookups:
    """Part of :class:`~bot.engine.Engine`."""

    db: Database
    config: EngineConfig
    clock: Callable[[], datetime]

    def pending_lookups(self, limit: int) -> list[tuple[int, str]]:
        """(customer id, e-mail) of customers whose planned, due Slack invitation of an active
        campaign waits for a look-up, the earliest due first."""
        if limit <= 0:
            return []
        now = self.clock()
        account = exists(select(col(Respondent.id)).where(
            col(Respondent.customer_id) == col(Customer.id),
            col(Respondent.channel) == LOOKUP_CHANNEL))
        query = (select(col(Customer.id), col(Customer.email)).select_from(Invitation)
                 .join(Customer, col(Customer.id) == col(Invitation.customer_id))
                 .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
                 .where(col(Invitation.status) == InvitationStatus.PLANNED,
                        col(Invitation.channel) == LOOKUP_CHANNEL,
                        col(Invitation.respondent_id).is_(None), col(Invitation.due_at) <= now,
                        col(Campaign.status) == CampaignStatus.ACTIVE,
                        col(Campaign.start_at) <= now, col(Customer.email).is_not(None),
                        col(Customer.slack_lookup_at).is_(None), ~account)
                 .group_by(col(Customer.id), col(Customer.email))
                 .order_by(func.min(col(Invitation.due_at)), col(Customer.id)).limit(limit))
        with Session(self.db.read_engine) as session:
            return [(int(cid), str(email)) for cid, email in session.execute(query)]

    def found_on_channel(self, customer_id: int, channel: str, user_id: str | None, *,
                         display_name: str = "", locale_hint: str | None = None) -> None:
        """What the platform answered about the customer's e-mail: their account on
        ``channel`` (bound to them), or None (not found; not asked again)."""
        def once() -> None:
            with Session(self.db.engine, expire_on_commit=False) as session:
                customer = session.execute(select(Customer).where(
                    col(Customer.id) == customer_id).with_for_update()).scalars().first()
                if customer is None:
                    return  # deleted meanwhile
                now = self.clock()
                customer.slack_lookup_at = now
                session.add(customer)
                if user_id:
                    person = bind(session=session, customer=customer, channel=channel,
                                  user_id=user_id[:64], now=now)
                    if display_name and not person.display_name:
                        person.display_name = display_name[:200]
                    if not person.locale_chosen and not customer.language and locale_hint:
                        person.locale = negotiate(locale_hint,
                                                  self.config.default_for(channel))
                    session.add(person)
                session.commit()
        retrying(once)

