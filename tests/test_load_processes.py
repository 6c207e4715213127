"""The load drivers against real ``survey-bot`` processes (tests/processes.py), on SQLite and
PostgreSQL: 20 customers and a manager on Telegram polling (``worker``), and at once on the
Telegram webhook and Slack (``web``); the process killed afterwards (tests/test_processes.py
stops one gracefully)."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.helpers import free_port
from tests.load import SlackLoad, TelegramLoad, answers_mismatch, plans
from tests.processes import BotProcesses, bot_env
from tests.slack.standin import SlackAPIStandIn
from tests.telegram.standin import BotAPIStandIn

pytestmark = pytest.mark.timeout(180)
CUSTOMERS = 20
FAST = {"telegram_chat_rate": "50", "telegram_group_rate": "3000"}
"""Raised pacing: these tests are about processes under load, not about Telegram's limits (at
20 a minute the managers' group alone made the polling test take 28 s)."""


async def test_telegram_polling_worker(database_url: str, bot_processes: BotProcesses) -> None:
    async with BotAPIStandIn() as api:
        bot = bot_processes.start("worker", bot_env(database_url, telegram_api=api.base_url,
                                                    **FAST))
        await bot.wait_ready(until=lambda: bool(api.sent("getUpdates")))
        load = TelegramLoad(api)
        result = await load.run(CUSTOMERS, timeout=90)
        assert not result.stuck, result.summary()
        await result.wait_acknowledged()
        assert answers_mismatch(result, database_url, "telegram") == []
        assert result.manager.claimed and len(result.manager.replied) == len(
            result.manager.claimed)
        assert api.log.duplicates(methods={"sendMessage"}) == {}
        assert bot.kill() == -signal.SIGKILL


async def test_telegram_webhook_and_slack_web(database_url: str,
                                              bot_processes: BotProcesses) -> None:
    async with BotAPIStandIn() as tg_api, SlackAPIStandIn() as slack_api:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        bot = bot_processes.start("web", bot_env(
            database_url, telegram_api=tg_api.base_url, slack_api=slack_api.base_url,
            port=port, web_concurrency="1", **FAST,
            telegram_webhook_url=f"{base}/telegram/webhook",
            telegram_webhook_secret="load-test-secret"))
        await bot.wait_ready(healthz=port)
        assert tg_api.webhook["url"] == f"{base}/telegram/webhook"
        telegram = TelegramLoad(tg_api, webhook_url=tg_api.webhook["url"],
                                secret="load-test-secret")
        slack = SlackLoad(slack_api, f"{base}/slack/events")
        on_telegram, on_slack = await asyncio.gather(
            telegram.run(plans(CUSTOMERS // 2, first=20_000), timeout=90),
            slack.run(plans(CUSTOMERS // 2, prefix="UW"), timeout=90))
        for result, channel in ((on_telegram, "telegram"), (on_slack, "slack")):
            assert not result.stuck, result.summary()
            assert all(s.is_acked() for s in result.sent)
            assert answers_mismatch(result, database_url, channel) == []
        assert bot.kill() == -signal.SIGKILL  # gunicorn and its web process
