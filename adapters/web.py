"""The ``web`` role under gunicorn, with aiohttp's ``GunicornWebWorker``.

``survey-bot web`` runs gunicorn in its own process with :mod:`adapters.gunicorn_conf`; the same
works as ``gunicorn -c python:adapters.gunicorn_conf adapters.web:app_factory``.  Before any web
process starts, gunicorn's master (its ``on_starting`` hook, :func:`prepare`) migrates the
database, checks the Slack token and registers the Telegram webhook and command menus, once;
then it forks ``WEB_CONCURRENCY`` web processes sharing its listening socket, each running
:func:`app_factory`: an engine on the migrated database, the channels' endpoints, nothing else
(no polling, no state of its own), so any of them can take any request.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from adapters.engine_calls import EngineCalls
from adapters.runner import build_web_app, plan
from bot.app import build_engine
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)

_prepared = False


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


async def _check_channels(settings: Settings) -> None:
    """What would fail in every web process alike, found once: the Slack token refused or
    Slack unreachable, the Telegram token refused; and the Telegram webhook registered."""
    parts = plan(settings, "web")
    if not (parts["slack_http"] or parts["telegram_webhook"]):
        return
    engine = build_engine(settings, migrate=False)
    try:
        if parts["slack_http"]:
            from adapters.slack.app import SlackChannel

            slack = SlackChannel(engine, settings)
            await slack.start()
            await slack.stop()
        if parts["telegram_webhook"]:
            from adapters.telegram.app import register_webhook

            await register_webhook(engine, settings)
    finally:
        engine.db.dispose()


def prepare(settings: Settings) -> None:
    """In gunicorn's master, before the web processes fork: migrate, check, register.  Raises
    what the ``survey-bot`` command reports in one line (the database, a channel's start)."""
    global _prepared
    if _prepared:
        return
    from bot.app import prepare_database
    from bot.db import check_url, wait_for_database

    check_url(settings.database_url)
    wait_for_database(settings.database_url)
    prepare_database(settings).dispose()  # migrates (and recounts the daily rollup)
    asyncio.run(_check_channels(settings))
    _prepared = True


async def app_factory() -> web.Application:
    """One web process's app (gunicorn's ``adapters.web:app_factory``), settings from the
    environment; the database was migrated by the master."""
    settings = load_settings()
    configure_logging(settings)
    engine = build_engine(settings, migrate=False)
    calls = EngineCalls(engine, settings)
    app = build_web_app(engine, settings, plan(settings, "web"), register=False, calls=calls)

    async def closing(_app: web.Application) -> AsyncIterator[None]:
        yield
        calls.close()
        engine.db.dispose()

    app.cleanup_ctx.insert(0, closing)  # cleaned up last, after the channels stopped
    return app


def check_port(settings: Settings) -> None:
    """Fail with one line, before gunicorn starts, when the port is taken (gunicorn would retry
    for five seconds and then exit with a log line of its own)."""
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            raise OSError(exc.errno, f"error while attempting to bind on address "
                          f"{(settings.host, settings.port)!r}: {(exc.strerror or '').lower()}"
                          ) from None


def serve(settings: Settings) -> int:
    """``survey-bot web``: prepare here, then gunicorn's master in this process until it is
    stopped (SIGTERM: graceful; SIGINT: quick)."""
    from gunicorn.app.base import BaseApplication

    from adapters import gunicorn_conf

    check_port(settings)
    prepare(settings)

    class WebApplication(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_conf.settings_for(settings).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app_factory

    WebApplication().run()
    return 0
