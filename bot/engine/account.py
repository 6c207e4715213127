"""What a person does about themselves: language, opting out, help, deleting and exporting
their data."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import store, webhooks
from bot.audience import erasure
from bot.audience.erasure import erase_person
from bot.buttons import ConfirmDelete, Language
from bot.buttons import encode as button
from bot.engine.alerts import Alerts
from bot.engine.conversation import Conversation
from bot.engine.turn import EngineConfig, Turn
from bot.i18n import SUPPORTED, language_name, negotiate, translator
from bot.messages import Choice, EditPressed, Notice, Reply, ReplyFile
from bot.metrics import METRICS
from bot.models import Answer, RunStatus
from bot.prompts import channel_label, metric_label
from bot.reports import manager_help_line

EXPORT_FILENAME = "my-data.json"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


class Account:
    def __init__(self, config: EngineConfig, conversation: Conversation, alerts: Alerts) -> None:
        self.config = config
        self.conversation = conversation
        self.alerts = alerts

    # ------------------------------------------------------------------ language

    def language(self, turn: Turn, args: str) -> None:
        if args:
            code = args.strip().lower()
            code = code if code in SUPPORTED else negotiate(code, "")
            if code:
                self.set_language(turn, code, pressed=False)
                return
        choices = tuple(Choice(language_name(code), button(Language(code))) for code in SUPPORTED)
        turn.say(Reply(turn.t.gettext("Choose your language:"), choices, 3))

    def set_language(self, turn: Turn, code: str, *, pressed: bool) -> None:
        if code not in SUPPORTED:
            turn.say(Notice(turn.t.gettext("These buttons are no longer active.")))
            return
        turn.person.locale = code
        turn.person.locale_chosen = True
        turn.session.add(turn.person)
        turn.t = translator(code)
        done = turn.t.gettext("Language set to {language}.").format(
            language=turn.t.language(code))
        turn.say(EditPressed(done) if pressed else Reply(done))
        run = store.active_run(session=turn.session, respondent_id=turn.person_id)
        if run is not None:
            self.conversation.reask(turn, run)

    # ------------------------------------------------------------------ opting out, help

    def stop(self, turn: Turn) -> None:
        webhooks.opted_out(self.config, turn.session, turn.person)
        turn.person.opted_out = True
        turn.session.add(turn.person)
        store.close_active_runs(session=turn.session, respondent_id=turn.person_id,
                                status=RunStatus.STOPPED)
        turn.say(Reply(turn.t.gettext(
            "Done: you will receive no more surveys. Send {start} if you change your mind."
        ).format(start=turn.cmd("start"))))

    def help(self, turn: Turn) -> None:
        t = turn.t
        lines = [
            t.gettext("I ask a few short questions about our service."),
            t.gettext("{start} — take the survey").format(start=turn.cmd("start")),
            t.gettext("{language} — choose your language").format(language=turn.cmd("language")),
            t.gettext("{stop} — receive no more surveys").format(stop=turn.cmd("stop")),
            t.gettext("{export} — get a copy of your data").format(
                export=turn.cmd("export_my_data")),
            t.gettext("{delete} — delete your data").format(delete=turn.cmd("delete_my_data")),
            t.gettext("{help} — this help").format(help=turn.cmd("help")),
        ]
        if turn.is_manager:
            lines.append("")
            lines.append(manager_help_line(t, {key: turn.cmd(key) for key in METRICS}))
            lines.append(t.gettext("{cmd} alerts — the alerts waiting for a manager; {cmd} "
                                   "digest on|off — the weekly digest in your own chat").format(
                                       cmd=turn.cmd("nps")))
            lines.append(t.gettext("{cancel} — cancel a reply to a customer").format(
                cancel=turn.cmd("cancel")))
        turn.say(Reply("\n".join(lines)))

    def cancel(self, turn: Turn) -> None:
        if turn.person.pending_alert_id:
            turn.person.pending_alert_id = None
            turn.session.add(turn.person)
            turn.say(Reply(turn.t.gettext("Cancelled.")))
        else:
            turn.say(Reply(turn.t.gettext("There is nothing to cancel.")))

    # ------------------------------------------------------------------ deleting

    def ask_delete(self, turn: Turn) -> None:
        t = turn.t
        turn.say(Reply(t.gettext(
            "This deletes your answers and everything we know about you here. It cannot be "
            "undone. Delete?"
        ), (Choice(t.gettext("Yes, delete"), button(ConfirmDelete(True))),
            Choice(t.gettext("No, keep"), button(ConfirmDelete(False)))), 2))

    def on_delete_choice(self, turn: Turn, choice: ConfirmDelete) -> None:
        t = turn.t
        if not choice.confirmed:
            turn.say(EditPressed(t.gettext("Nothing was deleted.")))
            return
        erased = erase_person(session=turn.session, person=turn.person,
                              zone=self.config.report_zone, at=self.config.clock())
        self.alerts.redact(turn, erased.posted_alerts)
        turn.say(EditPressed(t.ngettext(
            "Deleted: {count} answer and your profile.",
            "Deleted: {count} answers and your profile.", erased.answers,
        ).format(count=erased.answers)))

    # ------------------------------------------------------------------ exporting

    def export(self, turn: Turn) -> None:
        """``/export_my_data``: everything stored about the person, as a JSON file worded in
        their language."""
        t, person = turn.t, turn.person
        answers = erasure.answers_of(session=turn.session, person=person)
        replies = erasure.replies_to(session=turn.session, person=person)
        data: dict[str, Any] = {
            t.gettext("exported at"): _iso(self.config.clock()),
            t.gettext("profile"): {
                t.gettext("channel"): channel_label(person.channel, t),
                t.gettext("user id"): person.platform_user_id,
                t.gettext("name"): person.display_name,
                t.gettext("language"): t.language(person.locale),
                t.gettext("language chosen by you"): person.locale_chosen,
                t.gettext("opted out of surveys"): person.opted_out,
                t.gettext("first seen"): _iso(person.first_seen),
                t.gettext("last seen"): _iso(person.last_seen),
            },
            **erasure.customer_export(session=turn.session, person=person, t=t),
            t.gettext("answers"): [self._answer(turn, a) for a in answers],
            t.gettext("replies from our team"): [
                {t.gettext("from"): note.author, t.gettext("text"): note.text,
                 t.gettext("sent at"): _iso(note.created_at)} for note in replies],
        }
        content = json.dumps(data, ensure_ascii=False, indent=2).encode()
        turn.say(ReplyFile(EXPORT_FILENAME, content, t.gettext(
            "Here is a copy of everything we store about you.")))

    def _answer(self, turn: Turn, answer: Answer) -> dict[str, Any]:
        t = turn.t
        survey = self.config.surveys.get(answer.survey)
        question = next((q for q in survey.questions if q.key == answer.question_key),
                        None) if survey else None
        return {
            t.gettext("answered at"): _iso(answer.created_at),
            t.gettext("question"): question.text.render(t) if question else answer.question_key,
            t.gettext("metric"): metric_label(answer.metric, t),
            t.gettext("score"): answer.score,
            t.gettext("scale"): f"{answer.scale_min}–{answer.scale_max}",
            t.gettext("comment"): answer.comment,
            t.gettext("campaign"): answer.campaign,
            t.gettext("channel"): channel_label(answer.channel, t),
        }
