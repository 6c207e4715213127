"""The feeder's queries: the due invitations, reminders and expiries of one channel, locked so
two processes never take the same row (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one
writer at a time), the re-checks at the moment of sending, and finishing campaigns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, not_, or_, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot import privacy
from bot.campaign_tables import (
    Campaign,
    CampaignSource,
    CampaignStatus,
    Customer,
    Invitation,
    InvitationStatus,
    SkipReason,
)
from bot.campaigns import rules
from bot.campaigns.spec import CampaignRules
from bot.models import OUTBOX_WAITING, Lane, OutboxMessage, Respondent, RunStatus, SurveyRun
from bot.surveys import SurveyCatalog

_CAMPAIGN_OF = col(Campaign.id) == col(Invitation.campaign_id)


def waiting(session: Session, channel: str) -> int:
    """Campaign-lane messages of ``channel`` written and not sent yet."""
    return int(session.execute(select(func.count()).select_from(OutboxMessage).where(
        col(OutboxMessage.channel) == channel, col(OutboxMessage.lane) == int(Lane.CAMPAIGN),
        col(OutboxMessage.status).in_(OUTBOX_WAITING))).scalar_one())


def _lookup_pending() -> ColumnElement[bool]:
    """A Slack invitation of a customer known by e-mail only, not looked up yet."""
    slack_account = exists(select(1).where(col(Respondent.customer_id) == col(
        Invitation.customer_id), col(Respondent.channel) == "slack"))
    not_looked_up = exists(select(1).where(col(Customer.id) == col(Invitation.customer_id),
                                           col(Customer.slack_lookup_at).is_(None)))
    return and_(col(Invitation.respondent_id).is_(None), col(Invitation.channel) == "slack",
                not_(slack_account), not_looked_up)


def due_invitations(session: Session, channel: str, now: datetime,
                    limit: int) -> list[tuple[Invitation, Campaign]]:
    """Planned invitations due on ``channel`` of active campaigns that started, oldest due
    first, locked."""
    if limit <= 0:
        return []
    query = (select(Invitation, Campaign).join(Campaign, _CAMPAIGN_OF).where(
        col(Invitation.status) == InvitationStatus.PLANNED, col(Invitation.channel) == channel,
        col(Invitation.due_at) <= now, col(Campaign.status) == CampaignStatus.ACTIVE,
        col(Campaign.start_at) <= now, not_(_lookup_pending()))  # type: ignore[arg-type]
        .order_by(col(Invitation.due_at), col(Invitation.id)).limit(limit)
        .with_for_update(skip_locked=True, of=Invitation))  # type: ignore[arg-type]
    return [(row[0], row[1]) for row in session.execute(query)]


def due_reminders(session: Session, channel: str, now: datetime,
                  limit: int) -> list[tuple[Invitation, Campaign]]:
    if limit <= 0:
        return []
    query = (select(Invitation, Campaign).join(Campaign, _CAMPAIGN_OF).where(
        col(Invitation.status) == InvitationStatus.SENT, col(Invitation.channel) == channel,
        col(Invitation.answered_at).is_(None), col(Invitation.next_reminder_at) <= now,
        col(Campaign.status) == CampaignStatus.ACTIVE)
        .order_by(col(Invitation.next_reminder_at), col(Invitation.id)).limit(limit)
        .with_for_update(skip_locked=True, of=Invitation))  # type: ignore[arg-type]
    return [(row[0], row[1]) for row in session.execute(query)]


def expire(session: Session, channel: str, now: datetime, limit: int = 500) -> int:
    """Close the active runs of invitations past their expiry; how many."""
    query = (select(SurveyRun).join(Invitation, col(Invitation.run_id) == col(SurveyRun.id))
             .where(col(Invitation.channel) == channel,
                    col(Invitation.status) == InvitationStatus.SENT,
                    col(Invitation.expires_at) <= now,
                    col(SurveyRun.status) == RunStatus.ACTIVE)
             .limit(limit).with_for_update(skip_locked=True, of=SurveyRun))  # type: ignore[arg-type]
    runs = list(session.execute(query).scalars())
    for run in runs:
        run.status = RunStatus.EXPIRED
        run.updated_at = now
        session.add(run)
    if runs:
        session.execute(update(Invitation).where(col(Invitation.run_id).in_(
            [run.id for run in runs])).values(next_reminder_at=None))
    return len(runs)


def finish(session: Session, now: datetime) -> list[str]:
    """Active campaigns with nothing left to send, remind or expire become done; their
    names.  (A campaign the API feeds stays active: more requests may come.)"""
    of_it = col(Invitation.campaign_id) == col(Campaign.id)
    open_invitation = exists(select(1).where(of_it, col(Invitation.status).in_(
        (InvitationStatus.PLANNED, InvitationStatus.QUEUED))))
    reminder_left = exists(select(1).where(of_it, col(Invitation.status) == InvitationStatus.SENT,
                                           col(Invitation.next_reminder_at).is_not(None)))
    expiry_left = exists(select(1).select_from(Invitation).join(
        SurveyRun, col(SurveyRun.id) == col(Invitation.run_id)).where(
        of_it, col(Invitation.expires_at).is_not(None),
        col(SurveyRun.status) == RunStatus.ACTIVE))
    query = select(Campaign).where(
        col(Campaign.status) == CampaignStatus.ACTIVE, col(Campaign.start_at) <= now,
        col(Campaign.source) != CampaignSource.API,
        not_(or_(open_invitation, reminder_left, expiry_left))).with_for_update(
        skip_locked=True)
    done = list(session.execute(query).scalars())
    for campaign in done:
        campaign.status = CampaignStatus.DONE
        campaign.finished_at = now
        session.add(campaign)
    return [c.name for c in done]


def account_for(session: Session, invitation: Invitation) -> Respondent | None:
    """The account an invitation goes to: the one planned, else the customer's on its
    channel (found by a Slack e-mail look-up since)."""
    if invitation.respondent_id is not None:
        found = session.get(Respondent, invitation.respondent_id)
        if found is not None:
            return found
    return session.execute(select(Respondent).where(
        col(Respondent.customer_id) == invitation.customer_id,
        col(Respondent.channel) == invitation.channel).order_by(
        col(Respondent.unreachable), col(Respondent.id)).limit(1)).scalars().first()


def recheck(session: Session, invitation: Invitation, campaign: Campaign,
            person: Respondent | None, *, surveys: SurveyCatalog, settings: CampaignRules,
            now: datetime, resurvey_erased: bool) -> str:
    """Why the invitation cannot go now ("" when it can): the skip reasons again."""
    if person is None:
        return SkipReason.NO_ACCOUNT
    if not resurvey_erased and privacy.is_erased(session=session, channel=person.channel,
                                                 user_id=person.platform_user_id):
        return SkipReason.ERASED
    opted_out = exists(select(1).where(col(Respondent.customer_id) == invitation.customer_id,
                                       col(Respondent.opted_out).is_(True)))
    if person.opted_out or session.execute(select(opted_out)).scalar():
        return SkipReason.OPTED_OUT
    if person.unreachable:
        return SkipReason.UNREACHABLE
    customer = invitation.customer_id
    if session.execute(select(rules.in_progress(customer, settings, now))).scalar():
        return SkipReason.IN_PROGRESS
    days = (invitation.cooldown_days if invitation.cooldown_days is not None
            else campaign.cooldown_days)
    survey = invitation.survey or campaign.survey
    asked = rules.asked_since(customer, rules.cooldown_for(settings, surveys, survey, days), now)
    if asked is not None and session.execute(select(asked)).scalar():
        return SkipReason.COOLDOWN
    return ""
