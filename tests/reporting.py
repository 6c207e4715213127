"""Helpers for the report tests: answers stored at exact instants through the store (so the
rollup is kept as the engine keeps it), and counts taken straight from the raw rows."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlmodel import Session, UTCDateTime

from bot.engine import Engine
from bot.metrics import METRICS
from bot.models import Answer, Respondent, SurveyRun
from bot.store import add_answer

_calls = itertools.count()


@dataclass(frozen=True)
class Row:
    metric: str
    score: int
    at: datetime
    channel: str = "telegram"
    locale: str = "en"
    campaign: str | None = None
    survey: str = "default"
    comment: str | None = None


def store_rows(engine: Engine, rows: Iterable[Row]) -> None:
    """Store the answers, one respondent per channel and language, counted in the rollup in the
    engine's report zone."""
    with Session(engine.db.engine) as s:
        people: dict[tuple[str, str], tuple[int, int]] = {}
        call = next(_calls)
        for i, row in enumerate(rows):
            if (row.channel, row.locale) not in people:
                person = Respondent(channel=row.channel, locale=row.locale,
                                    platform_user_id=f"{row.channel}-{row.locale}-{call}",
                                    display_name=f"Person {row.locale}")
                s.add(person)
                s.flush()
                run = SurveyRun(respondent_id=person.id,  # type: ignore[arg-type]
                                survey="default", status="completed")
                s.add(run)
                s.flush()
                people[(row.channel, row.locale)] = (person.id, run.id)  # type: ignore[assignment]
            person_id, run_id = people[(row.channel, row.locale)]
            low, high = METRICS[row.metric].scale
            add_answer(session=s, zone=engine.report_zone, answer=Answer(
                respondent_id=person_id, survey_run_id=run_id, survey=row.survey,
                campaign=row.campaign, question_key=f"q{i}", metric=row.metric,
                score=row.score, scale_min=low, scale_max=high,
                bucket=METRICS[row.metric].bucket(row.score), comment=row.comment,
                locale=row.locale, channel=row.channel, created_at=row.at))
        s.commit()


_RAW = text(
    "SELECT score, count(*) FROM answers WHERE metric = :metric AND created_at >= :lo "
    "AND created_at < :hi GROUP BY score"
).bindparams(bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime()))


def raw_counts(engine: Engine, metric: str, lo: datetime, hi: datetime) -> dict[int, int]:
    """``COUNT(*)`` per score over the raw answers in ``[lo, hi)``."""
    with engine.db.read_engine.connect() as conn:
        return {int(score): int(n) for score, n in conn.execute(
            _RAW, {"metric": metric, "lo": lo, "hi": hi})}
