"""The conversation engine: one inbound event in, a list of outbound messages out.

State lives in the database (``survey_runs.step``), so a restart or a second process continues
where the customer was.  Every ``handle`` call is one transaction: the platform event id is
recorded in it, so a redelivered event changes nothing.  The flow is drawn in
``docs/conversation.md``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import store
from bot.answers import parse_score
from bot.db import Database
from bot.i18n import SUPPORTED, Translator, language_name, negotiate, translator
from bot.messages import (
    AlertPost,
    AlertUpdate,
    Choice,
    EditPressed,
    Inbound,
    Notice,
    Outbound,
    Reply,
    SendTo,
    parse_alert_choice,
)
from bot.models import Alert, Answer, Respondent, SurveyRun, utcnow
from bot.prompts import (
    alert_choices,
    alert_text,
    columns_for,
    command_name,
    question_text,
    score_choices,
)
from bot.reports import manager_command
from bot.surveys import Question, Survey, SurveyCatalog
from bot.text import clean, clean_inbound
from scoring import bucket_for

log = logging.getLogger(__name__)

_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Platforms redeliver for minutes (Slack) to a day (Telegram keeps updates 24 h): a week of
# event ids is plenty; older ones are pruned every PRUNE_EVERY events.
EVENT_MEMORY = timedelta(days=7)
PRUNE_EVERY = 1000
# last_seen is kept to the minute.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass
class _Ctx:
    """What one ``handle`` call works with."""

    session: Session
    inbound: Inbound
    person: Respondent
    t: Translator
    out: list[Outbound] = field(default_factory=list)

    @property
    def channel(self) -> str:
        return self.inbound.channel

    def cmd(self, name: str) -> str:
        return command_name(self.channel, name)


class Engine:
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
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.surveys = surveys
        self.managers = dict(managers)
        self.manager_translator = translator(manager_locale)
        self.default_locale = default_locale
        self.channel_locales = dict(channel_locales or {})
        self.comment_max_length = comment_max_length
        self.clock = clock
        self._handled = 0

    # ----------------------------------------------------------------- public API

    def is_manager(self, channel: str, user_id: str) -> bool:
        return user_id in self.managers.get(channel, frozenset())

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Process one event in one transaction; ``[]`` for a redelivered event."""
        inbound = clean_inbound(inbound)  # the same text on every channel and database
        try:
            # No autoflush: the changes of one event go to the database in as few flushes as
            # the code asks for (explicitly, where it needs a new row's id), not before every query.
            with Session(self.db.engine, expire_on_commit=False, autoflush=False) as session:
                if inbound.event_id and not store.claim_event(
                    session=session, channel=inbound.channel, event_id=inbound.event_id,
                    at=self.clock(),
                ):
                    log.info("redelivered event %s/%s ignored", inbound.channel, inbound.event_id)
                    return []
                ctx = self._context(session, inbound)
                self._dispatch(ctx)
                session.commit()
            self._handled += 1
            if self._handled % PRUNE_EVERY == 0:
                self.prune_events()
            return ctx.out
        except IntegrityError:
            # A concurrent delivery of the same event or answer won the race: nothing to add.
            log.info("duplicate %s/%s ignored", inbound.channel, inbound.event_id)
            return []
        except Exception:
            log.exception("failed to handle %r", inbound)
            t = translator(negotiate(inbound.locale_hint, self.default_locale))
            return [Reply(t.gettext("Sorry, something went wrong on our side. Please try again."))]

    def prune_events(self) -> int:
        """Forget event ids older than a week; the number forgotten."""
        with Session(self.db.engine) as session:
            count = store.prune_events(session=session, older_than=self.clock() - EVENT_MEMORY)
            session.commit()
            return count

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
    ) -> list[Outbound]:
        """Begin a survey a manager sent out; ``[]`` when the person opted out or is unreachable."""
        inbound = clean_inbound(Inbound(channel, user_id, chat_id, display_name=display_name,
                                        locale_hint=locale_hint))
        with Session(self.db.engine, expire_on_commit=False) as session:
            ctx = self._context(session, inbound)
            if ctx.person.opted_out or ctx.person.unreachable:
                return []
            chosen = self.surveys.get(survey) or self.surveys.default
            run = store.start_run(session=session, respondent_id=self._id(ctx.person),
                                  survey=chosen.name, campaign=campaign)
            question = chosen.questions[0]
            session.commit()
            intro = ctx.t.gettext("Hello! We would value your opinion; it takes a minute.")
            return [
                SendTo(
                    channel, user_id, ctx.person.chat_id or chat_id,
                    intro + "\n\n" + question_text(question, ctx.t),
                    score_choices(question, self._id(run), 0), columns_for(question),
                )
            ]

    def reply_to_alert(
        self, *, channel: str, manager_id: str, alert_id: int, text: str, manager_name: str = ""
    ) -> list[Outbound]:
        """Send a manager's reply to the customer of an alert (Slack's modal path)."""
        inbound = clean_inbound(Inbound(channel, manager_id, "", display_name=manager_name,
                                        is_private=False))
        text = clean(text)
        with Session(self.db.engine, expire_on_commit=False) as session:
            ctx = self._context(session, inbound)
            if not self.is_manager(channel, manager_id):
                return [Notice(ctx.t.gettext("Sorry, this is only for managers."))]
            self._send_alert_reply(ctx, alert_id, text)
            session.commit()
            return ctx.out

    def set_alert_ref(self, alert_id: int, ref: str) -> None:
        """Remember where an alert was posted (one UPDATE: it runs for every detractor)."""
        with Session(self.db.engine) as session:
            store.set_alert_ref(session=session, alert_id=alert_id, ref=ref)
            session.commit()

    def mark_unreachable(self, channel: str, user_id: str) -> None:
        with Session(self.db.engine) as session:
            person = store.find_respondent(session=session, channel=channel, user_id=user_id)
            if person is not None:
                person.unreachable = True
                session.add(person)
                store.close_active_runs(session=session, respondent_id=self._id(person),
                                        status="stopped")
                session.commit()

    def chosen_locale(self, channel: str, user_id: str) -> str | None:
        with Session(self.db.read_engine) as session:
            person = store.find_respondent(session=session, channel=channel, user_id=user_id)
            return person.locale if person is not None and person.locale_chosen else None

    def state_get(self, key: str) -> str | None:
        with Session(self.db.read_engine) as session:
            return store.kv_get(session=session, key=key)

    def state_set(self, key: str, value: str) -> None:
        with Session(self.db.engine) as session:
            store.kv_set(session=session, key=key, value=value)
            session.commit()

    # ----------------------------------------------------------------- dispatch

    @staticmethod
    def _id(row: Respondent | SurveyRun | Answer | Alert) -> int:
        assert row.id is not None
        return row.id

    def _context(self, session: Session, inbound: Inbound) -> _Ctx:
        default = self.channel_locales.get(inbound.channel) or self.default_locale
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
        return _Ctx(session, inbound, person, translator(person.locale))

    def _dispatch(self, ctx: _Ctx) -> None:
        inbound = ctx.inbound
        if inbound.choice is not None:
            self._on_choice(ctx, inbound.choice)
        elif inbound.command:
            self._on_command(ctx, inbound.command, (inbound.text or "").strip())
        else:
            self._on_text(ctx, (inbound.text or "").strip())

    # ----------------------------------------------------------------- text

    def _on_text(self, ctx: _Ctx, text: str) -> None:
        person = ctx.person
        if person.pending_alert_id and self.is_manager(ctx.channel, person.platform_user_id):
            if text:
                self._send_alert_reply(ctx, person.pending_alert_id, text)
            return
        run = store.active_run(session=ctx.session, respondent_id=self._id(person))
        if run is None:
            if person.opted_out:
                ctx.out.append(Reply(ctx.t.gettext(
                    "You have opted out of surveys. Send {start} to take part again."
                ).format(start=ctx.cmd("start"))))
            else:
                ctx.out.append(Reply(ctx.t.gettext(
                    "There is no survey open right now. Send {start} to begin one, or {help} "
                    "to see what I can do."
                ).format(start=ctx.cmd("start"), help=ctx.cmd("help"))))
            return
        survey, question, awaiting_comment = self._position(run)
        if awaiting_comment:
            self._on_comment(ctx, run, survey, text)
            return
        low, high = question.scale
        parsed = parse_score(text, low, high)
        if parsed.problem == "ok" and parsed.value is not None:
            self._accept_score(ctx, run, survey, question, parsed.value, pressed=False)
            return
        if parsed.problem == "out_of_range":
            msg = ctx.t.gettext("{value} is outside the scale. Please answer with a number from "
                                "{low} to {high}.").format(value=parsed.value, low=low, high=high)
        else:
            msg = ctx.t.gettext("I did not understand that. Please answer with a number from "
                                "{low} to {high}.").format(low=low, high=high)
        ctx.out.append(Reply(msg, score_choices(question, self._id(run), run.step),
                             columns_for(question)))

    def _position(self, run: SurveyRun) -> tuple[Survey, Question, bool]:
        survey = self.surveys.get(run.survey) or self.surveys.default
        index = min(run.step // 2, len(survey.questions) - 1)
        return survey, survey.questions[index], run.step % 2 == 1

    # ----------------------------------------------------------------- answers

    def _accept_score(
        self, ctx: _Ctx, run: SurveyRun, survey: Survey, question: Question, score: int,
        *, pressed: bool,
    ) -> None:
        low, high = question.scale
        bucket = bucket_for(question.metric, score)
        answer = store.add_answer(session=ctx.session, answer=Answer(
            respondent_id=self._id(ctx.person), survey_run_id=self._id(run), survey=run.survey,
            campaign=run.campaign, question_key=question.key, metric=question.metric,
            score=score, scale_min=low, scale_max=high, bucket=bucket,
            locale=ctx.person.locale, channel=ctx.channel, event_id=ctx.inbound.event_id,
            created_at=self.clock(),
        ))
        if pressed:
            ctx.out.append(EditPressed(question.text.render(ctx.t) + "\n" + ctx.t.gettext(
                "Your answer: {score}").format(score=score)))
        if bucket in question.alert_on:
            alert = store.create_alert(session=ctx.session, answer=answer)
            text, choices = self._alert_view(ctx.session, alert, answer, ctx.person, new=True)
            ctx.out.append(AlertPost(ctx.channel, self._id(alert), text, choices))
        follow_up = question.follow_up.get(bucket)
        run.last_answer_id = answer.id
        run.updated_at = self.clock()
        if follow_up is not None:
            run.step = run.step - run.step % 2 + 1
            ctx.session.add(run)
            skip = Choice(ctx.t.gettext("Skip"), f"skip:{self._id(run)}:{run.step}")
            ctx.out.append(Reply(follow_up.render(ctx.t), (skip,), 1, expects_text=True))
            return
        self._advance(ctx, run, survey)

    def _on_comment(self, ctx: _Ctx, run: SurveyRun, survey: Survey, text: str) -> None:
        if not text:
            ctx.out.append(Reply(ctx.t.gettext("Please write a few words, or press Skip."),
                                 expects_text=True))
            return
        comment = text[: self.comment_max_length]
        answer = ctx.session.get(Answer, run.last_answer_id) if run.last_answer_id else None
        if answer is not None:
            answer.comment = comment
            answer.commented_at = self.clock()
            ctx.session.add(answer)
            alert = store.alert_for_answer(session=ctx.session, answer_id=self._id(answer))
            if alert is not None:
                view, choices = self._alert_view(ctx.session, alert, answer, ctx.person)
                ctx.out.append(AlertUpdate(alert.channel, self._id(alert), alert.platform_ref,
                                           view, choices))
        if len(text) > self.comment_max_length:
            ctx.out.append(Reply(ctx.t.gettext(
                "Your comment was long, so we kept its first {count} characters."
            ).format(count=self.comment_max_length)))
        self._advance(ctx, run, survey)

    def _advance(self, ctx: _Ctx, run: SurveyRun, survey: Survey) -> None:
        next_index = run.step // 2 + 1
        run.updated_at = self.clock()
        if next_index < len(survey.questions):
            run.step = next_index * 2
            ctx.session.add(run)
            self._ask(ctx, run, survey.questions[next_index])
            return
        run.status = "completed"
        run.completed_at = self.clock()
        ctx.session.add(run)
        ctx.out.append(Reply(ctx.t.gettext("Thank you for your answers! They help us improve.")))

    def _ask(self, ctx: _Ctx, run: SurveyRun, question: Question, prefix: str = "") -> None:
        text = question_text(question, ctx.t)
        ctx.out.append(Reply((prefix + "\n\n" if prefix else "") + text,
                             score_choices(question, self._id(run), run.step),
                             columns_for(question)))

    def _reask(self, ctx: _Ctx, run: SurveyRun, prefix: str = "") -> None:
        _survey, question, awaiting_comment = self._position(run)
        if awaiting_comment:
            answer = ctx.session.get(Answer, run.last_answer_id) if run.last_answer_id else None
            follow = question.follow_up.get(answer.bucket) if answer else None
            if follow is not None:
                skip = Choice(ctx.t.gettext("Skip"), f"skip:{self._id(run)}:{run.step}")
                text = (prefix + "\n\n" if prefix else "") + follow.render(ctx.t)
                ctx.out.append(Reply(text, (skip,), 1, expects_text=True))
                return
        self._ask(ctx, run, question, prefix)

    # ----------------------------------------------------------------- buttons

    def _on_choice(self, ctx: _Ctx, value: str) -> None:
        t = ctx.t
        if value.startswith("a:") or value.startswith("skip:"):
            self._on_survey_button(ctx, value)
        elif value.startswith("lang:"):
            self._set_language(ctx, value[5:], pressed=True)
        elif value == "start":
            self._start(ctx, "")
        elif value in ("del:yes", "del:no"):
            self._on_delete_choice(ctx, value == "del:yes")
        elif (parsed := parse_alert_choice(value)) is not None:
            self._on_alert_action(ctx, *parsed)
        else:
            ctx.out.append(Notice(t.gettext("These buttons are no longer active.")))

    def _on_survey_button(self, ctx: _Ctx, value: str) -> None:
        t = ctx.t
        parts = value.split(":")
        try:
            run_id, step = int(parts[1]), int(parts[2])
            score = int(parts[3]) if parts[0] == "a" and len(parts) == 4 else None
        except (ValueError, IndexError):
            ctx.out.append(Notice(t.gettext("These buttons are no longer active.")))
            return
        run = ctx.session.get(SurveyRun, run_id)
        if run is None or run.respondent_id != ctx.person.id:
            ctx.out.append(Notice(t.gettext("These buttons are not yours.")))
            return
        if run.status != "active" or run.step != step:
            ctx.out.append(Notice(t.gettext("This question has already been answered.")))
            return
        survey, question, awaiting_comment = self._position(run)
        if parts[0] == "skip":
            if not awaiting_comment:
                ctx.out.append(Notice(t.gettext("This question has already been answered.")))
                return
            ctx.out.append(EditPressed(t.gettext("Skipped.")))
            self._advance(ctx, run, survey)
            return
        low, high = question.scale
        if awaiting_comment or score is None or not low <= score <= high:
            ctx.out.append(Notice(t.gettext("These buttons are no longer active.")))
            return
        self._accept_score(ctx, run, survey, question, score, pressed=True)

    # ----------------------------------------------------------------- commands

    def _on_command(self, ctx: _Ctx, command: str, args: str) -> None:
        if command == "start":
            self._start(ctx, args)
        elif command == "language":
            self._language(ctx, args)
        elif command == "stop":
            self._stop(ctx)
        elif command == "help":
            self._help(ctx)
        elif command == "delete_my_data":
            ctx.out.append(Reply(ctx.t.gettext(
                "This deletes your answers and everything we know about you here. It cannot "
                "be undone. Delete?"
            ), (Choice(ctx.t.gettext("Yes, delete"), "del:yes"),
                Choice(ctx.t.gettext("No, keep"), "del:no")), 2))
        elif command == "cancel":
            if ctx.person.pending_alert_id:
                ctx.person.pending_alert_id = None
                ctx.session.add(ctx.person)
                ctx.out.append(Reply(ctx.t.gettext("Cancelled.")))
            else:
                ctx.out.append(Reply(ctx.t.gettext("There is nothing to cancel.")))
        elif command in ("nps", "csat", "ces"):
            if not self.is_manager(ctx.channel, ctx.person.platform_user_id):
                ctx.out.append(Reply(ctx.t.gettext("Sorry, this command is only for managers.")))
                return
            ctx.out.append(Reply(manager_command(
                ctx.session, command, args, self.manager_translator, self.clock(),
                command_name(ctx.channel, command),
            )))
        else:
            self._help(ctx)

    def _start(self, ctx: _Ctx, payload: str) -> None:
        t = ctx.t
        person = ctx.person
        welcome_back = person.opted_out
        person.opted_out = False
        ctx.session.add(person)
        survey, campaign = self._resolve_payload(payload)
        current = store.active_run(session=ctx.session, respondent_id=self._id(person))
        if current is not None and not payload:
            self._reask(ctx, current, t.gettext("Let us continue where we left off."))
            return
        run = store.start_run(session=ctx.session, respondent_id=self._id(person),
                              survey=survey.name, campaign=campaign)
        intro = (t.gettext("Welcome back! You will receive surveys again.") if welcome_back
                 else t.gettext("Hello! We would value your opinion; it takes a minute."))
        self._ask(ctx, run, survey.questions[0], intro)

    def _resolve_payload(self, payload: str) -> tuple[Survey, str | None]:
        """A deep-link payload names a survey, a campaign, or ``<survey>__<campaign>``."""
        if not payload:
            return self.surveys.default, None
        if not _PAYLOAD.match(payload):
            log.warning("malformed start payload %r: starting the default survey", payload[:80])
            return self.surveys.default, None
        name, _, campaign = payload.partition("__")
        survey = self.surveys.get(name)
        if survey is not None:
            return survey, campaign or None
        return self.surveys.default, payload

    def _language(self, ctx: _Ctx, args: str) -> None:
        if args:
            code = args.strip().lower()
            code = code if code in SUPPORTED else negotiate(code, "")
            if code:
                self._set_language(ctx, code, pressed=False)
                return
        choices = tuple(Choice(language_name(code), f"lang:{code}") for code in SUPPORTED)
        ctx.out.append(Reply(ctx.t.gettext("Choose your language:"), choices, 3))

    def _set_language(self, ctx: _Ctx, code: str, *, pressed: bool) -> None:
        if code not in SUPPORTED:
            ctx.out.append(Notice(ctx.t.gettext("These buttons are no longer active.")))
            return
        ctx.person.locale = code
        ctx.person.locale_chosen = True
        ctx.session.add(ctx.person)
        ctx.t = translator(code)
        done = ctx.t.gettext("Language set to {language}.").format(language=language_name(code))
        ctx.out.append(EditPressed(done) if pressed else Reply(done))
        run = store.active_run(session=ctx.session, respondent_id=self._id(ctx.person))
        if run is not None:
            self._reask(ctx, run)

    def _stop(self, ctx: _Ctx) -> None:
        ctx.person.opted_out = True
        ctx.session.add(ctx.person)
        store.close_active_runs(session=ctx.session, respondent_id=self._id(ctx.person),
                                status="stopped")
        ctx.out.append(Reply(ctx.t.gettext(
            "Done: you will receive no more surveys. Send {start} if you change your mind."
        ).format(start=ctx.cmd("start"))))

    def _help(self, ctx: _Ctx) -> None:
        t = ctx.t
        lines = [
            t.gettext("I ask a few short questions about our service."),
            t.gettext("{start} — take the survey").format(start=ctx.cmd("start")),
            t.gettext("{language} — choose your language").format(language=ctx.cmd("language")),
            t.gettext("{stop} — receive no more surveys").format(stop=ctx.cmd("stop")),
            t.gettext("{delete} — delete your data").format(delete=ctx.cmd("delete_my_data")),
            t.gettext("{help} — this help").format(help=ctx.cmd("help")),
        ]
        if self.is_manager(ctx.channel, ctx.person.platform_user_id):
            lines.append("")
            lines.append(t.gettext(
                "For managers: {nps} summary [7d|30d|90d|all|2026-01-01..2026-03-31] "
                "[by channel|language|campaign|survey], and the same with {csat} and {ces}."
            ).format(nps=ctx.cmd("nps"), csat=ctx.cmd("csat"), ces=ctx.cmd("ces")))
        ctx.out.append(Reply("\n".join(lines)))

    def _on_delete_choice(self, ctx: _Ctx, confirmed: bool) -> None:
        t = ctx.t
        if not confirmed:
            ctx.out.append(EditPressed(t.gettext("Nothing was deleted.")))
            return
        count = store.delete_respondent(session=ctx.session, respondent_id=self._id(ctx.person))
        ctx.out.append(EditPressed(t.ngettext(
            "Deleted: {count} answer and your profile.",
            "Deleted: {count} answers and your profile.", count,
        ).format(count=count)))

    # ----------------------------------------------------------------- alerts

    def _alert_view(self, session: Session, alert: Alert, answer: Answer,
                    customer: Respondent | None, *, new: bool = False,
                    ) -> tuple[str, tuple[Choice, ...]]:
        """The alert message and its buttons; a ``new`` alert has no notes to look up."""
        tm = self.manager_translator
        notes = [] if new else store.notes(session=session, alert_id=self._id(alert))
        return alert_text(alert, answer, customer, notes, tm), alert_choices(alert, tm)

    def _alert_update(self, session: Session, alert: Alert) -> AlertUpdate:
        answer = session.get(Answer, alert.answer_id)
        assert answer is not None
        customer = session.get(Respondent, answer.respondent_id)
        text, choices = self._alert_view(session, alert, answer, customer)
        return AlertUpdate(alert.channel, self._id(alert), alert.platform_ref, text, choices)

    def _manager_name(self, person: Respondent) -> str:
        return person.display_name or person.platform_user_id

    def _on_alert_action(self, ctx: _Ctx, alert_id: int, action: str) -> None:
        tm = self.manager_translator
        if not self.is_manager(ctx.channel, ctx.person.platform_user_id):
            ctx.out.append(Notice(ctx.t.gettext("Sorry, this is only for managers.")))
            return
        alert = store.lock_alert(session=ctx.session, alert_id=alert_id)
        if alert is None:
            ctx.out.append(Notice(tm.gettext("This alert no longer exists.")))
            return
        name = self._manager_name(ctx.person)
        if alert.status == "resolved":
            ctx.out.append(Notice(tm.gettext("This alert is already resolved.")))
            return
        if action == "claim":
            if alert.status == "claimed":
                ctx.out.append(Notice(tm.gettext("Already claimed by {name}.").format(
                    name=alert.assignee)))
                return
            alert.status, alert.assignee, alert.claimed_at = "claimed", name, self.clock()
            store.add_note(session=ctx.session, alert_id=alert_id, author=name, kind="claim")
            ctx.out.append(Notice(tm.gettext("You claimed this alert.")))
        elif action == "resolve":
            alert.status, alert.resolved_by, alert.resolved_at = "resolved", name, self.clock()
            store.add_note(session=ctx.session, alert_id=alert_id, author=name, kind="resolve")
            ctx.out.append(Notice(tm.gettext("Marked as resolved.")))
        else:
            ctx.person.pending_alert_id = alert_id
            ctx.session.add(ctx.person)
            answer = ctx.session.get(Answer, alert.answer_id)
            customer = ctx.session.get(Respondent, answer.respondent_id) if answer else None
            who = (customer.display_name or customer.platform_user_id) if customer else "?"
            ctx.out.append(Reply(tm.gettext(
                "Write your reply to {name} in your next message; it is sent as you write it. "
                "Send {cancel} to cancel."
            ).format(name=who, cancel=ctx.cmd("cancel")), expects_text=True))
            return
        ctx.session.add(alert)
        ctx.session.flush()
        ctx.out.append(self._alert_update(ctx.session, alert))

    def _send_alert_reply(self, ctx: _Ctx, alert_id: int, text: str) -> None:
        tm = self.manager_translator
        ctx.person.pending_alert_id = None
        ctx.session.add(ctx.person)
        alert = store.lock_alert(session=ctx.session, alert_id=alert_id)
        answer = ctx.session.get(Answer, alert.answer_id) if alert else None
        customer = ctx.session.get(Respondent, answer.respondent_id) if answer else None
        if alert is None or customer is None:
            ctx.out.append(Reply(tm.gettext("This alert no longer exists.")))
            return
        body = text.strip()[: self.comment_max_length]
        name = self._manager_name(ctx.person)
        who = customer.display_name or customer.platform_user_id
        if customer.unreachable:
            store.add_note(session=ctx.session, alert_id=alert_id, author=name, kind="reply",
                           text=body, delivered=False)
            ctx.out.append(Reply(tm.gettext(
                "Not sent: {name} has blocked the bot or cannot be reached."
            ).format(name=who)))
        else:
            tc = translator(customer.locale)
            store.add_note(session=ctx.session, alert_id=alert_id, author=name, kind="reply",
                           text=body)
            ctx.out.append(SendTo(customer.channel, customer.platform_user_id, customer.chat_id,
                                  tc.gettext("A message from our team about your feedback:")
                                  + "\n\n" + body, name=who))
            ctx.out.append(Reply(tm.gettext("Sent to {name}.").format(name=who)))
        if alert.status == "open":
            alert.status, alert.assignee, alert.claimed_at = "claimed", name, self.clock()
            ctx.session.add(alert)
        ctx.session.flush()
        ctx.out.append(self._alert_update(ctx.session, alert))
