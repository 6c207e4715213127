"""Managers on Telegram: detractor alerts with claim / reply / resolve, and summaries."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Alert, AlertNote
from tests.helpers import CJK, seed_answers
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness
from tests.telegram.standin import BOT_USERNAME


async def test_detractor_alert_claim_reply_resolve(tg: Harness) -> None:
    customer = tg.person(201, "Wang Fang", "zh-CN")
    await customer.say("/start")
    await customer.press("3")
    alerts = tg.api.sent("sendMessage", ALERT_CHAT)
    assert len(alerts) == 1
    text = alerts[0].params["text"]
    assert "Unhappy customer" in text and "3/10" in text and "Wang Fang" in text
    assert "on Telegram, speaks Simplified Chinese" in text  # in the managers' language
    labels = [b["text"] for row in alerts[0].params["reply_markup"]["inline_keyboard"]
              for b in row]
    assert labels == ["Claim", "Reply", "Resolved"]
    await customer.say("送货太慢了")
    edits = tg.api.sent("editMessageText", ALERT_CHAT)
    assert "送货太慢了" in edits[-1].params["text"]
    assert len(tg.api.sent("sendMessage", ALERT_CHAT)) == 1, "exactly one alert"

    manager = tg.person(MANAGER_ID, "Maria Popescu", "ro")
    manager.chat_id = ALERT_CHAT
    stranger = tg.person(202, "Nosy", "en")
    stranger.chat_id = ALERT_CHAT
    await stranger.press("Claim")
    assert stranger.toasts()[-1] == "Sorry, this is only for managers."

    await manager.press("Claim")
    assert manager.toasts()[-1] == "You claimed this alert."
    assert "claimed by Maria Popescu" in tg.api.sent("editMessageText", ALERT_CHAT)[-1].params[
        "text"]

    got = await manager.press("Reply")
    prompt = tg.api.sent("sendMessage", ALERT_CHAT)[-1]
    assert prompt.params["reply_markup"] == {"force_reply": True, "selective": False}
    assert "Wang Fang" in got[0]
    # Chatter in the group that is not a reply to the bot is not heard.
    await manager.say("lunch?")
    prompt_message = tg.api.last_message(
        ALERT_CHAT, lambda m: "Write your reply" in m.get("text", ""))
    await manager.say("我们很抱歉，明天会给您补发。", reply_to=prompt_message)
    to_customer = tg.api.texts_to(201)[-1]
    assert to_customer.startswith(translator("zh").gettext(
        "A message from our team about your feedback:"))
    assert "明天会给您补发" in to_customer and "lunch" not in to_customer
    assert "Sent to Wang Fang." in tg.api.texts_to(ALERT_CHAT)

    await manager.press("Resolved")
    assert "resolved by Maria Popescu" in tg.api.sent("editMessageText", ALERT_CHAT)[-1].params[
        "text"]
    with Session(tg.engine.db.read_engine) as s:
        alert = s.exec(select(Alert)).one()
        notes = list(s.exec(select(AlertNote).order_by(AlertNote.id)))  # type: ignore[arg-type]
    assert alert.status == "resolved" and alert.resolved_by == "Maria Popescu"
    assert [n.kind for n in notes] == ["claim", "reply", "resolve"]
    assert notes[1].text == "我们很抱歉，明天会给您补发。"




async def test_summary_for_managers_only(tg: Harness) -> None:
    # 6 promoters, 2 passives, 2 detractors: NPS = 60 % − 20 % = +40, n = 10 (too few to trust).
    scores = [10, 10, 9, 9, 9, 10, 7, 8, 0, 6]
    seed_answers(tg.engine, [("nps", score, 1, None) for score in scores],
                 channel="telegram", user_id="seed")
    manager = tg.person(MANAGER_ID, "Maria", "en")
    got = await manager.say("/nps summary 30d")
    report = "\n".join(got)
    assert "NPS +40 (n = 10)" in report
    assert "Promoters (9–10): 6 (60%)" in report
    assert "Detractors (0–6): 2 (20%)" in report
    assert "too few to trust" in report
    # In the managers' group too, addressed to the bot.
    group = tg.person(MANAGER_ID, "Maria", "en")
    group.chat_id = ALERT_CHAT
    got = await group.say(f"/nps@{BOT_USERNAME} summary all")
    assert "NPS +40 (n = 10)" in "\n".join(got)

    customer = tg.person(203, "Curious", "zh-hans")
    got = await customer.say("/nps summary")
    assert len(got) == 1 and CJK.search(got[0])
    assert "+40" not in got[0] and "n =" not in got[0]
    assert got[0] == translator("zh").gettext("Sorry, this command is only for managers.")


async def test_a_manager_reads_their_own_language_and_alerts_stay_in_manager_locale(
        tg: Harness) -> None:
    manager = tg.person(MANAGER_ID, "Maria Popescu", "en")
    await manager.say("/language ro")
    got = await manager.say("/nps summary 30d")
    assert got[-1].startswith("Rezumat NPS")
    help_text = "\n".join(await manager.say("/help"))
    assert "Pentru manageri: /nps summary" in help_text
    customer = tg.person(204, "Ion", "en")
    await customer.say("/start")
    await customer.press("2")
    alert = tg.api.sent("sendMessage", ALERT_CHAT)[-1].params["text"]
    assert "Unhappy customer" in alert  # the shared chat reads MANAGER_LOCALE (en)
    in_group = tg.person(MANAGER_ID, "Maria Popescu", "en")
    in_group.chat_id = ALERT_CHAT
    await in_group.press("Claim")
    assert in_group.toasts()[-1] == "Ați preluat această alertă."
    assert "claimed by Maria Popescu" in tg.api.sent("editMessageText", ALERT_CHAT)[-1].params[
        "text"]
