"""Start-up against a Slack API that is not there or that refuses the token: retried with
backoff (one WARNING per failure), then one clear line and a non-zero exit; a refused token at
once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters import startup
from adapters.cli import main
from adapters.slack.app import SlackChannel, run_socket_mode
from adapters.startup import Backoff, StartupError
from bot.app import build_engine
from tests.helpers import free_port
from tests.slack.standin import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackAPIStandIn

QUICK = Backoff(attempts=3, first=0.01, factor=2, most=0.05)


class Nowhere:
    def __init__(self) -> None:
        self.base_url = f"http://127.0.0.1:{free_port()}/api/"


def _retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "adapters.startup" and r.levelno == logging.WARNING]


async def test_unreachable_slack_is_retried_then_stops_with_one_line(
        slack_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    settings = slack_settings(Nowhere())
    engine = build_engine(settings)
    channel = SlackChannel(engine, settings, backoff=QUICK)
    try:
        with pytest.raises(StartupError) as failed:
            await channel.start()
    finally:
        engine.db.dispose()
    message = str(failed.value)
    assert message.startswith("slack: auth.test at 127.0.0.1:")
    assert "still failing after 3 attempts" in message and "\n" not in message
    assert [m.split("(attempt ")[1].split(")")[0] for m in _retries(caplog)] == [
        "1 of 3", "2 of 3"]
    assert not any(r.exc_info for r in caplog.records)
    assert channel.client.session is None, "the HTTP session was closed"


async def test_a_refused_bot_token_stops_at_once(slack_settings: Callable[..., Any],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    async with SlackAPIStandIn() as api:
        settings = slack_settings(api, slack_bot_token="xoxb-revoked")
        engine = build_engine(settings)
        channel = SlackChannel(engine, settings, backoff=QUICK)
        try:
            with pytest.raises(StartupError) as failed:
                await channel.start()
        finally:
            engine.db.dispose()
        assert [c.method for c in api.calls] == ["auth.test"]
    assert str(failed.value) == (
        "slack: Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN")
    assert _retries(caplog) == []


async def test_a_refused_app_token_stops_socket_mode_at_once(
        slack_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    async with SlackAPIStandIn() as api:
        settings = slack_settings(api, slack_app_token="xapp-1-wrong")
        engine = build_engine(settings)
        try:
            with pytest.raises(StartupError) as failed:
                await asyncio.wait_for(run_socket_mode(engine, settings, asyncio.Event()), 15)
        finally:
            engine.db.dispose()
        assert [c.method for c in api.calls] == ["auth.test", "apps.connections.open"]
        assert not api.sockets
    assert str(failed.value) == (
        "slack: Slack refused the token (invalid_auth): check SLACK_APP_TOKEN")
    assert not any(r.exc_info for r in caplog.records)


def _cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api_url: str,
             **extra: str) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                       "SLACK_API_URL": api_url, "WEB_CONCURRENCY": "1",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                       "PORT": str(free_port()), "HOST": "127.0.0.1", **extra}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(startup, "BACKOFF", QUICK)


def test_the_web_command_prints_one_line_and_exits_non_zero(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _cli_env(monkeypatch, tmp_path, Nowhere().base_url)
    assert main(["web"]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("survey-bot:")]
    assert len(lines) == 1 and "slack: auth.test" in lines[0] and "3 attempts" in lines[0]
    assert "Traceback" not in err


async def test_the_socket_command_says_the_app_token_was_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    async with SlackAPIStandIn() as api:
        _cli_env(monkeypatch, tmp_path, api.base_url, SLACK_APP_TOKEN=APP_TOKEN + "-old")
        assert await asyncio.to_thread(main, ["slack-socket"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        "survey-bot: slack: Slack refused the token (invalid_auth): check SLACK_APP_TOKEN")
    assert "Traceback" not in err
