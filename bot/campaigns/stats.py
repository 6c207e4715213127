"""A campaign's figures, counted from its invitations in one grouped query."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from bot.campaign_tables import Campaign, Invitation, InvitationStatus
from bot.campaigns.spec import CampaignStats


def stats(session: Session, campaign: Campaign) -> CampaignStats:
    """Sent means accepted by the platform; answered, of those sent, that gave a first
    answer; the response rate answered / sent."""
    failed_error = case((col(Invitation.status) == InvitationStatus.FAILED,
                         col(Invitation.error)), else_="")
    answered = col(Invitation.answered_at).is_not(None)
    query = select(
        col(Invitation.status), col(Invitation.reason), col(Invitation.channel), failed_error,
        answered, func.count(), func.coalesce(func.sum(col(Invitation.reminders_sent)), 0),
    ).where(col(Invitation.campaign_id) == campaign.id).group_by(
        col(Invitation.status), col(Invitation.reason), col(Invitation.channel), failed_error,
        answered)
    by_status: dict[str, int] = {}
    skipped: dict[str, int] = {}
    failed_reasons: dict[str, int] = {}
    by_channel: dict[str, dict[str, int]] = {}
    answered_count = reminders = 0
    for status, reason, channel, error, was_answered, count, reminded in session.execute(query):
        by_status[status] = by_status.get(status, 0) + count
        reminders += int(reminded)
        if status == InvitationStatus.SKIPPED:
            skipped[reason] = skipped.get(reason, 0) + count
            continue
        figures = by_channel.setdefault(channel or "?", {"sent": 0, "answered": 0, "failed": 0})
        if status == InvitationStatus.FAILED:
            failed_reasons[error or "failed"] = failed_reasons.get(error or "failed", 0) + count
            figures["failed"] += count
        elif status == InvitationStatus.SENT:
            figures["sent"] += count
            if was_answered:
                figures["answered"] += count
                answered_count += count
    sent = by_status.get(InvitationStatus.SENT, 0)
    recipients = sum(count for status, count in by_status.items()
                     if status != InvitationStatus.SKIPPED)
    return CampaignStats(
        name=campaign.name, survey=campaign.survey, channel=campaign.channel,
        status=campaign.status, source=campaign.source, start_at=campaign.start_at,
        created_at=campaign.created_at, recipients=recipients,
        planned=by_status.get(InvitationStatus.PLANNED, 0),
        queued=by_status.get(InvitationStatus.QUEUED, 0), sent=sent,
        failed=by_status.get(InvitationStatus.FAILED, 0),
        failed_reasons=dict(sorted(failed_reasons.items())), skipped=dict(sorted(skipped.items())),
        answered=answered_count, reminders_sent=reminders,
        response_rate=answered_count / sent if sent else None,
        by_channel=dict(sorted(by_channel.items())),
        cancelled=by_status.get(InvitationStatus.CANCELLED, 0))
