"""Customers upserted a batch at a time: what :func:`bot.audience.customers.upsert_customer`
does for one record, in a few set-wise statements per batch (``INSERT … ON CONFLICT``, many
rows each) on SQLite and PostgreSQL.

:func:`check` reads what a batch needs (which customers exist, whom the accounts belong to) and
rejects the rows that cannot be taken; :func:`write` stores the rest.  The caller owns the
transaction (one per batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from sqlmodel import Session

from bot.advocacy.referrals import carry_over
from bot.audience.customers import IDENTITIES, CustomerRecord
from bot.audience.upsert import upsert
from bot.campaign_tables import Customer, CustomerAttribute
from bot.models import Respondent

CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
ATTRIBUTES = CustomerAttribute.__table__  # type: ignore[attr-defined]
RESPONDENTS = Respondent.__table__  # type: ignore[attr-defined]
SCALARS = ("email", "name", "language", "timezone")
"""The customer columns a record may set (None: left as it is)."""


@dataclass(frozen=True, slots=True)
class Line:
    """A record and the line of the file it came from."""

    number: int
    record: CustomerRecord


@dataclass
class Checked:
    """A batch after :func:`check`: the rows to write, and what is known about them."""

    lines: list[Line] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    existing: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    """external_id -> (id, language) of the customers already stored."""
    previous: set[int] = field(default_factory=set)
    """Customers nobody imported whose accounts these rows take over (dropped when empty)."""
    moves: dict[int, str] = field(default_factory=dict)
    """Each of ``previous``: the external id of the row taking its account."""

    @property
    def created(self) -> int:
        return sum(1 for line in self.lines if line.record.external_id not in self.existing)

    @property
    def updated(self) -> int:
        return len(self.lines) - self.created


def _accounts(record: CustomerRecord) -> list[tuple[str, str]]:
    return [(channel, str(getattr(record, name))) for channel, name in IDENTITIES.items()
            if getattr(record, name)]


def check(session: Session, lines: Sequence[Line]) -> Checked:
    """Which rows can be written: an account already bound to another imported customer is
    refused (its row rejected); reads only."""
    out = Checked()
    ids = [line.record.external_id for line in lines]
    for cid, external_id, language in session.connection().execute(
            select(CUSTOMERS.c.id, CUSTOMERS.c.external_id, CUSTOMERS.c.language)
            .where(CUSTOMERS.c.external_id.in_(ids))):
        out.existing[external_id] = (cid, language)
    wanted = [account for line in lines for account in _accounts(line.record)]
    owners: dict[tuple[str, str], tuple[int | None, str | None]] = {}
    if wanted:
        query = (select(RESPONDENTS.c.channel, RESPONDENTS.c.platform_user_id,
                        RESPONDENTS.c.customer_id, CUSTOMERS.c.external_id)
                 .select_from(RESPONDENTS.outerjoin(
                     CUSTOMERS, CUSTOMERS.c.id == RESPONDENTS.c.customer_id))
                 .where(or_(*(and_(RESPONDENTS.c.channel == channel,
                                   RESPONDENTS.c.platform_user_id.in_(users))
                              for channel, users in _by_channel(wanted).items()))))
        for channel, user_id, cid, external_id in session.connection().execute(query):
            owners[(channel, user_id)] = (cid, external_id)
    for line in lines:
        problem = None
        taken: list[int] = []
        for channel, user_id in _accounts(line.record):
            cid, owner = owners.get((channel, user_id), (None, None))
            if owner is not None and owner != line.record.external_id:
                problem = (f"{IDENTITIES[channel]} {user_id} belongs to the imported customer "
                           f"{owner!r} already")
                break
            if cid is not None and owner is None:
                taken.append(cid)
        if problem:
            out.rejected.append((line.number, problem))
            continue
        out.previous.update(taken)
        out.moves.update(dict.fromkeys(taken, line.record.external_id))
        out.lines.append(line)
    return out


def _by_channel(accounts: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for channel, user_id in accounts:
        found.setdefault(channel, []).append(user_id)
    return found


def write(session: Session, batch: Checked, *, now: datetime) -> None:
    """Store the checked rows: customers, their attributes, their accounts."""
    if not batch.lines:
        return
    ids = _customers(session, batch.lines, now)
    _attributes(session, batch.lines, ids)
    _respondents(session, batch, ids, now)
    carry_over(session=session, moves={old: ids[external_id]
                                       for old, external_id in batch.moves.items()})
    if batch.previous:
        session.connection().execute(delete(CUSTOMERS).where(
            CUSTOMERS.c.id.in_(sorted(batch.previous)), CUSTOMERS.c.external_id.is_(None),
            ~exists().where(RESPONDENTS.c.customer_id == CUSTOMERS.c.id)))


def _customers(session: Session, lines: Sequence[Line], now: datetime) -> dict[str, int]:
    """Upsert the customers, one statement per set of fields given; their ids."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for line in lines:
        record = line.record
        given = tuple(name for name in SCALARS if getattr(record, name) is not None)
        groups.setdefault(given, []).append((
            record.external_id, record.email, record.name or "", record.language,
            record.timezone, now, now))
    for given, rows in groups.items():
        upsert(session, CUSTOMERS, ("external_id", *SCALARS, "created_at", "updated_at"), rows,
               conflict=("external_id",),
               update={name: f"excluded.{name}" for name in (*given, "updated_at")})
    found = session.connection().execute(
        select(CUSTOMERS.c.id, CUSTOMERS.c.external_id).where(
            CUSTOMERS.c.external_id.in_([line.record.external_id for line in lines])))
    return {external_id: cid for cid, external_id in found}


def _attributes(session: Session, lines: Sequence[Line], ids: dict[str, int]) -> None:
    """``set_attributes``: the named attributes replaced, the others kept."""
    rows = [(ids[line.record.external_id], name, value.kind.value, value.text, value.number,
             value.day) for line in lines for name, value in line.record.attributes.items()]
    values = ("kind", "text_value", "number_value", "date_value")
    upsert(session, ATTRIBUTES, ("customer_id", "name", *values), rows,
           conflict=("customer_id", "name"), update={name: f"excluded.{name}" for name in values})


RESPONDENT_COLUMNS = ("channel", "platform_user_id", "chat_id", "display_name", "locale",
                      "locale_chosen", "opted_out", "unreachable", "customer_id", "first_seen",
                      "last_seen")


def _respondents(session: Session, batch: Checked, ids: dict[str, int],
                 now: datetime) -> None:
    """``bind`` for every account: the respondent made or re-pointed at its customer, a
    Telegram private chat's id set, the customer's language where the person chose none."""
    groups: dict[bool, list[tuple[Any, ...]]] = {True: [], False: []}
    for line in batch.lines:
        record = line.record
        language = record.language or batch.existing.get(record.external_id, (0, None))[1]
        for channel, user_id in _accounts(record):
            groups[language is not None].append((
                channel, user_id, user_id if channel == "telegram" else "", "",
                language or "en", False, False, False, ids[record.external_id], now, now))
    update = {"customer_id": "excluded.customer_id",
              "chat_id": "CASE WHEN respondents.chat_id = '' THEN excluded.chat_id "
                         "ELSE respondents.chat_id END"}
    for with_language, rows in groups.items():
        upsert(session, RESPONDENTS, RESPONDENT_COLUMNS, rows,
               conflict=("channel", "platform_user_id"),
               update={**update, "locale": "CASE WHEN respondents.locale_chosen THEN "
                       "respondents.locale ELSE excluded.locale END"} if with_language
               else update)
