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

from sqlalchemy import case, func, literal, select
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


def _source(split: str | None) -> Any:
    inv = Invitation.__table__.c  # type: ignore[attr-defined]
    camp = Campaign.__table__.c  # type: ignore[attr-defined]
    people = Respondent.__table__.c  # type: ignore[attr-defined]
    source = Invitation.__table__.join(  # type: ignore[attr-defined]
        Campaign.__table__, camp.id == inv.campaign_id)  # type: ignore[attr-defined]
    if split == "language":
        source = source.outerjoin(Respondent.__table__,  # type: ignore[attr-defined]
                                  people.id == inv.respondent_id)
    return source


def _within(column: Any, period: Period) -> list[Any]:
    bounds = [column < period.end]
    if period.start is not None:
        bounds.append(column >= period.start)
    return bounds


def reach_counts(session: Session, surveys: tuple[str, ...], period: Period,
                 split: str | None = None) -> dict[str, Reach]:
    """The period's invitations of ``surveys`` per segment key ("" without a split); only
    segments with an invitation.  Two GROUP BYs: the sent ones over the covering index
    ``ix_invitations_sent``, the few not sent over ``ix_invitations_due``'s status."""
    if not surveys:
        return {}
    inv = Invitation.__table__.c  # type: ignore[attr-defined]
    camp = Campaign.__table__.c  # type: ignore[attr-defined]
    key = _key(split)
    campaigns = [camp.survey.in_(surveys), camp.status != CampaignStatus.DRAFT]
    sent: Any = (select(key, func.count(), func.count(inv.answered_at))
                 .select_from(_source(split))
                 .where(*campaigns, inv.sent_at.is_not(None), *_within(inv.sent_at, period))
                 .group_by(key))
    failed = inv.status == InvitationStatus.FAILED
    unsent: Any = (select(key, func.sum(case((failed, 1), else_=0)),
                          func.sum(case((failed, 0), else_=1)))
                   .select_from(_source(split))
                   .where(*campaigns, inv.status.in_([*WAITING, InvitationStatus.FAILED]),
                          inv.sent_at.is_(None), *_within(inv.created_at, period))
                   .group_by(key))
    out: dict[str, Reach] = {}
    for value, n, answered in session.exec(sent):
        out[str(value or "")] = Reach(int(n), int(answered))
    for value, n_failed, waiting in session.exec(unsent):
        name = str(value or "")
        out[name] = out.get(name, Reach()) + Reach(failed=int(n_failed), waiting=int(waiting))
    return out


def total(segments: dict[str, Reach]) -> Reach | None:
    """The whole period's invitations from its segments' (each is in exactly one); None when
    it has none."""
    return sum(segments.values(), Reach()) if segments else None
