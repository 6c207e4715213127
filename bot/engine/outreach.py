"""The engine's entry points for what a person did not start by writing: a survey a manager
sent out, a manager's reply typed in a Slack modal, an adapter's own word to a manager."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import privacy, store
from bot.delivery import inbox
from bot.engine.said import Said
from bot.engine.transient import retrying
from bot.engine.turn import Turn
from bot.messages import Inbound, Notice, Reply, SendTo
from bot.models import Lane, Respondent
from bot.prompts import columns_for, question_text, score_choices
from bot.text import clean, clean_inbound

if TYPE_CHECKING:
    from bot.db import Database
    from bot.engine.alerts import Alerts
    from bot.engine.turn import EngineConfig
    from bot.i18n import Translator
    from bot.surveys import SurveyCatalog


@dataclass(frozen=True, slots=True)
class Recipient:
    """One person a manager's wave surveys, as the platform describes them."""

    user_id: str
    display_name: str = ""
    locale_hint: str | None = None
    chat_id: str = ""


class Outreach:
    """Part of :class:`~bot.engine.Engine` (its state and transactions are the engine's)."""

    db: Database
    config: EngineConfig
    alerts: Alerts
    clock: Callable[[], datetime]

    if TYPE_CHECKING:
        @property
        def surveys(self) -> SurveyCatalog: ...

        @property
        def manager_translator(self) -> Translator: ...

    def _turn(self, session: Session, inbound: Inbound) -> Turn:
        raise NotImplementedError

    def _queue(self, turn: Turn, origin: Mapping[str, Any] | None,
               lane: Lane | None = None) -> Said:
        raise NotImplementedError

    def is_manager(self, channel: str, user_id: str) -> bool:
        raise NotImplementedError

    def start_survey_for(
        self,
        *,
        channel: str,
        user_id: str,
        chat_id: str = "",
        display_name: str = "",
        locale_hint: str | None = None,
        survey: str | None = None,
        campaign: str | None = None,
        origin: Mapping[str, Any] | None = None,
    ) -> Said:
        """Begin a survey a manager sent out (its first question in the campaign lane);
        ``[]`` when the person opted out, cannot be reached, deleted their data (and has
        not started a survey themselves since), or is in the middle of a survey."""
        inbound = clean_inbound(Inbound(channel, user_id, chat_id, display_name=display_name,
                                        locale_hint=locale_hint))

        def once() -> Said:
            with Session(self.db.engine, expire_on_commit=False) as session:
                said = self._start_in(session, inbound, survey, campaign, origin)
                session.commit()
                return said
        return retrying(once)

    def start_wave(self, *, channel: str, manager_id: str, people: Sequence[Recipient],
                   notice: str, survey: str | None = None, campaign: str | None = None,
                   origin: Mapping[str, Any] | None = None,
                   inbox_id: int | None = None) -> Said:
        """A manager's command that surveys ``people``: every first question, ``notice`` to
        the manager, and the command marked processed, in one transaction, so a crash starts
        the wave wholly or not at all (``[]`` without ``ids`` when it was processed)."""
        inbounds = [clean_inbound(Inbound(channel, p.user_id, p.chat_id,
                                          display_name=p.display_name,
                                          locale_hint=p.locale_hint)) for p in people]

        def once() -> Said:
            with Session(self.db.engine, expire_on_commit=False, autoflush=False) as session:
                if inbox_id is not None and not inbox.finish(session, inbox_id=inbox_id,
                                                             now=self.clock()):
                    return Said()
                said = self._told(session, channel, manager_id, notice, origin)
                for inbound in inbounds:
                    started = self._start_in(session, inbound, survey, campaign, origin)
                    said += started
                    said.ids += started.ids
                session.commit()
                return said
        return retrying(once)

    def _start_in(self, session: Session, inbound: Inbound, survey: str | None,
                  campaign: str | None, origin: Mapping[str, Any] | None) -> Said:
        channel, user_id = inbound.channel, inbound.user_id
        if not self.config.resurvey_erased and privacy.is_erased(
                session=session, channel=channel, user_id=user_id):
            return Said()  # no profile is made again for them
        turn = self._turn(session, inbound)
        person = turn.person
        if person.opted_out or person.unreachable:
            return Said()
        current = store.active_run(session=session, respondent_id=turn.person_id)
        if current is not None and (
                current.updated_at >= self.clock() - self.config.campaign_rules.in_progress):
            return Said()  # a survey in progress is never interrupted
        chosen = self.surveys.get(survey) or self.surveys.default
        run = store.start_run(session=session, respondent_id=turn.person_id,
                              survey=chosen.name, campaign=campaign, now=self.clock())
        assert run.id is not None
        question = chosen.questions[0]
        intro = turn.t.gettext("Hello! We would value your opinion; it takes a minute.")
        turn.say(SendTo(
            channel, user_id, person.chat_id or inbound.chat_id,
            intro + "\n\n" + question_text(question, turn.t, turn.style),
            score_choices(question, run.id, 0), columns_for(question),
        ))
        return self._queue(turn, origin, Lane.CAMPAIGN)

    def reply_to_alert(
        self, *, channel: str, manager_id: str, alert_id: int, text: str, manager_name: str = "",
        chat_id: str = "", origin: Mapping[str, Any] | None = None,
        inbox_id: int | None = None,
    ) -> Said:
        """Send a manager's reply to the customer of an alert (Slack's modal path); the
        manager hears whether it was delivered once the platform has answered."""
        inbound = clean_inbound(Inbound(channel, manager_id, chat_id, display_name=manager_name,
                                        is_private=False))
        text = clean(text)

        def once() -> Said:
            with Session(self.db.engine, expire_on_commit=False) as session:
                if inbox_id is not None and not inbox.finish(session, inbox_id=inbox_id,
                                                             now=self.clock()):
                    return Said()  # processed already
                turn = self._turn(session, inbound)
                if not turn.is_manager:
                    turn.say(Notice(turn.t.gettext("Sorry, this is only for managers.")))
                else:
                    self.alerts.send_reply(turn, alert_id, text)
                said = self._queue(turn, origin)
                session.commit()
                return said
        return retrying(once)

    def tell(self, channel: str, user_id: str, text: str, *,
             origin: Mapping[str, Any] | None = None, inbox_id: int | None = None) -> Said:
        """Queue ``text`` for ``user_id``, answered where ``origin`` says (an adapter's own
        words, such as a wave's progress, kept in order with everything else); with
        ``inbox_id``, that event is marked processed in the same transaction (``[]`` without
        ``ids`` when it was already)."""
        def once() -> Said:
            with Session(self.db.engine, expire_on_commit=False, autoflush=False) as session:
                if inbox_id is not None and not inbox.finish(session, inbox_id=inbox_id,
                                                             now=self.clock()):
                    return Said()
                said = self._told(session, channel, user_id, text, origin)
                session.commit()
                return said
        return retrying(once)

    def _told(self, session: Session, channel: str, user_id: str, text: str,
              origin: Mapping[str, Any] | None) -> Said:
        turn = Turn(session, Inbound(channel, user_id, "", is_private=False),
                    Respondent(channel=channel, platform_user_id=user_id),
                    self.manager_translator, self.config.style(channel),
                    self.is_manager(channel, user_id), [Reply(text)])
        return self._queue(turn, origin)
