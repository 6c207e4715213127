"""How the engine words its questions, scale hints and alerts (all through the catalogs)."""

from __future__ import annotations

from bot import buttons
from bot.buttons import AlertAction
from bot.i18n import Translator
from bot.messages import Choice
from bot.metrics import METRICS
from bot.models import Alert, AlertNote, AlertStatus, Answer, NoteKind, Respondent
from bot.style import ChannelStyle
from bot.surveys import Question
from bot.text import shorten, units

ALERT_MAX = 4000
"""An alert's length in UTF-16 code units: it fits one chat message on every platform (Telegram
takes 4,096), so a long comment is cut, never the status line."""
NAME_MAX = 100
REPLY_MAX = 500


def scale_hint(question: Question, t: Translator) -> str:
    return t.gettext(question.spec.scale_hint)


def question_text(question: Question, t: Translator, style: ChannelStyle) -> str:
    low, high = question.scale
    how = (t.gettext("Press a number or type one from {low} to {high}.") if style.buttons
           else t.gettext("Type a number from {low} to {high}."))
    return "\n".join((question.text.render(t), scale_hint(question, t),
                      how.format(low=low, high=high)))


def score_choices(question: Question, run_id: int, step: int) -> tuple[Choice, ...]:
    low, high = question.scale
    return tuple(Choice(str(n), buttons.encode(buttons.Score(run_id, step, n)))
                 for n in range(low, high + 1))


def skip_choice(run_id: int, step: int, t: Translator) -> Choice:
    return Choice(t.gettext("Skip"), buttons.encode(buttons.Skip(run_id, step)))


def columns_for(question: Question) -> int:
    return question.spec.columns


def channel_label(channel: str, t: Translator) -> str:
    """A channel as people name it: the platform's own name, or "console"."""
    if channel == "console":
        return t.gettext("console")
    return {"telegram": "Telegram", "slack": "Slack"}.get(channel, channel.capitalize())


def metric_label(metric: str, t: Translator) -> str:
    return t.gettext(METRICS[metric].label)


def status_line(alert: Alert, t: Translator) -> str:
    if alert.status == AlertStatus.RESOLVED:
        return t.gettext("Status: resolved by {name}").format(name=alert.resolved_by or "?")
    if alert.status == AlertStatus.CLAIMED:
        return t.gettext("Status: claimed by {name}").format(name=alert.assignee or "?")
    return t.gettext("Status: open")


def alert_text(
    alert: Alert, answer: Answer, customer: Respondent | None, notes: list[AlertNote],
    t: Translator,
) -> str:
    """The managers' view of an alert, in the managers' language."""
    name = shorten((customer.display_name if customer else "") or (
        customer.platform_user_id if customer else "?"
    ), NAME_MAX)
    head = [
        t.gettext("⚠️ Unhappy customer — alert #{id}").format(id=alert.id),
        t.gettext("Score: {score}/{high} ({metric})").format(
            score=answer.score, high=answer.scale_max, metric=metric_label(answer.metric, t)
        ),
        t.gettext("Customer: {name} on {channel}, speaks {language}").format(
            name=name, channel=channel_label(answer.channel, t), language=t.language(answer.locale)
        ),
    ]
    tail: list[str] = []
    replies = [n for n in notes if n.kind == NoteKind.REPLY]
    for note in replies[-3:]:
        if note.delivered is None:
            key = t.gettext("Reply by {name} (sending): {text}")
        elif note.delivered:
            key = t.gettext("Reply by {name}: {text}")
        else:
            key = t.gettext("Reply by {name} (not delivered): {text}")
        tail.append(key.format(name=shorten(note.author, NAME_MAX),
                               text=shorten(note.text or "", REPLY_MAX)))
    recovery = recovery_line(notes, t)
    if recovery:
        tail.append(recovery)
    tail.append(status_line(alert, t))
    if answer.comment:
        line = t.gettext("Comment: “{comment}”")
        room = ALERT_MAX - units("\n".join([*head, line.format(comment=""), *tail]))
        comment = line.format(comment=shorten(answer.comment, max(room, REPLY_MAX)))
    else:
        comment = t.gettext("No comment yet.")
    return "\n".join([*head, comment, *tail])


RECOVERY_NOTES = (NoteKind.ASKED, NoteKind.SOLVED, NoteKind.UNSOLVED)


def recovery_line(notes: list[AlertNote], t: Translator) -> str:
    """What the customer said when asked whether the problem is solved (the latest question);
    "" when they were never asked."""
    last = next((n for n in reversed(notes) if n.kind in RECOVERY_NOTES), None)
    if last is None:
        return ""
    if last.kind == NoteKind.SOLVED:
        return t.gettext("✅ The customer says the problem is solved.")
    if last.kind == NoteKind.UNSOLVED:
        return t.gettext("↩️ The customer says the problem is not solved: the alert is open "
                         "again.")
    if last.delivered is False:
        return t.gettext("❔ The question whether the problem is solved did not reach the "
                         "customer.")
    return t.gettext("❔ Asked the customer whether the problem is solved: no answer yet.")


def alert_choices(alert: Alert, t: Translator) -> tuple[Choice, ...]:
    assert alert.id is not None
    if alert.status == AlertStatus.RESOLVED:
        return ()
    actions = [(t.gettext("Reply"), AlertAction.REPLY), (t.gettext("Resolved"),
                                                        AlertAction.RESOLVE)]
    if alert.status == AlertStatus.OPEN:
        actions.insert(0, (t.gettext("Claim"), AlertAction.CLAIM))
    return tuple(Choice(label, buttons.encode(buttons.Alert(alert.id, action)))
                 for label, action in actions)


def redacted_alert_text(alert_id: int, t: Translator) -> str:
    """What an alert about a person who deleted their data says from then on."""
    return t.gettext("⚠️ Alert #{id}: the customer's data was deleted at their request.").format(
        id=alert_id)


def escalated_text(view: str, age: str, t: Translator) -> str:
    """An alert posted again because nobody claimed it: ``view`` (its :func:`alert_text`)
    under a line saying how long it has been open."""
    return t.gettext("⏰ Still open after {age}: nobody has claimed this alert yet.").format(
        age=age) + "\n" + view


def reposted_text(view: str, after: str, t: Translator) -> str:
    """The first post of an alert once it was posted again: its buttons are gone, and this
    line says where it went."""
    return view + "\n" + t.gettext(
        "⏰ Posted again below: nobody claimed it within {after}.").format(after=after)
