"""Delivery on Telegram: redelivered updates, restarts, the webhook secret, 429, 403 and a group
that becomes a supergroup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlmodel import Session, select

from adapters.runner import build_web_app, plan
from adapters.telegram.app import TelegramChannel, webhook_secret
from bot.app import build_engine
from bot.models import Respondent
from tests.helpers import settle
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness
from tests.telegram.standin import BotAPIStandIn, user


async def test_update_delivered_twice_is_stored_once(tg: Harness) -> None:
    p = tg.person(301, "Twice", "en")
    await p.say("/start")
    message, data = p.keyboard_message("9")
    update = tg.api.callback_update(p.frm, message, data)
    await tg.deliver(update)
    await tg.deliver(update)  # Telegram delivers the same update_id again
    assert [a.score for a in tg.answers()] == [9]
    typed = tg.api.message_update(p.frm, "Friendly staff")
    await tg.deliver(typed)
    await tg.deliver(typed)
    assert [a.comment for a in tg.answers()] == ["Friendly staff"]
    assert len(tg.api.sent("answerCallbackQuery")) == 1, "the press is answered, once"


async def test_restart_mid_survey_resumes(tg_settings: Callable[..., Any]) -> None:
    async with BotAPIStandIn() as api:
        settings = tg_settings(api)
        frm = user(302, "Restart", "ro")
        for round_ in range(2):
            engine = build_engine(settings)
            channel = TelegramChannel(engine, settings, webhook=False, poll_timeout=1)
            await channel.start()
            try:
                if round_ == 0:
                    api.push(api.message_update(frm, "/start"))
                    await settle(engine, channel="telegram", stored=1 + 2 * round_)
                    message = api.last_message(302, lambda m: "reply_markup" in m)
                    data = next(b["callback_data"] for row in
                                message["reply_markup"]["inline_keyboard"] for b in row
                                if b["text"] == "6")
                    api.push(api.callback_update(frm, message, data))
                    await settle(engine, channel="telegram", stored=2 + 2 * round_)
                else:
                    # A new process: the comment question is still the one waiting.
                    api.push(api.message_update(frm, "Prea scump"))
                    await settle(engine, channel="telegram", stored=1 + 2 * round_)
                    message = api.last_message(302, lambda m: "reply_markup" in m)
                    data = next(b["callback_data"] for row in
                                message["reply_markup"]["inline_keyboard"] for b in row
                                if b["text"] == "4")
                    api.push(api.callback_update(frm, message, data))
                    await settle(engine, channel="telegram", stored=2 + 2 * round_)
                    from bot.models import Answer
                    with Session(engine.db.read_engine) as s:
                        rows = list(s.exec(select(Answer).order_by(Answer.id)))  # type: ignore[arg-type]
                    assert [(a.metric, a.score, a.comment) for a in rows] == [
                        ("nps", 6, "Prea scump"), ("csat", 4, None)]
            finally:
                await channel.stop()
                engine.db.dispose()


async def test_webhook_checks_secret(tg_settings: Callable[..., Any]) -> None:
    async with BotAPIStandIn() as api:
        settings = tg_settings(api, telegram_webhook_url="https://bot.example.com/tg/hook",
                               telegram_webhook_secret="s3cret-Token_1", port=8080)
        parts = plan(settings, "web")
        assert parts["telegram_webhook"] and not parts["telegram_polling"]
        engine = build_engine(settings)
        app = build_web_app(engine, settings, parts)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/tg/hook"
        try:
            assert api.webhook["url"] == "https://bot.example.com/tg/hook"
            assert api.webhook["secret_token"] == "s3cret-Token_1"
            frm = user(303, "Hook", "en")
            forged = api.message_update(frm, "/start")
            for secret in (None, "wrong", "s3cret-Token_"):
                status, _ = await api.post_webhook(url, forged, secret)
                assert status == 403
            assert api.sent("sendMessage") == []
            with Session(engine.db.read_engine) as s:
                assert s.exec(select(Respondent)).first() is None
            status, body = await api.post_webhook(url, forged, "s3cret-Token_1")
            assert (status, body) == (200, {"ok": True})
            await settle(engine, channel="telegram", stored=1)
            assert len(api.sent("sendMessage", 303)) == 1
            status, _ = await api.post_webhook(url, forged, "s3cret-Token_1")  # redelivered
            await settle(engine, channel="telegram", stored=1)
            assert status == 200 and len(api.sent("sendMessage", 303)) == 1
            async with __import__("aiohttp").ClientSession() as http, http.post(
                    url, data=b"{not json", headers={
                        "X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}) as resp:
                assert resp.status == 400
        finally:
            await runner.cleanup()
            engine.db.dispose()


def test_derived_webhook_secret_is_stable(tg_settings: Callable[..., Any]) -> None:
    class _Api:
        base_url = "http://127.0.0.1:9/bot"
    a = tg_settings(_Api(), telegram_webhook_url="https://x/hook")
    b = tg_settings(_Api(), telegram_webhook_url="https://x/hook", telegram_bot_token="1:other")
    assert webhook_secret(a) == webhook_secret(a)
    assert webhook_secret(a) != webhook_secret(b)
    assert len(webhook_secret(a)) >= 32 and webhook_secret(a).isalnum()


async def test_429_is_retried_after_retry_after(tg: Harness) -> None:
    tg.api.fail_next("sendMessage", 429, retry_after=1)
    p = tg.person(304, "Busy", "en")
    await p.say("/start")
    attempts = [c for c in tg.api.calls if c.method == "sendMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert len(tg.api.sent("sendMessage", 304)) == 1


async def test_blocked_customer_is_marked_and_not_written_to(tg: Harness) -> None:
    customer = tg.person(305, "Gone", "en")
    await customer.say("/start")
    await customer.press("1")
    await customer.say("Terrible")
    tg.api.blocked.add(305)
    manager = tg.person(MANAGER_ID, "Maria", "en")
    manager.chat_id = ALERT_CHAT
    got = await manager.press("Reply")
    prompt = tg.api.last_message(ALERT_CHAT, lambda m: "Write your reply" in m.get("text", ""))
    got = await manager.say("Sorry about that", reply_to=prompt)
    assert any("Not sent: Gone has blocked the bot" in x for x in got)  # not the id
    person = tg.respondent(305)
    assert person is not None and person.unreachable
    # The next reply is not even attempted.
    calls = len([c for c in tg.api.calls if c.params.get("chat_id") == 305])
    await manager.press("Reply")
    prompt = tg.api.last_message(ALERT_CHAT, lambda m: "Write your reply" in m.get("text", ""))
    got = await manager.say("Hello?", reply_to=prompt)
    assert any("Not sent: Gone has blocked the bot" in x for x in got)
    assert len([c for c in tg.api.calls if c.params.get("chat_id") == 305]) == calls


async def test_blocking_update_marks_unreachable(tg: Harness) -> None:
    customer = tg.person(306, "Leaver", "en")
    await customer.say("/start")
    await tg.deliver(tg.api.blocked_update(customer.frm))
    person = tg.respondent(306)
    assert person is not None and person.unreachable
    await customer.say("/start")  # they unblocked and wrote again
    person = tg.respondent(306)
    assert person is not None and not person.unreachable


async def test_alert_group_migrated_to_supergroup(tg: Harness) -> None:
    tg.api.migrated[ALERT_CHAT] = -1009999
    first = tg.person(307, "One", "en")
    await first.say("/start")
    await first.press("2")
    assert len(tg.api.sent("sendMessage", -1009999)) == 1
    assert tg.engine.state_get(f"telegram.migrated:{ALERT_CHAT}") == "-1009999"
    tries = len([c for c in tg.api.calls if c.params.get("chat_id") == ALERT_CHAT])
    second = tg.person(308, "Two", "en")
    await second.say("/start")
    await second.press("0")
    assert len(tg.api.sent("sendMessage", -1009999)) == 2
    assert len([c for c in tg.api.calls if c.params.get("chat_id") == ALERT_CHAT]) == tries
    # A new process still knows where the alerts go.
    channel = TelegramChannel(tg.engine, tg.settings, webhook=True)
    assert await channel.alert_chat() == "-1009999"
