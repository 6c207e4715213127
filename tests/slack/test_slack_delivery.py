"""Requests Slack did not sign, stale ones, Slack's retries, 429s from the Web API, and work
that waits for a burst to be acknowledged."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.slack import app as slack_app
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


async def test_work_waits_for_a_pause_in_requests(slack: SlackHarness,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Acknowledgements first: work behind a request starts when requests pause, and after
    ACK_MAX_DEFER at the latest when they do not."""
    channel = slack.channel
    done: list[str] = []

    async def work(name: str) -> None:
        done.append(name)

    monkeypatch.setattr(slack_app, "ACK_QUIET", 60.0)  # requests "keep coming"
    monkeypatch.setattr(slack_app, "ACK_MAX_DEFER", 0.3)
    channel._arrived()
    channel._later(work("deferred"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert done == [], "work started while requests were still arriving"
    await slack.api.wait_for(lambda: done == ["deferred"], timeout=10)

    monkeypatch.setattr(slack_app, "ACK_QUIET", 0.01)
    monkeypatch.setattr(slack_app, "ACK_MAX_DEFER", 60.0)
    channel._arrived()
    channel._later(work("after the pause"))
    await slack.api.wait_for(lambda: done == ["deferred", "after the pause"], timeout=10)
