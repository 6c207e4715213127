"""Which processes run for which settings, and the web process's health endpoint."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.runner import plan, run
from tests.helpers import free_port, health_processes, survey_bot_web
from tests.slack.standin import BOT_TOKEN, SlackAPIStandIn


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
                        assert (await resp.json())["ok"] is True
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the web process did not start")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not alive
        return stat.read().split(")")[-1].split()[0] != "Z"


async def _gone(pids: set[int], timeout: float) -> bool:
    async with asyncio.timeout(timeout):
        while any(_alive(p) for p in pids):
            await asyncio.sleep(0.1)
    return True


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT") or not os.path.isdir("/proc"),
                    reason="needs SO_REUSEPORT and /proc (Linux)")
@pytest.mark.parametrize("ending", ["SIGTERM", "parent killed"])
async def test_web_concurrency_serves_the_port_from_several_processes(
        database_url: str, tmp_path: Path, ending: str) -> None:
    """``survey-bot web`` with WEB_CONCURRENCY=2, each with an engine worker: two processes
    answer on one port; SIGTERM stops them all, and when the first is killed the others (and
    every engine worker) stop by themselves."""
    port = free_port()
    async with SlackAPIStandIn() as api:  # each process checks the token at start-up
        settings = {"DATABASE_URL": database_url, "WEB_CONCURRENCY": "2",
                    "ENGINE_PROCESSES": "1", "HOST": "127.0.0.1", "PORT": str(port),
                    "LOG_LEVEL": "WARNING",
                    # Slack's endpoint, so every process starts a channel (and its engine
                    # workers); nothing here calls the Web API but auth.test at start-up.
                    "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "secret",
                    "SLACK_API_URL": api.base_url}
        with survey_bot_web(settings, tmp_path) as proc:
            pids = await health_processes(port, 2)
            assert proc.pid in pids
            below = _descendants(proc.pid)
            assert pids - {proc.pid} <= below and len(below) >= 3  # 1 web + 2 engine workers
            if ending == "SIGTERM":
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=30) == 0
            else:
                proc.kill()
                proc.wait(timeout=10)
            assert await _gone(below, timeout=15)
