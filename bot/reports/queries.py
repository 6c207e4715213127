"""What a summary reads: answers per score (and per segment) in a period, and the latest
unhappy comments.

Every period is whole local days (:mod:`bot.periods`), so the counts come from the daily rollup
``answer_counts`` alone (one GROUP BY over its primary key, whatever the period's length) when
the rollup counts the report zone's days; otherwise (a process whose REPORT_TIMEZONE differs
from the zone the rollup was last built with) from the raw ``answers`` rows over the period's
UTC bounds, which is slower but right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal
from sqlmodel import Session, col, select

from bot.metrics import METRICS
from bot.models import Answer, AnswerCount, Respondent
from bot.periods import Period
from bot.store import rollup_zone

# The splits a manager types after ``by``, and the column (of both tables) each one reads.
SPLITS = {"channel": "channel", "language": "locale", "campaign": "campaign", "survey": "survey"}
LATEST_COMMENTS = 5

Counts = dict[int, int]


@dataclass(frozen=True)
class Comment:
    score: int
    scale_max: int
    text: str
    name: str
    channel: str
    locale: str
    created_at: datetime


@dataclass(frozen=True)
class Report:
    """A metric over a period: answers per score now and in the span it is compared with, the
    latest unhappy comments, and answers per score in each segment when split."""

    metric: str
    period: Period
    current: Counts
    previous: Counts | None
    comments: tuple[Comment, ...]
    segment_by: str | None = None
    segments: tuple[tuple[str, Counts], ...] = ()

    @property
    def previous_period(self) -> Period | None:
        return self.period.previous()


def _where(metric: str, period: Period) -> list[Any]:
    clauses: list[Any] = [col(Answer.metric) == metric, col(Answer.created_at) < period.end,
                          col(Answer.is_test).is_(False)]  # managers' own tries are not figures
    if period.start is not None:
        clauses.append(col(Answer.created_at) >= period.start)
    return clauses


def _counts(session: Session, metric: str, period: Period, split: str | None,
            use_rollup: bool) -> dict[tuple[str, int], int]:
    """Answers per (segment key, score); the key is "" without a split or for no campaign."""
    if use_rollup:
        table = AnswerCount.__table__.c  # type: ignore[attr-defined]
        key: Any = table[SPLITS[split]] if split else literal("")
        clauses = [table.metric == metric, table.day <= period.last]
        if period.first is not None:
            clauses.append(table.day >= period.first)
        query: Any = (select(key, table.score, func.sum(table.count))
                      .where(*clauses).group_by(key, table.score))
    else:
        answers = Answer.__table__.c  # type: ignore[attr-defined]
        key = func.coalesce(answers[SPLITS[split]], "") if split else literal("")
        query = (select(key, answers.score, func.count()).where(*_where(metric, period))
                 .group_by(key, answers.score))
    out: dict[tuple[str, int], int] = {}
    for value, score, n in session.exec(query):
        if n:
            cell = (str(value or ""), int(score))
            out[cell] = out.get(cell, 0) + int(n)
    return out


def uses_rollup(session: Session, period: Period) -> bool:
    """Whether the daily rollup counts this period's local days."""
    return rollup_zone(session=session) == period.zone.key


def score_counts(session: Session, metric: str, period: Period,
                 use_rollup: bool | None = None) -> Counts:
    """Answers per score in the period."""
    rollup = uses_rollup(session, period) if use_rollup is None else use_rollup
    return {score: n for (_, score), n in _counts(session, metric, period, None, rollup).items()}


def segment_counts(session: Session, metric: str, period: Period, split: str,
                   use_rollup: bool | None = None) -> tuple[tuple[str, Counts], ...]:
    """Answers per score in each segment, the largest segment first."""
    rollup = uses_rollup(session, period) if use_rollup is None else use_rollup
    out: dict[str, Counts] = {}
    for (key, score), n in _counts(session, metric, period, split, rollup).items():
        out.setdefault(key, {})[score] = n
    return tuple(sorted(out.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))


def latest_comments(session: Session, metric: str, period: Period,
                    limit: int = LATEST_COMMENTS) -> tuple[Comment, ...]:
    rows = session.exec(
        select(Answer, Respondent.display_name)
        .join(Respondent, col(Respondent.id) == col(Answer.respondent_id))
        .where(*_where(metric, period), col(Answer.bucket) == METRICS[metric].worst,
               col(Answer.comment).is_not(None))
        .order_by(col(Answer.created_at).desc())
        .limit(limit)
    ).all()
    return tuple(
        Comment(a.score, a.scale_max, a.comment or "", name or "", a.channel, a.locale,
                a.created_at)
        for a, name in rows
    )


def build_report(session: Session, metric: str, period: Period,
                 segment: str | None = None) -> Report:
    """``metric``'s report; KeyError for a metric that is not in :data:`~bot.metrics.METRICS`
    (never an empty report of another's figures)."""
    metric = METRICS[metric].key
    if segment is not None and segment not in SPLITS:
        raise ValueError(f"unknown split {segment!r}")
    rollup = uses_rollup(session, period)
    previous = period.previous()
    return Report(
        metric=metric,
        period=period,
        current=score_counts(session, metric, period, rollup),
        previous=score_counts(session, metric, previous, rollup) if previous else None,
        comments=latest_comments(session, metric, period),
        segment_by=segment,
        segments=segment_counts(session, metric, period, segment, rollup) if segment else (),
    )
