"""Runs the configured channels: the web server (Telegram webhook and Slack HTTP endpoint on
$PORT, in ``WEB_CONCURRENCY`` processes sharing the port), Telegram long polling, Slack Socket
Mode."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal

from aiohttp import web

from adapters.startup import StartupError
from bot.app import build_engine
from bot.db import upgrade
from bot.engine import Engine
from bot.settings import Settings
from bot.workers import for_web_process, web_processes

log = logging.getLogger(__name__)

LISTEN_BACKLOG = 2048
PARENT_CHECK_SECONDS = 1.0


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
    return web.json_response({"ok": True, "process": os.getpid()})


def build_web_app(engine: Engine, settings: Settings, parts: dict[str, bool], *,
                  primary: bool = True) -> web.Application:
    """The web app; only the ``primary`` of several web processes registers the Telegram
    webhook and command menus."""
    app = web.Application()
    app.router.add_get("/healthz", _health)
    if parts["telegram_webhook"]:
        from adapters.telegram.app import attach_web as attach_telegram

        attach_telegram(app, engine, settings, register=primary)
    if parts["slack_http"]:
        from adapters.slack.app import attach_web as attach_slack

        attach_slack(app, engine, settings)
    return app


async def run(settings: Settings, mode: str, stop: asyncio.Event | None = None, *,
              reuse_port: bool = False, primary: bool = True, migrate: bool = True) -> None:
    """Run ``mode``'s parts until ``stop`` (or SIGINT / SIGTERM), migrating the database first
    unless ``migrate`` is off (it was done already).  A secondary web process
    (``primary=False``) serves the web port only, and stops when its parent is gone."""
    parts = plan(settings, mode)
    if not any(parts.values()):
        raise SystemExit(f"survey-bot {mode}: nothing to run with these settings "
                         "(set TELEGRAM_BOT_TOKEN and/or SLACK_BOT_TOKEN)")
    engine = build_engine(settings, migrate=migrate)
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
        runner = web.AppRunner(build_web_app(engine, settings, parts, primary=primary))
        await runner.setup()
        # A deep accept queue: Slack and Telegram send bursts, and a full queue drops
        # connections for a second-long SYN retry.
        await web.TCPSite(runner, settings.host, settings.port, backlog=LISTEN_BACKLOG,
                          reuse_port=reuse_port or None).start()
        log.info("listening on %s:%s (process %s)", settings.host, settings.port, os.getpid())
    if not primary:
        tasks.append(asyncio.create_task(_until_orphaned(stop)))
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
            except StartupError:
                pass  # raised to the caller above, which prints its one line
            except Exception:
                log.exception("channel stopped with an error")
        if runner is not None:
            await runner.cleanup()
        engine.db.dispose()


async def _until_orphaned(stop: asyncio.Event) -> None:
    """Stop a secondary web process whose parent died without stopping it."""
    parent = os.getppid()
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("web process %s: the parent process is gone; stopping", os.getpid())
            stop.set()
            return
        try:
            await asyncio.wait_for(stop.wait(), timeout=PARENT_CHECK_SECONDS)
        except TimeoutError:
            pass


def _secondary_web(settings: Settings, level: int) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run(settings, "web", reuse_port=True, primary=False, migrate=False))
    except StartupError as exc:
        log.error("web process %s: %s", os.getpid(), exc)
        raise SystemExit(1) from None


def serve(settings: Settings, *, mode: str) -> int:
    """``survey-bot <mode>``.  When it serves the web port with ``WEB_CONCURRENCY`` above 1,
    this process runs everything ``mode`` asks for and the others only the web port, every one
    with a socket of its own on the port (``SO_REUSEPORT``): the kernel spreads connections
    over them, so a burst of Slack requests is acknowledged on every core."""
    parts = plan(settings, mode)
    count = web_processes(settings) if parts["web"] else 1
    if count < 2:
        asyncio.run(run(settings, mode))
        return 0
    settings = for_web_process(settings, count)
    upgrade(settings.database_url)  # once, before any process opens the database
    ctx = multiprocessing.get_context("spawn")
    level = logging.getLogger().getEffectiveLevel()
    # Not daemons: a daemon may not start the engine's worker processes.  They stop when told
    # below, or by themselves when this process is gone (_until_orphaned).
    others = [ctx.Process(target=_secondary_web, args=(settings, level), name=f"web-{n}")
              for n in range(1, count)]
    for process in others:
        process.start()
    log.info("web: %d processes on port %s", count, settings.port)
    try:
        asyncio.run(run(settings, mode, reuse_port=True, migrate=False))
    finally:
        for process in others:
            process.terminate()
        for process in others:
            process.join(timeout=20)
            if process.is_alive():
                process.kill()
    return 0
