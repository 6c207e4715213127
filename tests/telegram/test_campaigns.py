"""A small campaign through the real python-telegram-bot against the Bot API stand-in: the
feeder's first questions reach each customer, a pressed score marks the invitation answered,
a reminder continues the same survey and its earlier buttons still work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from bot.audience.customers import CustomerRecord, upsert_customer
from bot.campaign_tables import Invitation
from bot.campaigns.spec import CampaignSpec
from tests.helpers import wait_for
from tests.telegram.conftest import running
from tests.telegram.harness import Harness


def invitations(h: Harness) -> list[Invitation]:
    with Session(h.engine.db.read_engine) as session:
        return list(session.exec(select(Invitation).order_by(Invitation.id)))  # type: ignore[arg-type]


async def tick(h: Harness) -> None:
    """One feeder step, its messages handed to the channel's dispatcher."""
    ids = await asyncio.to_thread(h.engine.campaign_tick, "telegram", ahead=10)
    await h.channel.dispatcher.send_now(ids)


async def test_a_campaign_arrives_and_an_answer_counts(
        tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, send_window="00:00-24:00") as h:
        with Session(h.engine.db.engine) as session:
            for uid in (501, 502, 503):
                upsert_customer(session=session, record=CustomerRecord(
                    f"c{uid}", telegram_id=str(uid), language="ro" if uid == 503 else "en"),
                    now=h.engine.clock())
            session.commit()
        preview = await asyncio.to_thread(h.engine.create_campaign, CampaignSpec(
            "winter", "nps", channel="telegram", remind_after=timedelta(hours=1)))
        assert preview.recipients == 3
        await tick(h)
        await wait_for(lambda: all(i.status == "sent" for i in invitations(h)))
        for uid in (501, 502):
            (text,) = h.api.texts_to(uid)
            assert "recommend us" in text
        assert "recomanda" in h.api.texts_to(503)[0]  # in the customer's language

        ana, bob = h.person(501, "Ana", "en"), h.person(502, "Bob", "en")
        first_keyboard, _data = bob.keyboard_message("7")
        await ana.press("9")
        answered = {i.respondent_id: i.answered_at for i in invitations(h)}
        assert sum(1 for at in answered.values() if at is not None) == 1
        assert h.answers()[0].invitation_id == invitations(h)[0].id

        # An hour later Bob (and the Romanian customer) are reminded, Ana is not.
        later = h.engine.clock() + timedelta(hours=1, minutes=1)
        h.engine.clock = lambda: later
        await tick(h)
        await wait_for(lambda: len(h.api.texts_to(502)) == 2)
        assert "A reminder" in h.api.texts_to(502)[1]
        assert not any("A reminder" in text for text in h.api.texts_to(501))
        # The first message's button still works after the reminder.
        await bob.press("7", first_keyboard)
        stats = await asyncio.to_thread(h.engine.campaign_stats, "winter")
        assert (stats.sent, stats.answered, stats.reminders_sent) == (3, 2, 2)
        assert stats.response_rate == 2 / 3
