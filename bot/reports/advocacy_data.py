"""What ``/nps advocacy [period]`` counts, read from the advocacy tables.

The figures follow the **promoters asked in the period** (customers; a manager's tests left
out), whenever what they did happened, up to now:

* *accepted*: they pressed Yes on one of their asks in the period;
* *link clicks* / *review clicks*: the counted clicks of those asks' links (and, for a
  referral, its Telegram starts by anybody but the promoter);
* *referred people*: the people who started the bot through those asks' links, and those an
  import attributed to the promoter (``referred_by``) once they had been asked in the period;
  *who answered*: those of them (any account) with an answer that counts;
* a promoter's channel and language: those of their last ask in the period.

Referrals made in the period that none of this counts (to customers not asked in it) are
counted apart (:attr:`AdvocacyData.elsewhere`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlmodel import Session

from bot.advocacy_tables import AdvocacyLink, AskStatus, LinkKind, PromoterAsk, Referral
from bot.campaign_tables import Customer
from bot.models import Answer, Respondent
from bot.periods import Period
from scoring.advocacy import Promoter

ASKS = PromoterAsk.__table__  # type: ignore[attr-defined]
LINKS = AdvocacyLink.__table__  # type: ignore[attr-defined]
REFERRALS = Referral.__table__  # type: ignore[attr-defined]
ANSWERS = Answer.__table__  # type: ignore[attr-defined]
PEOPLE = Respondent.__table__  # type: ignore[attr-defined]
CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]


@dataclass
class Tally:
    """One promoter asked in the period, as counted so far."""

    customer_id: int
    channel: str = ""
    locale: str = ""
    last_asked: datetime | None = None
    first_asked: datetime | None = None
    ask_ids: set[int] = field(default_factory=set)
    accepted: bool = False
    link_clicks: int = 0
    review_clicks: int = 0
    referred: int = 0
    referred_answered: int = 0

    def promoter(self) -> Promoter:
        return Promoter(self.accepted, self.link_clicks, self.review_clicks, self.referred,
                        self.referred_answered)


@dataclass(frozen=True)
class AdvocacyData:
    period: Period
    promoters: list[Tally]
    elsewhere: int
    """Referrals made in the period attributed to customers this cohort does not count."""


def _in_period(column: Any, period: Period) -> Any:
    clauses = [column < period.end]
    if period.start is not None:
        clauses.append(column >= period.start)
    return and_(*clauses)


def _asks(session: Session, period: Period) -> dict[int, Tally]:
    query = (select(ASKS.c.id, ASKS.c.customer_id, ASKS.c.channel, ASKS.c.locale,
                    ASKS.c.status, ASKS.c.created_at)
             .where(ASKS.c.is_test.is_(False), _in_period(ASKS.c.created_at, period))
             .order_by(ASKS.c.created_at, ASKS.c.id))
    tallies: dict[int, Tally] = {}
    for ask_id, customer, channel, locale, status, at in session.execute(query):
        tally = tallies.setdefault(int(customer), Tally(int(customer)))
        tally.ask_ids.add(int(ask_id))
        tally.channel, tally.locale, tally.last_asked = str(channel), str(locale), at
        tally.first_asked = tally.first_asked or at
        tally.accepted = tally.accepted or status == AskStatus.ACCEPTED
    return tallies


def _clicks(session: Session, period: Period, tallies: dict[int, Tally]) -> None:
    cohort = select(ASKS.c.id, ASKS.c.customer_id).where(
        ASKS.c.is_test.is_(False), _in_period(ASKS.c.created_at, period)).subquery()
    query = (select(cohort.c.customer_id, LINKS.c.kind, func.sum(LINKS.c.clicks))
             .select_from(LINKS.join(cohort, cohort.c.id == LINKS.c.ask_id))
             .group_by(cohort.c.customer_id, LINKS.c.kind))
    for customer, kind, clicks in session.execute(query):
        tally = tallies[int(customer)]
        if kind == LinkKind.REVIEW:
            tally.review_clicks += int(clicks or 0)
        else:
            tally.link_clicks += int(clicks or 0)


def _answered() -> Any:
    """SQL: the referred customer has an answer that counts, on any account."""
    source = ANSWERS.join(PEOPLE, PEOPLE.c.id == ANSWERS.c.respondent_id)
    return exists(select(1).select_from(source).where(
        PEOPLE.c.customer_id == REFERRALS.c.referred_id, ANSWERS.c.is_test.is_(False)))


def _referrals(session: Session, period: Period, tallies: dict[int, Tally]) -> int:
    """Count each cohort promoter's referrals; the period's referrals not counted."""
    cohort = select(ASKS.c.customer_id).where(
        ASKS.c.is_test.is_(False), _in_period(ASKS.c.created_at, period))
    in_period = _in_period(REFERRALS.c.created_at, period)
    query = select(REFERRALS.c.referrer_id, REFERRALS.c.ask_id, REFERRALS.c.created_at,
                   _answered(), in_period).where(
        REFERRALS.c.referrer_id.in_(cohort) | in_period)
    elsewhere = 0
    for referrer, ask_id, at, answered, made_in_period in session.execute(query):
        tally = tallies.get(int(referrer))
        counted = tally is not None and (
            int(ask_id) in tally.ask_ids if ask_id is not None
            else tally.first_asked is not None and at >= tally.first_asked)
        if tally is not None and counted:
            tally.referred += 1
            tally.referred_answered += bool(answered)
        elif made_in_period:
            elsewhere += 1
    return elsewhere


def advocacy_data(session: Session, period: Period) -> AdvocacyData:
    tallies = _asks(session, period)
    if tallies:
        _clicks(session, period, tallies)
    elsewhere = _referrals(session, period, tallies)
    return AdvocacyData(period, list(tallies.values()), elsewhere)


def referrer_names(session: Session, customers: Iterable[int]) -> dict[int, str]:
    """The names of the promoters among ``customers`` who may be named: their last answer to
    a survey's consent question was yes (their customer name, else their account's)."""
    ids = sorted(set(customers))
    if not ids:
        return {}
    latest: dict[int, bool] = {}
    for customer, named in session.execute(
            select(ASKS.c.customer_id, ASKS.c.named)
            .where(ASKS.c.customer_id.in_(ids), ASKS.c.consent_asked.is_(True),
                   ASKS.c.named.is_not(None))
            .order_by(ASKS.c.created_at, ASKS.c.id)):
        latest[int(customer)] = bool(named)
    allowed = [c for c, yes in latest.items() if yes]
    if not allowed:
        return {}
    names: dict[int, str] = defaultdict(str)
    for customer, name in session.execute(select(CUSTOMERS.c.id, CUSTOMERS.c.name).where(
            CUSTOMERS.c.id.in_(allowed))):
        names[int(customer)] = str(name or "").strip()
    for customer, name in session.execute(
            select(PEOPLE.c.customer_id, PEOPLE.c.display_name)
            .where(PEOPLE.c.customer_id.in_(allowed)).order_by(PEOPLE.c.id)):
        if not names[int(customer)]:
            names[int(customer)] = str(name or "").strip()
    return {c: n for c, n in names.items() if n}
