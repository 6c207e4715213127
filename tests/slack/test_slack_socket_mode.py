"""Socket Mode (``SLACK_APP_TOKEN``): the real slack-bolt handler connects to the stand-in's
WebSocket, acknowledges every envelope, and the survey, a redelivery and a summary work as over
HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
from sqlmodel import Session, select

from adapters.slack.app import run_socket_mode
from bot.app import build_engine
from bot.engine import Engine
from bot.i18n import translator
from bot.models import Answer
from tests.slack.harness import MANAGER
from tests.slack.standin import APP_TOKEN, SlackAPIStandIn, SlackSender


@pytest.fixture
async def socket_mode(
        slack_settings: Callable[..., Any]) -> AsyncIterator[tuple[SlackAPIStandIn, Engine]]:
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


async def deliver(api: SlackAPIStandIn, kind: str, payload: dict[str, Any], **kw: Any) -> None:
    """Send an envelope and wait for the app's acknowledgement of it."""
    envelope_id = await api.envelope(kind, payload, **kw)
    await api.wait_for(lambda: envelope_id in api.acks, timeout=10)


def answers(engine: Engine) -> list[tuple[str, int, str | None]]:
    with Session(engine.db.read_engine) as s:
        return [(a.metric, a.score, a.comment)
                for a in s.exec(select(Answer).order_by(Answer.id))]  # type: ignore[arg-type]


async def test_survey_redelivery_and_summary_over_socket_mode(
        socket_mode: tuple[SlackAPIStandIn, Engine]) -> None:
    api, engine = socket_mode
    sender = SlackSender("(socket mode)", api)
    api.add_user("URO9", "Ioana", "ro-RO")
    t = translator("ro")

    start = json.loads(sender.dm_event("URO9", "start"))
    await deliver(api, "events_api", start)
    await api.wait_for(lambda: any(m.get("blocks") for (c, _), m in api.messages.items()
                                   if c == "DURO9"), timeout=10)
    assert any(t.gettext("How likely are you to recommend us to a friend or colleague?") in x
               for x in api.dm_texts("URO9")), "asked in Romanian"
    await deliver(api, "events_api", start, retry=1)  # Slack redelivers the same event_id

    message, elements = api.last_buttons("DURO9")
    nine = next(e for e in elements if e["text"]["text"] == "9")
    press = json.loads(parse_qs(sender.action("URO9", "DURO9", message, nine).decode())[
        "payload"][0])
    await deliver(api, "interactive", press)
    await api.wait_for(lambda: answers(engine) == [("nps", 9, None)], timeout=10)
    await deliver(api, "interactive", press)  # the same press again changes nothing
    await deliver(api, "events_api", json.loads(sender.dm_event("URO9", "Livrare rapidă")))
    await api.wait_for(lambda: answers(engine) == [("nps", 9, "Livrare rapidă")], timeout=10)
    nps_question = t.gettext("How likely are you to recommend us to a friend or colleague?")
    asked = [c for c in api.sent("chat.postMessage", "DURO9")
             if nps_question in str(c.params.get("text", ""))]
    assert len(asked) == 1, "the redelivered start asked nothing again"

    url = api.response_url()
    command = dict(parse_qsl(sender.command(MANAGER, "/nps", "summary all",
                                            response_url=url).decode()))
    await deliver(api, "slash_commands", command)
    rid = url.rsplit("/", 1)[1]
    await api.wait_for(lambda: bool(api.responses[rid]), timeout=10)
    assert "(n = 1)" in api.responses[rid][0]["text"]
    assert api.responses[rid][0]["response_type"] == "ephemeral"
