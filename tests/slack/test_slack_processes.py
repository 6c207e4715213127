"""``survey-bot web`` as deployed: two gunicorn web processes (WEB_CONCURRENCY), the Web API
pointed at the stand-in.  Requests land on either process; every
answer is stored once, however many times and wherever it is delivered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from bot.models import Answer
from tests.helpers import free_port, health_processes, survey_bot_web
from tests.slack.harness import MANAGER
from tests.slack.standin import BOT_TOKEN, SIGNING_SECRET, SlackAPIStandIn, SlackSender

PEOPLE = [f"UP{i}" for i in range(6)]

@pytest.fixture
async def deployed(database_url: str,
                   tmp_path: Path) -> AsyncIterator[tuple[SlackAPIStandIn, SlackSender]]:
    async with SlackAPIStandIn() as api:
        api.add_user(MANAGER, "Maria Popescu", "en-GB")
        for n, uid in enumerate(PEOPLE):
            api.add_user(uid, f"Person {n}", ("zh-CN", "ro-RO", "en-US")[n % 3])
        port = free_port()
        with survey_bot_web({
            "DATABASE_URL": database_url, "WEB_CONCURRENCY": "2",
            "HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "WARNING",
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.base_url, "SLACK_MANAGER_IDS": MANAGER,
            "SLACK_ALERT_CHANNEL": "C0ALERTS",
        }, tmp_path):
            await health_processes(port, 2)
            yield api, SlackSender(f"http://127.0.0.1:{port}/slack/events", api)


def stored(database_url: str) -> list[tuple[str, int]]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as s:
            return sorted((a.metric, a.score) for a in s.exec(select(Answer)))
    finally:
        engine.dispose()


async def test_presses_delivered_twice_to_two_processes_are_stored_once(
        deployed: tuple[SlackAPIStandIn, SlackSender], database_url: str) -> None:
    api, sender = deployed
    form = "application/x-www-form-urlencoded"
    for uid in PEOPLE:
        assert (await sender.post(sender.dm_event(uid, "start"), "application/json"))[0] == 200
    await api.wait_for(lambda: all(any(m.get("blocks") for (c, _), m in api.messages.items()
                                       if c == f"D{uid}") for uid in PEOPLE), timeout=30)
    bodies = []
    for uid in PEOPLE:
        message, elements = api.last_buttons(f"D{uid}")
        nine = next(e for e in elements if e["text"]["text"] == "9")
        bodies.append(sender.action(uid, f"D{uid}", message, nine))
    # Every press twice at once, on connections of their own: the kernel spreads them over
    # both processes.
    results = await asyncio.gather(*(sender.post(body, form) for body in bodies + bodies))
    assert all(status == 200 for status, _ in results)
    await api.wait_for(lambda: len(api.sent("chat.update")) >= len(PEOPLE), timeout=30)
    await api.wait_for(lambda: len(stored(database_url)) >= len(PEOPLE), timeout=30)
    await asyncio.sleep(0.5)  # a second copy, if any, would be stored by now
    assert stored(database_url) == [("nps", 9)] * len(PEOPLE)

    url = api.response_url()
    rid = url.rsplit("/", 1)[1]
    status, _ = await sender.post(sender.command(MANAGER, "/nps", "summary 30d",
                                                 response_url=url), form)
    assert status == 200
    await api.wait_for(lambda: bool(api.responses[rid]), timeout=30)
    assert f"(n = {len(PEOPLE)})" in api.responses[rid][0]["text"]
