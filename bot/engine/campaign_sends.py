"""The messages of campaigns: a customer's first question (their invitation queued with it)
and a reminder that continues the same survey run; written to the outbox in the campaign
lane, in the feeder's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import store
from bot.campaign_tables import Campaign, Customer, Invitation, InvitationStatus
from bot.campaigns import feeding, rules
from bot.engine import outcomes
from bot.engine.said import Said
from bot.engine.turn import Turn
from bot.messages import Inbound, SendTo
from bot.models import Lane, Respondent, RunStatus, SurveyRun
from bot.prompts import columns_for, question_text, score_choices
from bot.sendwindow import parse_window

if TYPE_CHECKING:
    from bot.engine.conversation import Conversation
    from bot.engine.turn import EngineConfig


class CampaignSends:
    """Part of :class:`~bot.engine.Engine` (its state and transactions are the engine's)."""

    config: EngineConfig
    conversation: Conversation

    def _queue(self, turn: Turn, origin: Mapping[str, Any] | None,
               lane: Lane | None = None) -> Said:
        raise NotImplementedError

    def _person_turn(self, session: Session, person: Respondent) -> Turn:
        inbound = Inbound(person.channel, person.platform_user_id, person.chat_id)
        return Turn(session, inbound, person, self.config.reader(person),
                    self.config.style(person.channel),
                    self.config.is_manager(person.channel, person.platform_user_id))

    def _opening(self, session: Session, customer_id: int, now: datetime) -> datetime:
        """Now, or when quiet hours end in the customer's time zone."""
        customer = session.get(Customer, customer_id)
        zone = rules.zone_of(customer.timezone if customer else None, self.config.report_zone)
        return parse_window(self.config.campaign_rules.send_window).next_open(now, zone)

    def _feed(self, session: Session, invitation: Invitation, campaign: Campaign,
              now: datetime) -> list[int]:
        """Send one due invitation (its survey run started, its first question in the outbox)
        or skip it, or move it to the end of the customer's quiet hours."""
        person = feeding.account_for(session, invitation)
        reason = feeding.recheck(
            session, invitation, campaign, person, surveys=self.config.surveys,
            settings=self.config.campaign_rules, now=now,
            resurvey_erased=self.config.resurvey_erased)
        if reason or person is None:
            invitation.status = InvitationStatus.SKIPPED
            invitation.reason = reason
            session.add(invitation)
            return []
        opens = self._opening(session, invitation.customer_id, now)
        if opens > now:
            invitation.due_at = opens
            session.add(invitation)
            return []
        surveys = self.config.surveys
        survey = surveys.get(invitation.survey or campaign.survey) or surveys.default
        assert person.id is not None and invitation.id is not None
        run = store.start_run(session=session, respondent_id=person.id, survey=survey.name,
                              campaign=campaign.name, now=now, invitation_id=invitation.id)
        assert run.id is not None
        turn = self._person_turn(session, person)
        question = survey.questions[0]
        intro = turn.t.gettext("Hello! We would value your opinion; it takes a minute.")
        turn.send(SendTo(person.channel, person.platform_user_id, person.chat_id,
                         intro + "\n\n" + question_text(question, turn.t, turn.style),
                         score_choices(question, run.id, 0), columns_for(question),
                         name=person.display_name), outcomes.invitation(invitation.id))
        said = self._queue(turn, None, Lane.CAMPAIGN)
        invitation.status = InvitationStatus.QUEUED
        invitation.respondent_id = person.id
        invitation.run_id = run.id
        invitation.outbox_id = said.ids[0] if said.ids else None
        session.add(invitation)
        return said.ids

    def _remind(self, session: Session, invitation: Invitation, campaign: Campaign,
                now: datetime) -> list[int]:
        """One reminder: the run's current question again, its buttons those of the same run
        and step (the earlier buttons keep working)."""
        run = session.get(SurveyRun, invitation.run_id) if invitation.run_id else None
        person = (session.get(Respondent, invitation.respondent_id)
                  if invitation.respondent_id else None)
        expired = invitation.expires_at is not None and invitation.expires_at <= now
        if (expired or run is None or run.status != RunStatus.ACTIVE or run.step % 2
                or person is None or person.opted_out or person.unreachable):
            invitation.next_reminder_at = None
            session.add(invitation)
            return []
        opens = self._opening(session, invitation.customer_id, now)
        if opens > now:
            late = invitation.expires_at is not None and opens >= invitation.expires_at
            invitation.next_reminder_at = None if late else opens
            session.add(invitation)
            return []
        assert run.id is not None
        turn = self._person_turn(session, person)
        _survey, question, _comment = self.conversation.position(run)
        line = turn.t.gettext("A reminder: we would still value your opinion.")
        turn.say(SendTo(person.channel, person.platform_user_id, person.chat_id,
                        line + "\n\n" + question_text(question, turn.t, turn.style),
                        score_choices(question, run.id, run.step), columns_for(question),
                        name=person.display_name))
        said = self._queue(turn, None, Lane.CAMPAIGN)
        invitation.reminders_sent += 1
        more = invitation.reminders_sent < campaign.reminders and campaign.remind_after
        invitation.next_reminder_at = (now + timedelta(seconds=campaign.remind_after or 0)
                                       if more else None)
        session.add(invitation)
        return said.ids
