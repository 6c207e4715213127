"""``survey-bot trend``: a metric week by week or month by month, as a table, JSON or the chart
the chat shows (PNG); and the PNG writer ``survey-bot summary --format png`` shares.

A bad period is said in the reader's language (MANAGER_LOCALE or ``--lang``) and ends with
exit status 2, before the database is touched; so is a PNG asked for on a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from bot.cli import UsageError, _output_file

if TYPE_CHECKING:
    from bot.settings import Settings

FORMATS = ("text", "json", "png")


def add_parser(sub: Any) -> None:
    """``trend``, on the ``survey-bot`` parser's subparsers."""
    from bot.metrics import METRICS
    from bot.periods import FORMS
    from bot.reports.trend import DEFAULT_PERIODS, MAX_POINTS
    from scoring.trend import Grain

    trend = sub.add_parser(
        "trend", help="print a metric week by week or month by month, or draw it",
        description="Weeks are ISO weeks (Monday to Sunday) and months calendar months, in "
        "local days of REPORT_TIMEZONE; a rolling period (26w, 12m, 90d) starts on its first "
        "whole week or month. Each point has its n and margin of error; points under 30 "
        "answers are marked. The change over the period compares its second half with its "
        f"first, as the summary compares two periods. At most {MAX_POINTS} points.")
    first = next(iter(METRICS))
    trend.add_argument("--metric", choices=list(METRICS), default=first,
                       help=f"the metric (default: {first})")
    defaults = ", ".join(f"{v} by {k}" for k, v in DEFAULT_PERIODS.items())
    trend.add_argument("--period", default=None, metavar="PERIOD",
                       help="one of " + ", ".join(FORMS) + f" (default: {defaults})")
    trend.add_argument("--by", choices=list(Grain), default=str(Grain.WEEK),
                       help="one point per week or per month (default: week)")
    trend.add_argument("--format", choices=FORMATS, default="text",
                       help="text: a table to read; json: every point's figures; png: the "
                       "chart the chat shows, its caption on stderr (default: text)")
    add_output(trend)
    trend.add_argument("--lang", choices=["en", "ro", "zh"], default=None,
                       help="language of the text, the chart and the error messages "
                       "(default: MANAGER_LOCALE)")


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", default="-", metavar="FILE",
                        help="the file to write, replaced if it exists (default: - for "
                        "stdout; a PNG needs a file or a redirected stdout)")


def output_target(args: argparse.Namespace) -> Path | None:
    """``--output`` checked before the database is touched; a PNG is not written to a
    terminal."""
    target = _output_file(args.output)
    if target is None and args.format == "png" and sys.stdout.isatty():
        raise UsageError("--format png: the chart is a binary PNG; name a file with -o FILE "
                         "or redirect stdout")
    return target


def write_png(content: bytes, target: Path | None, caption: str) -> None:
    """The PNG into ``target`` (stdout when None), its caption on stderr."""
    if target is None:
        out: BinaryIO = sys.stdout.buffer
        out.write(content)
        out.flush()
    else:
        try:
            target.write_bytes(content)
        except OSError as exc:
            raise UsageError(f"--output {target}: {exc.strerror}") from exc
    print(caption, file=sys.stderr)


def write_text(text: str, target: Path | None) -> None:
    if target is None:
        sys.stdout.write(text)
        return
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {target}: {exc.strerror}") from exc


def run(settings: Settings, args: argparse.Namespace) -> int:
    """``survey-bot trend``; its exit status."""
    import io
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from bot.app import prepare_database
    from bot.i18n import translator
    from bot.models import utcnow
    from bot.periods import PeriodError
    from bot.reports.chart_commands import too_many_error
    from bot.reports.commands import period_error
    from bot.reports.trend import DEFAULT_PERIODS, TooManyPoints, build_trend, trend_period
    from bot.reports.trend_table import print_trend
    from bot.reports.trend_text import trend_dict
    from scoring.trend import Grain

    t = translator(args.lang or settings.manager_locale)
    grain = Grain(args.by)
    text = args.period or DEFAULT_PERIODS[grain]
    try:
        period = trend_period(text, grain, utcnow(), ZoneInfo(settings.report_timezone))
    except PeriodError as exc:
        print(f"--period: {period_error(exc, text, t)}", file=sys.stderr)
        return 2
    except TooManyPoints as exc:
        print(f"--period: {too_many_error(exc, text, t)}", file=sys.stderr)
        return 2
    target = output_target(args)
    db = prepare_database(settings)
    try:
        with Session(db.read_engine) as session:
            report = build_trend(session, args.metric, period, grain)
    except TooManyPoints as exc:  # all, once its first answer is known
        print(f"--period: {too_many_error(exc, text, t)}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    if args.format == "png":
        from bot.reports.chart_replies import trend_reply

        reply = trend_reply(report, t)
        write_png(reply.content, target, reply.caption)
    elif args.format == "json":
        write_text(json.dumps(trend_dict(report), ensure_ascii=False, indent=2) + "\n", target)
    elif target is None:
        print_trend(report, t, sys.stdout)
    else:
        buffer = io.StringIO()
        print_trend(report, t, buffer, width=100)
        write_text(buffer.getvalue(), target)
    return 0
