"""Which processes run for which settings, and the web process's health endpoint."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from adapters.runner import plan, run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("overrides,mode,expected", [
    ({}, "run", set()),
    ({"telegram_bot_token": "1:x"}, "run", {"telegram_polling"}),
    ({"telegram_bot_token": "1:x"}, "web", {"web"}),
    ({"telegram_bot_token": "1:x", "telegram_webhook_url": "https://h/tg"}, "run",
     {"telegram_webhook", "web"}),
    ({"slack_bot_token": "xoxb", "slack_signing_secret": "s"}, "run", {"slack_http", "web"}),
    ({"slack_bot_token": "xoxb", "slack_app_token": "xapp"}, "run", {"slack_socket"}),
    ({"slack_bot_token": "xoxb", "slack_app_token": "xapp"}, "slack-socket", {"slack_socket"}),
    ({"telegram_bot_token": "1:x", "slack_bot_token": "xoxb"}, "telegram", {"telegram_polling"}),
])
def test_plan(make_settings: Callable[..., Any], overrides: dict[str, str], mode: str,
              expected: set[str]) -> None:
    parts = plan(make_settings(**overrides), mode)
    assert {k for k, v in parts.items() if v} == expected


@pytest.mark.asyncio
async def test_web_process_serves_health_and_stops(make_settings: Callable[..., Any]) -> None:
    port = free_port()
    settings = make_settings(host="127.0.0.1", port=port)
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, "web", stop))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        assert resp.status == 200
                        assert await resp.json() == {"ok": True}
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the web process did not start")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
