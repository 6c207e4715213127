"""Telegram under a storm: 429s and 5xx bursts on sends, edits and alert posts while customers
answer and a manager claims alerts; a customer who blocked the bot; the bot removed from the
managers' group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from bot.models import AlertNote
from tests.helpers import settle
from tests.telegram.conftest import running
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness
from tests.telegram.standin import ANY_SEND, GROUP, PRIVATE, TelegramLimits

NPS_Q = "How likely are you to recommend us to a friend or colleague?"
CSAT_Q = "How satisfied are you with the service you received?"
THANKS = "Thank you for your answers! They help us improve."
PACED = {"telegram_chat_rate": 10, "telegram_chat_burst": 3, "telegram_group_rate": 300,
         "telegram_group_burst": 3, "telegram_bulk_rate": 300}
"""The bot's pacing, at or below the stand-in's ``TelegramLimits.raised(20)`` (20 a second per
private chat, 400 a minute per group, 600 a second overall)."""


async def wave(h: Harness, updates: list[dict[str, Any]], timeout: float = 120) -> None:
    """Hand the stand-in every update at once and wait until all are handled and answered."""
    for update in updates:
        h.api.push(update)
        h.pushed.add(update["update_id"])
    await settle(h.engine, channel="telegram", stored=len(h.pushed), timeout=timeout)


def button(message: dict[str, Any], label: str) -> str:
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row if b["text"] == label)


def alert_messages(h: Harness) -> list[dict[str, Any]]:
    return [m for (chat, _), m in sorted(h.api.messages.items())
            if chat == ALERT_CHAT and "Unhappy customer" in m.get("text", "")]


async def test_storm_of_429_and_5xx_loses_nothing_and_repeats_nothing(
        tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, **PACED) as h:
        h.api.limits = TelegramLimits.raised(20)
        h.api.faults.add(ANY_SEND, 429, times=None, share=0.3, retry_after=1)
        h.api.faults.add(ANY_SEND, 502, times=None, share=0.3)
        people = [h.person(1100 + i, f"Customer{i}", "en") for i in range(10)]
        scores = dict(zip((p.uid for p in people), [0, 9, 3, 10, 5, 8, 6, 10, 2, 7], strict=True))
        detractors = {uid for uid, score in scores.items() if score <= 6}
        await wave(h, [h.api.message_update(p.frm, "/start") for p in people])
        await wave(h, [h.api.callback_update(p.frm, *p.keyboard_message(str(scores[p.uid])))
                       for p in people])
        alerts = alert_messages(h)
        assert len(alerts) == len(detractors)
        manager = h.person(MANAGER_ID, "Maria Popescu", "en")
        manager.chat_id = ALERT_CHAT
        claims = [h.api.callback_update(manager.frm, dict(m), button(m, "Claim")) for m in alerts]
        comments = [h.api.message_update(p.frm, f"Comment of {p.uid}") for p in people]
        await wave(h, claims + comments)
        await wave(h, [h.api.callback_update(p.frm, *p.keyboard_message("4")) for p in people])

        fired = h.api.faults.fired
        assert sum(1 for f in fired if f[3] == 429) > 10 and sum(
            1 for f in fired if f[3] == 502) > 10, "a storm did happen"
        for p in people:
            said = h.api.log.order(p.uid, methods={"sendMessage"})
            assert said[-1] == THANKS, (p.uid, said)
            asked = [NPS_Q in said[0], CSAT_Q in said[2]]
            assert asked == [True, True] and len(said) == 4, (p.uid, said)
        assert h.api.log.duplicates() == {}
        posted = h.api.log.select(methods={"sendMessage"}, chat=ALERT_CHAT)
        names = {p.uid: p.frm["first_name"] for p in people}
        for uid in detractors:
            assert sum(names[uid] in e.text for e in posted) == 1, (uid, posted)
        assert len(posted) == len(detractors)
        for message in alert_messages(h):
            assert "claimed by Maria Popescu" in message["text"], message["text"]
            assert "Comment of" in message["text"], message["text"]
        assert h.api.limited == [], "the bot paced itself: no limit of the stand-in was hit"
        per_chat = h.api.log.peak_per_chat(1.0, chat=PRIVATE)
        assert max(per_chat.values()) <= 10 + 3
        assert h.api.log.peak(60.0, chat=GROUP) <= 300 + 3
        print("storm figures:", {"429": sum(1 for f in fired if f[3] == 429),
                                 "502": sum(1 for f in fired if f[3] == 502),
                                 "accepted": len(h.api.log), "peak/chat/s": max(per_chat.values()),
                                 "peak overall/s": h.api.log.peak(1.0)})


async def test_blocked_customer_gets_not_sent_once(tg: Harness) -> None:
    customer = tg.person(1201, "Gone", "en")
    await customer.say("/start")
    await customer.press("1")
    await customer.say("Terrible")
    tg.api.blocked.add(1201)
    manager = tg.person(MANAGER_ID, "Maria", "en")
    manager.chat_id = ALERT_CHAT
    await manager.press("Reply")
    prompt = tg.api.last_message(ALERT_CHAT, lambda m: "Write your reply" in m.get("text", ""))
    await manager.say("Sorry about that", reply_to=prompt)
    await settle(tg.engine, channel="telegram")
    said = tg.api.texts_to(ALERT_CHAT)
    not_sent = "Not sent: Gone has blocked the bot or cannot be reached."
    assert sum(not_sent in x for x in said) == 1, said
    assert not any("Sent to" in x for x in said), said
    with Session(tg.engine.db.read_engine) as s:
        notes = list(s.exec(select(AlertNote).where(AlertNote.kind == "reply")))
    assert [(n.text, n.delivered) for n in notes] == [("Sorry about that", False)]
    person = tg.respondent(1201)
    assert person is not None and person.unreachable


async def test_bot_removed_from_managers_group_marks_nobody(tg: Harness) -> None:
    tg.api.kicked.add(ALERT_CHAT)
    people = [tg.person(1300 + i, f"Sad{i}", "en") for i in range(3)]
    for p in people:
        await p.say("/start")
        got = await p.press(str(p.uid % 7))
        assert got, "the follow-up question came"
        await p.say("Slow delivery")
        got = await p.press("2")
        assert any(THANKS in x for x in got), got
    refused = [c for c in tg.api.calls if c.params.get("chat_id") == ALERT_CHAT]
    assert refused and all(c.status == 403 for c in refused)
    assert tg.api.log.select(chat=ALERT_CHAT) == []
    for p in people:
        person = tg.respondent(p.uid)
        assert person is not None and not person.unreachable
        said = tg.api.log.order(p.uid, methods={"sendMessage"})
        assert NPS_Q in said[0] and CSAT_Q in said[2] and said[-1] == THANKS, said
    assert [(a.metric, a.comment) for a in tg.answers()] == [
        ("nps", "Slow delivery"), ("csat", None)] * 3
