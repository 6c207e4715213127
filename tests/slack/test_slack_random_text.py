"""Random Unicode (controls, NUL, RTL and zero-width marks, lone surrogates as a JSON
``\\ud800`` arrives, emoji, CJK, Slack markup) as names, locales, typed answers and comments,
through the real Slack app over signed HTTP and the Web API stand-in, on SQLite and PostgreSQL:
no 500, no handler error, no refused message, everything Slack parses escaped."""

from __future__ import annotations

import itertools
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text import clean
from tests.slack.harness import SlackHarness
from tests.slack.standin import escaped_properly
from tests.strategies import platform_text

_uids = itertools.count(1)
SORRY = "Sorry, something went wrong"
EXAMPLES = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@EXAMPLES
@given(name=platform_text(max_size=30), locale=st.one_of(st.none(), platform_text(max_size=8)),
       answer=platform_text(max_size=30), comment=platform_text(min_size=1, max_size=60))
async def test_random_text_never_breaks_slack(slack: SlackHarness,
                                              caplog: pytest.LogCaptureFixture, name: str,
                                              locale: str | None, answer: str,
                                              comment: str) -> None:
    first_call, first_record = len(slack.api.calls), len(caplog.records)
    user = f"UFUZZ{next(_uids)}"
    slack.api.add_user(user, name, locale)
    seen = await slack.dm(user, "start")  # each asserts the app answered 200
    seen += await slack.dm(user, answer)
    try:
        message, elements = slack.api.last_buttons(f"D{user}")
    except AssertionError:
        elements = []
    score = next((e for e in elements if str(e.get("value", "")).startswith("a:")), None)
    if score is not None:
        seen += await slack.press(user, score["text"]["text"], message=message)
    seen += await slack.dm(user, comment)
    seen += await slack.dm(user, "help")

    calls = slack.api.calls[first_call:]
    assert [(c.method, c.status) for c in calls if c.status != 200] == []
    errors = [r.getMessage() for r in caplog.records[first_record:]
              if r.levelno >= logging.ERROR]
    assert errors == []
    assert not any(SORRY in text for text in seen)
    assert "delete my data" in seen[-1], "still answered"
    for call in calls:
        text = call.params.get("text")
        if call.method.startswith("chat.") and isinstance(text, str):
            assert escaped_properly(text), text
    person = slack.respondent(user)
    assert person is not None and clean(person.display_name) == person.display_name
