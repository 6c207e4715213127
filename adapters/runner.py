"""Runs the configured channels in one process: the web server (Telegram webhook and Slack
HTTP endpoint on $PORT), Telegram long polling, Slack Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.app import build_engine
from bot.engine import Engine
from bot.settings import Settings

log = logging.getLogger(__name__)

LISTEN_BACKLOG = 2048


def plan(settings: Settings, mode: str) -> dict[str, bool]:
    """Which parts run for ``survey-bot <mode>``."""
    tg, slack = settings.telegram_enabled, settings.slack_enabled
    tg_webhook = tg and bool(settings.telegram_webhook_url)
    slack_socket = slack and bool(settings.slack_app_token)
    parts = {
        "telegram_webhook": tg_webhook and mode in ("run", "web"),
        "telegram_polling": tg and not tg_webhook and mode in ("run", "telegram"),
        "slack_http": slack and not slack_socket and mode in ("run", "web"),
        "slack_socket": slack_socket and mode in ("run", "slack-socket"),
    }
    parts["web"] = parts["telegram_webhook"] or parts["slack_http"] or mode == "web"
    return parts


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def build_web_app(engine: Engine, settings: Settings, parts: dict[str, bool]) -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", _health)
    if parts["telegram_webhook"]:
        from adapters.telegram.app import attach_web as attach_telegram

        attach_telegram(app, engine, settings)
    if parts["slack_http"]:
        from adapters.slack.app import attach_web as attach_slack

        attach_slack(app, engine, settings)
    return app


async def run(settings: Settings, mode: str, stop: asyncio.Event | None = None) -> None:
    parts = plan(settings, mode)
    if not any(parts.values()):
        raise SystemExit(f"survey-bot {mode}: nothing to run with these settings "
                         "(set TELEGRAM_BOT_TOKEN and/or SLACK_BOT_TOKEN)")
    engine = build_engine(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread
            pass
    tasks: list[asyncio.Task[None]] = []
    runner: web.AppRunner | None = None
    if parts["web"]:
        runner = web.AppRunner(build_web_app(engine, settings, parts))
        await runner.setup()
        # A deep accept queue: Slack and Telegram send bursts, and a full queue drops
        # connections for a second-long SYN retry.
        await web.TCPSite(runner, settings.host, settings.port, backlog=LISTEN_BACKLOG).start()
        log.info("listening on %s:%s", settings.host, settings.port)
    if parts["telegram_polling"]:
        from adapters.telegram.app import run_polling

        tasks.append(asyncio.create_task(run_polling(engine, settings, stop)))
    if parts["slack_socket"]:
        from adapters.slack.app import run_socket_mode

        tasks.append(asyncio.create_task(run_socket_mode(engine, settings, stop)))
    try:
        waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not waiter and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        stop.set()
        for task in tasks:
            try:
                await asyncio.wait_for(task, timeout=15)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
            except Exception:
                log.exception("channel stopped with an error")
        if runner is not None:
            await runner.cleanup()
        engine.db.dispose()


def serve(settings: Settings, *, mode: str) -> int:
    asyncio.run(run(settings, mode))
    return 0
