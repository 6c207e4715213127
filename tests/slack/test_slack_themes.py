"""``/nps themes`` in Slack, through the real slack-bolt app against the Web API stand-in: the
themes answered to the manager alone (ephemeral), a bucket named, and a bad one refused."""

from __future__ import annotations

from tests.slack.harness import MANAGER, SlackHarness
from tests.test_themes_reports import NOW
from tests.themes_world import seed_themes


async def test_themes_in_slack(slack: SlackHarness) -> None:
    slack.engine.clock = lambda: NOW
    seed_themes(slack.engine, NOW, channel="slack")
    responses = await slack.command(MANAGER, "/nps", "themes 30d detractor")
    assert len(responses) == 1 and responses[0]["response_type"] == "ephemeral"
    text = responses[0]["text"]
    assert text.startswith("NPS themes · Detractors (0–6) · 30d")
    assert "1. late — 6 comments (38%), +4 percentage points" in text
    assert "“Customer support never answers the phone.”" in text
    assert "serviciul clienți — 3 comments (20%)" in text and "闪退 — 3 comments (21%)" in text
    refused = (await slack.command(MANAGER, "/nps", "themes 30d angry"))[0]["text"]
    assert refused.startswith("I do not know the bucket “angry”.")
