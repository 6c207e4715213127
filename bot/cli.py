"""The ``survey-bot`` command."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("survey-bot")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="survey-bot", description=(
        "NPS, CSAT and CES surveys in Telegram, Slack and the console."))
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="start every configured channel (the console when none is)")
    sub.add_parser("web", help="serve the Telegram webhook and the Slack endpoint on $PORT")
    sub.add_parser("telegram", help="run the Telegram bot with long polling")
    sub.add_parser("slack-socket", help="run the Slack app in Socket Mode")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", choices=["en", "ro", "zh"], default=None)
    chat.add_argument("--as-manager", action="store_true",
                      help="act as a manager (summaries, alerts)")
    _summary_parser(sub)
    export = sub.add_parser("export", help="write every answer to stdout or a file")
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    export.add_argument("--output", "-o", default="-")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_cmd", required=True)
    db_sub.add_parser("upgrade", help="migrate the schema to the newest version")
    db_sub.add_parser("current", help="print the schema version")
    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(dest="i18n_cmd", required=True)
    i18n_sub.add_parser("compile", help="compile the .po catalogs into .mo files")
    i18n_sub.add_parser("update", help="extract the strings and update every catalog")
    return p


def _summary_parser(sub: Any) -> None:
    from bot.periods import FORMS
    from bot.reports import SPLITS

    summary = sub.add_parser(
        "summary", help="print a summary of one metric over a period",
        description="Days, weeks and months are local days in REPORT_TIMEZONE; the text speaks "
        "MANAGER_LOCALE unless --lang says otherwise.")
    summary.add_argument("--metric", choices=["nps", "csat", "ces"], default="nps",
                         help="the metric to summarise (default: nps)")
    summary.add_argument(
        "--period", default="30d", metavar="PERIOD",
        help="one of " + ", ".join(FORMS) + " (default: 30d). Nd/Nw: the last N days/weeks "
        "including today; Nm/Ny: N calendar months/years ending today; ytd: 1 January to "
        "today; 2026-10: a month; 2026-10-15: a day; A..B: both dates included")
    summary.add_argument("--by", choices=list(SPLITS),
                         help="also split the answers by this (one row or section each)")
    summary.add_argument("--format", choices=["text", "json", "csv"], default="text",
                         help="text: a table to read; json: every figure with the segments; "
                         "csv: one row per segment and bucket (default: text)")
    summary.add_argument("--lang", choices=["en", "ro", "zh"], default=None,
                         help="language of the text and of the error messages "
                         "(default: MANAGER_LOCALE)")


def _summary(settings: Settings, args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from bot.app import prepare_database
    from bot.i18n import translator
    from bot.models import utcnow
    from bot.periods import PeriodError, parse_period
    from bot.reports import build_report, csv_rows, period_error, report_dict
    from bot.reports.table import print_table

    t = translator(args.lang or settings.manager_locale)
    try:
        period = parse_period(args.period, utcnow(), ZoneInfo(settings.report_timezone))
    except PeriodError as exc:
        print(f"--period: {period_error(exc, args.period, t)}", file=sys.stderr)
        return 2
    db = prepare_database(settings)
    try:
        with Session(db.read_engine) as session:
            report = build_report(session, args.metric, period, args.by)
    finally:
        db.dispose()
    if args.format == "text":
        print_table(report, t, sys.stdout)
    elif args.format == "json":
        print(json.dumps(report_dict(report, t), ensure_ascii=False, indent=2))
    else:
        csv.writer(sys.stdout).writerows(csv_rows(report))
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import prepare_database
    from bot.export import export

    db = prepare_database(settings)
    try:
        with Session(db.read_engine) as session:
            if args.output == "-":
                count = export(session, sys.stdout, args.format)
            else:
                with open(args.output, "w", encoding="utf-8", newline="") as fh:
                    count = export(session, fh, args.format)
    finally:
        db.dispose()
    print(f"exported {count} answers", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"survey-bot: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.surveys import SurveyConfigError

    try:
        return _dispatch(settings, args)
    except SurveyConfigError as exc:
        print(f"survey-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.cmd == "db":
        from bot.db import current_revision, open_database

        if args.db_cmd == "upgrade":
            from bot.app import prepare_database

            prepare_database(settings).dispose()  # migrates, and recounts the daily rollup
        db = open_database(settings.database_url)
        print(f"schema version: {current_revision(db.engine)}")
        db.dispose()
        return 0
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
    if args.cmd == "summary":
        return _summary(settings, args)
    if args.cmd == "export":
        return _export(settings, args)
    if args.cmd == "chat" or (args.cmd == "run" and not (
            settings.telegram_enabled or settings.slack_enabled)):
        from adapters.console import run_console
        from bot.app import build_engine

        as_manager = bool(getattr(args, "as_manager", False))
        if as_manager:
            settings = settings.model_copy(update={"console_manager": True})
        engine = build_engine(settings)
        run_console(engine, lang=getattr(args, "lang", None), as_manager=as_manager)
        return 0
    from adapters.runner import serve

    return serve(settings, mode=args.cmd)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
