"""Managers in Slack (the real slack-bolt app against the Web API stand-in): ``/nps alerts``
with a Claim button and a link button to the alert's permalink, a claim from the list, an
alert nobody claimed posted again once, and the weekly digest in the managers' channel and in
a manager's own DM in their language, its chart uploaded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.app import build_engine
from bot.i18n import Translator
from bot.models import InboxEvent, InboxStatus
from bot.periods import Period
from tests.helpers import seed_answers, settle
from tests.schedule_helpers import Moving, next_monday_nine, png
from tests.slack.harness import ALERTS, MANAGER, SlackHarness


def actions(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]]


async def test_alerts_list_with_claim_and_permalink(slack: SlackHarness) -> None:
    slack.api.add_user("UANGRY", "Andrei", "ro-RO")
    await slack.dm("UANGRY", "start")
    await slack.press("UANGRY", "2")
    alert_ts = next(ts for (chan, ts) in slack.api.messages if chan == ALERTS)

    [answer] = await slack.command(MANAGER, "/nps", "alerts")
    assert answer["response_type"] == "ephemeral"
    lines = answer["text"].splitlines()
    assert lines[0] == "1 alert is waiting (open or claimed), oldest first:"
    assert lines[1].startswith("#1 · NPS 2/10 · Andrei (Slack) · ") and lines[1].endswith(
        " ago · open")
    claim, link = actions(answer)
    assert claim["text"]["text"] == "Claim #1" and claim["value"] == "al:1:claim"
    assert link["text"]["text"] == "Go to #1" and "value" not in link
    assert link["url"] == (f"https://survey-test.slack.com/archives/{ALERTS}/p"
                           f"{alert_ts.replace('.', '')}")
    assert [c.params["message_ts"] for c in slack.api.sent("chat.getPermalink")] == [alert_ts]

    listed = {**answer, "ts": "1700000000.000001"}
    before = len(slack.ephemerals(MANAGER))
    await slack.press(MANAGER, "Go to #1", channel="C0GENERAL", message=listed)
    assert len(slack.ephemerals(MANAGER)) == before, "a link button answers nothing"
    with Session(slack.engine.db.read_engine) as s:
        assert {e.status for e in s.exec(select(InboxEvent))} == {InboxStatus.DONE}

    await slack.press(MANAGER, "Claim #1", channel="C0GENERAL", message=listed)
    assert slack.ephemerals(MANAGER)[-1] == "You claimed this alert."
    assert "claimed by Maria Popescu" in slack.api.messages[(ALERTS, alert_ts)]["text"]
    [answer] = await slack.command(MANAGER, "/csat", "alerts")
    assert answer["text"].splitlines()[1].endswith("claimed by Maria Popescu")
    assert [e["text"]["text"] for e in actions(answer)] == ["Go to #1"]


async def test_an_alert_nobody_claimed_is_posted_again_once(slack: SlackHarness) -> None:
    slack.api.add_user("UANGRY", "Andrei", "en-US")
    await slack.dm("UANGRY", "start")
    await slack.press("UANGRY", "1")
    [first] = [ts for (chan, ts) in slack.api.messages if chan == ALERTS]
    clock = Moving(slack.engine.clock() + timedelta(days=1, minutes=1))
    slack.engine.clock = clock
    other = build_engine(slack.settings)
    other.clock = clock
    try:
        assert len(slack.engine.schedule_tick()) == 2  # the first post edited, the new one
        assert other.schedule_tick() == []
    finally:
        other.db.dispose()
    await settle(slack.engine, channel="slack")
    posts = slack.api.sent("chat.postMessage", ALERTS)
    assert len(posts) == 2
    assert posts[1].params["text"].startswith("⏰ Still open after 1 day: nobody has claimed")
    assert actions(slack.api.messages[(ALERTS, first)]) == []
    assert slack.api.messages[(ALERTS, first)]["text"].endswith(
        "⏰ Posted again below: nobody claimed it within 1 day.")
    assert [e["text"]["text"] for e in slack.api.last_buttons(ALERTS)[1]] == [
        "Claim", "Reply", "Resolved"]


async def test_the_digest_in_the_channel_and_in_a_managers_dm(slack_settings: Any) -> None:
    from tests.slack.conftest import serving

    zone = ZoneInfo("Asia/Shanghai")
    nine = next_monday_nine(zone)

    def chart(_session: Session, _period: Period, _t: Translator) -> bytes:
        return png()

    async with serving(slack_settings, digest_schedule="mon 09:00",
                       report_timezone=zone.key) as slack:
        clock = Moving(nine - timedelta(hours=1))
        slack.engine.clock = clock
        slack.engine.digest_chart = chart
        assert slack.engine.send_digest() == []
        seed_answers(slack.engine, [("csat", 5, 1, None), ("csat", 4, 2, None),
                                    ("csat", 1, 3, "服务太慢")], channel="slack",
                     locale="zh", now=nine, user_id="UCUST")
        await slack.dm(MANAGER, "language zh")
        [answer] = await slack.command(MANAGER, "/nps", "digest on")
        assert answer["text"] == ("好的，每周摘要将发送到您与机器人的私聊中，时间为每星期一 "
                                  "09:00（Asia/Shanghai）。")
        clock.set(nine + timedelta(seconds=3))
        assert len(slack.engine.schedule_tick()) == 4
        await settle(slack.engine, channel="slack", timeout=20)
        team = slack.api.sent("chat.postMessage", ALERTS)[-1].params["text"]
        assert team.startswith("📬 Weekly digest · ")
        assert "CSAT 67% satisfied (4–5)" in team and "服务太慢" in team
        assert "NPS: no answers in this period." in team
        dm = slack.api.dm_texts(MANAGER)[-1]
        assert dm.startswith("📬 每周摘要 · ") and "服务太慢" in dm
        assert "当前没有待处理或已认领的预警。" in dm
        uploads = slack.api.sent("files.completeUploadExternal")
        assert sorted(c.params.get("channel_id") for c in uploads) == sorted(
            [ALERTS, f"D{MANAGER}"])
        assert [c.params["size"] for c in slack.api.calls if c.method == "upload"] == [
            len(png())] * 2
