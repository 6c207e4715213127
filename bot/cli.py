"""The ``survey-bot`` command."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Sequence

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
    summary = sub.add_parser("summary", help="print a summary")
    summary.add_argument("--metric", choices=["nps", "csat", "ces"], default="nps")
    summary.add_argument("--period", default="30d",
                         help="7d, 30d, 90d, all, or 2026-01-01..2026-03-31")
    summary.add_argument("--by", choices=["channel", "language", "campaign", "survey"])
    summary.add_argument("--format", choices=["text", "json", "csv"], default="text")
    summary.add_argument("--lang", choices=["en", "ro", "zh"], default=None,
                         help="language of the text format (default: MANAGER_LOCALE)")
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


def _summary(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import prepare_database
    from bot.i18n import translator
    from bot.models import utcnow
    from bot.periods import PeriodError, parse_period
    from bot.reports import build_report, render_report, report_dict

    try:
        period = parse_period(args.period, utcnow())
    except PeriodError as exc:
        print(f"--period: {exc}", file=sys.stderr)
        return 2
    db = prepare_database(settings)
    try:
        with Session(db.read_engine) as session:
            report = build_report(session, args.metric, period, args.by)
    finally:
        db.dispose()
    if args.format == "text":
        print(render_report(report, translator(args.lang or settings.manager_locale)))
    elif args.format == "json":
        print(json.dumps(report_dict(report), ensure_ascii=False, indent=2))
    else:
        data = report_dict(report)
        writer = csv.writer(sys.stdout)
        writer.writerow(["metric", "period", "n", "score", "bucket", "count", "share"])
        for bucket, row in data["buckets"].items():
            writer.writerow([data["metric"], data["period"], data["n"], data["score"], bucket,
                             row["count"], row["share"]])
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
    from adapters.startup import StartupError
    from bot.surveys import SurveyConfigError

    try:
        return _dispatch(settings, args)
    except SurveyConfigError as exc:
        print(f"survey-bot: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:  # a channel could not start: one line, no traceback
        print(f"survey-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.cmd == "db":
        from bot.db import current_revision, open_database, upgrade

        if args.db_cmd == "upgrade":
            upgrade(settings.database_url)
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
