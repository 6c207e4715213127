"""The demo's customers: each demo person a customer with the attributes an import brings
(``plan``, ``country``, ``revenue``, ``signed_up`` and, for some, ``churned``), so that
``by plan``, ``/nps value`` and ``/nps retention`` have something to show after
``survey-bot demo seed``.  Happier people are more often on the bigger plans and less often
gone, as the claim that promoters are worth more than detractors goes."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.audience.values import typed
from bot.campaign_tables import Customer, CustomerAttribute
from bot.models import Respondent

YEARLY = {"free": 0.0, "pro": 588.0, "enterprise": 5988.0}
"""A plan's list price a year; each customer pays about that (a discount, extra seats)."""
COUNTRIES = {"ro": (("RO", 0.8), ("MD", 0.2)), "zh": (("CN", 0.7), ("SG", 0.2), ("TW", 0.1)),
             "en": (("GB", 0.4), ("US", 0.4), ("IE", 0.2))}


def _choice(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def add_customers(session: Session, rng: random.Random, people: Sequence[Respondent],
                  happiness: Mapping[int, float], *, now: datetime, days: int) -> int:
    """A customer for each of ``people`` (``happiness``: their mean place on the scales, 0 to
    1), bound to them, its ``external_id`` the person's demo id; how many."""
    today = now.date()
    for person in people:
        assert person.id is not None
        happy = happiness.get(person.id, 0.5)
        plan = _choice(rng, (("free", 0.75 - 0.5 * happy), ("pro", 0.35),
                             ("enterprise", 0.05 + 0.35 * happy)))
        signed_up = today - timedelta(days=rng.randint(days // 2, 3 * 365))
        values: dict[str, str | float | date] = {
            "plan": plan, "country": _choice(rng, COUNTRIES.get(person.locale, COUNTRIES["en"])),
            "revenue": round(YEARLY[plan] * rng.lognormvariate(0, 0.35), 2),
            "signed_up": signed_up}
        if rng.random() < 0.04 + 0.3 * (1 - happy):
            values["churned"] = max(signed_up + timedelta(days=30),
                                    today - timedelta(days=rng.randint(0, days)))
        customer = Customer(external_id=person.platform_user_id, name=person.display_name,
                            language=person.locale, created_at=now, updated_at=now)
        session.add(customer)
        session.flush()
        assert customer.id is not None
        for name, value in values.items():
            kept = typed(value)
            session.add(CustomerAttribute(customer_id=customer.id, name=name,
                                          kind=kept.kind.value, text_value=kept.text,
                                          number_value=kept.number, date_value=kept.day))
        person.customer_id = customer.id
        session.add(person)
    return len(people)
