"""One Telegram poller at a time: a second one refuses to start (SQLite: a file lock beside the
database; PostgreSQL: a session advisory lock), in one process and as ``survey-bot worker``."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.startup import StartupError
from adapters.telegram.poller import PollerLock
from tests.telegram.standin import TOKEN, BotAPIStandIn
from tests.test_cli_failures import SURVEY_BOT, assert_one_line, survey_bot_env


def test_a_second_lock_is_refused_until_the_first_is_released(
        make_settings: Callable[..., Any]) -> None:
    settings = make_settings(telegram_bot_token=TOKEN)
    first, second = PollerLock(settings), PollerLock(settings)
    first.acquire()
    try:
        assert first.held()
        with pytest.raises(StartupError, match="another process is already polling"):
            second.acquire()
    finally:
        first.release()
    second.acquire()  # free again
    second.release()


def test_another_bot_has_a_lock_of_its_own(make_settings: Callable[..., Any]) -> None:
    ours = PollerLock(make_settings(telegram_bot_token=TOKEN))
    theirs = PollerLock(make_settings(telegram_bot_token="999:other"))
    ours.acquire()
    try:
        if not ours.url.startswith("sqlite"):  # SQLite: one lock file per database
            theirs.acquire()
            theirs.release()
    finally:
        ours.release()


async def test_a_second_worker_refuses_to_poll(database_url: str, tmp_path: Path) -> None:
    async with BotAPIStandIn() as api:
        env = survey_bot_env(tmp_path, DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=TOKEN,
                             TELEGRAM_API_BASE_URL=api.base_url, TELEGRAM_CHAT_RATE="50")
        first = subprocess.Popen([str(SURVEY_BOT), "worker"], cwd=tmp_path, env=env,
                                 stderr=subprocess.PIPE, text=True)
        try:
            async with asyncio.timeout(60):
                while not any(c.method == "getUpdates" for c in api.calls):
                    assert first.poll() is None, "the first worker stopped"
                    await asyncio.sleep(0.05)
            second = await asyncio.to_thread(
                subprocess.run, [str(SURVEY_BOT), "worker"], cwd=tmp_path, env=env,
                capture_output=True, text=True, timeout=60, check=False)
            assert second.returncode == 1
            assert_one_line(second.stderr, "another process is already polling",
                            "run one worker process")
            assert first.poll() is None, "the first worker polls on"
            first.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(first.wait, 30) == 0
        finally:
            if first.poll() is None:
                first.kill()
                first.wait(timeout=10)
            if first.stderr is not None:
                first.stderr.close()
