"""``/nps summary [period] [by split]`` in chat, ``/nps value|retention|export [period]`` and
``/nps advocacy`` (:mod:`.advocacy`): reading the arguments, the usage and /help lines (one
list of period forms and splits for both), and a localized answer to a bad period or an unknown
split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.i18n import Translator
from bot.messages import Outbound, Reply, ReplyFile
from bot.periods import FORMS, UTC_ZONE, Period, PeriodError, parse_period
from bot.reports.queries import SPLITS, build_report
from bot.reports.render import render_report
from bot.reports.segments import UnknownSplit
from bot.surveys import SurveyCatalog

MORE = ("value", "retention", "export")
"""The manager commands beside ``summary`` that take a period alone."""


def period_forms() -> str:
    return "|".join(FORMS)


def split_names(t: Translator) -> str:
    """The built-in splits, then the word for any customer attribute."""
    return "|".join((*SPLITS, t.gettext("attribute")))


def manager_help_line(t: Translator, commands: Mapping[str, str]) -> str:
    """The managers' lines of /help, naming every period form and split; ``commands`` is how
    the reader writes each metric's command, by metric name."""
    from bot.reports.chart_commands import chart_help_line
    from bot.reports.themes_text import themes_help_line

    lines = t.gettext(
        "For managers: {nps} summary [{periods}] [by {splits}], and the same with {csat} and "
        "{ces}."
    ).format_map({**commands, "periods": period_forms(), "splits": split_names(t)}) + "\n" + (
        more_line(commands[next(iter(commands))], t)) + "\n" + chart_help_line(
        t, dict(commands))
    first = next(iter(commands))
    return (lines + "\n" + themes_help_line(first, commands[first], t) + "\n"
            + _advocacy_line(commands[first], t))


def _advocacy_line(cmd: str, t: Translator) -> str:
    from bot.reports.advocacy import help_line

    return help_line(cmd, t)


def more_line(cmd: str, t: Translator) -> str:
    return t.gettext("{cmd} value [period] — the money of each bucket; {cmd} retention [period] "
                     "— customer retention by bucket; {cmd} export [period] — the answers as "
                     "a CSV file").format(cmd=cmd)


def usage(cmd: str, t: Translator) -> str:
    return t.gettext("Usage: {cmd} summary [{periods}] [by {splits}]").format(
        cmd=cmd, periods=period_forms(), splits=split_names(t)) + "\n" + more_line(
        cmd, t) + "\n" + _advocacy_line(cmd, t)


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


def split_error(error: UnknownSplit, cmd: str, t: Translator) -> str:
    """The word refused, the splits and the customer attributes there are, and the usage."""
    return "\n".join((*split_refusal(error, t), usage(cmd, t)))


def split_refusal(error: UnknownSplit, t: Translator) -> tuple[str, str]:
    """The word refused; the splits and the customer attributes there are."""
    known = t.gettext("Splits: {splits}.").format(splits=", ".join(SPLITS))
    if error.attributes:
        known += " " + t.gettext("Customer attributes: {names}.").format(
            names=", ".join(error.attributes))
    else:
        known += " " + t.gettext("No customer attributes are imported yet "
                                 "(survey-bot customers import).")
    return t.gettext("I cannot split a summary by “{word}”.").format(word=error.word), known


@dataclass(frozen=True)
class SummaryArgs:
    period: str
    split: str | None


def parse_summary_args(args: str) -> SummaryArgs | None:
    """``summary [period] [by split]`` → the arguments (a built-in split in lower case, any
    other word as typed: an attribute's name, checked against the database later); None when
    the words make no summary command."""
    words = args.split()
    if words and words[0].casefold() == "summary":
        words = words[1:]
    split = None
    if "by" in (w.casefold() for w in words):
        at = [w.casefold() for w in words].index("by")
        rest = words[at + 1:]
        if len(rest) != 1:
            return None
        split = rest[0].casefold() if rest[0].casefold() in SPLITS else rest[0]
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
    try:
        period = parse_period(parsed.period or None, now, zone)
    except PeriodError as exc:
        return period_error(exc, parsed.period, t)
    try:
        report = build_report(session, metric, period, parsed.split, surveys=surveys)
    except UnknownSplit as exc:
        return split_error(exc, cmd, t)
    return render_report(report, t)


@dataclass(frozen=True)
class ManagerContext:
    """What a manager's command reads besides its words: now, REPORT_TIMEZONE, the survey
    catalog, and VALUE_ATTRIBUTE ("" for the first of revenue, mrr)."""

    now: datetime
    zone: ZoneInfo = UTC_ZONE
    surveys: SurveyCatalog | None = None
    value_attribute: str = ""


def manager_reply(session: Session, metric: str, args: str, t: Translator, cmd: str,
                  context: ManagerContext) -> Sequence[Outbound]:
    """A manager's ``/nps …``: the summary, or ``value``, ``retention``, ``export``,
    ``alerts stats``, ``advocacy``, ``themes``."""
    words = args.split(maxsplit=1)
    sub = words[0].casefold() if words else ""
    if sub == "alerts":  # only ``alerts stats [period]`` comes here (bot/engine/team.py)
        from bot.reports.alert_stats import alert_stats_text

        return [Reply(alert_stats_text(session, words[1] if len(words) > 1 else "", t,
                                       context.now, context.zone))]
    if sub == "advocacy":  # promoters asked, referrals, reviews (bot/reports/advocacy.py)
        from bot.reports.advocacy import advocacy_reply

        return [Reply(advocacy_reply(session, words[1] if len(words) > 1 else "", t, cmd,
                                     context))]
    if sub == "themes":
        from bot.reports.themes_text import themes_reply

        return [Reply(themes_reply(session, metric, words[1] if len(words) > 1 else "", t, cmd,
                                   context.now, context.zone))]
    if sub not in MORE:
        answer = manager_command(session, metric, args, t, context.now, cmd, zone=context.zone,
                                 surveys=context.surveys)
        return [Reply(answer) if isinstance(answer, str) else answer]
    text = words[1].strip() if len(words) > 1 else ""
    if " by " in f" {text.casefold()} ":
        return [Reply(usage(cmd, t))]
    try:
        period = parse_period(text or None, context.now, context.zone)
    except PeriodError as exc:
        return [Reply(period_error(exc, text, t))]
    return more_reply(session, sub, metric, period, t, context)


def more_reply(session: Session, sub: str, metric: str, period: Period, t: Translator,
               context: ManagerContext) -> Sequence[Outbound]:
    from bot.reports.answers_file import export_reply
    from bot.reports.retention import retention_text
    from bot.reports.value import value_text

    if sub == "value":
        return [Reply(value_text(session, metric, period, t, context.value_attribute))]
    if sub == "retention":
        return [Reply(retention_text(session, metric, period, t))]
    return [export_reply(session, metric, period, t)]
