"""The survey conversation: start, ask, take a score (pressed or typed), the follow-up comment,
the next question, thanks.  The state is ``survey_runs.step`` (``docs/conversation.md``): ``2·i``
waits for the score of question ``i``, ``2·i+1`` for its follow-up comment."""

from __future__ import annotations

import logging

from bot import deeplinks, privacy, store, webhooks
from bot.answers import parse_score
from bot.audience import links
from bot.buttons import Score, Skip
from bot.campaigns.outcome import answered
from bot.engine.advocacy import Advocacy
from bot.engine.alerts import Alerts
from bot.engine.turn import EngineConfig, Turn
from bot.messages import EditPressed, Notice, Reply
from bot.models import Answer, RunStatus, SurveyRun
from bot.prompts import columns_for, question_text, score_choices, skip_choice
from bot.surveys import Question, Survey

log = logging.getLogger(__name__)


def _id(row: SurveyRun | Answer) -> int:
    assert row.id is not None
    return row.id


class Conversation:
    def __init__(self, config: EngineConfig, alerts: Alerts, advocacy: Advocacy) -> None:
        self.config = config
        self.alerts = alerts
        self.advocacy = advocacy

    # ------------------------------------------------------------------ starting

    def start(self, turn: Turn, payload: str) -> None:
        """``/start [payload]``: the person opts in (again) and a survey begins or resumes."""
        t, person = turn.t, turn.person
        welcome_back = person.opted_out
        decoded = deeplinks.decode(payload)
        referred = (decoded is not None and decoded.referral is not None
                    and self.advocacy.on_referral_start(turn, decoded.referral))
        person.opted_out = False
        turn.session.add(person)
        privacy.clear_erasure(session=turn.session, channel=turn.channel,
                              user_id=person.platform_user_id)
        survey, campaign = self.resolve_payload(payload, turn)
        current = store.active_run(session=turn.session, respondent_id=turn.person_id)
        if current is not None and not payload:
            self.reask(turn, current, t.gettext("Let us continue where we left off."))
            return
        run = store.start_run(session=turn.session, respondent_id=turn.person_id,
                              survey=survey.name, campaign=campaign, now=self.config.clock())
        intro = (t.gettext("Welcome back! You will receive surveys again.") if welcome_back
                 else t.gettext("Hello! A friend recommended us to you. We would value your "
                                "opinion; it takes a minute.") if referred
                 else t.gettext("Hello! We would value your opinion; it takes a minute."))
        self.ask(turn, run, survey.questions[0], intro)

    def resolve_payload(self, payload: str, turn: Turn) -> tuple[Survey, str | None]:
        """A shared deep-link payload names a survey, a campaign, or ``<survey>__<campaign>``;
        a personal one (``p-<token>``) binds the person to its customer (:mod:`bot.deeplinks`,
        :mod:`bot.audience.links`)."""
        surveys = self.config.surveys
        decoded = deeplinks.decode(payload)
        if decoded is None:
            shown = (payload[:2] + "…" if payload.startswith(deeplinks.RESERVED)
                     else payload[:80])
            log.warning("malformed start payload %r: starting the default survey", shown)
            return surveys.default, None
        if decoded.token is not None:
            start = links.open_link(session=turn.session, person=turn.person,
                                    token=decoded.token, now=self.config.clock())
            return surveys.get(start.survey) or surveys.default, start.campaign
        if decoded.name is None:
            return surveys.default, None
        survey = surveys.get(decoded.name)
        if survey is not None:
            return survey, decoded.campaign
        return surveys.default, payload

    # ------------------------------------------------------------------ asking

    def position(self, run: SurveyRun) -> tuple[Survey, Question, bool]:
        """The run's survey, its current question, and whether it waits for a comment."""
        surveys = self.config.surveys
        survey = surveys.get(run.survey) or surveys.default
        index = min(run.step // 2, len(survey.questions) - 1)
        return survey, survey.questions[index], run.step % 2 == 1

    def ask(self, turn: Turn, run: SurveyRun, question: Question, prefix: str = "") -> None:
        text = question_text(question, turn.t, turn.style)
        turn.say(Reply((prefix + "\n\n" if prefix else "") + text,
                       score_choices(question, _id(run), run.step), columns_for(question)))

    def reask(self, turn: Turn, run: SurveyRun, prefix: str = "") -> None:
        """Ask again what the run waits for (after a language change, or a resumed survey)."""
        run.updated_at = self.config.clock()  # asked last: a typed yes is not "solved?"'s
        turn.session.add(run)
        _survey, question, awaiting_comment = self.position(run)
        if awaiting_comment:
            answer = (turn.session.get(Answer, run.last_answer_id) if run.last_answer_id
                      else None)
            follow = question.follow_up.get(answer.bucket) if answer else None
            if follow is not None:
                text = (prefix + "\n\n" if prefix else "") + follow.render(turn.t)
                turn.say(Reply(text, (skip_choice(_id(run), run.step, turn.t),), 1,
                               expects_text=True))
                return
        self.ask(turn, run, question, prefix)

    # ------------------------------------------------------------------ answering

    def on_text(self, turn: Turn, text: str) -> None:
        """Free text: a typed score, a comment, or a nudge when nothing is open."""
        t = turn.t
        run = store.active_run(session=turn.session, respondent_id=turn.person_id)
        if run is None:
            if turn.person.opted_out:
                turn.say(Reply(t.gettext(
                    "You have opted out of surveys. Send {start} to take part again."
                ).format(start=turn.cmd("start"))))
            else:
                turn.say(Reply(t.gettext(
                    "There is no survey open right now. Send {start} to begin one, or {help} "
                    "to see what I can do."
                ).format(start=turn.cmd("start"), help=turn.cmd("help"))))
            return
        survey, question, awaiting_comment = self.position(run)
        if awaiting_comment:
            self._comment(turn, run, survey, text)
            return
        low, high = question.scale
        parsed = parse_score(text, low, high)
        if parsed.problem == "ok" and parsed.value is not None:
            self._accept_score(turn, run, survey, question, parsed.value, pressed=False)
            return
        if parsed.problem == "out_of_range":
            msg = t.gettext("{value} is outside the scale. Please answer with a number from "
                            "{low} to {high}.").format(value=parsed.value, low=low, high=high)
        else:
            msg = t.gettext("I did not understand that. Please answer with a number from "
                            "{low} to {high}.").format(low=low, high=high)
        turn.say(Reply(msg, score_choices(question, _id(run), run.step), columns_for(question)))

    def _current(self, turn: Turn, run_id: int, step: int) -> SurveyRun | None:
        """The run a pressed button belongs to, if it is this person's and still waits for that
        step; a notice otherwise."""
        run = turn.session.get(SurveyRun, run_id)
        if run is None or run.respondent_id != turn.person.id:
            turn.say(Notice(turn.t.gettext("These buttons are not yours.")))
            return None
        if run.status == RunStatus.EXPIRED:
            turn.say(Notice(turn.t.gettext("This survey has closed. Thank you all the same.")))
            return None
        if run.status != RunStatus.ACTIVE or run.step != step:
            turn.say(Notice(turn.t.gettext("This question has already been answered.")))
            return None
        return run

    def on_score_button(self, turn: Turn, button: Score) -> None:
        run = self._current(turn, button.run_id, button.step)
        if run is None:
            return
        survey, question, awaiting_comment = self.position(run)
        low, high = question.scale
        if awaiting_comment or not low <= button.score <= high:
            turn.say(Notice(turn.t.gettext("These buttons are no longer active.")))
            return
        self._accept_score(turn, run, survey, question, button.score, pressed=True)

    def on_skip(self, turn: Turn, button: Skip) -> None:
        run = self._current(turn, button.run_id, button.step)
        if run is None:
            return
        survey, _question, awaiting_comment = self.position(run)
        if not awaiting_comment:
            turn.say(Notice(turn.t.gettext("This question has already been answered.")))
            return
        turn.say(EditPressed(turn.t.gettext("Skipped.")))
        self._advance(turn, run, survey)

    def _accept_score(self, turn: Turn, run: SurveyRun, survey: Survey, question: Question,
                      score: int, *, pressed: bool) -> None:
        low, high = question.scale
        bucket = question.spec.bucket(score)
        now = self.config.clock()
        answer = store.add_answer(session=turn.session, answer=Answer(
            respondent_id=turn.person_id, survey_run_id=_id(run), survey=run.survey,
            campaign=run.campaign, question_key=question.key, metric=question.metric,
            score=score, scale_min=low, scale_max=high, bucket=bucket,
            locale=turn.person.locale, channel=turn.channel, event_id=turn.inbound.event_id,
            created_at=now, is_test=turn.is_manager, invitation_id=run.invitation_id,
        ), zone=self.config.report_zone)
        if run.invitation_id is not None:
            answered(turn.session, run.invitation_id, now)
        webhooks.answer_created(self.config, turn.session, answer)
        if pressed:
            turn.say(EditPressed(question.text.render(turn.t) + "\n" + turn.t.gettext(
                "Your answer: {score}").format(score=score)))
        if bucket in question.alert_on:
            self.alerts.raise_for(turn, answer)
        follow_up = question.follow_up.get(bucket)
        run.last_answer_id = answer.id
        run.updated_at = now
        if follow_up is not None:
            run.step = run.step - run.step % 2 + 1
            turn.session.add(run)
            turn.say(Reply(follow_up.render(turn.t), (skip_choice(_id(run), run.step, turn.t),),
                           1, expects_text=True))
            return
        self._advance(turn, run, survey)

    def _comment(self, turn: Turn, run: SurveyRun, survey: Survey, text: str) -> None:
        t = turn.t
        if not text:
            turn.say(Reply(t.gettext("Please write a few words, or press Skip."),
                           expects_text=True))
            return
        limit = self.config.comment_max_length
        answer = turn.session.get(Answer, run.last_answer_id) if run.last_answer_id else None
        if answer is not None:
            answer.comment = text[:limit]
            answer.commented_at = self.config.clock()
            turn.session.add(answer)
            webhooks.comment_created(self.config, turn.session, answer)
            self.alerts.comment_added(turn, answer)
        if len(text) > limit:
            turn.say(Reply(t.ngettext(
                "Your comment was long, so we kept its first {count} character.",
                "Your comment was long, so we kept its first {count} characters.", limit,
            ).format(count=t.number(limit))))
        self._advance(turn, run, survey)

    def _advance(self, turn: Turn, run: SurveyRun, survey: Survey) -> None:
        next_index = run.step // 2 + 1
        now = self.config.clock()
        run.updated_at = now
        if next_index < len(survey.questions):
            run.step = next_index * 2
            turn.session.add(run)
            self.ask(turn, run, survey.questions[next_index])
            return
        run.status = RunStatus.COMPLETED
        run.completed_at = now
        turn.session.add(run)
        if not self.advocacy.after_run(turn, run, survey):  # else the thanks carry the ask
            turn.say(Reply(turn.t.gettext("Thank you for your answers! They help us improve.")))
