"""Response rates: the invitations of a metric in a period, read from ``invitations``.

Neither platform tells a bot that a message was delivered or read, so **sent** means accepted by
the platform's API (``sent_at`` set).  An invitation belongs to the period it was sent in; one
not sent yet (planned, queued) or refused for good (failed) belongs to the period it was planned
in (``created_at``).  **Answered** counts the invitations sent in the period whose survey was
answered, whenever the answer came.  Skipped and cancelled invitations asked nobody and are not
counted; nor are a draft campaign's (previewed, not launched).  An invitation's metric is its
campaign's survey's: every metric of a question of that survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlmodel import Session

from bot.campaign_tables import Campaign, CampaignStatus, Invitation, InvitationStatus
from bot.models import Respondent
from bot.periods import Period
from bot.surveys import SurveyCatalog

WAITING = (InvitationStatus.PLANNED, InvitationStatus.QUEUED)


@dataclass(frozen=True)
class Reach:
    """Invitations of a period (or of one segment of it)."""

    sent: int = 0
    answered: int = 0
    failed: int = 0
    waiting: int = 0
    """Planned or queued, not sent yet."""

    @property
    def rate(self) -> float | None:
        """answered / sent; None when nothing was sent."""
        return self.answered / self.sent if self.sent else None

    def __add__(self, other: Reach) -> Reach:
        return Reach(self.sent + other.sent, self.answered + other.answered,
                     self.failed + other.failed, self.waiting + other.waiting)


def metric_surveys(catalog: SurveyCatalog, metric: str) -> tuple[str, ...]:
    """The surveys that ask ``metric`` (by name, sorted)."""
    return tuple(sorted(name for name, survey in catalog.surveys.items()
                        if any(q.metric == metric for q in survey.questions)))


def _key(split: str | None) -> Any:
    """What an invitation's segment is: the channel it went to, the language of the person it
    went to, its campaign or its campaign's survey."""
    inv = Invitation.__table__.c  # type: ignore[attr-defined]
    camp = Campaign.__table__.c  # type: ignore[attr-defined]
    people = Respondent.__table__.c  # type: ignore[attr-defined]
    keys: dict[str | None, Any] = {
        None: literal(""), "channel": func.coalesce(inv.channel, ""),
        "language": func.coalesce(people.locale, ""), "campaign": camp.name,
        "survey": camp.survey}
    return keys[split]


def reach_counts(session: Session, surveys: tuple[str, ...], period: Period,
                 split: str | None = None) -> dict[str, Reach]:
    """The period's invitations of ``surveys`` per segment key ("" without a split); only
    segments with an invitation.  One query over ``ix_invitations_sent``."""
    if not surveys:
        return {}
    inv = Invitation.__table__.c  # type: ignore[attr-defined]
    camp = Campaign.__table__.c  # type: ignore[attr-defined]
    people = Respondent.__table__.c  # type: ignore[attr-defined]

    def within(column: Any) -> Any:
        bounds = [column < period.end]
        if period.start is not None:
            bounds.append(column >= period.start)
        return and_(*bounds)

    sent_in = and_(inv.sent_at.is_not(None), within(inv.sent_at))
    unsent_in = and_(inv.sent_at.is_(None), within(inv.created_at),
                     inv.status.in_([*WAITING, InvitationStatus.FAILED]))
    unsent = inv.sent_at.is_(None)

    def tally(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    key = _key(split)
    source = Invitation.__table__.join(  # type: ignore[attr-defined]
        Campaign.__table__, camp.id == inv.campaign_id)  # type: ignore[attr-defined]
    if split == "language":
        source = source.outerjoin(Respondent.__table__,  # type: ignore[attr-defined]
                                  people.id == inv.respondent_id)
    query: Any = (
        select(key, func.count(inv.sent_at),
               tally(and_(inv.sent_at.is_not(None), inv.answered_at.is_not(None))),
               tally(and_(unsent, inv.status == InvitationStatus.FAILED)),
               tally(and_(unsent, inv.status.in_(WAITING))))
        .select_from(source)
        .where(camp.survey.in_(surveys), camp.status != CampaignStatus.DRAFT,
               or_(sent_in, unsent_in))
        .group_by(key))
    return {str(value or ""): Reach(int(sent or 0), int(answered or 0), int(failed or 0),
                                    int(waiting or 0))
            for value, sent, answered, failed, waiting in session.exec(query)}
