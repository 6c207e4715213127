"""Managers in Slack: alerts with claim / reply (modal) / resolve, summaries (the chat
campaigns of ``/nps send``: test_slack_chat_campaigns.py)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Alert, AlertNote
from tests.helpers import seed_answers, settle
from tests.slack.harness import ALERTS, MANAGER, SlackHarness


async def test_detractor_alert_claim_reply_resolve(slack: SlackHarness) -> None:
    slack.api.add_user("UANGRY", "Andrei", "ro-RO")
    await slack.dm("UANGRY", "start")
    await slack.press("UANGRY", "2")
    await slack.dm("UANGRY", "Livrarea a întârziat <o săptămână> & nimeni nu a răspuns")
    posts = slack.api.sent("chat.postMessage", ALERTS)
    assert len(posts) == 1, "exactly one alert"
    alert_ts = next(ts for (chan, ts) in slack.api.messages if chan == ALERTS)
    text = slack.api.messages[(ALERTS, alert_ts)]["text"]
    assert "2/10" in text and "Andrei" in text and "on Slack, speaks Romanian" in text
    assert "întârziat &lt;o săptămână&gt; &amp; nimeni" in text  # the notification text too
    section_text = slack.api.messages[(ALERTS, alert_ts)]["blocks"][0]["text"]["text"]
    assert "&lt;o săptămână&gt; &amp; nimeni" in section_text  # escaped for mrkdwn
    _, elements = slack.api.last_buttons(ALERTS)
    assert [e["text"]["text"] for e in elements] == ["Claim", "Reply", "Resolved"]

    slack.api.add_user("UNOSY", "Nosy", "en-US")
    await slack.press("UNOSY", "Claim", channel=ALERTS)
    assert slack.ephemerals("UNOSY")[-1] == "Sorry, this is only for managers."

    await slack.press(MANAGER, "Claim", channel=ALERTS)
    assert "claimed by Maria Popescu" in slack.api.messages[(ALERTS, alert_ts)]["text"]

    await slack.press(MANAGER, "Reply", channel=ALERTS)
    opened = slack.api.sent("views.open")
    assert len(opened) == 1
    view = opened[0].params["view"]
    assert view["callback_id"] == "alert_reply" and view["type"] == "modal"
    # An empty reply is refused inside the modal.
    status, body = await slack.send.post(slack.send.view_submission(MANAGER, view, "  "),
                                         "application/x-www-form-urlencoded")
    assert status == 200 and '"response_action": "errors"' in body.replace(':"', ': "')
    status, _ = await slack.deliver(slack.send.view_submission(
        MANAGER, view, "Ne pare rău, vă returnăm banii azi."), "application/x-www-form-urlencoded")
    assert status == 200
    dm = slack.api.dm_texts("UANGRY")[-1]
    assert dm.startswith(translator("ro").gettext("A message from our team about your feedback:"))
    assert "vă returnăm banii azi" in dm
    assert "Sent to Andrei." in slack.ephemerals(MANAGER)

    await slack.press(MANAGER, "Resolved", channel=ALERTS)
    assert "resolved by Maria Popescu" in slack.api.messages[(ALERTS, alert_ts)]["text"]
    with Session(slack.engine.db.read_engine) as s:
        alert = s.exec(select(Alert)).one()
        notes = list(s.exec(select(AlertNote).order_by(AlertNote.id)))  # type: ignore[arg-type]
    assert alert.status == "resolved" and alert.resolved_by == "Maria Popescu"
    assert [n.kind for n in notes] == ["claim", "reply", "resolve"]




async def test_summary_ephemeral_for_managers_only(slack: SlackHarness) -> None:
    # 3 promoters, 1 passive, 4 detractors: NPS = 37.5 % − 50 % = −12.5 → −13 (n = 8).
    seed_answers(slack.engine, [("nps", score, 2, "Too slow" if score < 7 else None)
                                for score in [9, 10, 10, 8, 0, 3, 5, 6]],
                 channel="slack", user_id="USEED")
    status, body = await slack.send.post(
        slack.send.command(MANAGER, "/nps", "summary 30d"), "application/x-www-form-urlencoded")
    assert status == 200 and body == ""  # acknowledged at once; the figures follow
    await settle(slack.engine, channel="slack")
    responses = await slack.command(MANAGER, "/nps", "summary 30d")
    assert len(responses) == 1 and responses[0]["response_type"] == "ephemeral"
    report = responses[0]["text"]
    assert "NPS −13 (n = 8)" in report or "NPS -13 (n = 8)" in report
    assert "Detractors (0–6): 4 (50%)" in report and "Promoters (9–10): 3 (38%)" in report
    assert "Too slow" in report

    slack.api.add_user("UCUST", "Customer", "zh-CN")
    responses = await slack.command("UCUST", "/nps", "summary 30d")
    assert len(responses) == 1
    assert responses[0]["text"] == translator("zh").gettext(
        "Sorry, this command is only for managers.")
    assert "13" not in responses[0]["text"]


async def test_help_and_usage_use_the_configured_commands(slack_settings: Any) -> None:
    from tests.slack.conftest import serving

    async with serving(slack_settings, slack_command_nps="/survey-nps") as h:
        manager_help = "\n".join(await h.dm(MANAGER, "help"))
        assert "For managers: /survey-nps summary" in manager_help
        assert "start — take the survey" in manager_help
        assert "delete my data — delete your data" in manager_help
        assert "/start" not in manager_help and "/delete_my_data" not in manager_help
        answers = await h.command(MANAGER, "/survey-nps", "summary 30d by colour")
        assert "\nUsage: /survey-nps summary [today|" in answers[-1]["text"]
        h.api.add_user("UCUST", "Ana", "en-US")
        customer_help = "\n".join(await h.dm("UCUST", "help"))
        assert "For managers" not in customer_help and "export my data —" in customer_help


async def test_a_manager_reads_their_own_language_in_slack(slack: SlackHarness) -> None:
    await slack.dm(MANAGER, "language zh")
    answers = await slack.command(MANAGER, "/nps", "summary 30d")
    assert "NPS" in answers[-1]["text"] and "汇总" in answers[-1]["text"]
    slack.api.add_user("UANGRY2", "Andrei", "en-US")
    await slack.dm("UANGRY2", "start")
    await slack.press("UANGRY2", "1")
    alert_ts = next(ts for (chan, ts) in slack.api.messages if chan == ALERTS)
    assert "Unhappy customer" in slack.api.messages[(ALERTS, alert_ts)]["text"]
    await slack.press(MANAGER, "Reply", channel=ALERTS)
    view = slack.api.sent("views.open")[-1].params["view"]
    assert view["title"]["text"] == translator("zh").gettext("Reply to the customer")[:24]
