"""The messages of campaigns: a customer's first question (their invitation queued with it)
and a reminder that continues the same survey run; written to the outbox in the campaign
lane, in the feeder's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from bot.models import Lane, OutboxMessage, Respondent, RunStatus, SurveyRun
from bot.prompts import columns_for, question_text, score_choices
from bot.sendwindow import parse_window
from bot.surveys import Survey

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

    def _queue_rows(self, turn: Turn, origin: Mapping[str, Any] | None,
                    lane: Lane | None = None) -> list[OutboxMessage]:
        raise NotImplementedError

    def _opening(self, zone_name: str | None, now: datetime) -> datetime:
        """Now, or when quiet hours end in the customer's time zone."""
        zone = rules.zone_of(zone_name, self.config.report_zone)
        return parse_window(self.config.campaign_rules.send_window).next_open(now, zone)

    def _feed(self, session: Session, due: Sequence[tuple[Invitation, Campaign]],
              now: datetime) -> list[int]:
        """Send these due invitations (each its survey run started, its first question in the
        outbox), or skip them, or move them to the end of their customer's quiet hours; the
        outbox ids written.  Set-based: a few queries and one flush for the batch, so a step
        holds the write lock briefly (on SQLite the dispatcher records its sends behind it)."""
        invitations = [invitation for invitation, _ in due]
        people = feeding.accounts_for(session, invitations)
        reasons = feeding.rechecks(
            session, due, people, surveys=self.config.surveys,
            settings=self.config.campaign_rules, now=now,
            resurvey_erased=self.config.resurvey_erased)
        zones = feeding.zones_of(session, {i.customer_id for i in invitations})
        going: list[tuple[Invitation, Campaign, Respondent, SurveyRun]] = []
        starting: set[int] = set()
        for invitation, campaign in due:
            assert invitation.id is not None
            person = people.get(invitation.id)
            if reasons[invitation.id] or person is None:
                invitation.status = InvitationStatus.SKIPPED
                invitation.reason = reasons[invitation.id]
                session.add(invitation)
                continue
            opens = self._opening(zones.get(invitation.customer_id), now)
            if opens > now:
                invitation.due_at = opens
                session.add(invitation)
                continue
            if invitation.customer_id in starting:
                continue  # a second invitation of the customer: the next step skips it
            starting.add(invitation.customer_id)
            survey = self._survey(invitation, campaign)
            assert person.id is not None
            going.append((invitation, campaign, person, SurveyRun(
                respondent_id=person.id, survey=survey.name, campaign=campaign.name,
                invitation_id=invitation.id, started_at=now, updated_at=now)))
        if not going:
            return []
        store.start_runs(session=session, runs=[run for *_, run in going])
        firsts: list[tuple[Invitation, list[OutboxMessage]]] = []
        for invitation, campaign, person, run in going:
            assert run.id is not None
            turn = self._person_turn(session, person)
            question = self._survey(invitation, campaign).questions[0]
            intro = turn.t.gettext("Hello! We would value your opinion; it takes a minute.")
            assert invitation.id is not None
            turn.send(SendTo(person.channel, person.platform_user_id, person.chat_id,
                             intro + "\n\n" + question_text(question, turn.t, turn.style),
                             score_choices(question, run.id, 0), columns_for(question),
                             name=person.display_name), outcomes.invitation(invitation.id))
            firsts.append((invitation, self._queue_rows(turn, None, Lane.CAMPAIGN)))
            invitation.status = InvitationStatus.QUEUED
            invitation.respondent_id = person.id
            invitation.run_id = run.id
        session.flush()
        written: list[int] = []
        for invitation, rows in firsts:
            ids = [row.id for row in rows if row.id is not None]
            invitation.outbox_id = ids[0] if ids else None
            session.add(invitation)
            written += ids
        return written

    def _survey(self, invitation: Invitation, campaign: Campaign) -> Survey:
        surveys = self.config.surveys
        return surveys.get(invitation.survey or campaign.survey) or surveys.default

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
        customer = session.get(Customer, invitation.customer_id)
        opens = self._opening(customer.timezone if customer else None, now)
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
