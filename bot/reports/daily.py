"""Answers per local day and score over a period: what a trend is made of.

One GROUP BY in the database, never the answers themselves in Python: from the daily rollup
``answer_counts`` when it counts the report zone's days (a range scan of its primary key, some
days × scores rows whatever the number of answers), else from the raw ``answers`` over the
period's UTC bounds, each dated by its local day in the zone as the rollup's rebuild dates it
(:func:`bot.store.local_day_of_answers`).  The choice is the summary's
(:func:`bot.reports.queries.uses_rollup`), so a trend and a summary of the same days read the
same counts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.metrics import METRICS
from bot.models import Answer, AnswerCount
from bot.periods import Period
from bot.reports.queries import Counts, uses_rollup
from bot.store import local_day_of_answers

DayCounts = dict[date, Counts]


def _day(value: Any) -> date:
    """A date as the driver returns it (SQLite's ``date()`` is text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _collect(rows: Any) -> DayCounts:
    out: DayCounts = {}
    for day, score, n in rows:
        if n:
            counts = out.setdefault(_day(day), {})
            counts[int(score)] = counts.get(int(score), 0) + int(n)
    return out


def _from_rollup(session: Session, metric: str, period: Period) -> DayCounts:
    table = AnswerCount.__table__.c  # type: ignore[attr-defined]
    clauses = [table.metric == metric, table.day <= period.last]
    if period.first is not None:
        clauses.append(table.day >= period.first)
    query: Any = (select(table.day, table.score, func.sum(table.count))
                  .where(*clauses).group_by(table.day, table.score))
    return _collect(session.exec(query))


def _from_answers(session: Session, metric: str, period: Period) -> DayCounts:
    lo = period.start
    if lo is None:  # all time: from the metric's first answer
        lo = session.exec(select(func.min(Answer.created_at))
                          .where(col(Answer.metric) == metric)).one()
        if lo is None:
            return {}
    day, joined = local_day_of_answers(session, period.zone, lo, period.end)
    answers = Answer.__table__.c  # type: ignore[attr-defined]
    query: Any = (select(day, answers.score, func.count()).select_from(joined)
                  .where(answers.metric == metric, answers.created_at >= lo,
                         answers.created_at < period.end, answers.is_test.is_(False))
                  .group_by(day, answers.score))
    return _collect(session.exec(query))


def daily_counts(session: Session, metric: str, period: Period,
                 use_rollup: bool | None = None) -> DayCounts:
    """Answers per score on each local day of ``period`` that has any; KeyError for a metric
    that is none.  ``use_rollup`` forces a path (tests compare them); None chooses as the
    summary does."""
    metric = METRICS[metric].key
    rollup = uses_rollup(session, period) if use_rollup is None else use_rollup
    return (_from_rollup if rollup else _from_answers)(session, metric, period)
