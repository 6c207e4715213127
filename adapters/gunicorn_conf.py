"""gunicorn's configuration for the ``web`` role, read from our settings (environment, ``.env``).

``survey-bot web`` uses it; so does gunicorn itself::

    gunicorn -c python:adapters.gunicorn_conf adapters.web:app_factory

``WEB_CONCURRENCY`` web processes (gunicorn's own variable; default 1) with aiohttp's
``GunicornWebWorker``, bound to ``HOST:PORT``.  The master's ``on_starting`` hook migrates the
database and registers the Telegram webhook once, before any web process forks
(:func:`adapters.web.prepare`).
"""

from __future__ import annotations

import sys
from typing import Any

WORKER_CLASS = "aiohttp.GunicornWebWorker"
BACKLOG = 2048
# A web process starts its channels (getMe, auth.test, retried while the network fails) before
# it answers gunicorn's heartbeat; give that time before the master calls it hung.
TIMEOUT = 90
GRACEFUL_TIMEOUT = 20


def settings_for(settings: Any) -> dict[str, Any]:
    """gunicorn's settings (``cfg.set`` names) for our :class:`bot.settings.Settings`."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": [f"{host}:{settings.port}"],
        "workers": settings.web_concurrency,
        "worker_class": WORKER_CLASS,
        "backlog": BACKLOG,
        "timeout": TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "loglevel": settings.log_level.lower(),
        "proc_name": "survey-bot-web",
        # No gunicornc control socket: one path per user ($HOME/.gunicorn) would be shared by
        # every instance on the machine, and nothing here uses it.
        "control_socket_disable": True,
        "on_starting": on_starting,
    }


def on_starting(_server: Any) -> None:
    """gunicorn's master, before it binds and forks: migrate and register once.  A failure is
    the one line ``survey-bot`` prints, and the exit status it uses."""
    from adapters.cli import run_prepare

    run_prepare()


def _load() -> None:
    """Module-level names for ``gunicorn -c python:adapters.gunicorn_conf``."""
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"survey-bot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    globals().update(settings_for(settings))


# Read as gunicorn's config file, the module's names are its settings.
_load()
