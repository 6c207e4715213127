"""Managers on Telegram (the real python-telegram-bot against the Bot API stand-in): ``/nps
alerts`` with Claim and Go-to buttons and a claim from the list, an alert nobody claimed posted
again once (injected clock, two workers and a restart), and ``/nps digest on|off`` with the
weekly digest in the managers' chat and in each manager's own language, its chart a picture."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from adapters.engine_calls import EngineCalls
from adapters.schedules import run_schedules
from bot import store
from bot.app import build_engine
from bot.i18n import Translator
from bot.models import Alert, Answer, utcnow
from bot.periods import Period
from tests.helpers import seed_answers, settle, wait_for
from tests.schedule_helpers import Moving, next_monday_nine, png
from tests.telegram.conftest import running
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def raise_alert(tg: Harness, uid: int, name: str, score: int = 2) -> None:
    customer = tg.person(uid, name, "en")
    await customer.say("/start")
    await customer.press(str(score))


def alert_message_ids(tg: Harness) -> list[int]:
    return [m["message_id"] for m in tg.api.chat_messages(ALERT_CHAT)
            if "Unhappy customer" in m.get("text", "")]


async def test_alerts_list_with_claim_and_go_to_buttons(tg: Harness) -> None:
    await raise_alert(tg, 301, "Ana")
    await raise_alert(tg, 302, "Wang Fang", score=0)
    posted = alert_message_ids(tg)
    manager = tg.person(MANAGER_ID, "Maria Popescu", "en")
    got = await manager.say("/nps alerts")
    lines = got[-1].splitlines()
    assert lines[0] == "2 alerts are waiting (open or claimed), oldest first:"
    assert lines[1].startswith("#1 · NPS 2/10 · Ana (Telegram) · ")
    assert lines[1].endswith(" ago · open") and lines[2].startswith("#2 · NPS 0/10 · Wang Fang")
    listed = tg.api.last_message(MANAGER_ID)
    assert [(b["text"], b.get("url")) for b in buttons_of(listed)] == [
        ("Claim #1", None), ("Go to #1", f"https://t.me/c/1/{posted[0]}"),
        ("Claim #2", None), ("Go to #2", f"https://t.me/c/1/{posted[1]}")]
    assert buttons_of(listed)[0]["callback_data"] == "al:1:claim"  # the alert's own action

    await manager.press("Claim #1")
    assert manager.toasts()[-1] == "You claimed this alert."
    alert_post = tg.api.messages[(ALERT_CHAT, posted[0])]
    assert "claimed by Maria Popescu" in alert_post["text"]
    got = await manager.say("/csat alerts")  # every metric's command lists the same alerts
    assert "#1 · NPS 2/10 · Ana (Telegram) · " in got[-1]
    assert got[-1].splitlines()[1].endswith("claimed by Maria Popescu")
    assert [b["text"] for b in buttons_of(tg.api.last_message(MANAGER_ID))] == [
        "Go to #1", "Claim #2", "Go to #2"]

    customer = tg.person(303, "Curious", "en")
    got = await customer.say("/nps alerts")
    assert got == ["Sorry, this command is only for managers."]


async def test_a_long_list_is_cut_and_a_plain_group_has_no_links(
        tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, telegram_alert_chat_id="-5001") as tg:
        await raise_alert(tg, 401, "Ion")
        seed_answers(tg.engine, [("nps", 1, 0, None)] * 11, channel="telegram")
        with Session(tg.engine.db.engine) as s:
            for answer in s.exec(select(Answer).where(Answer.respondent_id != 1)):
                store.create_alert(session=s, answer=answer)
            s.commit()
        manager = tg.person(MANAGER_ID, "Maria", "ro")
        await manager.say("/language ro")
        got = await manager.say("/nps alerts")
        lines = got[-1].splitlines()
        assert lines[0] == ("12 alerte așteaptă (deschise sau preluate), începând cu cea mai "
                            "veche:")
        assert len(lines) == 12 and lines[-1] == "… și încă 2 alerte."
        labels = [b["text"] for b in buttons_of(tg.api.last_message(MANAGER_ID))]
        assert labels == [f"Preluați #{n}" for n in range(1, 11)], "no link in a plain group"


async def test_an_alert_nobody_claimed_is_posted_again_once(tg: Harness) -> None:
    await raise_alert(tg, 501, "Andrei")
    [first] = alert_message_ids(tg)
    clock = Moving(utcnow() + timedelta(hours=24, minutes=1))
    tg.engine.clock = clock
    # Worker 1 runs the real schedule service; worker 2 steps at the same moments; then a
    # restarted worker steps again.
    other = build_engine(tg.settings)
    other.clock = clock
    other_calls = EngineCalls(other, tg.settings)
    stop = asyncio.Event()
    service = asyncio.create_task(run_schedules(tg.channel.call, tg.settings, stop, every=0.02))
    try:
        for _ in range(5):
            await other_calls(other.schedule_tick)
        await wait_for(lambda: len(tg.api.sent("sendMessage", ALERT_CHAT)) >= 2)
        restarted = build_engine(tg.settings)
        restarted.clock = clock
        assert restarted.schedule_tick() == []
        restarted.db.dispose()
    finally:
        stop.set()
        await service
        other_calls.close()
        other.db.dispose()
    await settle(tg.engine, channel="telegram")
    posts = tg.api.sent("sendMessage", ALERT_CHAT)
    assert len(posts) == 2, [p.params["text"][:60] for p in posts]
    again = posts[1].params["text"]
    assert again.startswith("⏰ Still open after 1 day: nobody has claimed this alert yet.\n"
                            "⚠️ Unhappy customer — alert #1")
    assert [b["text"] for b in posts[1].params["reply_markup"]["inline_keyboard"][0]] == [
        "Claim", "Reply", "Resolved"]
    old = tg.api.messages[(ALERT_CHAT, first)]
    assert old["text"].endswith("⏰ Posted again below: nobody claimed it within 1 day.")
    assert "reply_markup" not in old, "the first post keeps no buttons"

    manager = tg.person(MANAGER_ID, "Maria Popescu", "en")
    manager.chat_id = ALERT_CHAT
    await manager.press("Claim")
    repost = tg.api.last_message(ALERT_CHAT)
    assert repost["message_id"] != first and "claimed by Maria Popescu" in repost["text"]
    with Session(tg.engine.db.read_engine) as s:
        alert = s.exec(select(Alert)).one()
    assert alert.escalated_at is not None and alert.platform_ref == (
        f"{ALERT_CHAT}:{repost['message_id']}")


async def test_digest_on_off_and_the_digest_in_each_managers_language(
        tg_settings: Callable[..., Any]) -> None:
    zone = ZoneInfo("Europe/Bucharest")
    nine = next_monday_nine(zone)
    charts: list[str] = []

    def chart(_session: Session, period: Period, t: Translator) -> bytes:
        charts.append(f"{t.lang} {period.first}..{period.last}")
        return png()

    async with running(tg_settings, digest_schedule="mon 09:00", report_timezone=zone.key,
                       telegram_manager_ids=f"{MANAGER_ID},901,902") as tg:
        clock = Moving(nine - timedelta(minutes=1))
        tg.engine.clock = clock
        tg.engine.digest_chart = chart
        assert tg.engine.send_digest() == []  # a worker running before the minute
        seed_answers(tg.engine, [("nps", s, d, "Livrare întârziată" if s < 7 else None)
                                 for s, d in [(10, 1), (9, 2), (2, 3), (9, 6)]],
                     channel="telegram", locale="ro", now=nine)
        maria = tg.person(MANAGER_ID, "Maria", "en")
        await maria.say("/language ro")
        got = await maria.say("/nps digest on")
        assert got == ["Gata: veți primi rezumatul săptămânal în conversația dumneavoastră cu "
                       "botul, în fiecare luni, la ora 09:00 (Europe/Bucharest)."]
        li = tg.person(901, "Li Wei", "zh-CN")
        await li.say("/language zh")
        got = await li.say("/nps digest on")
        assert got[-1].startswith("好的，每周摘要将发送到您与机器人的私聊中")
        bob = tg.person(902, "Bob", "en")
        await bob.say("/nps digest on")
        got = await bob.say("/nps digest off")
        assert got == ["Done: the weekly digest will no longer come to your own chat with the "
                       "bot."]
        got = await bob.say("/nps digest maybe")
        assert got == ["The weekly digest does not come to your own chat with the bot.\n"
                       "Usage: /nps digest on|off"]

        clock.set(nine + timedelta(seconds=5))
        ids = await tg.channel.call(tg.engine.schedule_tick)
        assert len(ids) == 6  # managers' chat: text and chart; Maria and Li: the same
        await tg.channel.dispatcher.send_now(ids)
        await settle(tg.engine, channel="telegram")
        assert await tg.channel.call(tg.engine.schedule_tick) == []

        team = tg.api.sent("sendMessage", ALERT_CHAT)[-1].params["text"]
        assert team.startswith("📬 Weekly digest · ")
        assert "NPS +50 (n = 4)" in team and "“Livrare întârziată”" in team
        assert "No alert is open or claimed." in team
        assert [c.method for c in tg.api.sent(chat_id=ALERT_CHAT)][-2:] == [
            "sendMessage", "sendPhoto"]
        ro = tg.api.sent("sendMessage", MANAGER_ID)[-1].params["text"]
        assert ro.startswith("📬 Rezumat săptămânal · ") and "NPS +50 (n = 4)" in ro
        assert "Doar 4 răspunsuri" in ro and "„Livrare întârziată”" in ro
        zh = tg.api.sent("sendMessage", 901)[-1].params["text"]
        assert zh.startswith("📬 每周摘要 · ") and "NPS +50" in zh
        for chat in (MANAGER_ID, 901):
            photos = tg.api.sent("sendPhoto", chat)
            assert len(photos) == 1 and photos[0].params["photo"]["content"] == png(), chat
        assert not [c for c in tg.api.sent(chat_id=902) if "📬" in str(c.params.get("text"))]
        first = nine.astimezone(zone).date() - timedelta(days=7)
        assert sorted(charts) == sorted(
            f"{lang} {first}..{first + timedelta(days=6)}" for lang in ("en", "ro", "zh"))
