"""After the loop is closed, on Telegram (the real python-telegram-bot against the Bot API
stand-in): a resolved alert's customer is asked in their language (en, ro, zh) whether the
problem is solved; a Yes is recorded, a No opens the alert again and edits its message in the
managers' chat, a second press or a press on an old question changes nothing; with the
setting off nobody is asked, an opted-out customer is not asked, a customer who blocked the
bot is marked unreachable and the alert says the question did not reach them; and
``/nps alerts stats`` with an injected clock, checked by hand."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.models import Alert, AlertNote, utcnow
from tests.schedule_helpers import Moving
from tests.telegram.conftest import running
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness, TgUser

ASKED = {
    "en": "Our team has marked the problem you told us about as resolved. Is it solved for you?",
    "ro": "Echipa noastră a marcat ca rezolvată problema semnalată de dumneavoastră. "
          "Considerați că s-a rezolvat?",
    "zh": "我们的团队已将您反馈的问题标记为已解决。请问您的问题确实解决了吗？",
}
LABELS = {"en": ["Yes, it is solved", "No, it is not solved"],
          "ro": ["Da, s-a rezolvat", "Nu, nu s-a rezolvat"],
          "zh": ["是，已解决", "否，未解决"]}


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row]


async def unhappy(tg: Harness, uid: int, name: str, lang: str, score: int = 2) -> TgUser:
    customer = tg.person(uid, name, lang)
    await customer.say("/start")
    await customer.press(str(score))
    return customer


def alert_message(tg: Harness, alert_id: int) -> dict[str, Any]:
    return copy.deepcopy(tg.api.last_message(
        ALERT_CHAT, lambda m: f"alert #{alert_id}\n" in m.get("text", "")))


def in_chat(tg: Harness) -> TgUser:
    manager = tg.person(MANAGER_ID, "Maria Popescu", "en")
    manager.chat_id = ALERT_CHAT
    return manager


async def act(tg: Harness, alert_id: int, label: str) -> str:
    manager = in_chat(tg)
    await manager.press(label, message=alert_message(tg, alert_id))
    return manager.toasts()[-1]


def kinds(tg: Harness) -> list[tuple[int, str]]:
    with Session(tg.engine.db.read_engine) as s:
        return [(n.alert_id, n.kind) for n in s.exec(select(AlertNote).order_by(
            col(AlertNote.id)))]


def status(tg: Harness, alert_id: int) -> str:
    with Session(tg.engine.db.read_engine) as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        return alert.status


async def test_asked_in_their_language_yes_no_and_a_second_press(
        tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, recovery_question=True) as tg:
        people = {"en": await unhappy(tg, 601, "Ana", "en"),
                  "ro": await unhappy(tg, 602, "Ion", "ro"),
                  "zh": await unhappy(tg, 603, "王芳", "zh-CN")}
        for alert_id, (lang, person) in enumerate(people.items(), start=1):
            toast = await act(tg, alert_id, "Resolved")
            name = person.frm["first_name"]
            assert toast == f"Marked as resolved. We asked {name} whether the problem is solved."
            asked = tg.api.last_message(person.uid)
            assert asked["text"] == ASKED[lang] and labels(asked) == LABELS[lang]
            posted = alert_message(tg, alert_id)
            assert "❔ Asked the customer whether the problem is solved: no answer yet." in (
                posted["text"]) and labels(posted) == []

        ana = people["en"]
        got = await ana.press("Yes, it is solved")
        assert got[-1] == "Thank you for letting us know. We are glad the problem is solved."
        edited = tg.api.messages[(ana.uid, tg.api.last_message(
            ana.uid, lambda m: m["text"].startswith(ASKED["en"]))["message_id"])]
        assert edited["text"] == ASKED["en"] + "\nYour answer: Yes, it is solved"
        assert "reply_markup" not in edited
        assert "✅ The customer says the problem is solved." in alert_message(tg, 1)["text"]

        ion = people["ro"]
        old, _ = ion.keyboard_message("Da, s-a rezolvat")
        got = await ion.press("Nu, nu s-a rezolvat")
        assert got[-1] == ("Vă mulțumim că ne-ați spus. Am redeschis problema, iar echipa "
                           "noastră vă va contacta din nou.")
        reopened = alert_message(tg, 2)
        assert "↩️ The customer says the problem is not solved: the alert is open again." in (
            reopened["text"]) and "Status: open" in reopened["text"]
        assert labels(reopened) == ["Claim", "Reply", "Resolved"]
        assert status(tg, 2) == "open"
        before = (kinds(tg), len(tg.api.texts_to(ion.uid)), len(tg.api.texts_to(ALERT_CHAT)))
        got = await ion.press("Da, s-a rezolvat", message=old)  # the same question again
        assert ion.toasts()[-1] == "Ați răspuns deja la această întrebare."
        assert got == [] and status(tg, 2) == "open"
        assert (kinds(tg), len(tg.api.texts_to(ion.uid)),
                len(tg.api.texts_to(ALERT_CHAT))) == before

        manager = tg.person(MANAGER_ID, "Maria Popescu", "en")
        listed = await manager.say("/nps alerts")
        assert listed[-1].splitlines()[1].startswith("#2 · NPS 2/10 · Ion (Telegram)")
        assert listed[-1].splitlines()[1].endswith(" · open")
        await manager.press("Claim #2")
        assert "claimed by Maria Popescu" in alert_message(tg, 2)["text"]

        wang = people["zh"]
        old, _ = wang.keyboard_message("是，已解决")
        got = await wang.press("是，已解决")
        assert got[-1] == "感谢您的回复！很高兴您的问题已经解决。"
        await wang.press("是，已解决", message=old)  # a double tap
        assert wang.toasts()[-1] == "该问题已作答。"
        assert [k for a, k in kinds(tg) if a == 3] == ["resolve", "asked", "solved"]


async def test_nobody_is_asked_with_the_setting_off(tg: Harness) -> None:
    quiet = await unhappy(tg, 611, "Quiet", "en")  # RECOVERY_QUESTION is off by default
    before = len(tg.api.texts_to(quiet.uid))
    assert await act(tg, 1, "Resolved") == "Marked as resolved."
    assert len(tg.api.texts_to(quiet.uid)) == before, "nothing more to the customer"
    assert [k for _, k in kinds(tg)] == ["resolve"]


async def test_an_opted_out_customer_is_not_asked_and_a_blocked_one_not_reached(
        tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, recovery_question=True) as tg:
        stopped = await unhappy(tg, 612, "Stopped", "ro")
        await stopped.say("/stop")
        before = len(tg.api.texts_to(stopped.uid))
        toast = await act(tg, 1, "Resolved")
        assert toast == ("Marked as resolved. Stopped is not asked whether it is solved: they "
                         "opted out or cannot be reached.")
        assert len(tg.api.texts_to(stopped.uid)) == before

        blocked = await unhappy(tg, 613, "Blocked", "en")
        tg.api.blocked.add(blocked.uid)
        await act(tg, 2, "Resolved")
        assert "❔ The question whether the problem is solved did not reach the customer." in (
            alert_message(tg, 2)["text"])
        respondent = tg.respondent(blocked.uid)
        assert respondent is not None and respondent.unreachable
        with Session(tg.engine.db.read_engine) as s:
            asked = s.exec(select(AlertNote).where(AlertNote.kind == "asked")).one()
        assert (asked.alert_id, asked.delivered) == (2, False)


async def test_alert_stats_with_an_injected_clock(tg_settings: Callable[..., Any]) -> None:
    """A raised 3 days ago, claimed after 1 h, resolved after 4 h, the customer says yes;
    B raised 2 days ago, claimed after 3 h, resolved after 5 h, the customer says no (open
    again); C raised yesterday, untouched.  Claimed 2, median of 1 h and 3 h = 2 hours;
    resolved now 1 (A, 4 hours); asked 2, yes 1: 50 %, Wilson 95 % (1 of 2) 9 %–91 %."""
    async with running(tg_settings, recovery_question=True) as tg:
        now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
        clock = Moving(now - timedelta(days=3))
        tg.engine.clock = clock

        def later(days: int, hours: float = 0) -> None:
            clock.set(now - timedelta(days=days) + timedelta(hours=hours))

        a = await unhappy(tg, 621, "A", "en")
        later(3, 1)
        await act(tg, 1, "Claim")
        later(3, 4)
        await act(tg, 1, "Resolved")
        later(3, 5)
        await a.press("Yes, it is solved")
        later(2)
        b = await unhappy(tg, 622, "B", "en")
        later(2, 3)
        await act(tg, 2, "Claim")
        later(2, 5)
        await act(tg, 2, "Resolved")
        later(2, 6)
        await b.press("No, it is not solved")
        later(1)
        await unhappy(tg, 623, "C", "en")
        later(0)
        manager = tg.person(MANAGER_ID, "Maria Popescu", "en")
        got = await manager.say("/nps alerts stats 7d")
        lines = got[-1].splitlines()
        assert lines[0].startswith("Alerts · 7d (")
        assert lines[1:6] == [
            "Raised: 3 · claimed: 2 · resolved: 1",
            "Median time to claim: 2 hours (n = 2)",
            "Median time to resolve: 4 hours (n = 1)",
            "Recovery rate: 50% of the customers asked say the problem is solved (95% "
            "confidence interval 9%–91%; n = 2) ⚠ too few to trust",
            "Solved: 1 · not solved (opened again): 1 · no answer yet: 0"]
        got = await manager.say("/nps alerts stats today")
        assert got[-1].splitlines()[1] == "No alert was raised in this period."
