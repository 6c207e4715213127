"""Referrals: a person attributed to the promoter (a customer) who brought them, once.

* **Through a link:** a new person starts the bot with ``r-<token>`` (:mod:`bot.engine.
  advocacy` decides who is new).
* **Imported:** a customer row's ``referred_by`` names the promoter's ``external_id``
  (``survey-bot customers import``); an unknown one leaves the referral out, with a warning.

The first attribution of a person stays.  When an account moves to another customer (an import
or a personal link names a person who came by themselves), their asks and referrals go with it
(:func:`carry_over`), so nothing counted is lost when the customer they had alone is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from bot.advocacy_tables import PromoterAsk, Referral, ReferralSource
from bot.campaign_tables import Customer
from bot.models import Respondent

REFERRALS = Referral.__table__  # type: ignore[attr-defined]
ASKS = PromoterAsk.__table__  # type: ignore[attr-defined]
RESPONDENTS = Respondent.__table__  # type: ignore[attr-defined]


class Attributed(StrEnum):
    NEW = "new"  # a referral counted
    SELF = "self"  # the promoter named themself
    ALREADY = "already"  # the person was attributed before (the first attribution stays)


def attribute(*, session: Session, referrer_id: int, referred_id: int, ask_id: int | None,
              source: ReferralSource, channel: str, now: datetime) -> Attributed:
    """Attribute customer ``referred_id`` to the promoter ``referrer_id``."""
    if referrer_id == referred_id:
        return Attributed.SELF
    if session.exec(select(REFERRALS.c.id).where(  # type: ignore[call-overload]
            REFERRALS.c.referred_id == referred_id)).first() is not None:
        return Attributed.ALREADY
    session.add(Referral(referrer_id=referrer_id, referred_id=referred_id, ask_id=ask_id,
                         source=source, channel=channel, created_at=now))
    session.flush()
    return Attributed.NEW


@dataclass(frozen=True, slots=True)
class ImportedReferral:
    """A line of an import whose ``referred_by`` named someone."""

    line: int
    external_id: str
    referred_by: str


def attribute_imported(*, session: Session, rows: Iterable[ImportedReferral], now: datetime,
                       dry_run: bool = False,
                       also_known: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """Attribute each imported customer to the customer its ``referred_by`` names; the lines
    whose referral was left out, with why (English, for the CLI).  ``dry_run`` writes nothing
    and takes ``also_known`` (the file's external ids) as customers too."""
    rows = list(rows)
    warnings: list[tuple[int, str]] = []
    if not rows:
        return warnings
    names = {r.external_id for r in rows} | {r.referred_by for r in rows}
    ids: dict[str, int] = {}
    for chunk in _chunks(sorted(names), 500):
        for cid, external_id in session.execute(select(
                col(Customer.id), col(Customer.external_id)).where(
                col(Customer.external_id).in_(chunk))):
            ids[str(external_id)] = int(cid)
    for row in rows:
        if row.referred_by == row.external_id:
            warnings.append((row.line, f"referred_by {row.referred_by!r} is the customer "
                             "themself: the referral is left out"))
            continue
        referrer = ids.get(row.referred_by)
        if referrer is None and not (dry_run and row.referred_by in also_known):
            warnings.append((row.line, f"referred_by {row.referred_by!r} is no customer's "
                             "external_id: imported without the referral"))
            continue
        referred = ids.get(row.external_id)
        if dry_run or referrer is None or referred is None:
            continue
        if attribute(session=session, referrer_id=referrer, referred_id=referred, ask_id=None,
                     source=ReferralSource.IMPORT, channel="", now=now) is Attributed.ALREADY:
            first = session.exec(select(REFERRALS.c.referrer_id).where(  # type: ignore[call-overload]
                REFERRALS.c.referred_id == referred)).one()
            if first != referrer:
                warnings.append((row.line, f"{row.external_id!r} was attributed to another "
                                 "promoter before; the first attribution stays"))
    return warnings


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def carry_over(*, session: Session, moves: Mapping[int, int]) -> None:
    """Accounts moved from customer ``old`` to ``new`` (``moves``): their asks follow each
    account; a customer left without accounts hands its referrals (made and received) to the
    customer its accounts went to.  Before the old customers are dropped."""
    if not moves:
        return
    old_ids = sorted(moves)
    session.execute(update(ASKS).where(ASKS.c.customer_id.in_(old_ids)).values(
        customer_id=select(RESPONDENTS.c.customer_id).where(
            RESPONDENTS.c.id == ASKS.c.respondent_id).scalar_subquery()))
    for old, new in moves.items():
        if old == new or session.execute(select(RESPONDENTS.c.id).where(
                RESPONDENTS.c.customer_id == old).limit(1)).first() is not None:
            continue  # the same customer, or it keeps accounts: its referrals stay with it
        session.execute(update(REFERRALS).where(REFERRALS.c.referrer_id == old)
                        .values(referrer_id=new))
        if session.execute(select(REFERRALS.c.id).where(
                REFERRALS.c.referred_id == new)).first() is not None:
            # The new customer's own first attribution stays.
            session.execute(delete(REFERRALS).where(REFERRALS.c.referred_id == old))
        else:
            session.execute(update(REFERRALS).where(REFERRALS.c.referred_id == old)
                            .values(referred_id=new))
        session.execute(delete(REFERRALS).where(REFERRALS.c.referrer_id == new,
                                                REFERRALS.c.referred_id == new))
