"""Audience filters: ``plan=pro country=RO revenue>=1000 signed_up<2026-01-01
city="Cluj Napoca" language=ro``, turned into one SQL condition on ``customers`` (no customer
is loaded into Python to choose the audience).

* "" or ``all``: everybody.  Tokens are AND-ed.
* Operators ``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=``; a value with spaces is quoted
  (``"…"`` or ``'…'``).
* A value compares by the kind of each customer's attribute: a number numerically, a date
  as a date, text case-insensitively.  ``x!=v`` is "not x=v": customers without ``x`` match.
* ``language=ro`` (``=`` and ``!=``): the language the customer reads on their accounts, else
  the imported one.
* A token that is not ``name<op>value``, a value that fits none of the attribute's kinds, or
  an ordering of ``language`` raises ``CampaignError("bad_filter", params={"token": …})``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, false, func, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot.audience.values import BadValue, typed
from bot.campaign_tables import AttributeKind, Customer, CustomerAttribute
from bot.campaigns.spec import CampaignError
from bot.i18n import negotiate
from bot.models import Respondent

_TOKEN = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\s*(?P<op>!=|>=|<=|=|>|<)\s*"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"']+))(?=\s|$)""")

LANGUAGE = "language"


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    op: str
    value: str
    token: str


def parse(text: str) -> list[Condition]:
    """The filter's conditions ([] for everybody); CampaignError bad_filter on a bad token."""
    text = (text or "").strip()
    if text.lower() in ("", "all"):
        return []
    found: list[Condition] = []
    at = 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        match = _TOKEN.match(text, at)
        if match is None:
            token = text[at:].split(None, 1)[0]
            raise _bad(token)
        value = match["dq"] if match["dq"] is not None else (
            match["sq"] if match["sq"] is not None else match["bare"])
        found.append(Condition(match["name"], match["op"], value, match.group(0)))
        at = match.end()
    return found


def _bad(token: str, why: str = "expected name=value, e.g. plan=pro") -> CampaignError:
    return CampaignError("bad_filter", f"bad audience filter {token!r}: {why}",
                         params={"token": token})


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    match op:
        case "=":
            return column == value  # type: ignore[no-any-return]
        case ">":
            return column > value  # type: ignore[no-any-return]
        case ">=":
            return column >= value  # type: ignore[no-any-return]
        case "<":
            return column < value  # type: ignore[no-any-return]
        case _:
            return column <= value  # type: ignore[no-any-return]


def condition(session: Session, text: str) -> ColumnElement[bool]:
    """The SQL condition on ``customers`` that ``text`` means."""
    clauses = [_one(session, cond) for cond in parse(text)]
    return and_(true(), *clauses)


def _one(session: Session, cond: Condition) -> ColumnElement[bool]:
    op = "=" if cond.op == "!=" else cond.op
    if cond.name.lower() == LANGUAGE:
        clause = _language(cond, op)
    else:
        clause = _attribute(session, cond, op)
    return not_(clause) if cond.op == "!=" else clause


def _language(cond: Condition, op: str) -> ColumnElement[bool]:
    if op != "=":
        raise _bad(cond.token, "language takes = or !=")
    code = negotiate(cond.value, "")
    if not code:
        raise _bad(cond.token, "not a language we speak (en, ro, zh)")
    account = col(Respondent.customer_id) == col(Customer.id)
    return or_(
        exists(select(1).where(account, col(Respondent.locale) == code)),
        and_(not_(exists(select(1).where(account))), col(Customer.language) == code))


def _attribute(session: Session, cond: Condition, op: str) -> ColumnElement[bool]:
    kinds = set(session.execute(select(col(CustomerAttribute.kind)).where(
        col(CustomerAttribute.name) == cond.name).distinct()).scalars())
    branches: list[ColumnElement[bool]] = []
    if AttributeKind.NUMBER in kinds:
        number = _typed(cond.value, AttributeKind.NUMBER)
        if number is not None:
            branches.append(and_(col(CustomerAttribute.kind) == AttributeKind.NUMBER,
                                 _compare(col(CustomerAttribute.number_value), op, number.number)))
    if AttributeKind.DATE in kinds:
        day = _typed(cond.value, AttributeKind.DATE)
        if day is not None:
            branches.append(and_(col(CustomerAttribute.kind) == AttributeKind.DATE,
                                 _compare(col(CustomerAttribute.date_value), op, day.day)))
    if AttributeKind.TEXT in kinds:
        branches.append(and_(col(CustomerAttribute.kind) == AttributeKind.TEXT,
                             _compare(func.lower(col(CustomerAttribute.text_value)), op,
                                      cond.value.lower())))
    if kinds and not branches:
        wanted = " or ".join(sorted(kinds - {AttributeKind.TEXT}))
        raise _bad(cond.token, f"{cond.name} holds a {wanted}")
    if not branches:
        return false()  # nobody has this attribute
    return exists(select(1).where(
        col(CustomerAttribute.customer_id) == col(Customer.id),
        col(CustomerAttribute.name) == cond.name, or_(*branches)))


def _typed(value: str, kind: AttributeKind) -> Any:
    try:
        return typed(value, kind)
    except BadValue:
        return None


