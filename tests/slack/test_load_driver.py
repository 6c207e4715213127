"""The load driver (tests/load) against the Slack app in this process."""

from __future__ import annotations

from tests.load import SlackLoad, answers_mismatch
from tests.slack.harness import SlackHarness


async def test_slack_in_process(slack: SlackHarness) -> None:
    load = SlackLoad(slack.api, slack.send.url)
    result = await load.run(8, timeout=60)
    assert not result.stuck, result.summary()
    await result.wait_acknowledged()
    assert answers_mismatch(result, slack.settings.database_url, "slack") == []
    assert len(result.manager.claimed) == len(result.manager.replied) > 0
