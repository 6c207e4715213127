"""The ``survey-bot`` command: :mod:`bot.cli`'s commands, and the ones that start channels.

* ``web``: gunicorn with aiohttp's worker (:mod:`adapters.web`), ``WEB_CONCURRENCY``
  processes;
* ``worker``: Telegram long polling, Slack Socket Mode, the background services;
* ``run``: everything in one process (the console when no channel is configured);
* ``telegram``, ``slack-socket``: that part alone; ``chat``: the console.

Exit statuses and the one-line failures are :mod:`bot.cli`'s; a channel that cannot start
(:class:`~adapters.startup.StartupError`) exits with 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from adapters.startup import StartupError
from bot import cli
from bot.db import Backoff
from bot.settings import Settings

FAILURES: tuple[type[Exception], ...] = (StartupError,)


def main(argv: Sequence[str] | None = None, *, backoff: Backoff | None = None) -> int:
    """``survey-bot``; ``backoff`` paces the long-running commands' wait for the database."""
    return cli.main(argv, backoff=backoff, channels=start, failures=FAILURES,
                    bot_username=_bot_username)


def _bot_username(settings: Settings) -> str:
    from adapters.telegram.identity import bot_username

    return bot_username(settings)


def start(settings: Settings, args: argparse.Namespace) -> int:
    """Run a channel command until it is stopped."""
    if args.cmd == "chat" or (args.cmd == "run" and not (
            settings.telegram_enabled or settings.slack_enabled)):
        return _console(settings, args)
    if args.cmd == "web":
        from adapters.web import serve as serve_web

        return serve_web(settings)
    from adapters.runner import serve

    return serve(settings, mode=args.cmd)


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.console import run_console
    from bot.app import build_engine

    as_manager = bool(getattr(args, "as_manager", False))
    demo = bool(getattr(args, "demo", False))
    if as_manager or demo:
        settings = settings.model_copy(update={"console_manager": True})
    engine = build_engine(settings)
    try:
        run_console(engine, lang=getattr(args, "lang", None), as_manager=as_manager, demo=demo)
    finally:
        engine.db.dispose()
    return 0


def run_prepare() -> None:
    """gunicorn's ``on_starting`` (``gunicorn -c python:adapters.gunicorn_conf``): migrate the
    database and register the Telegram webhook once; a failure is said in one line and ends
    the master with ``survey-bot``'s exit status."""
    from adapters.web import configure_logging, prepare
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"survey-bot: {exc}", file=sys.stderr)
        raise SystemExit(cli.EXIT_USAGE) from None
    configure_logging(settings)
    try:
        prepare(settings)
    except Exception as exc:  # noqa: BLE001 - every failure is one line and an exit status
        raise SystemExit(cli.failed(exc, settings, FAILURES)) from None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
