"""Fixtures: the real Telegram channel against the Bot API stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from adapters.telegram.app import TelegramChannel
from bot.app import build_engine
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness
from tests.telegram.standin import TOKEN, BotAPIStandIn


@pytest.fixture
def tg_settings(make_settings: Callable[..., Any]) -> Callable[..., Any]:
    def make(api: BotAPIStandIn, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "telegram_bot_token": TOKEN, "telegram_api_base_url": api.base_url,
            "telegram_manager_ids": str(MANAGER_ID), "telegram_alert_chat_id": str(ALERT_CHAT),
            "telegram_chat_rate": 50, "telegram_group_rate": 3000,
            "telegram_bulk_rate": 500,
        }
        values.update(overrides)
        return make_settings(**values)
    return make


@asynccontextmanager
async def running(settings_for: Callable[..., Any], **overrides: Any) -> AsyncIterator[Harness]:
    """The real channel, polling a fresh stand-in, until the block ends."""
    async with BotAPIStandIn() as api:
        settings = settings_for(api, **overrides)
        engine = build_engine(settings)
        channel = TelegramChannel(engine, settings, webhook=False, poll_timeout=1)
        await channel.start()
        try:
            yield Harness(api, channel, engine, settings)
        finally:
            await channel.stop()
            engine.db.dispose()


@pytest.fixture
async def tg(tg_settings: Callable[..., Any]) -> AsyncIterator[Harness]:
    async with running(tg_settings) as harness:
        yield harness

