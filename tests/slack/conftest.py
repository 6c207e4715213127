"""Fixtures: the real slack-bolt app served on 127.0.0.1, its Web API client pointed at the
stand-in; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from adapters.runner import build_web_app, plan
from adapters.slack.app import CHANNEL_KEY
from bot.app import build_engine
from tests.slack.harness import ALERTS, MANAGER, SlackHarness
from tests.slack.standin import BOT_TOKEN, SIGNING_SECRET, SlackAPIStandIn, SlackSender


@pytest.fixture
def slack_settings(make_settings: Callable[..., Any]) -> Callable[..., Any]:
    def make(api: SlackAPIStandIn, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": api.base_url, "slack_manager_ids": MANAGER,
            "slack_alert_channel": ALERTS, "slack_wave_per_second": 50,
            # Raised, as the stand-in's own limits are off unless a test asks: the real pace
            # is tests/slack/test_storms.py's and bench/'s.
            "slack_channel_rate": 50, "slack_channel_burst": 10,
        }
        values.update(overrides)
        return make_settings(**values)
    return make


@asynccontextmanager
async def serving(settings_for: Callable[..., Any],
                  **overrides: Any) -> AsyncIterator[SlackHarness]:
    """The app served on 127.0.0.1 with a fresh stand-in, until the block ends."""
    async with SlackAPIStandIn() as api:
        api.add_user(MANAGER, "Maria Popescu", "en-GB")
        api.joined.add(ALERTS)  # the managers' channel: the bot posts the alerts there
        settings = settings_for(api, **overrides)
        engine = build_engine(settings)
        app = build_web_app(engine, settings, plan(settings, "web"))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", api)
        try:
            yield SlackHarness(api, sender, app[CHANNEL_KEY], engine, settings, runner)
        finally:
            await runner.cleanup()
            engine.db.dispose()


@pytest.fixture
async def slack(slack_settings: Callable[..., Any]) -> AsyncIterator[SlackHarness]:
    async with serving(slack_settings) as harness:
        yield harness

