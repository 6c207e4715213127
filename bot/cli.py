"""The ``survey-bot`` command.

Failures end in one line on stderr, ``survey-bot: <what failed>; <what to do>``, never a
traceback (``LOG_LEVEL=DEBUG`` logs the traceback of an unexpected one), and an exit status:

* 0: done;
* 1: it failed while running: the database could not be reached or failed, the schema is
  behind the code, the output was closed early (``| head``), writing failed, an unexpected error;
* 2: bad usage or settings, found before anything ran: an unknown option, a bad environment
  variable (``PORT``, ``LOG_LEVEL``, a malformed ``DATABASE_URL``), a bad survey file, an
  ``--output`` file that cannot be created;
* 130: interrupted (Ctrl-C).

The long-running commands (``run``, ``web``, ``worker``, ``telegram``, ``slack-socket``) wait
for a database that does not answer yet, retrying with bounded exponential backoff
(:class:`bot.db.Backoff`) and logging each attempt, before giving up with that one line.

This module holds the parser and the commands that need no channel; the ``survey-bot`` command
is :func:`adapters.cli.main`, which adds the channel commands (``run``, ``web``, ``worker``,
``chat``, ...) through ``main(channels=...)``: nothing in ``bot/`` imports ``adapters/``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.db import Backoff

log = logging.getLogger("survey-bot")

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
LONG_RUNNING = ("run", "web", "worker", "telegram", "slack-socket")
CHANNEL_COMMANDS = (*LONG_RUNNING, "chat")
Channels = Callable[[Settings, argparse.Namespace], int]
"""Runs a channel command (``adapters.cli``); its return value is the exit status."""
EXIT_CODES = """exit status:
  0    done
  1    failed while running (database unreachable or failing, schema out of date, output
       closed early, write error)
  2    bad usage or settings (unknown option, bad environment variable or DATABASE_URL, bad
       survey file, --output that cannot be created)
  130  interrupted

run, web, worker, telegram and slack-socket wait for a database that does not answer yet, retrying
for about a minute and logging each attempt. LOG_LEVEL=DEBUG shows Alembic's own lines and the
traceback of an unexpected error."""


class UsageError(Exception):
    """A bad option value or setting, found before anything ran (exit status 2)."""


def _version() -> str:
    try:
        return metadata.version("survey-bot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="survey-bot", description="NPS, CSAT and CES surveys in Telegram, Slack and the "
        "console. Settings come from environment variables or a .env file.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                   help="print the version and exit")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND",
                           help="what to do; survey-bot COMMAND --help tells more")
    sub.add_parser("run", help="start every configured channel (the console when none is)")
    sub.add_parser("web", help="serve the Telegram webhook and the Slack endpoint on $PORT "
                   "(gunicorn, WEB_CONCURRENCY processes)")
    sub.add_parser("worker", help="Telegram long polling (one poller at a time), Slack Socket "
                   "Mode, and the background services")
    sub.add_parser("telegram", help="run the Telegram bot with long polling only")
    sub.add_parser("slack-socket", help="run the Slack app in Socket Mode")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", choices=["en", "ro", "zh"], default=None,
                      help="the language to talk in (default: DEFAULT_LOCALE)")
    chat.add_argument("--as-manager", action="store_true",
                      help="act as a manager (summaries, alerts); no survey is started")
    chat.add_argument("--demo", action="store_true",
                      help="a customer and the managers' chat in one terminal (/switch sides)")
    from bot.cli_summary import add_parser as summary_parser

    summary_parser(sub)
    from bot.cli_trend import add_parser as trend_parser

    trend_parser(sub)
    from bot.cli_campaign import add_parser as campaign_parser

    campaign_parser(sub)
    export = sub.add_parser("export", help="write every answer to stdout or a file")
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv",
                        help="csv with a header row (default), or jsonl: one JSON object a line")
    export.add_argument("--output", "-o", default="-", metavar="FILE",
                        help="the file to write, replaced if it exists (default: - for stdout)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_cmd", required=True, metavar="COMMAND",
                               help="what to do with the schema")
    db_sub.add_parser("upgrade", help="migrate the schema to the newest version")
    db_sub.add_parser("current", help="print the schema version")
    demo = sub.add_parser("demo", help="demo data")
    demo_sub = demo.add_subparsers(dest="demo_cmd", required=True, metavar="COMMAND",
                                   help="what to do with demo data")
    seed = demo_sub.add_parser("seed", help="fill the database with realistic answers over the "
                               "last 120 days")
    seed.add_argument("--answers", type=int, default=1000, help="how many answers (default 1000)")
    seed.add_argument("--seed", type=int, default=7, help="random seed (the same data each time)")
    seed.add_argument("--force", action="store_true",
                      help="add demo answers even where real answers are stored")
    from bot.cli_customers import add_parser as customers_parser

    customers_parser(sub)
    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(dest="i18n_cmd", required=True, metavar="COMMAND",
                                   help="what to do with the catalogs")
    i18n_sub.add_parser("compile", help="compile the .po catalogs into .mo files")
    i18n_sub.add_parser("update", help="extract the strings and update every catalog")
    return p


def _demo_seed(settings: Settings, args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from rich.progress import Progress

    from bot.app import prepare_database
    from bot.demo import DemoRefused, seed
    from bot.models import utcnow

    if args.answers < 1:
        print("--answers: must be at least 1", file=sys.stderr)
        return 2
    db = prepare_database(settings)
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task("demo answers", total=args.answers)
            done = seed(db, answers=args.answers, now=utcnow(),
                        zone=ZoneInfo(settings.report_timezone), seed=args.seed, force=args.force,
                        progress=lambda n: bar.update(task, completed=n))
    except DemoRefused as exc:
        print(f"survey-bot demo seed: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"seeded {done.answers} answers from {done.respondents} people "
          f"({done.alerts} alerts, {done.customers} customers with a plan, country, revenue "
          "and sign-up date) over the last 120 days")
    return 0


def _output_file(value: str) -> Path | None:
    """The ``--output`` path, checked before the database is touched; None for stdout."""
    if value == "-":
        return None
    path = Path(value)
    if path.is_dir():
        raise UsageError(f"--output {value}: is a directory; name a file")
    if not path.parent.is_dir():
        raise UsageError(f"--output {value}: the directory {path.parent} does not exist; "
                         "create it or choose another path")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--output {value}: permission denied; choose another path")
    return path


def _say(message: object) -> None:
    """One line on stderr; nothing when stderr itself is gone."""
    try:
        print(f"survey-bot: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _configure_logging(level: str) -> None:
    try:
        logging.basicConfig(level=level.upper(),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    except ValueError as exc:
        raise UsageError(f"bad setting: LOG_LEVEL: {exc}; use DEBUG, INFO, WARNING or "
                         "ERROR") from exc


def main(argv: Sequence[str] | None = None, *, backoff: Backoff | None = None,
         channels: Channels | None = None,
         failures: tuple[type[Exception], ...] = (),
         bot_username: Callable[[Settings], str] | None = None) -> int:
    """``survey-bot``; ``backoff`` paces the long-running commands' wait for the database;
    ``channels`` runs the channel commands, and ``failures`` are its errors that mean "failed
    while running" (exit status 1, their message the line); ``bot_username`` asks Telegram
    for the bot's username (``customers links``)."""
    try:
        code = _main(argv, backoff, channels, failures, bot_username)
        sys.stdout.flush()  # a closed pipe may only show here, on the last buffered output
        return code
    except BrokenPipeError:
        # As Python's documentation of SIGPIPE recommends: point stdout at devnull so that
        # the interpreter's own flush at exit does not fail again, and exit non-zero.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a file (tests capture it)
            pass
        _say("the output was closed before everything was written (broken pipe)")
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED


def load(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, Settings | int]:
    """The command line (argparse exits with 2 on bad usage) and the settings, logging set up;
    or the exit status when a setting is bad (its line already said)."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        _configure_logging(settings.log_level)
    except (SettingsError, UsageError) as exc:
        _say(exc)
        return args, EXIT_USAGE
    return args, settings


def _main(argv: Sequence[str] | None, backoff: Backoff | None, channels: Channels | None,
          failures: tuple[type[Exception], ...],
          bot_username: Callable[[Settings], str] | None = None) -> int:
    args, settings = load(argv)
    if isinstance(settings, int):
        return settings
    try:
        return _dispatch(settings, args, backoff, channels, bot_username)
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is one line and a status
        return failed(exc, settings, failures)


def failed(exc: Exception, settings: Settings,
           failures: tuple[type[Exception], ...] = ()) -> int:
    """Say ``exc`` in one line; its exit status (2 for bad usage or settings, else 1)."""
    from sqlalchemy.exc import DBAPIError

    from bot.app import SchemaOutOfDate
    from bot.db import DatabaseUnavailable, DatabaseUrlError, explain
    from bot.surveys import SurveyConfigError

    if isinstance(exc, UsageError | DatabaseUrlError | SurveyConfigError):
        _say(exc)
        return EXIT_USAGE
    if isinstance(exc, (DatabaseUnavailable, SchemaOutOfDate, *failures)):
        _say(exc)  # failures: e.g. a channel that could not start (network, token)
        return EXIT_FAILED
    if isinstance(exc, DBAPIError):
        _say(explain(exc, settings.database_url))
        return EXIT_FAILED
    if isinstance(exc, OSError):  # a full disk, a port in use, ...
        _say(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else exc)
        return EXIT_FAILED
    # The promise is one line, never a traceback.
    log.debug("unexpected error", exc_info=exc)
    _say(f"unexpected error: {type(exc).__name__}: {exc} (LOG_LEVEL=DEBUG shows the "
         "traceback)")
    return EXIT_FAILED


def _dispatch(settings: Settings, args: argparse.Namespace, backoff: Backoff | None,
              channels: Channels | None,
              bot_username: Callable[[Settings], str] | None = None) -> int:
    if args.cmd == "i18n" and args.i18n_cmd == "update":
        from bot.catalogs import update

        for lang, missing in update().items():
            print(f"{lang}: {len(missing)} to translate")
            for msgid in missing:
                print(f"    {msgid}")
        return 0
    if args.cmd == "i18n":
        from bot.i18n import compile_catalogs

        for path in compile_catalogs():
            print(path)
        return 0
    from bot.db import check_url, wait_for_database

    check_url(settings.database_url)
    if args.cmd == "db":
        from bot.db import current_revision, open_database

        if args.db_cmd == "upgrade":
            from bot.app import prepare_database

            prepare_database(settings).dispose()  # migrates, and recounts the daily rollup
        db = open_database(settings.database_url)
        try:
            print(f"schema version: {current_revision(db.engine)}")
        finally:
            db.dispose()
        return 0
    if args.cmd == "summary":
        from bot.cli_summary import summary

        return summary(settings, args)
    if args.cmd == "trend":
        from bot.cli_trend import run as trend

        return trend(settings, args)
    if args.cmd == "demo":
        return _demo_seed(settings, args)
    if args.cmd == "export":
        from bot.cli_summary import export

        return export(settings, args)
    if args.cmd == "campaign":
        from bot.cli_campaign import run as campaign

        return campaign(settings, args)
    if args.cmd == "customers":
        from bot.cli_customers import run as customers

        return customers(settings, args, bot_username)
    if args.cmd in CHANNEL_COMMANDS:
        if channels is None:
            raise UsageError(f"{args.cmd}: this command starts channels; run it as the "
                             "installed survey-bot command (adapters.cli)")
        if args.cmd in LONG_RUNNING:
            wait_for_database(settings.database_url, backoff)
        return channels(settings, args)
    raise UsageError(f"unknown command {args.cmd}")  # pragma: no cover - argparse refuses it


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())  # the commands without channels; survey-bot is adapters.cli
