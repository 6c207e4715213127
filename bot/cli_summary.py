"""``survey-bot summary`` (a table, JSON, CSV or the chat's PNG of one metric over a period) and
``survey-bot export`` (every answer, streamed as CSV or JSON lines)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.cli import UsageError, _output_file

if TYPE_CHECKING:
    from bot.settings import Settings


def add_parser(sub: Any) -> None:
    from bot.metrics import METRICS
    from bot.periods import FORMS
    from bot.reports import SPLITS

    summary = sub.add_parser(
        "summary", help="print a summary of one metric over a period",
        description="Days, weeks and months are local days in REPORT_TIMEZONE; the text speaks "
        "MANAGER_LOCALE unless --lang says otherwise.")
    first = next(iter(METRICS))
    summary.add_argument("--metric", choices=list(METRICS), default=first,
                         help=f"the metric to summarise (default: {first})")
    summary.add_argument(
        "--period", default="30d", metavar="PERIOD",
        help="one of " + ", ".join(FORMS) + " (default: 30d). Nd/Nw: the last N days/weeks "
        "including today; Nm/Ny: N calendar months/years ending today; ytd: 1 January to "
        "today; 2026-10: a month; 2026-10-15: a day; A..B: both dates included")
    summary.add_argument("--by", metavar="SPLIT",
                         help="also split the answers by this (one row or section each): "
                         + ", ".join(SPLITS) + ", or a customer attribute (plan, country, "
                         "revenue: numbers in bands)")
    summary.add_argument("--format", choices=["text", "json", "csv", "png"], default="text",
                         help="text: a table to read; json: every figure with the segments; "
                         "csv: one row per segment and bucket; png: the answers by score as "
                         "the chat's /nps chart draws them, its caption on stderr (default: "
                         "text)")
    from bot.cli_trend import add_output

    add_output(summary)
    summary.add_argument("--lang", choices=["en", "ro", "zh"], default=None,
                         help="language of the text and of the error messages "
                         "(default: MANAGER_LOCALE)")


def summary(settings: Settings, args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from bot.app import prepare_database
    from bot.i18n import translator
    from bot.models import utcnow
    from bot.periods import PeriodError, parse_period
    from bot.reports import UnknownSplit, build_report, csv_rows, period_error, report_dict
    from bot.reports.commands import split_refusal
    from bot.reports.queries import SPLITS
    from bot.reports.table import print_table
    from bot.surveys import load_surveys

    t = translator(args.lang or settings.manager_locale)
    try:
        period = parse_period(args.period, utcnow(), ZoneInfo(settings.report_timezone))
    except PeriodError as exc:
        print(f"--period: {period_error(exc, args.period, t)}", file=sys.stderr)
        return 2
    from bot.cli_trend import output_target, write_png, write_text

    target = output_target(args)
    db = prepare_database(settings)
    by = args.by.casefold() if args.by and args.by.casefold() in SPLITS else args.by
    try:
        with Session(db.read_engine) as session:
            report = build_report(session, args.metric, period, by,
                                  surveys=load_surveys(settings.survey_file))
    except UnknownSplit as exc:
        print("--by: " + " ".join(split_refusal(exc, t)), file=sys.stderr)
        return 2
    finally:
        db.dispose()
    if args.format == "png":
        from bot.reports.chart_replies import distribution_reply

        reply = distribution_reply(report.metric, period, report.current, t)
        write_png(reply.content, target, reply.caption)
    elif args.format == "text" and target is None:
        print_table(report, t, sys.stdout)
    elif args.format == "text":
        buffer = io.StringIO()
        print_table(report, t, buffer, width=100)
        write_text(buffer.getvalue(), target)
    elif args.format == "json":
        write_text(json.dumps(report_dict(report, t), ensure_ascii=False, indent=2) + "\n",
                   target)
    else:
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(csv_rows(report))
        write_text(buffer.getvalue(), target)
    return 0


def export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import prepare_database
    from bot.export import export as write_answers

    target = _output_file(args.output)
    db = prepare_database(settings)
    try:
        with Session(db.read_engine) as session:
            if target is None:
                count = write_answers(session, sys.stdout, args.format)
            else:
                try:
                    fh = target.open("w", encoding="utf-8", newline="")
                except OSError as exc:
                    raise UsageError(f"--output {args.output}: {exc.strerror}") from exc
                with fh:
                    count = write_answers(session, fh, args.format)
    finally:
        db.dispose()
    print(f"exported {count} answers", file=sys.stderr)
    return 0
