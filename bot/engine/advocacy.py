"""The promoter ask and referral starts, in the event's transaction (``docs/advocacy.md``).

* **The ask.** When a survey run ends and one of its questions carries ``promoter_ask`` and
  was answered 9-10, the thanks carry the offer (Yes, gladly / No, thanks), unless the customer
  was asked within SURVEY_COOLDOWN_DAYS (on any channel) or the channel can give nothing (no
  Telegram start link and no PUBLIC_URL).  Yes gives the links: a Telegram start link
  ``r-<token>`` where the channel has start links, the web link ``<PUBLIC_URL>/r/<token>`` to
  the survey's ``referral_url``, a review button through ``/r/<token>`` to its
  ``review_url``; then, when the survey says ``consent_to_name``, whether they may be named.
* **A referral start.** ``/start r-<token>`` by someone new (their first event, no survey
  before, not a person who deleted their data, not a manager) attributes them to the promoter;
  anyone else opening it is a click, logged, not a referral.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, select

from bot import buttons, deeplinks, privacy
from bot.advocacy import asks, links
from bot.advocacy.referrals import Attributed, attribute
from bot.advocacy_tables import AskStatus, LinkKind, PromoterAsk, ReferralSource
from bot.buttons import Advocacy as Pressed
from bot.buttons import AdvocacyAction
from bot.campaign_tables import Customer
from bot.campaigns.rules import Cooldown
from bot.engine.turn import EngineConfig, Turn
from bot.i18n import Translator
from bot.messages import Choice, EditPressed, Notice, Reply
from bot.models import Answer, SurveyRun
from bot.style import ChannelStyle
from bot.surveys import PromoterAsk as AskSpec
from bot.surveys import Survey

log = logging.getLogger(__name__)

THANKS = "Thank you for your answers! They help us improve."
"""The end of every survey (:mod:`bot.engine.conversation`); the ask follows it."""


@dataclass(frozen=True, slots=True)
class Offer:
    """What a promoter can be given on their channel."""

    start_link: bool  # a Telegram start link r-<token>
    referral_page: bool  # <PUBLIC_URL>/r/<token> to the referral_url
    review: bool  # a review button through <PUBLIC_URL>/r/<token>

    @property
    def referral(self) -> bool:
        return self.start_link or self.referral_page

    @property
    def anything(self) -> bool:
        return self.referral or self.review


def offer_for(spec: AskSpec, style: ChannelStyle, public_url: str) -> Offer:
    return Offer(spec.referral and style.start_link != "",
                 spec.referral and spec.referral_url is not None and public_url != "",
                 spec.review_url is not None and public_url != "")


def _ask_id(ask: PromoterAsk) -> int:
    assert ask.id is not None
    return ask.id


class Advocacy:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    # ------------------------------------------------------------------ the ask

    def after_run(self, turn: Turn, run: SurveyRun, survey: Survey) -> bool:
        """The run just ended: thank and make the offer when it earns one; False (nothing
        said) otherwise."""
        assert run.id is not None
        found = asks.promoter_answer(session=turn.session, run_id=run.id, survey=survey)
        if found is None or found[0].promoter_ask is None:
            return False
        _question, answer = found
        spec = found[0].promoter_ask
        offer = offer_for(spec, turn.style, self.config.public_url)
        customer_id = turn.person.customer_id
        if not offer.anything or customer_id is None:
            log.info("promoter on %s: nothing to offer there (no start link, no PUBLIC_URL)",
                     turn.channel)
            return False
        now = self.config.clock()
        since = Cooldown(self.config.campaign_rules.cooldown_days).since(now)
        if asks.asked_since(session=turn.session, customer_id=customer_id, since=since):
            log.info("promoter customer %s was asked within the cooldown: no ask", customer_id)
            return False
        ask = PromoterAsk(customer_id=customer_id, respondent_id=turn.person_id,
                          answer_id=answer.id, survey=survey.name, channel=turn.channel,
                          locale=turn.t.lang, consent_asked=spec.consent_to_name,
                          is_test=turn.is_manager, created_at=now)
        turn.session.add(ask)
        turn.session.flush()
        t = turn.t
        turn.say(Reply(t.gettext(THANKS) + "\n\n" + offer_text(offer, t), (
            Choice(t.gettext("Yes, gladly"), buttons.encode(Pressed(
                _ask_id(ask), AdvocacyAction.ACCEPT))),
            Choice(t.gettext("No, thanks"), buttons.encode(Pressed(
                _ask_id(ask), AdvocacyAction.DECLINE)))), 2))
        return True

    def on_button(self, turn: Turn, pressed: Pressed) -> None:
        t = turn.t
        ask = asks.lock_ask(session=turn.session, ask_id=pressed.ask_id)
        if ask is None:
            turn.say(Notice(t.gettext("These buttons are no longer active.")))
            return
        if ask.respondent_id != turn.person_id:
            turn.say(Notice(t.gettext("These buttons are not yours.")))
            return
        if pressed.action in (AdvocacyAction.NAME, AdvocacyAction.ANONYMOUS):
            self._consent(turn, ask, pressed.action is AdvocacyAction.NAME)
            return
        if ask.status != AskStatus.ASKED:
            turn.say(Notice(t.gettext("You have answered this already.")))
            return
        ask.answered_at = self.config.clock()
        if pressed.action is AdvocacyAction.DECLINE:
            ask.status = AskStatus.DECLINED
            turn.session.add(ask)
            turn.say(EditPressed(t.gettext(THANKS) + "\n\n" + t.gettext(
                "No problem. Thank you all the same!")))
            return
        ask.status = AskStatus.ACCEPTED
        turn.session.add(ask)
        turn.say(EditPressed(t.gettext(THANKS) + "\n\n" + t.gettext(
            "Thank you for recommending us!")))
        self._give_links(turn, ask)
        if ask.consent_asked:
            turn.say(Reply(t.gettext("When we thank the people who recommend us, may we "
                                     "mention your name?"), (
                Choice(t.gettext("Yes, you may"), buttons.encode(Pressed(
                    _ask_id(ask), AdvocacyAction.NAME))),
                Choice(t.gettext("No, keep me anonymous"), buttons.encode(Pressed(
                    _ask_id(ask), AdvocacyAction.ANONYMOUS)))), 2))

    def _spec(self, session: Session, ask: PromoterAsk) -> AskSpec | None:
        """The ask's promoter_ask as the survey file says it now."""
        survey = self.config.surveys.get(ask.survey)
        if survey is None:
            return None
        answer = session.get(Answer, ask.answer_id) if ask.answer_id else None
        specs = [q.promoter_ask for q in survey.questions if q.promoter_ask is not None
                 and (answer is None or q.key == answer.question_key)]
        return specs[0] if specs else None

    def _give_links(self, turn: Turn, ask: PromoterAsk) -> None:
        spec = self._spec(turn.session, ask)
        if spec is None:
            log.warning("promoter ask %s: its survey %r has no promoter_ask now", ask.id,
                        ask.survey)
            return
        offer = offer_for(spec, turn.style, self.config.public_url)
        customer = turn.session.get(Customer, ask.customer_id)
        external_id = customer.external_id if customer is not None else None
        now, t, base = self.config.clock(), turn.t, self.config.public_url
        lines: list[str] = []
        if offer.referral:
            target = (AskSpec.fill(spec.referral_url, external_id)
                      if offer.referral_page and spec.referral_url else None)
            token = links.new_link(session=turn.session, ask_id=_ask_id(ask),
                                   kind=LinkKind.REFERRAL, target=target, now=now)
            start = turn.style.link_to_start(deeplinks.REFERRAL + token)
            first = start or f"{base}/r/{token}"
            lines.append(t.gettext("Your personal link to share with friends:") + "\n" + first)
            if start and target:
                lines.append(t.gettext("Or send them our page:") + "\n" + f"{base}/r/{token}")
        choices: tuple[Choice, ...] = ()
        if offer.review and spec.review_url:
            token = links.new_link(session=turn.session, ask_id=_ask_id(ask),
                                   kind=LinkKind.REVIEW,
                                   target=AskSpec.fill(spec.review_url, external_id), now=now)
            lines.append(t.gettext("A review helps us a lot."))
            choices = (Choice(t.gettext("Leave a review"), "", url=f"{base}/r/{token}"),)
        if lines:
            turn.say(Reply("\n\n".join(lines), choices, 1))

    def _consent(self, turn: Turn, ask: PromoterAsk, named: bool) -> None:
        t = turn.t
        if not ask.consent_asked:
            turn.say(Notice(t.gettext("These buttons are no longer active.")))
            return
        if ask.named is not None:
            turn.say(Notice(t.gettext("You have answered this already.")))
            return
        ask.named = named
        turn.session.add(ask)
        turn.say(EditPressed(t.gettext("Thank you: we may mention your name.") if named
                             else t.gettext("Thank you: we will not mention your name.")))

    # ------------------------------------------------------------------ referral starts

    def on_referral_start(self, turn: Turn, code: str) -> bool:
        """``/start r-<code>``: True when it attributed a new person to a promoter.  Called
        before the start clears a deleted person's erasure marker."""
        session, person = turn.session, turn.person
        found = links.find(session=session, token=code, kind=LinkKind.REFERRAL)
        if found is None:
            log.warning("unknown referral link opened on %s: starting the default survey",
                        turn.channel)
            return False
        promoter = found.ask.customer_id
        if person.customer_id == promoter:
            log.info("promoter customer %s opened their own referral link: not counted",
                     promoter)
            return False
        links.count_click(session=session, link=found.link, now=self.config.clock())
        if not self._is_new(turn):
            log.info("referral link of customer %s opened by a known %s account: not a new "
                     "referral", promoter, turn.channel)
            return False
        assert person.customer_id is not None
        done = attribute(session=session, referrer_id=promoter, referred_id=person.customer_id,
                         ask_id=found.ask.id, source=ReferralSource.LINK, channel=turn.channel,
                         now=self.config.clock())
        if done is not Attributed.NEW:
            log.info("referral link of customer %s: the person was attributed before (%s)",
                     promoter, done)
            return False
        log.info("referral: a new %s account attributed to customer %s", turn.channel, promoter)
        return True

    def _is_new(self, turn: Turn) -> bool:
        """Someone we did not know: their customer was made by this event, they never had a
        survey, they did not delete their data before, and they are not a manager."""
        person = turn.person
        if not turn.new_customer or turn.is_manager:
            return False
        if privacy.is_erased(session=turn.session, channel=person.channel,
                             user_id=person.platform_user_id):
            return False
        return turn.session.exec(select(SurveyRun.id).where(
            SurveyRun.respondent_id == turn.person_id).limit(1)).first() is None


def offer_text(offer: Offer, t: Translator) -> str:
    if offer.referral and offer.review:
        return t.gettext("Since you would recommend us: may we give you a personal link to "
                         "share with friends, and a link to leave us a review?")
    if offer.referral:
        return t.gettext("Since you would recommend us: may we give you a personal link to "
                         "share with friends?")
    return t.gettext("Since you would recommend us: would you leave us a short review?")
