"""After the loop is closed, in Slack (the real slack-bolt app against the Web API stand-in): a
resolved alert's customer is asked in their DM, in their language, whether the problem is
solved; a No opens the alert again (its message in the managers' channel edited, Claim back), a
Yes replayed by Slack (the same signed request twice) is recorded once, a press on an answered
question changes nothing; with the setting off nobody is asked; and ``/nps alerts stats``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from bot.models import Alert, AlertNote
from tests.helpers import settle
from tests.slack.conftest import serving
from tests.slack.harness import ALERTS, MANAGER, SlackHarness
from tests.slack.standin import sign

FORM = "application/x-www-form-urlencoded"


def actions(message: dict[str, Any]) -> list[str]:
    return [e["text"]["text"] for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]]


def alert_ts(slack: SlackHarness, alert_id: int) -> str:
    return next(ts for (chan, ts), m in slack.api.messages.items()
                if chan == ALERTS and f"alert #{alert_id}\n" in m.get("text", ""))


async def resolve(slack: SlackHarness, alert_id: int) -> str:
    ts = alert_ts(slack, alert_id)
    message = json.loads(json.dumps(slack.api.messages[(ALERTS, ts)]))
    await slack.press(MANAGER, "Resolved", channel=ALERTS, message={**message, "ts": ts})
    return slack.ephemerals(MANAGER)[-1]


def notes(slack: SlackHarness) -> list[tuple[int, str]]:
    with Session(slack.engine.db.read_engine) as s:
        return [(n.alert_id, n.kind) for n in s.exec(select(AlertNote).order_by(
            col(AlertNote.id)))]


async def test_asked_in_the_dm_no_reopens_and_a_replayed_yes_counts_once(
        slack_settings: Callable[..., Any]) -> None:
    async with serving(slack_settings, recovery_question=True) as slack:
        slack.api.add_user("UANGRY", "Andrei", "ro-RO")
        await slack.dm("UANGRY", "start")
        await slack.press("UANGRY", "2")
        slack.api.add_user("UWANG", "王芳", "zh-CN")
        await slack.dm("UWANG", "start")
        await slack.press("UWANG", "1")

        assert await resolve(slack, 1) == (
            "Marked as resolved. We asked Andrei whether the problem is solved.")
        message, _ = slack.api.last_buttons("DUANGRY")
        assert message["text"] == ("Echipa noastră a marcat ca rezolvată problema semnalată de "
                                   "dumneavoastră. Considerați că s-a rezolvat?")
        assert actions(message) == ["Da, s-a rezolvat", "Nu, nu s-a rezolvat"]
        got = await slack.press("UANGRY", "Nu, nu s-a rezolvat")
        assert got[-1] == ("Vă mulțumim că ne-ați spus. Am redeschis problema, iar echipa "
                           "noastră vă va contacta din nou.")
        posted = slack.api.messages[(ALERTS, alert_ts(slack, 1))]
        assert "↩️ The customer says the problem is not solved: the alert is open again." in (
            posted["text"])
        assert actions(posted) == ["Claim", "Reply", "Resolved"]
        before = notes(slack)
        await slack.press("UANGRY", "Da, s-a rezolvat", channel="DUANGRY", message=message)
        assert slack.ephemerals("UANGRY")[-1] == "Ați răspuns deja la această întrebare."
        assert notes(slack) == before

        await resolve(slack, 2)
        message, elements = slack.api.last_buttons("DUWANG")
        assert message["text"] == (
            "我们的团队已将您反馈的问题标记为已解决。请问您的问题确实解决了吗？")
        button = next(e for e in elements if e["text"]["text"] == "是，已解决")
        pressed = slack.send.action("UWANG", "DUWANG", message, button)
        signed = sign(pressed)
        for _ in range(2):  # Slack replays the same signed request
            status, _ = await slack.send.post(pressed, FORM, signed=signed)
            assert status == 200
            await settle(slack.engine, channel="slack")
        thanks = [t for t in slack.api.dm_texts("UWANG") if t.startswith("感谢您的回复")]
        assert thanks == ["感谢您的回复！很高兴您的问题已经解决。"]
        assert [k for a, k in notes(slack) if a == 2] == ["resolve", "asked", "solved"]
        assert "✅ The customer says the problem is solved." in slack.api.messages[
            (ALERTS, alert_ts(slack, 2))]["text"]
        with Session(slack.engine.db.read_engine) as s:
            assert [a.status for a in s.exec(select(Alert).order_by(col(Alert.id)))] == [
                "open", "resolved"]

        [answer] = await slack.command(MANAGER, "/nps", "alerts stats")
        assert answer["response_type"] == "ephemeral"
        lines = answer["text"].splitlines()
        assert lines[1] == "Raised: 2 · claimed: 2 · resolved: 1"
        assert lines[4].startswith("Recovery rate: 50% of the customers asked say the problem "
                                   "is solved (95% confidence interval 9%–91%; n = 2)")
        assert lines[5] == "Solved: 1 · not solved (opened again): 1 · no answer yet: 0"
        slack.api.add_user("UCUST", "Customer", "en-US")
        [refused] = await slack.command("UCUST", "/nps", "alerts stats")
        assert refused["text"] == "Sorry, this command is only for managers."


async def test_nobody_is_asked_with_the_setting_off(slack: SlackHarness) -> None:
    slack.api.add_user("UQUIET", "Quiet", "en-US")
    await slack.dm("UQUIET", "start")
    await slack.press("UQUIET", "2")
    before = len(slack.api.dm_texts("UQUIET"))
    assert await resolve(slack, 1) == "Marked as resolved."
    assert len(slack.api.dm_texts("UQUIET")) == before
    assert [k for _, k in notes(slack)] == ["resolve"]
