"""Personal deep links: made for every imported customer (``survey-bot customers links``) and
opened with ``/start p-<token>``.

Only the SHA-256 of a token is stored (``link_tokens``), with the survey and campaign it
starts.  The first account to open a link is bound to its customer (``bound_to``,
``bound_at``); the same account opening it again just starts the survey again; any other
account gets the same survey unbound, and the customer's data is neither shown nor changed.
Logs never hold a token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot import deeplinks
from bot.audience.customers import bind
from bot.campaign_tables import Customer, LinkToken
from bot.models import Respondent

log = logging.getLogger(__name__)
BATCH = 1000


class Opened(StrEnum):
    """What opening a personal link did."""

    BOUND = "bound"  # the first account to open it: now the customer's
    AGAIN = "again"  # the account it is bound to, once more
    UNBOUND = "unbound"  # another account: the survey, not the customer
    UNKNOWN = "unknown"  # no such token: the default survey


@dataclass(frozen=True, slots=True)
class LinkStart:
    """The survey (None: the default) and campaign a personal link starts, and what it did."""

    survey: str | None
    campaign: str | None
    opened: Opened


def open_link(*, session: Session, person: Respondent, token: str,
              now: datetime) -> LinkStart:
    """``person`` opened the personal link of ``token``."""
    link = session.exec(select(LinkToken).where(
        LinkToken.digest == deeplinks.digest(token)).with_for_update()).first()
    if link is None:
        log.warning("unknown personal link opened on %s: starting the default survey",
                    person.channel)
        return LinkStart(None, None, Opened.UNKNOWN)
    user = person.platform_user_id
    if link.bound_to == user:
        return LinkStart(link.survey, link.campaign, Opened.AGAIN)
    owner = session.get(Customer, person.customer_id) if person.customer_id else None
    if link.bound_to is not None or (owner is not None and owner.external_id is not None
                                     and owner.id != link.customer_id):
        # Someone else's link (forwarded, shared, guessed): their survey, not their data.
        log.warning("personal link of customer %s opened by another %s account: the survey "
                    "starts unbound", link.customer_id, person.channel)
        return LinkStart(link.survey, link.campaign, Opened.UNBOUND)
    customer = session.get(Customer, link.customer_id)
    if customer is None:  # pragma: no cover - the token goes with its customer (CASCADE)
        return LinkStart(link.survey, link.campaign, Opened.UNBOUND)
    bind(session=session, customer=customer, channel=person.channel, user_id=user, now=now)
    link.bound_to, link.bound_at = user, now
    session.add(link)
    log.info("personal link bound a %s account to customer %s", person.channel, customer.id)
    return LinkStart(link.survey, link.campaign, Opened.BOUND)


@dataclass(frozen=True, slots=True)
class PersonalLink:
    external_id: str
    name: str
    email: str
    token: str


def make_links(*, session: Session, survey: str, campaign: str | None,
               now: datetime) -> Iterator[list[PersonalLink]]:
    """A new token for every imported customer, in batches of :data:`BATCH`, each committed
    before it is handed out (so every link given out works).  Earlier tokens keep working."""
    after = 0
    while True:
        rows = session.exec(
            select(Customer.id, Customer.external_id, Customer.name, Customer.email)
            .where(col(Customer.external_id).is_not(None), col(Customer.id) > after)
            .order_by(col(Customer.id)).limit(BATCH)).all()
        if not rows:
            return
        links: list[PersonalLink] = []
        for cid, external_id, name, email in rows:
            assert cid is not None
            token = deeplinks.new_token()
            session.add(LinkToken(digest=deeplinks.digest(token), customer_id=cid,
                                  survey=survey, campaign=campaign, created_at=now))
            links.append(PersonalLink(external_id or "", name, email or "", token))
            after = cid
        session.commit()
        yield links


def link_url(username: str, token: str) -> str:
    return f"https://t.me/{username}?start={deeplinks.personal(token)}"
