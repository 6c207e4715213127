"""Managers' insight commands in Slack, through the real slack-bolt app against the Web API
stand-in: a split by a customer attribute answered ephemerally, and ``/nps export`` uploaded
to the manager's DM (Slack has no ephemeral files)."""

from __future__ import annotations

import csv
import io

from tests.insight import world
from tests.slack.harness import MANAGER, SlackHarness
from tests.test_insight import NOW


async def test_segments_and_the_export_in_slack(slack: SlackHarness) -> None:
    slack.engine.clock = lambda: NOW
    world(slack.engine, NOW, channel="slack")
    responses = await slack.command(MANAGER, "/nps", "summary 30d by plan")
    assert len(responses) == 1 and responses[0]["response_type"] == "ephemeral"
    assert "▸ pro\nNPS +33 (n = 3)" in responses[0]["text"]
    value = (await slack.command(MANAGER, "/nps", "value 30d"))[0]["text"]
    assert "the mean revenue is 1.97×" in value
    retention = (await slack.command(MANAGER, "/nps", "retention 90d"))[0]["text"]
    assert "All customers: CRR 50.0%" in retention

    await slack.command(MANAGER, "/nps", "export 30d")
    completed = slack.api.sent("files.completeUploadExternal")
    assert len(completed) == 1
    assert completed[0].params.get("channel_id") == f"D{MANAGER}"
    assert str(completed[0].params.get("initial_comment")).endswith(": 9 answers.")
    upload = next(c for c in slack.api.calls if c.method == "upload")
    content: bytes = upload.params["content"]
    text = content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text[text.index("id,created_at"):])))
    assert sorted(int(r["score"]) for r in rows) == [0, 2, 3, 7, 8, 9, 10, 10, 10]
    refused = (await slack.command(MANAGER, "/nps", "export 2026-13"))[0]["text"]
    assert refused.startswith("“2026-13” is not a date on the calendar.")
