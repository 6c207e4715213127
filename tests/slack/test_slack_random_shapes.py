"""Signed bodies of random shape (the keys bolt and our listeners read, holding values of any
JSON type), as JSON events and as interaction payloads: never a 500, never a handler error or a
traceback; what is not what Slack sends gets a 400."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import settle
from tests.slack.harness import SlackHarness

KEYS = ("type", "event", "event_id", "team", "team_id", "enterprise", "enterprise_id",
        "authorizations", "user", "user_id", "channel", "channel_id", "actions", "view",
        "container", "message", "command", "text", "response_url", "trigger_id",
        "is_enterprise_install", "api_app_id", "token", "callback_id", "state", "values", "id",
        "value", "action_id", "block_id", "subtype", "bot_id", "channel_type", "tab",
        "private_metadata", "challenge", "action_ts", "message_ts", "ts")
WORDS = ("event_callback", "block_actions", "view_submission", "message", "app_home_opened",
         "im", "home", "UMANAGER1", "DU1", "url_verification", "sb:0", "alert_reply",
         "al:1:claim", "a:1:0:5", "shortcut", "view_closed", "/nps", "summary")
LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                 st.text(max_size=5), st.sampled_from(WORDS))
TREE = st.recursive(LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=25)
BODY = st.dictionaries(st.sampled_from(KEYS), TREE, max_size=8)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=BODY, as_form=st.booleans())
async def test_no_shape_of_body_answers_500(slack: SlackHarness,
                                            caplog: pytest.LogCaptureFixture,
                                            body: dict[str, Any], as_form: bool) -> None:
    first = len(caplog.records)
    if as_form:
        raw, content_type = urlencode({"payload": json.dumps(body)}).encode(), (
            "application/x-www-form-urlencoded")
    else:
        raw, content_type = json.dumps(body).encode(), "application/json"
    status, _ = await slack.send.post(raw, content_type)
    assert status in (200, 400, 404), status  # 404: bolt's "unhandled request"
    await settle(slack.engine, channel="slack")  # what was stored is processed
    broken = [f"{r.name}: {r.getMessage()}" for r in caplog.records[first:]
              if r.levelno >= logging.ERROR or r.exc_info]
    assert broken == []
