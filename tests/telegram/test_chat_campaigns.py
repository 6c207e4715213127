"""A Telegram manager's ``/nps send …``: a preview with Send / Cancel, nothing sent before Send,
the sends at the campaign pace, and the word when they are over; refusals that change
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.campaign_tables import CampaignStatus
from bot.i18n import translator
from tests.chat_campaigns import EVERY_HOUR, campaign_named, drive, import_customers
from tests.telegram.conftest import running
from tests.telegram.harness import MANAGER_ID, Harness, TgUser

NPS_Q = "How likely are you to recommend us"
CSAT_Q = "How satisfied are you"


@pytest.fixture
async def tg(tg_settings: Callable[..., Any]) -> AsyncIterator[Harness]:
    async with running(tg_settings, send_window=EVERY_HOUR) as harness:
        yield harness


async def _audience(tg: Harness) -> None:
    """Two pro customers in Romania who can receive it, one on another plan, one who opted
    out, one with a survey in progress; all of them started the bot."""
    import_customers(tg.engine, [
        {"external_id": f"c{uid}", "telegram_id": str(uid), "plan": plan, "country": "RO"}
        for uid, plan in ((301, "pro"), (302, "pro"), (303, "basic"), (304, "pro"),
                          (305, "pro"))])
    for uid in (301, 302, 303):
        await tg.person(uid, f"P{uid}", "en").say("/help")
    await tg.person(304, "P304", "en").say("/stop")
    await tg.person(305, "P305", "en").say("/start")


def _asked(tg: Harness, uid: int, question: str = NPS_Q, *, since: int = 0) -> int:
    """How many times ``uid`` was asked ``question`` after their first ``since`` messages."""
    return sum(question in text for text in tg.api.texts_to(uid)[since:])


def _seen(tg: Harness, people: tuple[int, ...]) -> dict[int, int]:
    return {uid: len(tg.api.texts_to(uid)) for uid in people}


async def test_preview_send_and_the_word_when_it_is_over(tg: Harness) -> None:
    await _audience(tg)
    manager = tg.person(MANAGER_ID, "Maria", "en")
    (preview,) = await manager.say("/nps send plan=pro country=RO")
    assert preview.splitlines() == [
        "The survey will go to 2 people.",
        "2 people will be skipped:",
        "• 1 has a survey in progress",
        "• 1 opted out",
        "Nothing is sent until you press Send.",
    ]
    message, _ = manager.keyboard_message("Send")
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Send", "Cancel"]
    (campaign,) = campaign_named(tg.engine, "nps-")
    assert campaign.status == CampaignStatus.DRAFT and campaign.source == "chat"
    everyone = (301, 302, 303, 304, 305)
    before = _seen(tg, everyone)
    await drive(tg.engine, "telegram", tg.channel.dispatcher)
    assert _seen(tg, everyone) == before, "nothing before Send"

    # Somebody else's press changes nothing.
    stranger = tg.person(399, "Nosy", "en")
    await stranger.press("Send", message)
    assert stranger.toasts()[-1] == "Sorry, this is only for managers."
    assert campaign_named(tg.engine, "nps-")[0].status == CampaignStatus.DRAFT

    await manager.press("Send", message)
    edited = tg.api.chat_messages(MANAGER_ID)[-1]
    assert edited["text"].endswith("Sending the survey to 2 people, about 500 a second.")
    assert "Nothing is sent" not in edited["text"] and "reply_markup" not in edited
    await drive(tg.engine, "telegram", tg.channel.dispatcher)
    assert [_asked(tg, uid, since=before[uid]) for uid in everyone] == [1, 1, 0, 0, 0]
    assert tg.api.texts_to(MANAGER_ID)[-1] == (
        "Survey sent to 2 of 2; the others opted out or cannot be reached.")

    # A second press on the same preview: said so, nothing sent again.
    await manager.press("Send", message)
    assert manager.toasts()[-1] == "This survey was sent already."
    await drive(tg.engine, "telegram", tg.channel.dispatcher)
    assert [_asked(tg, uid, since=before[uid]) for uid in everyone] == [1, 1, 0, 0, 0]
    assert sum("Survey sent to" in t for t in tg.api.texts_to(MANAGER_ID)) == 1


async def test_cancel_and_old_previews(tg: Harness) -> None:
    await _audience(tg)
    manager = tg.person(MANAGER_ID, "Maria", "en")
    (preview,) = await manager.say("/csat send all")
    assert preview.startswith("The survey will go to 3 people.")
    first, _ = manager.keyboard_message("Cancel")
    await manager.press("Cancel", first)
    assert tg.api.chat_messages(MANAGER_ID)[-1]["text"] == "Cancelled: the survey was not sent."
    await manager.press("Send", first)
    assert manager.toasts()[-1] == "This survey was cancelled; nothing was sent."
    await drive(tg.engine, "telegram", tg.channel.dispatcher)
    assert not any(_asked(tg, uid, CSAT_Q) for uid in (301, 302, 303, 304, 305))
    assert campaign_named(tg.engine, "csat-")[0].status == CampaignStatus.CANCELLED

    await manager.say("/ces send all")
    old, _ = manager.keyboard_message("Send")
    real = tg.engine.clock
    tg.engine.clock = lambda: real() + timedelta(hours=2)
    await manager.press("Send", old)
    assert manager.toasts()[-1] == ("This preview is out of date; send the command again to "
                                    "see who would receive it now.")
    assert campaign_named(tg.engine, "ces-")[0].status == CampaignStatus.DRAFT


async def test_bad_sends_are_answered_and_change_nothing(tg: Harness) -> None:
    await _audience(tg)
    manager = tg.person(MANAGER_ID, "Maria", "en")
    assert await manager.say("/nps send plan~pro") == [
        "I did not understand “plan~pro”. Filters look like plan=pro country=RO, with =, "
        "!=, >, >=, < or <=; for example: /nps send plan=pro"]
    (nobody,) = await manager.say("/nps send country=FR")
    assert nobody.splitlines() == [
        "Nobody to send to: no customer matches.",
        "For example: /nps send all, or /nps send plan=pro country=RO"]
    (usage,) = await manager.say("/nps send")
    assert usage.startswith("To send the survey, say to whom: /nps send all")
    customer: TgUser = tg.person(301, "P301", "en")
    assert await customer.say("/nps send all") == ["Sorry, this command is only for managers."]
    # No draft waits but the one that matched nobody, cancelled at once.
    assert [c.status for c in campaign_named(tg.engine, "nps-")] == [CampaignStatus.CANCELLED]
    before = _seen(tg, (301, 302, 303))
    await drive(tg.engine, "telegram", tg.channel.dispatcher)
    assert _seen(tg, (301, 302, 303)) == before


async def test_a_romanian_manager_reads_the_preview_in_romanian(tg: Harness) -> None:
    await _audience(tg)
    manager = tg.person(MANAGER_ID, "Maria", "ro")
    await manager.say("/language ro")
    (preview,) = await manager.say("/nps send plan=pro")
    ro = translator("ro")
    assert preview.splitlines()[0] == "Chestionarul va fi trimis către 2 persoane."
    assert "• 1 persoană s-a dezabonat" in preview.splitlines()
    assert preview.splitlines()[-1] == ro.gettext("Nothing is sent until you press Send.")
    message, _ = manager.keyboard_message(ro.gettext("Send"))
    await manager.press(ro.gettext("Send"), message)
    edited = tg.api.chat_messages(MANAGER_ID)[-1]["text"]
    assert edited.endswith("Trimit chestionarul către 2 persoane, aproximativ 500 pe secundă.")
