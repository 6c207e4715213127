"""A small world of customers for the insight tests: imported customers with typed attributes
(through the importer's own upsert), each with an account and answers at exact instants."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.audience.customers import CustomerRecord, bind, upsert_customer
from bot.audience.values import typed
from bot.engine import Engine
from bot.metrics import METRICS
from bot.models import Answer, SurveyRun
from bot.store import add_answer

_ids = itertools.count(1)


@dataclass
class Customer:
    """``attributes``: values as an import gives them (text, numbers, dates); ``answers``:
    (metric, score, when)."""

    attributes: Mapping[str, str | float | date] = field(default_factory=dict)
    answers: Sequence[tuple[str, int, datetime]] = ()
    channel: str = "telegram"
    name: str = ""


def add_customers(engine: Engine, customers: Sequence[Customer],
                  now: datetime) -> list[int]:
    """Store them; their customer ids, in order."""
    out = []
    with Session(engine.db.engine) as s:
        for c in customers:
            n = next(_ids)
            record = CustomerRecord(external_id=f"c-{n}", name=c.name or f"Customer {n}",
                                    attributes={k: typed(v) for k, v in c.attributes.items()})
            customer, _ = upsert_customer(session=s, record=record, now=now)
            person = bind(session=s, customer=customer, channel=c.channel,
                          user_id=f"{700000 + n}", now=now)
            person.display_name = customer.name
            s.add(person)
            for i, (metric, score, at) in enumerate(c.answers):
                run = SurveyRun(respondent_id=person.id,  # type: ignore[arg-type]
                                survey="default", status="completed")
                s.add(run)
                s.flush()
                low, high = METRICS[metric].scale
                add_answer(session=s, zone=engine.report_zone, answer=Answer(
                    respondent_id=person.id, survey_run_id=run.id,  # type: ignore[arg-type]
                    survey="default", question_key=f"{metric}{i}", metric=metric,
                    score=score, scale_min=low, scale_max=high,
                    bucket=METRICS[metric].bucket(score), locale="en", channel=c.channel,
                    created_at=at))
            assert customer.id is not None
            out.append(customer.id)
        s.commit()
    return out


def world(engine: Engine, now: datetime, channel: str = "telegram") -> list[int]:
    """The small fixture every insight test reads, its figures worked out by hand in
    tests/test_insight.py; the customer ids c1 … c9."""
    from datetime import timedelta

    from tests.helpers import seed_answers

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    ids = add_customers(engine, [
        Customer({"plan": "pro", "revenue": 100, "signed_up": date(2025, 1, 1)},
                 [("nps", 10, ago(1)), ("nps", 9, ago(120)), ("csat", 5, ago(1))],
                 channel, "Ana Pop"),
        Customer({"plan": "pro", "revenue": 210, "signed_up": date(2025, 6, 1),
                  "churned": date(2026, 10, 1)}, [("nps", 9, ago(2))], channel),
        Customer({"plan": "pro", "revenue": 300, "signed_up": date(2026, 9, 1)},
                 [("nps", 3, ago(3))], channel),
        Customer({"plan": "free", "revenue": 1000, "signed_up": date(2024, 3, 1),
                  "churned": date(2026, 11, 1)},
                 [("nps", 8, ago(1)), ("nps", 2, ago(10)), ("nps", 1, ago(120))], channel),
        Customer({"plan": "free", "revenue": 1500, "signed_up": date(2025, 2, 2)},
                 [("nps", 0, ago(4))], channel),
        Customer({"revenue": 5000}, [("nps", 10, ago(2))], channel),
        Customer({"plan": "team"}, [("nps", 7, ago(5))], channel),
        Customer({"plan": "pro", "revenue": 50, "signed_up": date(2025, 5, 5),
                  "churned": date(2026, 8, 1)}, [("nps", 10, ago(40))], channel),
        Customer({"signed_up": date(2026, 5, 1), "churned": date(2026, 4, 1)}, [], channel),
    ], now)
    # Someone from before customers existed: answers with no customer at all.
    seed_answers(engine, [("nps", 10, 3, None)], channel=channel, user_id="old-timer",
                 now=now)
    return ids
