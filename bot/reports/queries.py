"""What a summary reads: answers per score (and per segment) in a period, and the latest
unhappy comments.

Every period is whole local days (:mod:`bot.periods`), so the counts come from the daily rollup
``answer_counts`` alone (one GROUP BY over its primary key, whatever the period's length) when
the rollup counts the report zone's days; otherwise (a process whose REPORT_TIMEZONE differs
from the zone the rollup was last built with) from the raw ``answers`` rows over the period's
UTC bounds, which is slower but right.  Both tell answers to an invitation from those of people
who came by themselves; the invitations themselves (response rates) come from :mod:`.rates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, literal
from sqlmodel import Session, col, select

from bot.metrics import METRICS
from bot.models import Answer, AnswerCount, Respondent
from bot.periods import Period
from bot.reports.rates import Reach, metric_surveys, reach_counts, total
from bot.reports.segments import (
    AttributeSplit,
    UnknownSplit,
    attribute_cells,
    attribute_kinds,
    attribute_split,
    find_attribute,
)
from bot.reports.themes import worst_themes
from bot.store import rollup_zone
from bot.surveys import SurveyCatalog, load_surveys
from scoring.themes import Themes

# The splits a manager types after ``by``, and the column (of both tables) each one reads.
SPLITS = {"channel": "channel", "language": "locale", "campaign": "campaign", "survey": "survey"}
LATEST_COMMENTS = 5

Counts = dict[int, int]
Cells = dict[tuple[str, bool, int], int]  # (segment key, invited, score) -> answers


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
    latest unhappy comments, and answers per score in each segment when split; how many
    answers came after an invitation, and the period's invitations (``reach``: None when it
    has none), in all and per segment key."""

    metric: str
    period: Period
    current: Counts
    previous: Counts | None
    comments: tuple[Comment, ...]
    segment_by: str | None = None
    segments: tuple[tuple[str, Counts], ...] = ()
    invited: int = 0
    reach: Reach | None = None
    segment_invited: Mapping[str, int] = field(default_factory=dict)
    segment_reach: Mapping[str, Reach] = field(default_factory=dict)
    attribute: AttributeSplit | None = None
    """With a split by a customer attribute: the attribute, its kind and bands."""
    talk: tuple[Themes, ...] = ()
    """The worst bucket's themes per language with enough comments (:mod:`.themes`)."""

    @property
    def previous_period(self) -> Period | None:
        return self.period.previous()

    @property
    def tells_invited(self) -> bool:
        """Whether invitations play a part in this period (so the answers are told apart)."""
        return self.reach is not None or self.invited > 0


def _where(metric: str, period: Period) -> list[Any]:
    clauses: list[Any] = [col(Answer.metric) == metric, col(Answer.created_at) < period.end,
                          col(Answer.is_test).is_(False)]  # managers' own tries are not figures
    if period.start is not None:
        clauses.append(col(Answer.created_at) >= period.start)
    return clauses


def _cells(session: Session, metric: str, period: Period, split: str | None,
           use_rollup: bool) -> Cells:
    """Answers per (segment key, invited, score); the key is "" without a split or for no
    campaign."""
    if use_rollup:
        table = AnswerCount.__table__.c  # type: ignore[attr-defined]
        key: Any = table[SPLITS[split]] if split else literal("")
        invited: Any = table.invited
        clauses = [table.metric == metric, table.day <= period.last]
        if period.first is not None:
            clauses.append(table.day >= period.first)
        query: Any = (select(key, invited, table.score, func.sum(table.count))
                      .where(*clauses).group_by(key, invited, table.score))
    else:
        answers = Answer.__table__.c  # type: ignore[attr-defined]
        key = func.coalesce(answers[SPLITS[split]], "") if split else literal("")
        invited = answers.invitation_id.is_not(None)
        query = (select(key, invited, answers.score, func.count())
                 .where(*_where(metric, period)).group_by(key, invited, answers.score))
    out: Cells = {}
    for value, asked, score, n in session.exec(query):
        if n:
            cell = (str(value or ""), bool(asked), int(score))
            out[cell] = out.get(cell, 0) + int(n)
    return out


def _counts(cells: Cells) -> dict[str, Counts]:
    """Answers per score in each segment key."""
    out: dict[str, Counts] = {}
    for (key, _, score), n in cells.items():
        counts = out.setdefault(key, {})
        counts[score] = counts.get(score, 0) + n
    return out


def _invited(cells: Cells) -> dict[str, int]:
    """Answers to an invitation in each segment key."""
    out: dict[str, int] = {}
    for (key, invited, _), n in cells.items():
        out[key] = out.get(key, 0) + (n if invited else 0)
    return out


def uses_rollup(session: Session, period: Period) -> bool:
    """Whether the daily rollup counts this period's local days."""
    return rollup_zone(session=session) == period.zone.key


def score_counts(session: Session, metric: str, period: Period,
                 use_rollup: bool | None = None) -> Counts:
    """Answers per score in the period."""
    rollup = uses_rollup(session, period) if use_rollup is None else use_rollup
    return _counts(_cells(session, metric, period, None, rollup)).get("", {})


def segment_counts(session: Session, metric: str, period: Period, split: str,
                   use_rollup: bool | None = None) -> tuple[tuple[str, Counts], ...]:
    """Answers per score in each segment, the largest segment first."""
    rollup = uses_rollup(session, period) if use_rollup is None else use_rollup
    return _ordered(_counts(_cells(session, metric, period, split, rollup)))


def _ordered(segments: dict[str, Counts]) -> tuple[tuple[str, Counts], ...]:
    """The largest segment first."""
    return tuple(sorted(segments.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))


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


@cache
def _builtin_surveys() -> SurveyCatalog:
    return load_surveys()


def build_report(session: Session, metric: str, period: Period,
                 segment: str | None = None, *, surveys: SurveyCatalog | None = None) -> Report:
    """``metric``'s report; KeyError for a metric that is not in :data:`~bot.metrics.METRICS`
    (never an empty report of another's figures).  ``segment`` is a built-in split
    (:data:`SPLITS`) or the name of a customer attribute (:mod:`.segments`; UnknownSplit for
    neither).  ``surveys`` (the built-in catalog when
    None; the engine and the CLI pass SURVEY_FILE's) names the surveys whose invitations count
    for ``metric``.  A segment with invitations and no answers is a segment too."""
    metric = METRICS[metric].key
    attribute = None
    if segment is not None and segment not in SPLITS:
        found = find_attribute(session, segment)
        if found is None:
            raise UnknownSplit(segment, tuple(attribute_kinds(session)))
        segment = found[0]
        attribute = attribute_split(session, metric, period, *found)
    rollup = uses_rollup(session, period)
    previous = period.previous()
    asks = metric_surveys(surveys or _builtin_surveys(), metric)
    cells = _cells(session, metric, period, None, rollup)
    if attribute is not None:
        segment_cells = attribute_cells(session, metric, period, attribute)
    else:
        segment_cells = _cells(session, metric, period, segment, rollup) if segment else {}
    segment_reach = reach_counts(session, asks, period, None if attribute else segment)
    reach = total(segment_reach)
    if not segment or attribute is not None:
        segment_reach = {}
    segments = _counts(segment_cells)
    for key in segment_reach:
        segments.setdefault(key, {})
    return Report(
        metric=metric,
        period=period,
        current=_counts(cells).get("", {}),
        previous=score_counts(session, metric, previous, rollup) if previous else None,
        comments=latest_comments(session, metric, period),
        segment_by=segment,
        segments=(_ordered(segments) if attribute is None
                  else tuple((k, segments[k]) for k in attribute.ordered(segments))),
        invited=_invited(cells).get("", 0),
        reach=reach,
        segment_invited=_invited(segment_cells),
        segment_reach=segment_reach,
        attribute=attribute,
        talk=worst_themes(session, metric, period),
    )
