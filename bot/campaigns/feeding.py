"""The feeder's queries: the due invitations, reminders and expiries of one channel, locked so
two processes never take the same row (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one
writer at a time), the re-checks at the moment of sending, and finishing campaigns."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
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


def accounts_for(session: Session, invitations: Sequence[Invitation]) -> dict[int, Respondent]:
    """The account each invitation goes to, by invitation id: the one planned, else the
    customer's on its channel (found by a Slack e-mail look-up since), the reachable first;
    none for an invitation whose customer has no account there.  Two queries a batch."""
    planned = {i.respondent_id for i in invitations if i.respondent_id is not None}
    by_id = {r.id: r for r in session.scalars(select(Respondent).where(
        col(Respondent.id).in_(planned)))} if planned else {}
    found: dict[int, Respondent] = {}
    rest: list[Invitation] = []
    for invitation in invitations:
        assert invitation.id is not None
        person = by_id.get(invitation.respondent_id)
        if person is not None:
            found[invitation.id] = person
        else:
            rest.append(invitation)
    if rest:
        first: dict[tuple[int | None, str], Respondent] = {}
        for person in session.scalars(select(Respondent).where(
                col(Respondent.customer_id).in_({i.customer_id for i in rest})).order_by(
                col(Respondent.unreachable), col(Respondent.id))):
            first.setdefault((person.customer_id, person.channel), person)
        for invitation in rest:
            assert invitation.id is not None
            if (chosen := first.get((invitation.customer_id, invitation.channel or ""))):
                found[invitation.id] = chosen
    return found


def rechecks(session: Session, due: Sequence[tuple[Invitation, Campaign]],
             people: Mapping[int, Respondent], *, surveys: SurveyCatalog,
             settings: CampaignRules, now: datetime, resurvey_erased: bool) -> dict[int, str]:
    """Why each invitation cannot go now, by invitation id ("" when it can): the skip reasons
    again, in the rules' order, for a batch in a few queries (one per distinct cooldown)."""
    customers = {invitation.customer_id for invitation, _ in due}
    erased = set() if resurvey_erased else privacy.erased_among(session=session, people=(
        (p.channel, p.platform_user_id) for p in people.values()))
    opted_out = set(session.scalars(select(col(Respondent.customer_id)).where(
        col(Respondent.customer_id).in_(customers), col(Respondent.opted_out).is_(True))))
    busy = set(session.scalars(rules.in_progress_among(customers, settings, now)))
    cooldown_of: dict[int, rules.Cooldown] = {}
    cooldowns: dict[rules.Cooldown, set[int]] = {}
    for invitation, campaign in due:
        assert invitation.id is not None
        days = (invitation.cooldown_days if invitation.cooldown_days is not None
                else campaign.cooldown_days)
        cooldown = rules.cooldown_for(settings, surveys, invitation.survey or campaign.survey,
                                      days)
        cooldown_of[invitation.id] = cooldown
        cooldowns.setdefault(cooldown, set()).add(invitation.customer_id)
    asked: dict[rules.Cooldown, set[int | None]] = {}
    for cooldown, ids in cooldowns.items():
        query = rules.asked_among(ids, cooldown, now)
        asked[cooldown] = set(session.scalars(query)) if query is not None else set()
    reasons: dict[int, str] = {}
    for invitation, _campaign in due:
        assert invitation.id is not None
        person = people.get(invitation.id)
        customer = invitation.customer_id
        reason: str
        if person is None:
            reason = SkipReason.NO_ACCOUNT
        elif (person.channel, person.platform_user_id) in erased:
            reason = SkipReason.ERASED
        elif person.opted_out or customer in opted_out:
            reason = SkipReason.OPTED_OUT
        elif person.unreachable:
            reason = SkipReason.UNREACHABLE
        elif customer in busy:
            reason = SkipReason.IN_PROGRESS
        elif customer in asked[cooldown_of[invitation.id]]:
            reason = SkipReason.COOLDOWN
        else:
            reason = ""
        reasons[invitation.id] = reason
    return reasons


def zones_of(session: Session, customer_ids: Collection[int]) -> dict[int, str | None]:
    """The customers' time zone names, for quiet hours."""
    return {int(cid): zone for cid, zone in session.execute(select(
        col(Customer.id), col(Customer.timezone)).where(col(Customer.id).in_(customer_ids)))}
