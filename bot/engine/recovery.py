"""After the loop is closed: when a manager resolves an alert (and RECOVERY_QUESTION is on), the
customer is asked in their language whether the problem is solved, with Yes / No buttons.

The question is an alert note (``NoteKind.ASKED``) written with the resolution, its message in
the outbox in the same transaction; the note's id travels with the buttons
(:class:`bot.buttons.Recovery`).  A Yes writes a ``SOLVED`` note and thanks them; a No writes an
``UNSOLVED`` note and opens the alert again (status open, nobody assigned, the Claim button
back on its message in the managers' chat, which now says the customer says it is not solved).
A question is answered once: a second press, a press on the question of an earlier resolution,
or on a question whose alert is gone, changes nothing and says so.  While the question is the
latest thing the bot asked the person (no survey asked after it), a typed yes or no
(:func:`bot.yes_no.parse_yes_no`) answers it too.  See docs/alerts.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import buttons, privacy, store, webhooks
from bot.engine import outcomes
from bot.engine.turn import EngineConfig, Turn
from bot.i18n import Translator, translator
from bot.messages import Choice, EditPressed, Notice, Reply, SendTo
from bot.models import Alert, AlertNote, AlertStatus, Answer, NoteKind, Respondent
from bot.yes_no import parse_yes_no

if TYPE_CHECKING:
    from bot.engine.alerts import Alerts

ANSWERS = (NoteKind.SOLVED, NoteKind.UNSOLVED)
TYPED_MAX = 40
"""What is kept of a typed answer in its note (it is one of the known words anyway)."""


def question_text(t: Translator) -> str:
    return t.gettext("Our team has marked the problem you told us about as resolved. Is it "
                     "solved for you?")


def answer_label(solved: bool, t: Translator) -> str:
    return t.gettext("Yes, it is solved") if solved else t.gettext("No, it is not solved")


def question_choices(question_id: int, t: Translator) -> tuple[Choice, ...]:
    return tuple(Choice(answer_label(solved, t), buttons.encode(buttons.Recovery(
        question_id, solved))) for solved in (True, False))


def askable(session: Session, customer: Respondent | None) -> bool:
    """Whether the customer may be asked: not opted out, reachable, not erased."""
    return customer is not None and not customer.opted_out and not customer.unreachable \
        and not privacy.is_erased(session=session, channel=customer.channel,
                                  user_id=customer.platform_user_id)


def customer_of(session: Session, alert: Alert) -> Respondent | None:
    answer = session.get(Answer, alert.answer_id)
    return session.get(Respondent, answer.respondent_id) if answer is not None else None


class Recovery:
    def __init__(self, config: EngineConfig, alerts: Alerts) -> None:
        self.config = config
        self.alerts = alerts

    # ------------------------------------------------------------------ asking

    def ask(self, turn: Turn, alert: Alert, by: str) -> str:
        """With the resolution of ``alert`` by ``by``: the question to its customer (when the
        setting is on and they may be asked); the line the manager's notice gains ("" when the
        setting is off)."""
        if not self.config.recovery_question:
            return ""
        assert alert.id is not None
        customer = customer_of(turn.session, alert)
        name = (customer.display_name or customer.platform_user_id) if customer else "?"
        if customer is None or not askable(turn.session, customer):
            return turn.t.gettext("{name} is not asked whether it is solved: they opted out or "
                                  "cannot be reached.").format(name=name)
        note = store.add_note(session=turn.session, alert_id=alert.id, author=by,
                              kind=NoteKind.ASKED, delivered=None, at=self.config.clock())
        assert note.id is not None
        tc = translator(customer.locale)
        turn.send(SendTo(customer.channel, customer.platform_user_id, customer.chat_id,
                         question_text(tc), question_choices(note.id, tc), columns=2,
                         name=name), outcomes.asked(note.id))
        return turn.t.gettext("We asked {name} whether the problem is solved.").format(name=name)

    # ------------------------------------------------------------------ answering

    def on_press(self, turn: Turn, button: buttons.Recovery) -> None:
        t = turn.t
        question = turn.session.get(AlertNote, button.question_id)
        alert = (store.lock_alert(session=turn.session, alert_id=question.alert_id)
                 if question is not None and question.kind == NoteKind.ASKED else None)
        if question is None or alert is None:
            turn.say(Notice(t.gettext("These buttons are no longer active.")))
            return
        customer = customer_of(turn.session, alert)
        if customer is None or customer.id != turn.person.id:
            turn.say(Notice(t.gettext("These buttons are not yours.")))
            return
        later = self._later(turn.session, question)
        if any(note.kind in ANSWERS for note in later):
            turn.say(Notice(t.gettext("This question has already been answered.")))
        elif later or alert.status != AlertStatus.RESOLVED:
            turn.say(Notice(t.gettext("These buttons are no longer active.")))
        else:
            turn.say(EditPressed(question_text(t) + "\n" + t.gettext(
                "Your answer: {score}").format(score=answer_label(button.solved, t))))
            self._answer(turn, alert, button.solved, "")

    def on_text(self, turn: Turn, text: str) -> bool:
        """A typed yes or no that answers the person's open question; False (nothing done)
        for any other text, or when a survey asked something after the question."""
        solved = parse_yes_no(text)
        if solved is None or not turn.inbound.is_private:
            return False
        question = self._open_question(turn.session, turn.person_id)
        if question is None:
            return False
        run = store.active_run(session=turn.session, respondent_id=turn.person_id)
        if run is not None and run.updated_at > question.created_at:
            return False  # the survey's question came after: the text is for the survey
        alert = store.lock_alert(session=turn.session, alert_id=question.alert_id)
        if alert is None or alert.status != AlertStatus.RESOLVED or self._later(
                turn.session, question):
            return False
        self._answer(turn, alert, solved, text.strip()[:TYPED_MAX])
        return True

    def _later(self, session: Session, question: AlertNote) -> list[AlertNote]:
        """The recovery notes of the question's alert written after it (read afresh, under
        the alert's lock)."""
        return list(session.exec(select(AlertNote).where(
            AlertNote.alert_id == question.alert_id, col(AlertNote.id) > question.id,
            col(AlertNote.kind).in_((NoteKind.ASKED, *ANSWERS)))
            .execution_options(populate_existing=True)))

    def _open_question(self, session: Session, respondent_id: int) -> AlertNote | None:
        """The latest question asked to the person that reached them, if it is not answered."""
        answers = select(Answer.id).where(Answer.respondent_id == respondent_id)
        alerts = select(Alert.id).where(col(Alert.answer_id).in_(answers))
        question = session.exec(select(AlertNote).where(
            col(AlertNote.alert_id).in_(alerts), AlertNote.kind == NoteKind.ASKED,
            col(AlertNote.delivered).is_not(False))
            .order_by(col(AlertNote.id).desc()).limit(1)).first()
        if question is None or self._later(session, question):
            return None
        return question

    def _answer(self, turn: Turn, alert: Alert, solved: bool, typed: str) -> None:
        t, now = turn.t, self.config.clock()
        assert alert.id is not None
        name = turn.person.display_name or turn.person.platform_user_id
        store.add_note(session=turn.session, alert_id=alert.id, author=name,
                       kind=NoteKind.SOLVED if solved else NoteKind.UNSOLVED, text=typed, at=now)
        if solved:
            turn.say(Reply(t.gettext("Thank you for letting us know. We are glad the problem "
                                     "is solved.")))
        else:
            alert.status, alert.assignee = AlertStatus.OPEN, None
            alert.resolved_by, alert.resolved_at = None, None
            turn.session.add(alert)
            webhooks.alert_reopened(self.config, turn.session, alert)
            turn.say(Reply(t.gettext("Thank you for telling us. We have reopened the problem, "
                                     "and our team will come back to you.")))
        turn.session.flush()
        turn.say(self.alerts.refreshed(turn.session, alert))
