"""Customer-written text reaches Slack escaped everywhere: a link, ``<!channel>``, ``<!here>``,
a mention and ``&`` show as typed in the alert (blocks and notification text), its updates, the
summary, the DM to the customer, the ephemeral answers, App Home and the reply modal; and a
comment that escaping lengthens past 3,000 characters is still delivered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from tests.slack.conftest import serving
from tests.slack.harness import ALERTS, MANAGER, SlackHarness
from tests.slack.standin import Call, escaped_properly, shown

EVIL = ("<http://evil|Official refund form>", "<!channel>", "<!here>", "<@U123>", "&")
COMMENT = "Refund here: <http://evil|Official refund form> <!channel> <!here> <@U123> & thanks"
NAME = "<!here> Ion & <@U123>"
MANAGER2 = "UMANAGER2"
REPLY = "<!channel> use <http://evil|Official refund form> & <@U123>"
FIELDS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish",
          "views.open", "response_url")


@pytest.fixture
async def slack2(slack_settings: Callable[..., Any]) -> AsyncIterator[SlackHarness]:
    async with serving(slack_settings, slack_manager_ids=f"{MANAGER},{MANAGER2}") as harness:
        harness.api.add_user(MANAGER2, "<!channel> Mara &", "en-GB")
        yield harness


def mrkdwn_texts(call: Call) -> Iterator[tuple[str, str]]:
    """(where, text) of every text Slack parses in a recorded call."""
    params = call.params
    if "text" in params and call.method != "views.open":
        yield f"{call.method} text", str(params["text"])
    blocks = params.get("blocks")
    if blocks is None and isinstance(params.get("view"), dict):
        blocks = params["view"].get("blocks")
    for block in blocks or []:
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            yield f"{call.method} section", str(text["text"])


def plain_texts(call: Call) -> list[str]:
    """Every plain_text string in a call (buttons, modal title and labels)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "plain_text":
                found.append(str(value.get("text")))
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(call.params)
    return found


async def test_customer_text_is_escaped_in_every_place(slack2: SlackHarness) -> None:
    slack = slack2
    slack.api.add_user("UEVIL", NAME, "en-US")
    await slack.dm("UEVIL", "start")
    await slack.press("UEVIL", "1")
    await slack.dm("UEVIL", COMMENT)
    stale, _ = slack.button(ALERTS, "Claim")
    await slack.press(MANAGER, "Claim", channel=ALERTS)
    # A second manager's screen still shows Claim: "Already claimed by …", ephemeral.
    await slack.press(MANAGER2, "Claim", channel=ALERTS, message=stale)
    await slack.press(MANAGER, "Reply", channel=ALERTS)
    view = slack.api.sent("views.open")[-1].params["view"]
    status, _ = await slack.deliver(slack.send.view_submission(MANAGER, view, REPLY),
                                    "application/x-www-form-urlencoded")
    assert status == 200
    summary = await slack.command(MANAGER, "/nps", "summary all")
    status, _ = await slack.deliver(slack.send.home_event("UEVIL"))
    assert status == 200

    calls = [c for c in slack.api.calls if c.method in FIELDS]
    assert {c.method for c in calls} == set(FIELDS), "every place was reached"
    assert [c for c in slack.api.calls if c.status != 200] == [], "nothing was refused"
    for call in calls:
        for where, text in mrkdwn_texts(call):
            assert escaped_properly(text), f"{where}: {text!r}"
        for text in plain_texts(call):  # plain_text is not parsed, and carries none of it
            assert not any(evil in text for evil in EVIL if evil != "&"), text

    def seen(method: str, **match: Any) -> list[str]:
        return [shown(text) for c in calls if c.method == method
                and all(c.params.get(k) == v for k, v in match.items())
                for _, text in mrkdwn_texts(c)]

    alert = seen("chat.postMessage", channel=ALERTS)
    assert sum(f"Customer: {NAME} on Slack" in t for t in alert) == 2  # blocks and fallback
    updates = seen("chat.update", channel=ALERTS)
    assert sum(COMMENT in t and NAME in t for t in updates) >= 2
    assert any(REPLY in t and COMMENT in t for t in updates), "the reply, in the alert"
    ephemeral = seen("chat.postEphemeral", channel=ALERTS)
    assert any("Already claimed by Maria Popescu." in t for t in ephemeral)
    assert any(f"Sent to {NAME}." in t for t in ephemeral), ephemeral
    assert any(REPLY in t for t in seen("chat.postMessage", channel="DUEVIL")), "the DM"
    report = [shown(text) for body in summary for text in
              (body["text"], *[b["text"]["text"] for b in body["blocks"]
                               if b["type"] == "section"])]
    assert sum(COMMENT in t for t in report) == 2, report
    assert seen("views.publish"), "App Home was published"


async def test_the_mention_a_manager_name_carries_is_escaped_too(
        slack2: SlackHarness) -> None:
    slack = slack2
    slack.api.add_user("UCUST", "Cust", "en-US")
    await slack.dm("UCUST", "start")
    await slack.press("UCUST", "0")
    stale, _ = slack.button(ALERTS, "Claim")
    await slack.press(MANAGER2, "Claim", channel=ALERTS)
    await slack.press(MANAGER, "Claim", channel=ALERTS, message=stale)
    texts = [text for c in slack.api.calls if c.method in FIELDS for _, text in
             mrkdwn_texts(c)]
    assert all(escaped_properly(t) for t in texts)
    assert any("claimed by &lt;!channel&gt; Mara &amp;" in t for t in texts)
    assert any("Already claimed by &lt;!channel&gt; Mara &amp;." in t for t in texts)


async def test_a_comment_escaping_lengthens_past_a_section_is_delivered(
        slack: SlackHarness) -> None:
    """2,000 ``&`` are 10,000 characters escaped: the alert spreads over several sections."""
    slack.api.add_user("UAMP", "Amp", "en-US")
    await slack.dm("UAMP", "start")
    await slack.press("UAMP", "2")
    got = await slack.dm("UAMP", "&" * 2000)
    assert [c for c in slack.api.calls if c.status != 200] == []
    update = slack.api.sent("chat.update", ALERTS)[-1].params
    sections = [b["text"]["text"] for b in update["blocks"] if b["type"] == "section"]
    assert len(sections) > 1 and all(len(s) <= 3000 for s in sections)
    assert "&" * 2000 in shown("".join(sections))
    assert shown(sections[-1]).endswith("Status: open")
    assert len(update["text"]) <= 4000 and escaped_properly(update["text"])
    assert any(t for t in got), json.dumps(got)[:200]
