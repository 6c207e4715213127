"""``POST /api/v1/surveys`` into the campaign engine, over real HTTP on 127.0.0.1, on SQLite and
PostgreSQL: the same idempotency key twice (and ten times at once) is one invitation with one
id; a delayed request is sent when it is due, through the real python-telegram-bot against the
Bot API stand-in, and answered; a database outage is a 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.campaign_tables import Invitation, InvitationStatus
from bot.models import utcnow
from tests.helpers import wait_for
from tests.telegram.conftest import running
from tests.telegram.harness import Harness
from tests.test_api import TOKEN, Site, serve

TICKET = {"customer": {"external_id": "C-9", "telegram_id": 5001, "name": "Ioana",
                       "attributes": {"plan": "pro"}},
          "survey": "csat", "campaign": "ticket-closed", "delay": "2h",
          "idempotency_key": "ticket-4711"}


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> Any:
        return self.now


@pytest.fixture
async def api(tg_settings: Callable[..., Any]) -> AsyncIterator[tuple[Harness, Site, Clock]]:
    clock = Clock()
    async with running(tg_settings, api_token=TOKEN, send_window="00:00-24:00") as harness:
        harness.engine.clock = clock
        async for site in serve(harness.engine, harness.settings):
            yield harness, site, clock


def _invitations(harness: Harness) -> list[Invitation]:
    with Session(harness.engine.db.read_engine) as session:
        return list(session.exec(select(Invitation).order_by(col(Invitation.id))))


async def test_the_same_key_twice_is_one_invitation(
        api: tuple[Harness, Site, Clock]) -> None:
    harness, site, _clock = api
    status, first, headers = await site.post(TICKET)
    assert status == 202 and first["status"] == "queued" and first["reason"] is None, first
    assert "Idempotent-Replayed" not in headers
    status, again, headers = await site.post(TICKET)
    assert status == 202 and again == first
    assert headers["Idempotent-Replayed"] == "true"
    changed = {**TICKET, "survey": "nps", "delay": 0}  # the key alone decides
    assert (await site.post(changed))[1] == first
    found = _invitations(harness)
    assert [(i.id, i.idempotency_key) for i in found] == [(first["id"], "ticket-4711")]


async def test_ten_requests_with_one_key_at_once_are_one(
        api: tuple[Harness, Site, Clock]) -> None:
    harness, site, _clock = api
    answers = await asyncio.gather(*(site.post(TICKET) for _ in range(10)))
    assert {status for status, _body, _headers in answers} == {202}
    assert len({body["id"] for _status, body, _headers in answers}) == 1
    assert len(_invitations(harness)) == 1


async def test_a_delayed_request_is_sent_when_due_and_answered(
        api: tuple[Harness, Site, Clock]) -> None:
    harness, site, clock = api
    engine, tg = harness.engine, harness.api
    status, body, _ = await site.post(TICKET)
    assert status == 202 and body["status"] == "queued"
    assert await asyncio.to_thread(engine.campaign_tick, "telegram", ahead=10) == []
    assert tg.texts_to(5001) == []
    clock.now += timedelta(hours=2, minutes=1)
    ids = await asyncio.to_thread(engine.campaign_tick, "telegram", ahead=10)
    assert len(ids) == 1
    await harness.channel.dispatcher.send_now(ids)
    await wait_for(lambda: bool(tg.texts_to(5001)), timeout=10)
    assert "satisfied" in tg.texts_to(5001)[0]
    ioana = harness.person(5001, "Ioana", "en")
    await ioana.press("5")
    await wait_for(lambda: bool(harness.answers()), timeout=10)
    answer = harness.answers()[0]
    assert (answer.score, answer.metric, answer.campaign) == (5, "csat", "ticket-closed")
    assert answer.invitation_id == body["id"]
    # The same key later: the first answer, and nothing sent again.
    assert (await site.post(TICKET))[1] == body
    assert await asyncio.to_thread(engine.campaign_tick, "telegram", ahead=10) == []
    invitation = _invitations(harness)[0]
    assert invitation.status == InvitationStatus.SENT and invitation.answered_at is not None
    asked = [c for c in tg.sent("sendMessage", chat_id=5001)
             if "satisfied" in str(c.params.get("text", ""))]
    assert len(asked) == 1


async def test_a_customer_nobody_can_reach_is_skipped_with_the_reason(
        api: tuple[Harness, Site, Clock]) -> None:
    harness, site, _clock = api
    status, body, _ = await site.post({"customer": {"external_id": "C-10"}, "survey": "nps",
                                       "channel": "telegram"})
    assert status == 202 and body["status"] == "skipped" and body["reason"] == "no_account"
    assert await asyncio.to_thread(harness.engine.campaign_tick, "telegram", ahead=10) == []

