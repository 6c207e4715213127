"""Alerts about unhappy customers: raised by an answer, shown in the managers' shared chat (in
``MANAGER_LOCALE``), claimed, answered through the bot and resolved by a manager (who reads their
own notices in their own language)."""

from __future__ import annotations

from sqlmodel import Session

from bot import store, webhooks
from bot.buttons import AlertAction
from bot.engine import outcomes
from bot.engine.recovery import Recovery
from bot.engine.turn import EngineConfig, Turn
from bot.i18n import translator
from bot.messages import AlertPost, AlertUpdate, Choice, Notice, Reply, SendTo
from bot.models import Alert, AlertStatus, Answer, NoteKind, Respondent
from bot.prompts import alert_choices, alert_text, redacted_alert_text
from bot.store import PostedAlert


def _id(row: Alert | Answer | Respondent) -> int:
    assert row.id is not None
    return row.id


def display_name(person: Respondent) -> str:
    return person.display_name or person.platform_user_id


class Alerts:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.recovery = Recovery(config, self)

    # ------------------------------------------------------------------ views

    def _view(self, session: Session, alert: Alert, answer: Answer,
              customer: Respondent | None, *, new: bool = False,
              ) -> tuple[str, tuple[Choice, ...]]:
        """The alert message and its buttons; a ``new`` alert has no notes to look up."""
        tm = self.config.manager_translator
        notes = [] if new else store.notes(session=session, alert_id=_id(alert))
        return alert_text(alert, answer, customer, notes, tm), alert_choices(alert, tm)

    def view_of(self, session: Session, alert: Alert) -> tuple[str, tuple[Choice, ...]]:
        """The alert's message and buttons as they stand."""
        answer = session.get(Answer, alert.answer_id)
        assert answer is not None
        return self._view(session, alert, answer, session.get(Respondent, answer.respondent_id))

    def refreshed(self, session: Session, alert: Alert) -> AlertUpdate:
        # Read fresh: a comment committed while this event waited for the alert lock shows.
        answer = session.get(Answer, alert.answer_id, populate_existing=True)
        assert answer is not None
        customer = session.get(Respondent, answer.respondent_id)
        text, choices = self._view(session, alert, answer, customer)
        return AlertUpdate(alert.channel, _id(alert), alert.platform_ref, text, choices)

    # ------------------------------------------------------------------ customers' side

    def raise_for(self, turn: Turn, answer: Answer) -> None:
        alert = store.create_alert(session=turn.session, answer=answer, at=self.config.clock())
        webhooks.alert_created(self.config, turn.session, alert, answer)
        text, choices = self._view(turn.session, alert, answer, turn.person, new=True)
        turn.send(AlertPost(turn.channel, _id(alert), text, choices),
                  outcomes.alert_ref(_id(alert)))

    def comment_added(self, turn: Turn, answer: Answer) -> None:
        """The customer commented on an alerted answer: the alert shows the comment."""
        alert = store.alert_for_answer(session=turn.session, answer_id=_id(answer), lock=True)
        if alert is not None:
            text, choices = self._view(turn.session, alert, answer, turn.person)
            turn.say(AlertUpdate(alert.channel, _id(alert), alert.platform_ref, text, choices))

    def redact(self, turn: Turn, posted: tuple[PostedAlert, ...]) -> None:
        """Edit the posted alerts about a person who deleted their data."""
        tm = self.config.manager_translator
        for alert in posted:
            turn.say(AlertUpdate(alert.channel, alert.alert_id, alert.ref,
                                 redacted_alert_text(alert.alert_id, tm), ()))

    # ------------------------------------------------------------------ managers' side

    def on_action(self, turn: Turn, alert_id: int, action: AlertAction) -> None:
        t = turn.t
        if not turn.is_manager:
            turn.say(Notice(t.gettext("Sorry, this is only for managers.")))
            return
        alert = store.lock_alert(session=turn.session, alert_id=alert_id)
        if alert is None:
            turn.say(Notice(t.gettext("This alert no longer exists.")))
            return
        if alert.status == AlertStatus.RESOLVED:
            turn.say(Notice(t.gettext("This alert is already resolved.")))
            return
        name = display_name(turn.person)
        now = self.config.clock()
        if action is AlertAction.CLAIM:
            if alert.status == AlertStatus.CLAIMED:
                turn.say(Notice(t.gettext("Already claimed by {name}.").format(
                    name=alert.assignee)))
                return
            alert.status, alert.assignee = AlertStatus.CLAIMED, name
            alert.claimed_at = alert.claimed_at or now  # the first claim (an alert reopens)
            store.add_note(session=turn.session, alert_id=alert_id, author=name,
                           kind=NoteKind.CLAIM, at=now)
            turn.say(Notice(t.gettext("You claimed this alert.")))
        elif action is AlertAction.RESOLVE:
            alert.status, alert.resolved_by, alert.resolved_at = AlertStatus.RESOLVED, name, now
            alert.claimed_at = alert.claimed_at or now  # taken by a manager, claimed or not
            store.add_note(session=turn.session, alert_id=alert_id, author=name,
                           kind=NoteKind.RESOLVE, at=now)
            webhooks.alert_resolved(self.config, turn.session, alert)
            asked = self.recovery.ask(turn, alert, name)
            turn.say(Notice(" ".join(filter(None, (t.gettext("Marked as resolved."), asked)))))
        else:
            turn.person.pending_alert_id = alert_id
            turn.session.add(turn.person)
            answer = turn.session.get(Answer, alert.answer_id)
            customer = turn.session.get(Respondent, answer.respondent_id) if answer else None
            turn.say(Reply(t.gettext(
                "Write your reply to {name} in your next message; it is sent as you write it. "
                "Send {cancel} to cancel."
            ).format(name=display_name(customer) if customer else "?",
                     cancel=turn.cmd("cancel")), expects_text=True))
            return
        turn.session.add(alert)
        turn.session.flush()
        turn.say(self.refreshed(turn.session, alert))

    def send_reply(self, turn: Turn, alert_id: int, text: str) -> None:
        """A manager's reply, sent to the customer of the alert."""
        t = turn.t
        turn.person.pending_alert_id = None
        turn.session.add(turn.person)
        alert = store.lock_alert(session=turn.session, alert_id=alert_id)
        answer = turn.session.get(Answer, alert.answer_id) if alert else None
        customer = turn.session.get(Respondent, answer.respondent_id) if answer else None
        if alert is None or customer is None:
            turn.say(Reply(t.gettext("This alert no longer exists.")))
            return
        body = text.strip()[: self.config.comment_max_length]
        name, who = display_name(turn.person), display_name(customer)
        if customer.unreachable:
            store.add_note(session=turn.session, alert_id=alert_id, author=name,
                           kind=NoteKind.REPLY, text=body, delivered=False)
            turn.say(Reply(t.gettext(
                "Not sent: {name} has blocked the bot or cannot be reached.").format(name=who)))
        else:
            # "Sent to …" or "Not sent …" follows the platform's answer (outcomes.py).
            tc = translator(customer.locale)
            note = store.add_note(session=turn.session, alert_id=alert_id, author=name,
                                  kind=NoteKind.REPLY, text=body, delivered=None)
            assert note.id is not None
            turn.send(SendTo(customer.channel, customer.platform_user_id, customer.chat_id,
                             tc.gettext("A message from our team about your feedback:")
                             + "\n\n" + body, name=who),
                      outcomes.reply_note(note.id, t.lang))
        if alert.status == AlertStatus.OPEN:
            alert.status, alert.assignee = AlertStatus.CLAIMED, name
            alert.claimed_at = alert.claimed_at or self.config.clock()
            turn.session.add(alert)
        turn.session.flush()
        turn.say(self.refreshed(turn.session, alert))
