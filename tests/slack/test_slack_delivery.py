"""Requests Slack did not sign, stale ones, Slack's retries, replays, 429s from the Web API."""

from __future__ import annotations

import time

from tests.slack.harness import SlackHarness
from tests.slack.standin import sign


async def test_forged_and_stale_requests_are_refused(slack: SlackHarness) -> None:
    slack.api.add_user("UFORGE", "Forge", "en-US")
    body = slack.send.dm_event("UFORGE", "start")
    for headers in (sign(body, secret="not-the-secret"),
                    sign(body, timestamp=int(time.time()) - 6 * 60),
                    sign(body + b" "),
                    {}):
        status, _ = await slack.send.post(body, "application/json", signed=headers)
        assert status == 401
    command = slack.send.command("UMANAGER1", "/nps", "summary")
    status, _ = await slack.send.post(command, "application/x-www-form-urlencoded",
                                      signed=sign(command, secret="wrong"))
    assert status == 401
    assert slack.respondent("UFORGE") is None and slack.respondent("UMANAGER1") is None
    assert not [c for c in slack.api.calls if c.method == "chat.postMessage"]


async def test_slack_retry_is_stored_once(slack: SlackHarness) -> None:
    slack.api.add_user("URETRY", "Retry", "en-US")
    await slack.dm("URETRY", "start")
    await slack.press("URETRY", "8")
    body = slack.send.dm_event("URETRY", "Nice people", event_id="Ev0RETRY1")
    status, _ = await slack.deliver(body)
    assert status == 200
    for n in (1, 2, 3):
        status, _ = await slack.deliver(body, headers={"X-Slack-Retry-Num": str(n),
                                                       "X-Slack-Retry-Reason": "http_timeout"})
        assert status == 200
    assert [a.comment for a in slack.answers()] == ["Nice people"]
    csat_questions = [t for t in slack.api.dm_texts("URETRY") if "satisfied" in t]
    assert len(csat_questions) == 1


async def test_ratelimited_call_is_retried(slack: SlackHarness) -> None:
    slack.api.add_user("U429", "Busy", "en-US")
    slack.api.fail_next("chat.postMessage", retry_after=1)
    await slack.dm("U429", "start")
    attempts = [c for c in slack.api.calls if c.method == "chat.postMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.9
