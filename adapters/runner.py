"""The process roles and what each runs.

* ``web`` (:mod:`adapters.web`, under gunicorn): ``/slack/events``, ``/telegram/webhook``,
  ``/healthz``, the promoters' links ``/r/<token>`` (:mod:`adapters.redirect`) and, with
  API_TOKEN, the HTTP API (``/api/v1``, :mod:`adapters.api`);
  stateless, as many processes as ``WEB_CONCURRENCY`` says.
* ``worker``: Telegram long polling (when there is no webhook; one poller at a time, enforced),
  Slack Socket Mode (with ``SLACK_APP_TOKEN``), and the :func:`background_services`: the
  dispatcher and inbox sweeper of the channels that ``web`` serves, and housekeeping.  Each
  channel's dispatcher here runs with the channel's campaign service (:mod:`adapters.campaigns`);
  gunicorn's web processes run none.  The schedule service (:mod:`adapters.schedules`: alerts
  posted again, the weekly digest) runs here too.
* ``run``: everything in one process (the web server in this process, no gunicorn), for one
  machine on SQLite; ``telegram`` and ``slack-socket`` run that one part.

Every part of a long-running process here is a :class:`~adapters.services.Service`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from adapters.engine_calls import EngineCalls
from adapters.housekeeping import prune_until
from adapters.schedules import run_schedules, wanted
from adapters.services import Service, Services, TaskService
from bot.app import build_engine
from bot.engine import Engine
from bot.settings import Settings

log = logging.getLogger(__name__)

LISTEN_BACKLOG = 2048
MODES = ("run", "web", "worker", "telegram", "slack-socket")


def plan(settings: Settings, mode: str) -> dict[str, bool]:
    """Which parts run for ``survey-bot <mode>``."""
    tg, slack = settings.telegram_enabled, settings.slack_enabled
    tg_webhook = tg and bool(settings.telegram_webhook_url)
    slack_socket = slack and bool(settings.slack_app_token)
    parts = {
        "telegram_webhook": tg_webhook and mode in ("run", "web"),
        "telegram_polling": tg and not tg_webhook and mode in ("run", "worker", "telegram"),
        "slack_http": slack and not slack_socket and mode in ("run", "web"),
        "slack_socket": slack_socket and mode in ("run", "worker", "slack-socket"),
        "background": mode in ("run", "worker"),
    }
    parts["api"] = bool(settings.api_token) and mode in ("run", "web")
    # The promoters' links (/r/<token>) are served where the public address points.
    parts["redirect"] = bool(settings.web_base_url) and mode in ("run", "web")
    parts["web"] = (parts["telegram_webhook"] or parts["slack_http"] or parts["api"]
                    or parts["redirect"] or mode == "web")
    return parts


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "process": os.getpid()})


def build_web_app(engine: Engine, settings: Settings, parts: dict[str, bool], *,
                  register: bool = True, calls: EngineCalls | None = None,
                  campaigns: bool = False) -> web.Application:
    """The web app; ``register`` sets the Telegram webhook and command menus when it starts
    (not in gunicorn's web processes: their master did it once); ``campaigns`` runs the
    channels' campaign service (``run``, not gunicorn's web processes)."""
    app = web.Application()
    app.router.add_get("/healthz", _health)
    if parts["telegram_webhook"]:
        from adapters.telegram.app import attach_web as attach_telegram

        attach_telegram(app, engine, settings, register=register, calls=calls,
                        campaigns=campaigns)
    if parts["slack_http"]:
        from adapters.slack.app import attach_web as attach_slack

        attach_slack(app, engine, settings, calls=calls, campaigns=campaigns)
    if parts.get("api"):
        from adapters.api import attach as attach_api

        attach_api(app, engine, settings, calls)
    _attach_redirect(app, engine, settings, calls)
    return app


def _attach_redirect(app: web.Application, engine: Engine, settings: Settings,
                     calls: EngineCalls | None) -> None:
    """``GET /r/<token>`` on every web app (a link given out earlier keeps working whatever
    the settings now), with the process's engine calls or its own."""
    from adapters.redirect import attach as attach_redirect

    if calls is None:
        own = calls = EngineCalls(engine, settings)

        async def closing(_app: web.Application) -> AsyncIterator[None]:
            yield
            own.close()
        app.cleanup_ctx.append(closing)
    attach_redirect(app, engine, calls)


class WebSite:
    """The web app served by this process on HOST:PORT (``survey-bot run``)."""

    name = "web"

    def __init__(self, app: web.Application, settings: Settings) -> None:
        self.runner = web.AppRunner(app)
        self.settings = settings

    async def start(self) -> None:
        await self.runner.setup()
        try:
            # A deep accept queue: Slack and Telegram send bursts.
            await web.TCPSite(self.runner, self.settings.host, self.settings.port,
                              backlog=LISTEN_BACKLOG).start()
        except BaseException:
            await self.runner.cleanup()
            raise
        log.info("listening on %s:%s", self.settings.host, self.settings.port)

    async def stop(self) -> None:
        await self.runner.cleanup()


class ChannelQueues:
    """A channel whose requests the ``web`` role takes (a Telegram webhook, Slack over HTTP),
    run by a ``worker`` for its queues alone: its dispatcher sends what is left in the outbox
    and its sweeper processes what a stopped web process left in the inbox."""

    def __init__(self, name: str, channel: Any) -> None:
        self.name = name
        self.channel = channel

    async def start(self) -> None:
        await self.channel.start()

    async def stop(self) -> None:
        await self.channel.stop()


def background_services(engine: Engine, settings: Settings, mode: str, services: Services,
                        calls: EngineCalls) -> list[Service]:
    """The services of the ``worker`` role (and of ``run``) besides polling and Socket Mode:
    housekeeping, and in a ``worker`` the queues of the channels that ``web`` serves."""
    found: list[Service] = [TaskService(
        "housekeeping", lambda stop: prune_until(engine, settings, stop), services)]
    if wanted(settings):
        found.append(TaskService("schedules", lambda stop: run_schedules(calls, settings, stop),
                                 services))
    if settings.webhook_url:
        from adapters.webhooks import dispatch

        found.append(TaskService("webhooks", lambda stop: dispatch(engine, settings, calls, stop),
                                 services))
    if mode != "worker":
        return found  # ``run`` serves those channels itself
    parts = plan(settings, "web")
    if parts["telegram_webhook"]:
        from adapters.telegram.app import TelegramChannel

        found.append(ChannelQueues("telegram queues", TelegramChannel(
            engine, settings, webhook=True, register=False, calls=calls, campaigns=True)))
    if parts["slack_http"]:
        from adapters.slack.app import SlackChannel

        found.append(ChannelQueues("slack queues", SlackChannel(engine, settings, calls=calls,
                                                                 campaigns=True)))
    return found


def services_for(engine: Engine, settings: Settings, mode: str, services: Services,
                 calls: EngineCalls) -> list[Service]:
    """The services ``survey-bot <mode>`` runs, in the order they start."""
    parts = plan(settings, mode)
    found: list[Service] = []
    if parts["background"]:
        found += background_services(engine, settings, mode, services, calls)
    if parts["web"]:
        found.append(WebSite(build_web_app(engine, settings, parts, calls=calls,
                                           campaigns=mode == "run"), settings))
    if parts["telegram_polling"]:
        from adapters.telegram.poller import TelegramPoller

        found.append(TelegramPoller(engine, settings, services, calls=calls))
    if parts["slack_socket"]:
        from adapters.slack.app import run_socket_mode

        found.append(TaskService("slack socket mode",
                                 lambda stop: run_socket_mode(engine, settings, stop), services))
    return found


async def run(settings: Settings, mode: str, stop: asyncio.Event | None = None) -> None:
    """Run ``mode``'s services in this process until ``stop`` (or SIGINT / SIGTERM), the
    database migrated first."""
    parts = plan(settings, mode)
    if not any(parts[p] for p in parts if p != "background") and mode != "worker":
        raise SystemExit(f"survey-bot {mode}: nothing to run with these settings "
                         "(set TELEGRAM_BOT_TOKEN and/or SLACK_BOT_TOKEN)")
    engine = build_engine(settings)
    calls = EngineCalls(engine, settings)
    services = Services()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, services.stop)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread
            pass
    waiter = asyncio.create_task(_forward(stop, services)) if stop is not None else None
    try:
        await services.run(services_for(engine, settings, mode, services, calls))
    finally:
        if waiter is not None:
            waiter.cancel()
        calls.close()
        engine.db.dispose()


async def _forward(stop: asyncio.Event, services: Services) -> None:
    await stop.wait()
    services.stop()


def serve(settings: Settings, *, mode: str) -> int:
    """``survey-bot <mode>`` for the modes that run in this one process."""
    asyncio.run(run(settings, mode))
    return 0
