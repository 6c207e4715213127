"""tests/processes.py: a real ``survey-bot`` process started, answering, killed with SIGKILL,
restarted where it left off and stopped."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port
from tests.processes import BotProcesses, ProcessFailed, bot_env, command
from tests.slack.standin import SlackAPIStandIn
from tests.telegram.standin import BotAPIStandIn, user

pytestmark = pytest.mark.timeout(120)


def test_the_command_is_the_projects_entry_point() -> None:
    argv = command()
    assert argv[-1].endswith("sys.exit(main())") or argv[0].endswith("survey-bot")


# On SQLite only: tests/test_load_processes.py runs a worker on PostgreSQL too.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_worker_killed_and_restarted(database_url: str,
                                           bot_processes: BotProcesses) -> None:
    async with BotAPIStandIn() as api:
        # Short leases: the message the Bot API accepted before the kill is sent again (the
        # duplicate window) once its lease runs out, and the edit to Ana waits behind it.
        bot = bot_processes.start("worker", bot_env(
            database_url, telegram_api=api.base_url, telegram_chat_rate="50",
            outbox_lease_seconds="3", event_lease_seconds="2"))
        await bot.wait_ready(until=lambda: bool(api.sent("getUpdates")))
        ana = user(501, "Ana", "en")
        # The kill point: the moment the Bot API accepted the bot's first message to Ana,
        # before the bot hears so.
        api.log.on_add.append(lambda sent: bot.kill() if sent.chat == 501 else None)
        api.push(api.message_update(ana, "/start"))
        await api.wait_for(lambda: not bot.alive, timeout=30)
        assert bot.returncode == -signal.SIGKILL and len(api.log.select(chat=501)) == 1
        api.log.on_add.clear()

        polls = len(api.sent("getUpdates"))
        await bot.restart()
        await bot.wait_ready(until=lambda: len(api.sent("getUpdates")) > polls)
        message = api.last_message(501, lambda m: "reply_markup" in m)
        nine = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                    for b in row if b["text"] == "9")
        api.push(api.callback_update(ana, message, nine))
        await api.wait_for(lambda: bool(api.sent("editMessageText", 501)), timeout=30)
        assert await bot.terminate() == 0
        assert "long polling" in bot.output()


async def test_web_ready_on_healthz_and_a_failure_shows_its_log(
        tmp_path: Path, bot_processes: BotProcesses) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with SlackAPIStandIn() as api:
        port = free_port()
        bot = bot_processes.start("web", bot_env(url, slack_api=api.base_url, port=port,
                                                 web_concurrency="2"))
        await bot.wait_ready(healthz=port, log="Booting worker")
        assert bot.kill() == -signal.SIGKILL
    # gunicorn's web processes died with their master: nothing listens on the port.
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
    broken = bot_processes.start("web", {"DATABASE_URL": "mysql://nowhere"})
    with pytest.raises(ProcessFailed, match="DATABASE_URL"):
        await broken.wait_ready(healthz=port, timeout=20)
    assert broken.returncode == 2


async def test_a_worker_sends_what_web_left_in_the_outbox(
        database_url: str, make_settings: Callable[..., Any],
        bot_processes: BotProcesses) -> None:
    """With a webhook, ``web`` takes the updates; a ``worker`` does not poll or register the
    webhook, but it runs the Telegram queues: what a stopped web process left in the outbox
    (here a survey written by nobody else) is sent by it."""
    from bot.app import build_engine

    engine = build_engine(make_settings())
    try:
        said = engine.start_survey_for(channel="telegram", user_id="601", chat_id="601",
                                       display_name="Ioana", locale_hint="ro")
        assert said.ids
    finally:
        engine.db.dispose()
    async with BotAPIStandIn() as api:
        bot = bot_processes.start("worker", bot_env(
            database_url, telegram_api=api.base_url, telegram_chat_rate="50",
            telegram_webhook_url="http://127.0.0.1:9/telegram/webhook"))
        await api.wait_for(lambda: bool(api.sent("sendMessage", 601)), timeout=30)
        assert api.sent("getUpdates") == [] and api.sent("setWebhook") == []
        assert "Bună ziua!" in str(api.sent("sendMessage", 601)[0].params.get("text"))
        assert await bot.terminate() == 0
