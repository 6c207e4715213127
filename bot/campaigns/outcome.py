"""What happens to an invitation after its first question was written: the platform's answer
to the send (follow-up word ``invitation:<id>``, bot/engine/outcomes.py), and the person's
first answer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from bot.campaign_tables import Campaign, Invitation, InvitationStatus
from bot.models import RunStatus, SurveyRun

UNREACHABLE = "unreachable"
"""The failure reason of a send to a person who blocked the bot or is gone."""


def answered(session: Session, invitation_id: int, now: datetime) -> None:
    """The invitation's survey got its first answer: counted once, no reminder follows."""
    session.execute(update(Invitation).where(
        col(Invitation.id) == invitation_id, col(Invitation.answered_at).is_(None),
    ).values(answered_at=now, next_reminder_at=None))


def sent(session: Session, invitation_ids: Collection[int], now: datetime) -> None:
    """The platform accepted these invitations' first questions: reminders and expiry count
    from now.  Two reads for a batch (the dispatcher records its sends as they come, and the
    sooner it is done the narrower the duplicate window)."""
    if not invitation_ids:
        return
    found = list(session.scalars(select(Invitation).where(
        col(Invitation.id).in_(sorted(invitation_ids)),
        col(Invitation.status) == InvitationStatus.QUEUED).order_by(col(Invitation.id))
        .with_for_update()))
    campaigns = {c.id: c for c in session.scalars(select(Campaign).where(
        col(Campaign.id).in_({i.campaign_id for i in found})))}
    for invitation in found:
        campaign = campaigns.get(invitation.campaign_id)
        invitation.status = InvitationStatus.SENT
        invitation.sent_at = now
        if campaign is not None and campaign.remind_after and campaign.reminders > 0 and (
                invitation.answered_at is None):
            invitation.next_reminder_at = now + timedelta(seconds=campaign.remind_after)
        if campaign is not None and campaign.expire_after:
            invitation.expires_at = now + timedelta(seconds=campaign.expire_after)
        session.add(invitation)


def failed(session: Session, invitation_id: int, error: str, now: datetime) -> None:
    """The platform refused it for good: the survey it started ends with it."""
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None or invitation.status != InvitationStatus.QUEUED:
        return
    invitation.status = InvitationStatus.FAILED
    invitation.error = (error or "failed")[:300]
    session.add(invitation)
    if invitation.run_id is not None:
        session.execute(update(SurveyRun).where(
            col(SurveyRun.id) == invitation.run_id, col(SurveyRun.status) == RunStatus.ACTIVE,
        ).values(status=RunStatus.STOPPED, updated_at=now))
