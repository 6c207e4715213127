"""The engine's facade: one inbound event in, a list of outbound messages out.

State lives in the database (``survey_runs.step``), so a restart or a second process continues
where the customer was.  Every ``handle`` call is one transaction: the platform event id is
recorded in it, so a redelivered event changes nothing.  The work is done by the parts:
:mod:`~bot.engine.conversation` (the survey), :mod:`~bot.engine.alerts` (managers and unhappy
customers) and :mod:`~bot.engine.account` (language, opting out, one's own data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import buttons, store
from bot.audience.customers import customer_of
from bot.campaigns.chat import send_args
from bot.campaigns.spec import CampaignRules
from bot.db import Database
from bot.delivery import inbox, outbox
from bot.delivery.outbox import Planned
from bot.engine import outcomes
from bot.engine.account import Account
from bot.engine.advocacy import Advocacy
from bot.engine.alerts import Alerts
from bot.engine.campaigns import Campaigns
from bot.engine.chatsend import ChatSends
from bot.engine.conversation import Conversation
from bot.engine.digests import ChartMaker
from bot.engine.escalation import Escalation
from bot.engine.lookups import Lookups
from bot.engine.outcomes import Outcomes
from bot.engine.outreach import Outreach, Recipient
from bot.engine.queues import EVENT_LEASE, Queues
from bot.engine.redirects import Redirects
from bot.engine.said import Said
from bot.engine.schedules import Schedules
from bot.engine.small_calls import SmallCalls
from bot.engine.team import TeamCommands, team_word
from bot.engine.transient import DatabaseDown, retrying
from bot.engine.turn import EngineConfig, Turn
from bot.i18n import Translator, negotiate, translator
from bot.messages import EditPressed, Inbound, Notice, Outbound, Reply, ReplyFile, SendTo
from bot.metrics import METRICS
from bot.models import InboxStatus, Lane, OutboxMessage, Respondent, utcnow
from bot.reports import ManagerContext, manager_reply
from bot.reports.digest import trend_chart
from bot.style import ChannelStyle
from bot.surveys import SurveyCatalog
from bot.text import clean_inbound
from bot.weekly import WeeklyTime

log = logging.getLogger(__name__)

# Event ids older than EVENT_MEMORY (bot/engine/small_calls.py) are pruned every PRUNE_EVERY
# events.
PRUNE_EVERY = 1000
# last_seen is kept to the minute.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class Engine(Outreach, Campaigns, ChatSends, Lookups, Schedules, Redirects, SmallCalls):
    """The channel-agnostic survey bot."""

    def __init__(
        self,
        *,
        db: Database,
        surveys: SurveyCatalog,
        managers: Mapping[str, frozenset[str]],
        manager_locale: str = "en",
        default_locale: str = "en",
        channel_locales: Mapping[str, str] | None = None,
        comment_max_length: int = 2000,
        resurvey_erased: bool = False,
        report_timezone: str = "UTC",
        clock: Callable[[], datetime] = utcnow,
        event_lease: timedelta = EVENT_LEASE,
        campaign_rules: CampaignRules | None = None,
        webhooks: bool = False,
        value_attribute: str = "",
        escalate_after: timedelta = timedelta(0),
        digest: WeeklyTime | None = None,
        team_chats: Sequence[str] = (),
        own_chats: Sequence[str] = (),
        digest_chart: ChartMaker = trend_chart,
        recovery_question: bool = False,
        public_url: str = "",
    ) -> None:
        """``team_chats``: the channels whose managers' chat is set (the digest and the
        escalated alerts go there); ``own_chats``: the channels this deployment runs (where a
        manager's own digest can go); ``digest_chart``: the digest's trend chart."""
        self.db = db
        self.config = EngineConfig(
            surveys=surveys, managers=dict(managers), manager_locale=manager_locale,
            default_locale=default_locale, channel_locales=dict(channel_locales or {}),
            comment_max_length=comment_max_length, resurvey_erased=resurvey_erased,
            report_zone=ZoneInfo(report_timezone), clock=clock, webhooks=webhooks,
            campaign_rules=campaign_rules or CampaignRules(), escalate_after=escalate_after,
            digest=digest, team_chats=tuple(team_chats), own_chats=tuple(own_chats),
            value_attribute=value_attribute, recovery_question=recovery_question,
            public_url=public_url.rstrip("/"))
        self.alerts = Alerts(self.config)
        self.escalation = Escalation(self.config, self.alerts)
        self.team = TeamCommands(self.config)
        self.digest_chart = digest_chart
        self.advocacy = Advocacy(self.config)
        self.conversation = Conversation(self.config, self.alerts, self.advocacy)
        self.account = Account(self.config, self.conversation, self.alerts)
        self.outcomes = Outcomes(self.config, self.alerts)
        self.queues = Queues(db, lambda: self.config.clock(), self.outcomes,
                             event_lease=event_lease)
        self._handled = 0

    # ----------------------------------------------------------------- configuration

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.config.clock

    @clock.setter
    def clock(self, value: Callable[[], datetime]) -> None:
        self.config.clock = value

    @property
    def report_zone(self) -> ZoneInfo:
        return self.config.report_zone

    @property
    def surveys(self) -> SurveyCatalog:
        return self.config.surveys

    @property
    def styles(self) -> dict[str, ChannelStyle]:
        return self.config.styles

    def use_style(self, channel: str, style: ChannelStyle) -> None:
        """How ``channel`` writes commands and shows buttons (each adapter gives its own)."""
        self.config.styles[channel] = style

    @property
    def manager_translator(self) -> Translator:
        """``MANAGER_LOCALE``: the language of the managers' shared chat (alerts)."""
        return self.config.manager_translator

    def is_manager(self, channel: str, user_id: str) -> bool:
        return self.config.is_manager(channel, user_id)

    # ----------------------------------------------------------------- events

    def handle(self, inbound: Inbound, *, origin: Mapping[str, Any] | None = None,
               inbox_id: int | None = None,
               targets: Sequence[Recipient] | None = None) -> Said:
        """Process one event in one transaction, with the outbox rows of what it answers and,
        for an event from the inbox, the mark that it is done; ``[]`` for a redelivered event.
        A lost connection is retried for about two seconds, then :class:`DatabaseDown`.
        ``targets``: the people a manager's ``send`` named, as the adapter found them (Slack's
        mentions), when it named any."""
        inbound = clean_inbound(inbound)  # the same text on every channel and database
        try:
            said = retrying(lambda: self._handle_once(inbound, origin, inbox_id, targets))
        except IntegrityError:
            # A concurrent delivery of the same event or answer won the race: nothing to add.
            log.info("duplicate %s/%s ignored", inbound.channel, inbound.event_id)
            if inbox_id is not None:
                self.queues.finish_event(inbox_id)
            return Said()
        except DatabaseDown:
            raise
        except Exception as exc:
            log.exception("failed to handle %r", inbound)
            return self._failed(inbound, origin, inbox_id, exc)
        self._handled += 1
        if self._handled % PRUNE_EVERY == 0:
            self.prune_events()
        return said

    def _handle_once(self, inbound: Inbound, origin: Mapping[str, Any] | None,
                     inbox_id: int | None, targets: Sequence[Recipient] | None = None) -> Said:
        summary = self._summary(inbound)  # read before the write transaction, read-only
        # A manager's send or press on its preview: the draft made, launched or cancelled
        # in transactions of its own (bot/engine/chatsend.py), before this one.
        prepared: list[Outbound] | None = None
        if summary is None:
            prepared = self._chat_campaign(inbound, targets, origin)
        # No autoflush: the changes of one event go to the database in as few flushes as
        # the code asks for (explicitly, where it needs a new row's id), not before every query.
        with Session(self.db.engine, expire_on_commit=False, autoflush=False) as session:
            if inbox_id is not None and not inbox.finish(session, inbox_id=inbox_id,
                                                         now=self.clock()):
                log.info("event %s was processed already", inbox_id)
                return Said()
            if inbound.event_id and not store.claim_event(
                session=session, channel=inbound.channel, event_id=inbound.event_id,
                at=self.clock(),
            ):
                log.info("redelivered event %s/%s ignored", inbound.channel, inbound.event_id)
                session.commit()
                return Said()
            turn = self._turn(session, inbound)
            if summary is not None:
                turn.say(*summary)
            elif prepared is not None:
                turn.say(*prepared)
            else:
                self._route(turn)
            said = self._queue(turn, origin)
            session.commit()
        return said

    def _queue(self, turn: Turn, origin: Mapping[str, Any] | None,
               lane: Lane | None = None) -> Said:
        """Write what ``turn`` says to the outbox, in its transaction."""
        rows = self._queue_rows(turn, origin, lane)
        turn.session.flush()
        return Said(turn.out, [row.id for row in rows if row.id is not None])

    def _queue_rows(self, turn: Turn, origin: Mapping[str, Any] | None,
                    lane: Lane | None = None) -> list[OutboxMessage]:
        """The outbox rows of what ``turn`` says, added to its session, not flushed yet."""
        inbound = turn.inbound
        planned = []
        for i, item in enumerate(turn.out):
            words = [turn.follow_ups.get(i, "")]
            if isinstance(item, SendTo) and item.channel == inbound.channel:
                words.append(outcomes.person(item.user_id))
            elif inbound.is_private and isinstance(item, Reply | EditPressed | ReplyFile):
                words.append(outcomes.person(inbound.user_id))
            planned.append(Planned(item, " ".join(w for w in words if w), lane))
        noted = {**(origin or {}), "reply_channel": inbound.channel,
                 "reply_chat": inbound.chat_id, "reply_user": inbound.user_id}
        return outbox.enqueue(turn.session, planned, channel=inbound.channel,
                              chat_id=inbound.chat_id, user_id=inbound.user_id, origin=noted,
                              now=self.clock(), flush=False)

    def _failed(self, inbound: Inbound, origin: Mapping[str, Any] | None,
                inbox_id: int | None, exc: Exception) -> Said:
        """A fault no retry hides: the event is kept as failed, the person is told."""
        t = translator(negotiate(inbound.locale_hint, self.config.default_for(inbound.channel)))
        sorry = Reply(t.gettext("Sorry, something went wrong on our side. Please try again."))

        def once() -> Said:
            with Session(self.db.engine, expire_on_commit=False, autoflush=False) as session:
                if inbox_id is not None and not inbox.finish(
                        session, inbox_id=inbox_id, now=self.clock(),
                        status=InboxStatus.FAILED, error=repr(exc)):
                    return Said()
                turn = Turn(session, inbound, Respondent(channel=inbound.channel,
                                                         platform_user_id=inbound.user_id),
                            t, self.config.style(inbound.channel), False, [sorry])
                said = self._queue(turn, origin)
                session.commit()
                return said
        try:
            return retrying(once)
        except Exception:
            log.exception("could not record the failure of %r", inbound)
            return Said([sorry])

    def _turn(self, session: Session, inbound: Inbound) -> Turn:
        default = self.config.default_for(inbound.channel)
        now = self.clock()
        person = store.lock_respondent(session=session, channel=inbound.channel,
                                       user_id=inbound.user_id, default_locale=default, now=now)
        if inbound.display_name:
            person.display_name = inbound.display_name[:200]
        if inbound.chat_id and (inbound.is_private or not person.chat_id):
            person.chat_id = inbound.chat_id[:64]
        if not person.locale_chosen and inbound.locale_hint:
            person.locale = negotiate(inbound.locale_hint, default)
        if inbound.is_private and (inbound.text or inbound.choice or inbound.command):
            person.unreachable = False  # they wrote to us, so we can write to them
        if not timedelta(0) <= now - person.last_seen < LAST_SEEN_RESOLUTION:
            person.last_seen = now  # not on every click: that would be a write per event
        session.add(person)
        fresh = person.customer_id is None
        if fresh:  # someone new (or from before customers): one write
            customer_of(session=session, person=person, now=now)
        return Turn(session, inbound, person, self.config.reader(person),
                    self.config.style(inbound.channel),
                    self.is_manager(inbound.channel, inbound.user_id), new_customer=fresh)

    def _route(self, turn: Turn) -> None:
        inbound = turn.inbound
        if inbound.choice is not None:
            self._on_choice(turn, inbound.choice)
        elif inbound.command:
            self._on_command(turn, inbound.command, (inbound.text or "").strip())
        else:
            text = (inbound.text or "").strip()
            if turn.person.pending_alert_id and turn.is_manager:
                if text:
                    self.alerts.send_reply(turn, turn.person.pending_alert_id, text)
                return
            if self.alerts.recovery.on_text(turn, text):  # a typed yes / no to "solved?"
                return
            self.conversation.on_text(turn, text)

    def _on_choice(self, turn: Turn, value: str) -> None:
        match buttons.decode(value):
            case buttons.Score() as score:
                self.conversation.on_score_button(turn, score)
            case buttons.Skip() as skip:
                self.conversation.on_skip(turn, skip)
            case buttons.Language(code):
                self.account.set_language(turn, code, pressed=True)
            case buttons.StartSurvey():
                self.conversation.start(turn, "")
            case buttons.ConfirmDelete() as confirm:
                self.account.on_delete_choice(turn, confirm)
            case buttons.Alert(alert_id, action):
                self.alerts.on_action(turn, alert_id, action)
            case buttons.Recovery() as recovery:
                self.alerts.recovery.on_press(turn, recovery)
            case buttons.Advocacy() as pressed:
                self.advocacy.on_button(turn, pressed)
            case buttons.Campaign():  # a manager's press was carried out before the turn
                turn.say(Notice(turn.t.gettext("Sorry, this is only for managers.")))
            case None:
                turn.say(Notice(turn.t.gettext("These buttons are no longer active.")))

    def _on_command(self, turn: Turn, command: str, args: str) -> None:
        account = self.account
        if command == "start":
            self.conversation.start(turn, args)
        elif command == "language":
            account.language(turn, args)
        elif command == "stop":
            account.stop(turn)
        elif command == "delete_my_data":
            account.ask_delete(turn)
        elif command == "export_my_data":
            account.export(turn)
        elif command == "cancel":
            account.cancel(turn)
        elif command in METRICS and turn.is_manager and (word := team_word(args)):
            self.team.on_command(turn, *word)
        elif command in METRICS:  # a manager's /nps … was answered by _summary
            turn.say(Reply(turn.t.gettext("Sorry, this command is only for managers.")))
        else:
            account.help(turn)

    def _summary(self, inbound: Inbound) -> Sequence[Outbound] | None:
        """A manager's ``/nps summary …`` (any metric; ``value``, ``retention``, ``export``,
        ``trend``, ``chart``: :func:`bot.reports.manager_reply`), read on the read-only
        connection in its own transaction before the event's write transaction, which then
        holds the write lock (SQLite's only one) just for the event id and the person's row;
        None for any other event."""
        metric = inbound.command
        if (inbound.choice is not None or metric is None or metric not in METRICS
                or send_args(inbound.text or "") is not None
                or team_word(inbound.text or "") is not None
                or not self.is_manager(inbound.channel, inbound.user_id)):
            return None
        with Session(self.db.read_engine) as session:
            person = store.find_respondent(session=session, channel=inbound.channel,
                                           user_id=inbound.user_id)
            t = self.config.reader(person) if person else self.config.manager_translator
            context = ManagerContext(self.clock(), self.config.report_zone, self.surveys,
                                     self.config.value_attribute)
            return manager_reply(session, metric, (inbound.text or "").strip(), t,
                                 self.config.style(inbound.channel).spell(metric), context)

    def campaign_tick(self, channel: str, *, ahead: int) -> list[int]:
        """The feeder's step (:class:`~bot.engine.campaigns.Campaigns`), then the word to the
        managers of chat campaigns whose sends are over (:class:`ChatSends`)."""
        return super().campaign_tick(channel, ahead=ahead) + self.campaign_notices(channel)
