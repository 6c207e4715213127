"""A campaign's response rate in a manager's summary, through slack-bolt against the Slack Web
API stand-in (requests signed as Slack signs them): two customers invited by a campaign (one
answers), one person who came by themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.rates_world import invite_by_campaign
from tests.slack.conftest import serving
from tests.slack.harness import MANAGER


async def test_the_summary_shows_the_response_rate(slack_settings: Callable[..., Any]) -> None:
    async with serving(slack_settings, send_window="00:00-24:00") as slack:
        for user, name in (("UINV1", "Ana"), ("UINV2", "Ion"), ("UOWN", "Radu")):
            slack.api.add_user(user, name, "en-US")
        await invite_by_campaign(slack.engine, slack.channel.dispatcher, "slack",
                                 {"c-1": "UINV1", "c-2": "UINV2"})
        assert slack.api.dm_texts("UINV1") and slack.api.dm_texts("UINV2")
        await slack.press("UINV1", "10")
        await slack.dm("UOWN", "start")
        await slack.press("UOWN", "3")

        responses = await slack.command(MANAGER, "/nps", "summary 7d by channel")
        assert len(responses) == 1 and responses[0]["response_type"] == "ephemeral"
        report = responses[0]["text"]
        assert "NPS 0 (n = 2)" in report
        assert "n = 2: 1 after an invitation, 1 on their own" in report
        assert "Response rate: 50% (1 of 2 invitations sent were answered)." in report
        assert "▸ Slack" in report
