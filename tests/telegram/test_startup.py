"""Start-up against a Bot API that is not there, that answers 5xx for a while, or that refuses the
token: retried with backoff (one WARNING per failure), then one clear line and a non-zero exit;
a refused token at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters import startup
from adapters.cli import main
from adapters.startup import Backoff, StartupError
from adapters.telegram.app import TelegramChannel
from bot.app import build_engine
from tests.helpers import free_port
from tests.telegram.standin import TOKEN, BotAPIStandIn

QUICK = Backoff(attempts=3, first=0.01, factor=2, most=0.05)


class Nowhere:
    """Settings for a Bot API on a port where nothing listens."""

    def __init__(self) -> None:
        self.base_url = f"http://127.0.0.1:{free_port()}/bot"


def _retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "adapters.startup" and r.levelno == logging.WARNING]


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_unreachable_api_is_retried_then_stops_with_one_line(
        tg_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture,
        webhook: bool) -> None:
    settings = tg_settings(Nowhere(), telegram_webhook_url="https://h/tg" if webhook else "")
    engine = build_engine(settings)
    channel = TelegramChannel(engine, settings, webhook=webhook, poll_timeout=1, backoff=QUICK)
    try:
        with pytest.raises(StartupError) as failed:
            await channel.start()
    finally:
        engine.db.dispose()
    message = str(failed.value)
    assert message.startswith("telegram: getMe at 127.0.0.1:")
    assert "still failing after 3 attempts" in message and "Cannot connect" in message
    assert "\n" not in message and TOKEN not in message
    retries = _retries(caplog)
    assert [m.split("(attempt ")[1].split(")")[0] for m in retries] == ["1 of 3", "2 of 3"]
    assert all("trying again in" in m and "Cannot connect" in m for m in retries)
    assert not any(r.exc_info for r in caplog.records)


async def test_a_refused_token_stops_at_once(tg_settings: Callable[..., Any],
                                             caplog: pytest.LogCaptureFixture) -> None:
    async with BotAPIStandIn(token="999:not-this-one") as api:
        settings = tg_settings(api)
        engine = build_engine(settings)
        channel = TelegramChannel(engine, settings, webhook=False, backoff=QUICK)
        try:
            with pytest.raises(StartupError) as failed:
                await channel.start()
        finally:
            engine.db.dispose()
        assert [c.method for c in api.calls] == ["getMe"]
    message = str(failed.value)
    assert "refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN" in message
    assert TOKEN not in message
    assert _retries(caplog) == []


async def test_a_passing_outage_is_ridden_out(tg_settings: Callable[..., Any],
                                              caplog: pytest.LogCaptureFixture) -> None:
    async with BotAPIStandIn() as api:
        api.fail_next("getMe", 502, times=2, description="Bad Gateway")
        settings = tg_settings(api)
        engine = build_engine(settings)
        channel = TelegramChannel(engine, settings, webhook=False, poll_timeout=1,
                                  backoff=QUICK)
        try:
            await channel.start()
            await channel.stop()
        finally:
            engine.db.dispose()
        assert [c.status for c in api.calls if c.method == "getMe"] == [502, 502, 200]
    assert len(_retries(caplog)) == 2


def _cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_url: str,
             **extra: str) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                       "WEB_CONCURRENCY": "1", "PORT": str(free_port()),
                       "HOST": "127.0.0.1", **extra}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(startup, "BACKOFF", QUICK)


@pytest.mark.parametrize("mode,extra", [
    ("telegram", {}),
    ("web", {"TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg"}),
])
def test_the_command_prints_one_line_and_exits_non_zero(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        mode: str, extra: dict[str, str]) -> None:
    _cli_env(monkeypatch, tmp_path, Nowhere().base_url, **extra)
    assert main([mode]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("survey-bot:")]
    assert len(lines) == 1 and "still failing after 3 attempts" in lines[0], err
    assert "Traceback" not in err


async def test_the_command_says_at_once_that_the_token_was_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    async with BotAPIStandIn(token="999:not-this-one") as api:
        _cli_env(monkeypatch, tmp_path, api.base_url)
        assert await asyncio.to_thread(main, ["telegram"]) == 1
        assert [c.method for c in api.calls] == ["getMe"]
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"survey-bot: telegram: the Bot API at 127.0.0.1:{api.port} refused the bot token "
        "(401 Unauthorized): check TELEGRAM_BOT_TOKEN")
    assert "Traceback" not in err
