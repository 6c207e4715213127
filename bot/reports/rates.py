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


def _campaigns(session: Session, surveys: tuple[str, ...]) -> dict[int, tuple[str, str]]:
    """The launched campaigns of ``surveys``: id → (name, survey).  Few rows, read once, so the
    invitations are then read by their own index alone, never once per campaign."""
    camp = Campaign.__table__.c  # type: ignore[attr-defined]
    query: Any = select(camp.id, camp.name, camp.survey).where(
        camp.survey.in_(surveys), camp.status != CampaignStatus.DRAFT)
    return {int(cid): (str(name), str(survey)) for cid, name, survey in session.exec(query)}


def _within(column: Any, period: Period) -> list[Any]:
    bounds = [column < period.end]
    if period.start is not None:
        bounds.append(column >= period.start)
    return bounds


def reach_counts(session: Session, surveys: tuple[str, ...], period: Period,
                 split: str | None = None) -> dict[str, Reach]:
    """The period's invitations of ``surveys`` per segment key ("" without a split): the
    channel they went to, the language of the person they went to, their campaign or its
    survey; only segments with an invitation.  Two GROUP BYs: the sent ones over the covering
    index ``ix_invitations_sent``, the few not sent by their status."""
    campaigns = _campaigns(session, surveys) if surveys else {}
    if not campaigns:
        return {}
    inv = Invitation.__table__.c  # type: ignore[attr-defined]
    people = Respondent.__table__.c  # type: ignore[attr-defined]
    source: Any = Invitation.__table__  # type: ignore[attr-defined]
    value: Any = literal("")
    if split == "channel":
        value = func.coalesce(inv.channel, "")
    elif split == "language":
        value = func.coalesce(people.locale, "")
        source = source.outerjoin(Respondent.__table__,  # type: ignore[attr-defined]
                                  people.id == inv.respondent_id)
    ours = inv.campaign_id.in_(sorted(campaigns))
    sent: Any = (select(inv.campaign_id, value, func.count(), func.count(inv.answered_at))
                 .select_from(source)
                 .where(ours, inv.sent_at.is_not(None), *_within(inv.sent_at, period))
                 .group_by(inv.campaign_id, value))
    failed = inv.status == InvitationStatus.FAILED
    unsent: Any = (select(inv.campaign_id, value, func.sum(case((failed, 1), else_=0)),
                          func.sum(case((failed, 0), else_=1)))
                   .select_from(source)
                   .where(ours, inv.status.in_([*WAITING, InvitationStatus.FAILED]),
                          inv.sent_at.is_(None), *_within(inv.created_at, period))
                   .group_by(inv.campaign_id, value))

    def key(campaign_id: int, segment: Any) -> str:
        name, survey = campaigns[int(campaign_id)]
        return {"campaign": name, "survey": survey}.get(split or "", str(segment or ""))

    out: dict[str, Reach] = {}
    for campaign_id, segment, n, answered in session.exec(sent):
        name = key(campaign_id, segment)
        out[name] = out.get(name, Reach()) + Reach(int(n), int(answered))
    for campaign_id, segment, n_failed, waiting in session.exec(unsent):
        name = key(campaign_id, segment)
        out[name] = out.get(name, Reach()) + Reach(failed=int(n_failed), waiting=int(waiting))
    return out


def total(segments: dict[str, Reach]) -> Reach | None:
    """The whole period's invitations from its segments' (each is in exactly one); None when
    it has none."""
    return sum(segments.values(), Reach()) if segments else None
