"""The promoter ask through the real python-telegram-bot and the Bot API stand-in, on SQLite
and PostgreSQL: a promoter gets the ask in their language (en, ro, zh) after their comment,
takes it and gets a ``t.me`` start link, the web link and a review URL button; a second
Telegram user opening ``/start r-<token>`` is attributed to them; a decline, the cooldown and
the consent to be named."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot import deeplinks
from bot.advocacy_tables import AdvocacyLink, AskStatus, LinkKind, PromoterAsk, Referral
from bot.audience.customers import CustomerRecord, upsert_customer
from bot.i18n import translator
from bot.models import utcnow
from tests.advocacy.surveys import PUBLIC_URL, REVIEW_URL, survey_file
from tests.helpers import assert_language
from tests.telegram.conftest import running
from tests.telegram.harness import Harness, TgUser
from tests.telegram.shapes import BOT_USERNAME

START_LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=r-([A-Za-z0-9_-]{{32}})")
OFFER = ("Since you would recommend us: may we give you a personal link to share with friends, "
         "and a link to leave us a review?")


@pytest.fixture
def settings_for(tg_settings: Callable[..., Any], tmp_path: Path) -> Callable[..., Any]:
    def make(api: Any, **overrides: Any) -> Any:
        return tg_settings(api, survey_file=str(survey_file(tmp_path)), public_url=PUBLIC_URL,
                           **overrides)
    return make


async def promote(user: TgUser) -> list[str]:
    """Start the default survey, give 10 and a comment: what the chat got after the comment."""
    await user.say("/start")
    await user.press("10")
    return await user.say("Fast delivery and kind people")


def asks(tg: Harness) -> list[PromoterAsk]:
    with Session(tg.engine.db.read_engine) as s:
        return list(s.exec(select(PromoterAsk).order_by(col(PromoterAsk.id))))


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


@pytest.mark.parametrize("lang,tag", [("en", "en"), ("ro", "ro"), ("zh", "zh-hans")])
async def test_a_promoter_is_asked_in_their_language_and_gets_their_links(
        settings_for: Callable[..., Any], lang: str, tag: str) -> None:
    async with running(settings_for) as tg:
        t = translator(lang)
        with Session(tg.engine.db.engine) as s:
            upsert_customer(session=s, record=CustomerRecord(
                "c-77", telegram_id="701", name="Ana Pop"), now=utcnow())
            s.commit()
        ana = tg.person(701, "Ana", tag)
        got = await promote(ana)
        # The CSAT question first: the ask comes when the survey is over, not before.
        assert not asks(tg)
        got = await ana.press("5")
        offer = t.gettext("Thank you for your answers! They help us improve.") + "\n\n" + \
            t.gettext(OFFER)
        assert got[-1] == offer
        assert_language(got[-1:], lang)
        message, _ = ana.keyboard_message(t.gettext("Yes, gladly"))
        assert [b["text"] for b in buttons_of(message)] == [t.gettext("Yes, gladly"),
                                                             t.gettext("No, thanks")]
        [ask] = asks(tg)
        assert (ask.status, ask.channel, ask.locale, ask.consent_asked) == (
            AskStatus.ASKED, "telegram", lang, True)

        got = await ana.press(t.gettext("Yes, gladly"))
        assert got[0] == t.gettext("Thank you for your answers! They help us improve.") + \
            "\n\n" + t.gettext("Thank you for recommending us!")
        links_text, consent = got[1], got[2]
        assert_language([links_text, consent], lang)
        assert links_text.startswith(t.gettext("Your personal link to share with friends:"))
        match = START_LINK.search(links_text)
        assert match, links_text
        token = match.group(1)
        assert f"{PUBLIC_URL}/r/{token}" in links_text  # the same token on the web
        assert t.gettext("Or send them our page:") in links_text
        review = next(m for m in tg.api.chat_messages(701)
                      if any("url" in b for b in buttons_of(m)))
        [button] = buttons_of(review)
        assert button["text"] == t.gettext("Leave a review")
        review_token = button["url"].removeprefix(f"{PUBLIC_URL}/r/")
        assert deeplinks.digest(review_token) != deeplinks.digest(token)
        assert consent == t.gettext("When we thank the people who recommend us, may we "
                                    "mention your name?")
        with Session(tg.engine.db.read_engine) as s:
            stored = {link.kind: link for link in s.exec(select(AdvocacyLink))}
        assert stored[LinkKind.REFERRAL].digest == deeplinks.digest(token)
        assert stored[LinkKind.REFERRAL].target == "https://shop.example.com/invite?ref=c-77"
        assert stored[LinkKind.REVIEW].digest == deeplinks.digest(review_token)
        assert stored[LinkKind.REVIEW].target == REVIEW_URL
        assert asks(tg)[0].status == AskStatus.ACCEPTED

        got = await ana.press(t.gettext("Yes, you may"))
        assert got == [t.gettext("Thank you: we may mention your name.")]
        assert asks(tg)[0].named is True


async def test_a_second_user_opening_the_referral_link_is_attributed(
        settings_for: Callable[..., Any]) -> None:
    async with running(settings_for) as tg:
        ana = tg.person(801, "Ana", "en")
        await promote(ana)
        await ana.press("5")
        got = await ana.press("Yes, gladly")
        match = START_LINK.search(got[1])
        assert match
        payload = "r-" + match.group(1)
        assert len(payload) <= deeplinks.MAX_LENGTH

        await ana.say(f"/start {payload}")  # the promoter's own link: no referral, no click
        bob = tg.person(802, "Bob", "ro")
        got = await bob.say(f"/start {payload}")
        t = translator("ro")
        assert got[0].startswith(t.gettext(
            "Hello! A friend recommended us to you. We would value your opinion; it takes a "
            "minute."))
        assert_language(got, "ro")
        with Session(tg.engine.db.read_engine) as s:
            [referral] = s.exec(select(Referral)).all()
            link = s.exec(select(AdvocacyLink).where(
                AdvocacyLink.kind == LinkKind.REFERRAL)).one()
        promoter, friend = tg.respondent(801), tg.respondent(802)
        assert promoter is not None and friend is not None
        assert (referral.referrer_id, referral.referred_id, referral.source,
                referral.channel) == (promoter.customer_id, friend.customer_id, "link",
                                      "telegram")
        assert link.clicks == 1

        # Bob answers; opening the link again, he is no new referral (a click, though).
        await bob.press("9")
        await bob.say("Prietenoși")
        await bob.say(f"/start {payload}")
        # Carol has used the bot before: known, not referred.
        carol = tg.person(803, "Carol", "en")
        await carol.say("/help")
        await carol.say(f"/start {payload}")
        with Session(tg.engine.db.read_engine) as s:
            assert len(s.exec(select(Referral)).all()) == 1
            link = s.exec(select(AdvocacyLink).where(
                AdvocacyLink.kind == LinkKind.REFERRAL)).one()
        assert link.clicks == 3


async def test_a_decline_and_nobody_asked_twice_within_the_cooldown(
        settings_for: Callable[..., Any]) -> None:
    async with running(settings_for, survey_cooldown_days=30) as tg:
        ana = tg.person(901, "Ana", "en")
        await promote(ana)
        await ana.press("5")
        got = await ana.press("No, thanks")
        assert got == ["Thank you for your answers! They help us improve.\n\nNo problem. "
                       "Thank you all the same!"]
        assert [a.status for a in asks(tg)] == [AskStatus.DECLINED]
        asked = tg.api.last_message(901, lambda m: "No problem" in m.get("text", ""))
        assert not buttons_of(asked)  # the ask's keyboard is gone

        await promote(ana)
        got = await ana.press("5")
        assert got[-1] == "Thank you for your answers! They help us improve."
        assert len(asks(tg)) == 1

        later = utcnow() + timedelta(days=31)
        tg.engine.clock = lambda: later
        await promote(ana)
        got = await ana.press("5")
        assert got[-1].endswith(OFFER)
        assert len(asks(tg)) == 2


async def test_the_consent_to_be_named_can_be_refused_once(
        settings_for: Callable[..., Any]) -> None:
    async with running(settings_for) as tg:
        ana = tg.person(951, "Ana", "zh-hans")
        t = translator("zh")
        await promote(ana)
        await ana.press("5")
        await ana.press(t.gettext("Yes, gladly"))
        message, _ = ana.keyboard_message(t.gettext("No, keep me anonymous"))
        got = await ana.press(t.gettext("No, keep me anonymous"), message)
        assert got == [t.gettext("Thank you: we will not mention your name.")]
        await ana.press(t.gettext("Yes, you may"), message)  # the same keyboard again
        assert ana.toasts()[-1] == t.gettext("You have answered this already.")
        assert asks(tg)[0].named is False
