"""What a broken client or an attacker sends to ``/slack/events`` and over Socket Mode: 401
before the body is read for anything unsigned, 400 for a signed body that is not what Slack
sends; one log line, no traceback, nothing stored, nothing sent."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.slack.app import run_socket_mode
from bot.app import build_engine
from bot.engine import Engine
from tests.bad_input import assert_one_line, raw_post, row_counts
from tests.slack.harness import MANAGER, SlackHarness
from tests.slack.standin import APP_TOKEN, SlackAPIStandIn, SlackSender, sign

LOGGER = "adapters.slack.app"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
DEEP = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def _form(**fields: str) -> bytes:
    return urlencode(fields).encode()


def _event(event: Any) -> bytes:
    return json.dumps({"type": "event_callback", "event_id": "Ev1", "event": event}).encode()


def _action(**payload: Any) -> bytes:
    return _form(payload=json.dumps({"type": "block_actions", **payload}))


# What the issue found answering 500, and its relatives.
BODIES: dict[str, tuple[bytes, str]] = {
    "malformed JSON": (b'{"type": "event_callback", "event": ', JSON),
    "deeply nested JSON": (DEEP, JSON),
    "deeply nested arrays": (b"[" * 100_000 + b"]" * 100_000, JSON),
    "nested past the bound": (json.dumps({"type": "x", "a": json.loads(
        "[" * 40 + "]" * 40)}).encode(), JSON),
    "a JSON array": (b"[]", JSON),
    "a JSON string": (b'"hello"', JSON),
    "invalid UTF-8": (b'{"type": "event_callback", "x": "\xff\xfe"}', JSON),
    "payload= with bad JSON": (_form(payload="{not json"), FORM),
    "payload= with a JSON array": (_form(payload="[1, 2]"), FORM),
    "payload= nested deeply": (_form(payload='{"a":' * 20_000 + "1" + "}" * 20_000), FORM),
    "a form that does not parse": (b"command=%2Fnps&&text", FORM),
    "another content type": (b"hello", "text/plain"),
    "an event that is a string": (_event("hello"), JSON),
    "an event with a text that is a number": (_event({"type": "message", "text": 5}), JSON),
    "a type that is a number": (json.dumps({"type": 5}).encode(), JSON),
    "an action without its user": (_action(user="U1", actions=[{"value": "x"}]), FORM),
    "an action without actions": (_action(user={"id": "U1"}, actions=[]), FORM),
    "a command without its user": (_form(command="/nps", text="summary"), FORM),
}


async def _refused(slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes,
                   content_type: str, status: int, **post: Any) -> str:
    """Send, expect ``status``, and check nothing changed and one line was logged."""
    before, calls = row_counts(slack.engine), len(slack.api.calls)
    caplog.clear()
    got, _ = await slack.send.post(body, content_type, **post)
    assert got == status
    record = assert_one_line(caplog, LOGGER)
    assert row_counts(slack.engine) == before
    assert len(slack.api.calls) == calls, "nothing was sent to Slack"
    return record.getMessage()


@pytest.mark.parametrize("body,content_type", BODIES.values(), ids=BODIES.keys())
async def test_signed_but_not_what_slack_sends_gets_400(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes,
        content_type: str) -> None:
    message = await _refused(slack, caplog, body, content_type, 400)
    assert message.startswith("slack: refused a request from 127.0.0.1: ")


@pytest.mark.parametrize("body,content_type", BODIES.values(), ids=BODIES.keys())
async def test_unsigned_is_refused_before_the_body_is_read(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes,
        content_type: str) -> None:
    message = await _refused(slack, caplog, body, content_type, 401, signed={})
    assert message.endswith(": no signature")


async def test_a_body_over_a_megabyte_gets_413(slack: SlackHarness,
                                               caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps({"type": "event_callback", "x": "a" * 2_000_000}).encode()
    message = await _refused(slack, caplog, body, JSON, 413)
    assert message.endswith(": a body over the size limit")


NOW = "<now>"


def _good() -> bytes:
    return SlackSender("", SlackAPIStandIn()).dm_event("UEVE", "start")


@pytest.mark.parametrize("headers,reason", [
    ({"X-Slack-Request-Timestamp": NOW}, "no signature"),
    ({"X-Slack-Signature": "v0=" + "0" * 64}, "no signature"),
    ({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64},
     "a timestamp that is not a number"),
    ({"X-Slack-Request-Timestamp": "١٢٣٤٥", "X-Slack-Signature": "v0=" + "0" * 64},
     "a timestamp that is not a number"),
    ({"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=" + "0" * 64},
     "no signature"),
    ({"X-Slack-Request-Timestamp": NOW, "X-Slack-Signature": "v0=zz"},
     "a malformed signature"),
], ids=["no signature", "no timestamp", "a word as timestamp", "Arabic digits",
        "an empty timestamp", "a malformed signature"])
async def test_bad_signature_headers_get_401(slack: SlackHarness,
                                             caplog: pytest.LogCaptureFixture,
                                             headers: dict[str, str], reason: str) -> None:
    # The current time when the test runs, not when it was collected (a long suite would make
    # it stale).
    headers = {k: str(int(time.time())) if v == NOW else v for k, v in headers.items()}
    message = await _refused(slack, caplog, _good(), JSON, 401, signed=headers)
    assert message.endswith(": " + reason)


async def test_forged_and_stale_signatures_get_401(slack: SlackHarness,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    body = _good()
    forged = sign(body, secret="not-the-secret")
    assert (await _refused(slack, caplog, body, JSON, 401, signed=forged)).endswith(
        ": a wrong signature")
    stale = sign(body, timestamp=int(time.time()) - 6 * 60)
    assert (await _refused(slack, caplog, body, JSON, 401, signed=stale)).endswith(
        ": a stale timestamp")
    tampered = sign(body)
    assert (await _refused(slack, caplog, body.replace(b"start", b"stop!"), JSON, 401,
                           signed=tampered)).endswith(": a wrong signature")
    bad_bytes = b'{"x": "\xff"}'
    assert (await _refused(slack, caplog, bad_bytes, JSON, 401,
                           signed=sign(b'{"x": "?"}'))).endswith(": a wrong signature")


@pytest.mark.parametrize("headers", [
    b"X-Slack-Request-Timestamp: 12\xff\r\nX-Slack-Signature: v0=00\r\n",
    b"X-Slack-Request-Timestamp: 1700000000\r\nX-Slack-Signature: v0=\xff\xfe\r\n",
], ids=["timestamp", "signature"])
async def test_signature_headers_that_are_not_utf8_get_401(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture, headers: bytes) -> None:
    caplog.clear()
    assert await raw_post(slack.send.url, headers) == 401
    assert_one_line(caplog, LOGGER)


async def test_good_requests_still_work_between_bad_ones(slack: SlackHarness) -> None:
    for body, content_type in BODIES.values():
        assert (await slack.send.post(body, content_type))[0] == 400
    slack.api.add_user("UEVE", "Eve", "en-US")
    got = await slack.dm("UEVE", "start")
    assert any("recommend us" in text for text in got)


# ------------------------------------------------------------------------------ Socket Mode


@pytest.fixture
async def socket(slack_settings: Callable[..., Any]) -> AsyncIterator[
        tuple[SlackAPIStandIn, Engine]]:
    async with SlackAPIStandIn() as api:
        api.add_user(MANAGER, "Maria Popescu", "en-GB")
        settings = slack_settings(api, slack_app_token=APP_TOKEN)
        engine = build_engine(settings)
        stop = asyncio.Event()
        task = asyncio.create_task(run_socket_mode(engine, settings, stop))
        try:
            await api.wait_for(lambda: bool(api.sockets) or task.done(), timeout=15)
            assert not task.done(), task
            yield api, engine
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)
            engine.db.dispose()


FRAMES = {
    "not JSON": "{not json",
    "deeply nested": DEEP.decode(),
    "a JSON array": "[1]",
    "a payload that is an array": json.dumps({"envelope_id": "e1", "type": "events_api",
                                              "payload": []}),
    "a payload that is a string": json.dumps({"envelope_id": "e2", "type": "events_api",
                                              "payload": "hello"}),
    "an event that is a string": json.dumps({"envelope_id": "e3", "type": "events_api",
                                             "payload": json.loads(_event("hello"))}),
    "no envelope id": json.dumps({"type": "events_api", "payload": {}}),
}


@pytest.mark.parametrize("frame", FRAMES.values(), ids=FRAMES.keys())
async def test_socket_mode_survives_broken_frames(socket: tuple[SlackAPIStandIn, Engine],
                                                  caplog: pytest.LogCaptureFixture,
                                                  frame: str) -> None:
    api, engine = socket
    before = row_counts(engine)
    caplog.clear()
    await api.send_raw(frame)
    await api.wait_for(lambda: bool(caplog.records), timeout=10)
    record = assert_one_line(caplog, "adapters.slack.envelopes")
    assert record.getMessage().startswith("slack: refused a Socket Mode ")
    assert row_counts(engine) == before
    envelope_id = json.loads(frame).get("envelope_id") if frame.startswith('{"e') else None
    if envelope_id:
        await api.wait_for(lambda: envelope_id in api.acks, timeout=10)
    # The connection is still up, and the next good envelope is handled.
    api.add_user("USOCK", "Sock", "en-US")
    sender = SlackSender("(socket mode)", api)
    acked = await api.envelope("events_api", json.loads(sender.dm_event("USOCK", "start")))
    await api.wait_for(lambda: acked in api.acks, timeout=10)
    await api.wait_for(lambda: bool(api.dm_texts("USOCK")), timeout=10)
