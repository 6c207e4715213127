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
