"""A Slack customer's own data: the export is uploaded to their DM, and deleting the data
edits the alert already posted in the alert channel."""

from __future__ import annotations

import json

from bot.i18n import translator
from tests.slack.harness import ALERTS, SlackHarness


async def test_export_my_data_is_uploaded_to_the_dm(slack: SlackHarness) -> None:
    slack.api.add_user("UEXPORT", "Sam Taylor", "en-GB")
    await slack.dm("UEXPORT", "start")
    await slack.press("UEXPORT", "10")
    await slack.dm("UEXPORT", "Quick and friendly")
    await slack.dm("UEXPORT", "export my data")
    completed = slack.api.sent("files.completeUploadExternal")
    assert len(completed) == 1
    assert completed[0].params.get("channel_id") == "DUEXPORT"
    assert "everything we store about you" in str(completed[0].params.get("initial_comment"))
    upload = next(c for c in slack.api.calls if c.method == "upload")
    body = upload.params["content"]
    start = body.index(b"{")
    data = json.loads(body[start: body.rindex(b"}") + 1])
    assert data["profile"]["name"] == "Sam Taylor" and data["profile"]["channel"] == "Slack"
    assert data["answers"][0]["comment"] == "Quick and friendly"


async def test_delete_my_data_redacts_the_posted_alert(slack: SlackHarness) -> None:
    slack.api.add_user("UGONE", "Andrei", "ro-RO")
    await slack.dm("UGONE", "start")
    await slack.press("UGONE", "2")
    await slack.dm("UGONE", "Livrarea a întârziat")
    alert_ts = next(ts for (chan, ts) in slack.api.messages if chan == ALERTS)
    assert "Andrei" in slack.api.messages[(ALERTS, alert_ts)]["text"]
    await slack.dm("UGONE", "delete my data")
    await slack.press("UGONE", translator("ro").gettext("Yes, delete"))
    message = slack.api.messages[(ALERTS, alert_ts)]
    assert "Andrei" not in message["text"] and "întârziat" not in message["text"]
    assert "deleted at their request" in message["text"]
    assert not [b for b in message["blocks"] if b.get("type") == "actions"]
    assert slack.answers() == [] and slack.respondent("UGONE") is None
