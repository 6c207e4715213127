"""``/nps summary [period] [by split]`` in chat: reading the arguments, the usage and /help
lines (one list of period forms and splits for both), and a localized answer to a bad period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.i18n import Translator
from bot.messages import ReplyFile
from bot.periods import FORMS, UTC_ZONE, PeriodError, parse_period
from bot.reports.queries import SPLITS, build_report
from bot.reports.render import render_report
from bot.surveys import SurveyCatalog


def period_forms() -> str:
    return "|".join(FORMS)


def split_names() -> str:
    return "|".join(SPLITS)


def manager_help_line(t: Translator, commands: Mapping[str, str]) -> str:
    """The managers' line of /help, naming every period form and split; ``commands`` is how
    the reader writes each metric's command, by metric name."""
    from bot.reports.chart_commands import chart_help_line

    return t.gettext(
        "For managers: {nps} summary [{periods}] [by {splits}], and the same with {csat} and "
        "{ces}."
    ).format_map({**commands, "periods": period_forms(), "splits": split_names()}) + "\n" + \
        chart_help_line(t, dict(commands))


def usage(cmd: str, t: Translator) -> str:
    return t.gettext("Usage: {cmd} summary [{periods}] [by {splits}]").format(
        cmd=cmd, periods=period_forms(), splits=split_names())


def period_error(error: PeriodError, text: str, t: Translator) -> str:
    """Why the period was refused, in the reader's language, naming the accepted forms."""
    forms = ", ".join(FORMS)
    messages = {
        "bad_format": t.gettext("I did not understand the period “{text}”. Use one of: {forms}."),
        "bad_date": t.gettext("“{text}” is not a date on the calendar. Write dates as "
                              "2026-10-15 and months as 2026-10."),
        "empty": t.gettext("The period “{text}” is empty: it must be at least one day long, "
                           "for example 1d or today."),
        "end_before_start": t.gettext("The period “{text}” ends before it starts: put the "
                                      "earlier date first, as in 2026-01-01..2026-03-31."),
        "too_long": t.gettext("The period “{text}” is longer than ten years; use all for "
                              "every answer."),
        "in_future": t.gettext("The period “{text}” starts after today, so it has no answers "
                               "yet."),
    }
    return messages[error.code].format(text=text, forms=forms)


def split_error(word: str, cmd: str, t: Translator) -> str:
    return t.gettext("I cannot split a summary by “{word}”.").format(word=word) + "\n" + usage(
        cmd, t)


@dataclass(frozen=True)
class SummaryArgs:
    period: str
    split: str | None


def parse_summary_args(args: str) -> SummaryArgs | str | None:
    """``summary [period] [by split]`` → the arguments; a word that is no split (returned as
    text); None when the words make no summary command."""
    words = args.split()
    if words and words[0].casefold() == "summary":
        words = words[1:]
    split = None
    if "by" in (w.casefold() for w in words):
        at = [w.casefold() for w in words].index("by")
        rest = words[at + 1:]
        if len(rest) != 1:
            return None
        split = rest[0].casefold()
        if split not in SPLITS:
            return rest[0]
        words = words[:at]
    return SummaryArgs(" ".join(words), split)


def manager_command(session: Session, metric: str, args: str, t: Translator, now: datetime,
                    cmd: str, *, zone: ZoneInfo = UTC_ZONE,
                    surveys: SurveyCatalog | None = None) -> str | ReplyFile:
    """Answer ``/nps summary 30d by channel`` and friends (``/nps trend``, ``/nps chart``: an
    image, :mod:`.chart_commands`); ``zone`` is REPORT_TIMEZONE, ``surveys`` the catalog
    (whose surveys' invitations count for the metric)."""
    from bot.reports.chart_commands import chart_command, wants_chart

    if wants_chart(args):
        return chart_command(session, metric, args, t, now, cmd, zone=zone)
    parsed = parse_summary_args(args)
    if parsed is None:
        return usage(cmd, t)
    if isinstance(parsed, str):
        return split_error(parsed, cmd, t)
    try:
        period = parse_period(parsed.period or None, now, zone)
    except PeriodError as exc:
        return period_error(exc, parsed.period, t)
    return render_report(build_report(session, metric, period, parsed.split, surveys=surveys),
                         t)
