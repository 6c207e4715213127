"""Slack under a storm: 429s and 5xx bursts on posts, updates and alert posts while customers
answer and a manager claims alerts; a customer whose account is inactive; signed requests
replayed inside Slack's 5-minute window."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from bot.models import AlertNote
from tests.chat_campaigns import EVERY_HOUR, campaign_named, drive
from tests.helpers import settle
from tests.slack.conftest import serving
from tests.slack.harness import ALERTS, MANAGER, SlackHarness
from tests.slack.standin import ANY_SEND, SlackLimits, sign

NPS_Q = "How likely are you to recommend us to a friend or colleague?"
CSAT_Q = "How satisfied are you with the service you received?"
THANKS = "Thank you for your answers! They help us improve."
FORM = "application/x-www-form-urlencoded"


async def wave(h: SlackHarness, requests: list[tuple[bytes, str]], timeout: float = 120) -> None:
    """Post every request at once (each signed as Slack signs it) and wait until all are handled
    and everything the bot decided to say was answered."""
    statuses = await asyncio.gather(*(h.send.post(body, kind) for body, kind in requests))
    assert [s for s, _ in statuses] == [200] * len(requests)
    await settle(h.engine, channel="slack", timeout=timeout)


def press(h: SlackHarness, user: str, channel: str, message: dict[str, Any],
          label: str) -> tuple[bytes, str]:
    button = next(e for b in message["blocks"] if b["type"] == "actions"
                  for e in b["elements"] if e["text"]["text"] == label)
    return h.send.action(user, channel, json.loads(json.dumps(message)), button), FORM


def alerts(h: SlackHarness) -> list[dict[str, Any]]:
    return [m for m in h.api.channel_messages(ALERTS) if "Unhappy customer" in m.get("text", "")]


async def test_storm_of_429_and_5xx_loses_nothing_and_repeats_nothing(
        slack_settings: Callable[..., Any]) -> None:
    async with serving(slack_settings, slack_channel_rate=10, slack_channel_burst=3) as h:
        h.api.limits = SlackLimits.raised(20)
        h.api.faults.add(ANY_SEND, 429, times=None, share=0.3, retry_after=1)
        h.api.faults.add(ANY_SEND, 503, times=None, share=0.3)
        users = [f"USTORM{i}" for i in range(10)]
        for i, uid in enumerate(users):
            h.api.add_user(uid, f"Customer{i}", "en-US")
        scores = dict(zip(users, [0, 9, 3, 10, 5, 8, 6, 10, 2, 7], strict=True))
        detractors = [uid for uid in users if scores[uid] <= 6]
        await wave(h, [(h.send.dm_event(uid, "start"), "application/json") for uid in users])
        await wave(h, [press(h, uid, f"D{uid}", h.api.last_buttons(f"D{uid}")[0],
                             str(scores[uid])) for uid in users])
        posted = alerts(h)
        assert len(posted) == len(detractors)
        claims = [press(h, MANAGER, ALERTS, m, "Claim") for m in posted]
        comments = [(h.send.dm_event(uid, f"Comment of {uid}"), "application/json")
                    for uid in users]
        await wave(h, claims + comments)
        await wave(h, [press(h, uid, f"D{uid}", h.api.last_buttons(f"D{uid}")[0], "4")
                       for uid in users])

        fired = h.api.faults.fired
        storm = {kind: sum(1 for f in fired if f[3] == kind) for kind in (429, 503)}
        assert storm[429] > 10 and storm[503] > 10, storm
        for uid in users:
            said = h.api.log.order(f"D{uid}", methods={"chat.postMessage"})
            assert len(said) == 4 and NPS_Q in said[0] and CSAT_Q in said[2], (uid, said)
            assert said[-1] == THANKS, (uid, said)
        # Each claim is acknowledged to the manager once ("You claimed…" is the same text for
        # every alert, so ephemerals are counted rather than compared).
        assert h.api.log.duplicates({"chat.postMessage", "response_url"}) == {}
        assert h.ephemerals(MANAGER).count("You claimed this alert.") == len(detractors)
        alert_posts = h.api.log.select(methods={"chat.postMessage"}, chat=ALERTS)
        assert len(alert_posts) == len(detractors)
        for i, uid in enumerate(users):
            if uid in detractors:
                assert sum(f"Customer{i}" in e.text for e in alert_posts) == 1
        for message in alerts(h):
            assert "claimed by Maria Popescu" in message["text"], message["text"]
            assert "Comment of" in message["text"], message["text"]
        assert h.api.limited == [], "the bot paced itself: no limit of the stand-in was hit"
        per_chat = h.api.log.peak_per_chat(1.0)
        assert max(per_chat.values()) <= 10 + 3
        print("storm figures:", {**storm, "accepted": len(h.api.log),
                                 "peak/channel/s": max(per_chat.values()),
                                 "peak overall/s": h.api.log.peak(1.0)})


async def detractor_with_alert(h: SlackHarness, uid: str, name: str) -> dict[str, Any]:
    """A customer who answered 1 and commented; the reply modal a manager opened on the alert."""
    h.api.add_user(uid, name, "en-US")
    await h.dm(uid, "start")
    await h.press(uid, "1")
    await h.dm(uid, "Terrible")
    await h.press(MANAGER, "Reply", channel=ALERTS)
    return dict(h.api.sent("views.open")[-1].params["view"])


def manager_heard(h: SlackHarness) -> list[str]:
    said = h.ephemerals(MANAGER) + h.api.dm_texts(MANAGER)
    return said + [str(r.get("text")) for rs in h.api.responses.values() for r in rs]


async def test_inactive_customer_gets_not_sent_once(slack: SlackHarness) -> None:
    view = await detractor_with_alert(slack, "UGONE", "Gone")
    slack.api.inactive.add("UGONE")
    status, _ = await slack.deliver(slack.send.view_submission(MANAGER, view, "Sorry"), FORM)
    assert status == 200
    said = manager_heard(slack)
    not_sent = "Not sent: Gone has blocked the bot or cannot be reached."
    assert sum(not_sent in x for x in said) == 1, said
    assert not any("Sent to" in x for x in said), said
    with Session(slack.engine.db.read_engine) as s:
        notes = list(s.exec(select(AlertNote).where(AlertNote.kind == "reply")))
    assert [(n.text, n.delivered) for n in notes] == [("Sorry", False)]
    person = slack.respondent("UGONE")
    assert person is not None and person.unreachable


async def test_replayed_signed_requests_change_nothing(
        slack_settings: Callable[..., Any]) -> None:
    async with serving(slack_settings, send_window=EVERY_HOUR) as slack:
        await _replays(slack)


async def _replays(slack: SlackHarness) -> None:
    # A /nps send command, replayed: one preview, one draft; its Send, replayed: one launch.
    slack.api.add_user("UWAVE", "Wave", "en-US")
    url = slack.api.response_url()
    command = slack.send.command(MANAGER, "/nps", "send <@UWAVE>", response_url=url)
    signed = sign(command)
    for _ in range(2):
        status, _ = await slack.send.post(command, FORM, signed=signed)
        assert status == 200
        await settle(slack.engine, channel="slack")
    (preview,) = slack.api.responses[url.rsplit("/", 1)[1]]
    assert len(campaign_named(slack.engine, "nps-")) == 1
    message = {"ts": "1700000000.000100", "blocks": preview["blocks"]}
    button = next(e for b in preview["blocks"] if b["type"] == "actions"
                  for e in b["elements"] if e["text"]["text"] == "Send")
    pressed = slack.send.action(MANAGER, "C0GENERAL", message, button)
    signed = sign(pressed)
    for _ in range(2):
        status, _ = await slack.send.post(pressed, FORM, signed=signed)
        assert status == 200
        await settle(slack.engine, channel="slack")
    await drive(slack.engine, "slack", slack.channel.dispatcher)
    questions = [t for t in slack.api.dm_texts("UWAVE") if NPS_Q in t]
    assert len(questions) == 1, slack.api.dm_texts("UWAVE")
    replaced = [r for rid in slack.api.responses for r in slack.api.responses[rid]
                if r.get("replace_original")]
    assert len(replaced) == 1 and "Sending the survey to 1 person" in replaced[0]["text"]

    # A button press, replayed: one answer, one follow-up question.
    message, elements = slack.api.last_buttons("DUWAVE")
    button = next(e for e in elements if e["text"]["text"] == "8")
    pressed = slack.send.action("UWAVE", "DUWAVE", message, button)
    signed = sign(pressed)
    for _ in range(2):
        status, _ = await slack.send.post(pressed, FORM, signed=signed)
        assert status == 200
        await settle(slack.engine, channel="slack")
    assert [a.score for a in slack.answers()] == [8]
    after_press = slack.api.log.order("DUWAVE", methods={"chat.postMessage"})
    assert len(after_press) == 2, after_press

    # A modal submission, replayed: one reply reaches the customer.
    view = await detractor_with_alert(slack, "UREPLAY", "Replay")
    submitted = slack.send.view_submission(MANAGER, view, "We are on it")
    signed = sign(submitted)
    for _ in range(2):
        status, _ = await slack.send.post(submitted, FORM, signed=signed)
        assert status == 200
        await settle(slack.engine, channel="slack")
    replies = [t for t in slack.api.dm_texts("UREPLAY") if "We are on it" in t]
    assert len(replies) == 1, slack.api.dm_texts("UREPLAY")
    assert sum("Sent to Replay." in x for x in manager_heard(slack)) == 1
    with Session(slack.engine.db.read_engine) as s:
        notes = list(s.exec(select(AlertNote).where(AlertNote.kind == "reply")))
    assert [(n.text, n.delivered) for n in notes] == [("We are on it", True)]
