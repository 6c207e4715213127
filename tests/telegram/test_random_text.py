"""Random Unicode (controls, NUL, RTL and zero-width marks, lone surrogates as a JSON
``\\ud800`` arrives, emoji, CJK) as names, language codes, typed answers and comments, through
the real Telegram channel and the Bot API stand-in, on SQLite and PostgreSQL: no handler error,
no refused message, nobody locked out."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text import clean
from tests.strategies import platform_text
from tests.telegram.harness import Harness, TgUser

_uids = itertools.count(70_000)
SORRY = "Sorry, something went wrong"
EXAMPLES = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _newest_score_button(p: TgUser) -> tuple[dict[str, Any], str] | None:
    try:
        message = p.h.api.last_message(p.chat, lambda m: "reply_markup" in m)
    except AssertionError:
        return None
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if str(button.get("callback_data", "")).startswith("a:"):
                return message, button["text"]
    return None


@EXAMPLES
@given(name=platform_text(max_size=30), lang=st.one_of(st.none(), platform_text(max_size=8)),
       answer=platform_text(max_size=30), comment=platform_text(min_size=1, max_size=60))
async def test_random_text_never_breaks_telegram(tg: Harness, caplog: pytest.LogCaptureFixture,
                                                 name: str, lang: str | None, answer: str,
                                                 comment: str) -> None:
    first_call, first_record = len(tg.api.calls), len(caplog.records)
    p = tg.person(next(_uids), name, lang)
    seen = await p.say("/start")
    seen += await p.say(answer)
    pressed = _newest_score_button(p)
    if pressed is not None:
        seen += await p.press(pressed[1], pressed[0])
    seen += await p.say(comment)
    seen += await p.say("/help")

    refused = [(c.method, c.status) for c in tg.api.calls[first_call:] if c.status != 200]
    assert refused == []
    errors = [r.getMessage() for r in caplog.records[first_record:]
              if r.levelno >= logging.ERROR]
    assert errors == []
    assert not any(SORRY in text for text in seen)
    assert any("/delete_my_data" in text for text in seen[-1:]), "still answered"
    person = tg.respondent(p.uid)
    assert person is not None and clean(person.display_name) == person.display_name
    person.display_name.encode("utf-8")
