"""Which processes run for which settings; the ``web`` role under gunicorn; ``bot/`` imports no
adapter."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.runner import plan, run
from adapters.telegram.app import webhook_secret
from bot.db import current_revision, head_revision, open_database
from bot.settings import Settings
from tests.helpers import free_port, health_processes, survey_bot_web, wait_for
from tests.slack.standin import BOT_TOKEN, SIGNING_SECRET, SlackAPIStandIn
from tests.telegram.standin import TOKEN, BotAPIStandIn, user

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("overrides,mode,expected", [
    ({}, "run", {"background"}),
    ({}, "worker", {"background"}),
    ({"telegram_bot_token": "1:x"}, "run", {"telegram_polling", "background"}),
    ({"telegram_bot_token": "1:x"}, "worker", {"telegram_polling", "background"}),
    ({"telegram_bot_token": "1:x"}, "web", {"web"}),
    ({"public_url": "https://bot.example.com/"}, "web", {"web", "redirect"}),
    ({"telegram_bot_token": "1:x", "telegram_webhook_url": "https://h/tg"}, "run",
     {"telegram_webhook", "web", "background", "redirect"}),
    ({"telegram_bot_token": "1:x", "public_url": "https://bot.example.com"}, "run",
     {"telegram_polling", "web", "background", "redirect"}),
    ({"public_url": "https://bot.example.com"}, "worker", {"background"}),
    ({"telegram_bot_token": "1:x", "telegram_webhook_url": "https://h/tg"}, "worker",
     {"background"}),
    ({"slack_bot_token": "xoxb", "slack_signing_secret": "s"}, "web", {"slack_http", "web"}),
    ({"slack_bot_token": "xoxb", "slack_app_token": "xapp"}, "run",
     {"slack_socket", "background"}),
    ({"slack_bot_token": "xoxb", "slack_app_token": "xapp"}, "worker",
     {"slack_socket", "background"}),
    ({"slack_bot_token": "xoxb", "slack_app_token": "xapp"}, "slack-socket", {"slack_socket"}),
    ({"telegram_bot_token": "1:x", "slack_bot_token": "xoxb"}, "telegram", {"telegram_polling"}),
])
def test_plan(make_settings: Callable[..., Any], overrides: dict[str, str], mode: str,
              expected: set[str]) -> None:
    parts = plan(make_settings(**overrides), mode)
    assert {k for k, v in parts.items() if v} == expected


async def test_web_in_this_process_serves_health_and_stops(
        make_settings: Callable[..., Any]) -> None:
    port = free_port()
    settings = make_settings(host="127.0.0.1", port=port)
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, "web", stop))
    try:
        assert await health_processes(port, 1, timeout=15) == {os.getpid()}
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


def test_nothing_in_bot_imports_adapters() -> None:
    """The code that starts the channels sits above them (adapters/cli.py)."""
    pattern = re.compile(r"^\s*(from\s+adapters[\s.]|import\s+adapters\b)", re.MULTILINE)
    found = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "bot").rglob("*.py"))
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_bot_cli_alone_refuses_channel_commands(capsys: pytest.CaptureFixture[str],
                                                make_settings: Callable[..., Any]) -> None:
    from bot.cli import main

    assert main(["run"]) == 2
    assert "survey-bot command" in capsys.readouterr().err


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie is not alive
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc (Linux)")
async def test_gunicorn_serves_from_two_web_processes_and_registers_once(
        database_url: str, tmp_path: Path) -> None:
    """``survey-bot web`` with WEB_CONCURRENCY=2: gunicorn's master and two web processes that
    both answer; the webhook and menus set once, by the master; an update through the webhook
    is answered; SIGTERM stops them all."""
    port = free_port()
    async with BotAPIStandIn() as tg, SlackAPIStandIn() as slack:
        env = {"DATABASE_URL": database_url, "WEB_CONCURRENCY": "2", "HOST": "127.0.0.1",
               "PORT": str(port), "LOG_LEVEL": "WARNING",
               "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url,
               "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
               "TELEGRAM_CHAT_RATE": "50",
               "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": slack.base_url}
        with survey_bot_web(env, tmp_path) as proc:
            pids = await health_processes(port, 2, timeout=60)
            assert proc.pid not in pids, "the master only manages; web processes answer"
            assert pids <= _children(proc.pid)
            assert len(tg.sent("setWebhook")) == 1
            assert tg.webhook["url"] == env["TELEGRAM_WEBHOOK_URL"]
            menus = len(tg.sent("setMyCommands"))
            assert menus >= 4  # the default menu and one per language, once
            # Each web process made its own getMe (bot.username); nobody registered again.
            assert len(tg.sent("getMe")) == 3
            secret = webhook_secret(Settings(_env_file=None, telegram_bot_token=TOKEN))  # type: ignore[call-arg]
            frm = user(501, "Ana", "ro")
            status, _ = await tg.post_webhook(env["TELEGRAM_WEBHOOK_URL"],
                                              tg.message_update(frm, "/start"), secret)
            assert status == 200  # stored; the answer follows
            await wait_for(lambda: bool(tg.texts_to(501)), timeout=15)
            assert len(tg.sent("setWebhook")) == 1 and len(tg.sent("setMyCommands")) == menus
            assert len(slack.sent("auth.test")) >= 1
            children = _children(proc.pid)
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(proc.wait, 60) == 0
        async with asyncio.timeout(15):
            while any(_alive(p) for p in children):
                await asyncio.sleep(0.1)



@pytest.mark.empty_database
async def test_gunicorn_itself_with_our_config(database_url: str, tmp_path: Path) -> None:
    """``gunicorn -c python:adapters.gunicorn_conf adapters.web:app_factory``, as the docs say:
    the master migrates the database before the web process serves."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_", "WEB_", "ENGINE_"))}
    env.update({"DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port),
                "LOG_LEVEL": "WARNING"})
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "python:adapters.gunicorn_conf",
                             "adapters.web:app_factory"], cwd=tmp_path, env=env)
    try:
        pids = await health_processes(port, 1, timeout=60)
        assert proc.pid not in pids
        db = open_database(database_url)
        try:
            assert current_revision(db.engine) == head_revision()
        finally:
            db.dispose()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
