"""Telegram paid broadcasts: with TELEGRAM_PAID_BROADCAST, campaign messages carry
``allow_paid_broadcast`` and spend their own bucket; Telegram's refusal (not eligible, no Stars)
falls back to the bulk pace, for that message and every later one, in every process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.telegram.paid import STATE_KEY, PaidBroadcast, is_refusal
from bot.engine.outreach import Recipient
from bot.models import Lane, OutboxMessage, PacingBucket
from tests.helpers import settle
from tests.telegram.conftest import running
from tests.telegram.harness import MANAGER_ID, Harness
from tests.telegram.standin import NO_STARS, NOT_ELIGIBLE, TelegramLimits

NPS_Q = "How likely are you to recommend us"
PEOPLE = (301, 302, 303)


async def _wave(tg: Harness, people: tuple[int, ...] = PEOPLE) -> None:
    """Campaign-lane first questions to ``people`` (who started the bot before)."""
    for uid in people:
        await tg.person(uid, f"P{uid}", "en").say("/help")
    said = await tg.channel.call(
        tg.engine.start_wave, channel="telegram", manager_id=str(MANAGER_ID),
        people=[Recipient(str(uid), f"P{uid}", "en", str(uid)) for uid in people],
        notice="Sending", survey="nps", campaign="paid-test")
    assert len(said.ids) == len(people) + 1
    tg.channel.dispatcher.wake()
    await settle(tg.engine, channel="telegram")


def _questions(tg: Harness, uid: int) -> list[dict[str, Any]]:
    return [c.params for c in tg.api.sent("sendMessage", uid) if NPS_Q in c.params["text"]]


def _buckets(tg: Harness) -> set[str]:
    with Session(tg.engine.db.read_engine) as s:
        return {row.key for row in s.exec(select(PacingBucket))}


async def test_campaign_messages_go_paid_in_their_own_bucket(
        tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, telegram_paid_broadcast=True,
                       telegram_paid_broadcast_rate=800) as tg:
        tg.api.limits = TelegramLimits(private=None, group_per_minute=None, overall=30.0)
        await _wave(tg)
        for uid in PEOPLE:
            (question,) = _questions(tg, uid)
            assert question["allow_paid_broadcast"] is True
        # The manager's own word and the answers to /help are not campaign messages.
        assert not any(c.params.get("allow_paid_broadcast") for c in tg.api.sent("sendMessage")
                       if NPS_Q not in c.params["text"])
        assert tg.api.paid == len(PEOPLE)
        assert "tg:paid" in _buckets(tg) and "tg:bulk" not in _buckets(tg)
        assert tg.engine.state_get(STATE_KEY) is None


async def test_without_the_setting_nothing_is_paid(tg: Harness) -> None:
    await _wave(tg, PEOPLE[:1])
    (question,) = _questions(tg, PEOPLE[0])
    assert "allow_paid_broadcast" not in question
    assert "tg:bulk" in _buckets(tg) and "tg:paid" not in _buckets(tg)


@pytest.mark.parametrize("refusal", [NO_STARS, NOT_ELIGIBLE])
async def test_a_refusal_falls_back_to_the_bulk_pace_everywhere(
        tg_settings: Callable[..., Any], refusal: str) -> None:
    async with running(tg_settings, telegram_paid_broadcast=True) as tg:
        tg.api.paid_refusal = refusal
        await _wave(tg)
        # The first refusal, and those of the messages already in flight with it.
        refused = [c for c in tg.api.calls if c.status == 400]
        assert 1 <= len(refused) <= len(PEOPLE)
        assert all(c.params["allow_paid_broadcast"] is True for c in refused)
        for uid in PEOPLE:  # each received it once, the refused one too
            (question,) = _questions(tg, uid)
            assert "allow_paid_broadcast" not in question
        assert tg.api.paid == 0
        assert "tg:bulk" in _buckets(tg)
        remembered = tg.engine.state_get(STATE_KEY)
        assert remembered is not None and is_refusal(remembered)
        with Session(tg.engine.db.read_engine) as s:
            rows = list(s.exec(select(OutboxMessage).where(
                OutboxMessage.lane == Lane.CAMPAIGN)))
        assert {row.status for row in rows} == {"sent"}
        # Another process reads the refusal and sends its campaign messages unpaid.
        other = PaidBroadcast(True, state_get=tg.engine.state_get,
                              state_set=tg.engine.state_set)
        assert not other.active()
        assert [r.key for r in tg.channel.sender.rates(rows[0])][-1] == "tg:bulk"
        # Refusals are remembered for a day, then paid broadcasts are tried again.
        later = PaidBroadcast(True, state_get=tg.engine.state_get,
                              state_set=tg.engine.state_set,
                              clock=lambda: tg.engine.clock() + timedelta(days=1, minutes=1))
        assert later.active()

