"""``/nps trend [period] [by week|month]`` and ``/nps chart [period]`` in chat (any metric):
reading the arguments, their usage lines, a localized answer to bad input, and the answer
itself: a PNG (:mod:`bot.charts`) with a short text version as its caption."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.i18n import Translator
from bot.messages import ReplyFile
from bot.periods import UTC_ZONE, PeriodError, parse_period
from bot.reports.commands import period_error, period_forms
from bot.reports.queries import score_counts
from bot.reports.trend import (
    DEFAULT_GRAIN,
    DEFAULT_PERIODS,
    MAX_POINTS,
    TooManyPoints,
    build_trend,
    trend_period,
)
from scoring.trend import Grain

TREND, CHART = "trend", "chart"
CHART_COMMANDS = (TREND, CHART)


def grain_names() -> str:
    return "|".join(Grain)


def wants_chart(args: str) -> bool:
    """Whether ``args`` (after ``/nps``) asks for a trend or a chart."""
    words = args.split()
    return bool(words) and words[0].casefold() in CHART_COMMANDS


def trend_usage(cmd: str, t: Translator) -> str:
    return t.gettext("Usage: {cmd} trend [{periods}] [by {grains}]").format(
        cmd=cmd, periods=period_forms(), grains=grain_names())


def chart_usage(cmd: str, t: Translator) -> str:
    return t.gettext("Usage: {cmd} chart [{periods}]").format(cmd=cmd, periods=period_forms())


def chart_help_line(t: Translator, commands: dict[str, str]) -> str:
    """The managers' /help line of the charts; ``commands`` as for the summary's line."""
    return t.gettext(
        "Charts: {nps} trend [period] [by {grains}] (the score week by week or month by "
        "month) and {nps} chart [period] (the answers by score); the same with {csat} and "
        "{ces}."
    ).format_map({**commands, "grains": grain_names()})


def grain_error(word: str, cmd: str, t: Translator) -> str:
    return t.gettext("I cannot draw a trend by “{word}”.").format(word=word) + "\n" + \
        trend_usage(cmd, t)


def too_many_error(exc: TooManyPoints, text: str, t: Translator) -> str:
    if exc.grain is Grain.WEEK:
        words = t.ngettext(
            "The period “{text}” holds {count} week; a trend shows at most {max}. Choose a "
            "shorter period, or by month.",
            "The period “{text}” holds {count} weeks; a trend shows at most {max}. Choose a "
            "shorter period, or by month.", exc.count)
    else:
        words = t.ngettext(
            "The period “{text}” holds {count} month; a trend shows at most {max}. Choose a "
            "shorter period.",
            "The period “{text}” holds {count} months; a trend shows at most {max}. Choose a "
            "shorter period.", exc.count)
    return words.format(text=text, count=t.number(exc.count), max=MAX_POINTS)


@dataclass(frozen=True)
class TrendArgs:
    period: str
    grain: Grain


def parse_trend_args(args: str) -> TrendArgs | str | None:
    """``trend [period] [by week|month]`` → the arguments; a word that is no grain (returned
    as text); None when the words make no trend command."""
    words = args.split()[1:]
    folded = [w.casefold() for w in words]
    grain = DEFAULT_GRAIN
    if "by" in folded:
        at = folded.index("by")
        rest = words[at + 1:]
        if len(rest) != 1:
            return None
        if rest[0].casefold() not in tuple(Grain):
            return rest[0]
        grain = Grain(rest[0].casefold())
        words = words[:at]
    return TrendArgs(" ".join(words), grain)


def parse_chart_args(args: str) -> str | None:
    """``chart [period]`` → the period's text; None when the words make no chart command."""
    words = args.split()[1:]
    if "by" in (w.casefold() for w in words):
        return None
    return " ".join(words)


def chart_command(session: Session, metric: str, args: str, t: Translator, now: datetime,
                  cmd: str, *, zone: ZoneInfo = UTC_ZONE) -> ReplyFile | str:
    """Answer ``/nps trend …`` or ``/nps chart …``: the image, or why there is none.  The
    read transaction ends before drawing."""
    from bot.reports.chart_replies import distribution_reply, trend_reply

    if args.split()[0].casefold() == TREND:
        parsed = parse_trend_args(args)
        if parsed is None:
            return trend_usage(cmd, t)
        if isinstance(parsed, str):
            return grain_error(parsed, cmd, t)
        try:
            period = trend_period(parsed.period or None, parsed.grain, now, zone)
            report = build_trend(session, metric, period, parsed.grain)
        except PeriodError as exc:
            return period_error(exc, parsed.period, t)
        except TooManyPoints as exc:
            return too_many_error(exc, parsed.period or DEFAULT_PERIODS[parsed.grain], t)
        session.close()
        return trend_reply(report, t)
    text = parse_chart_args(args)
    if text is None:
        return chart_usage(cmd, t)
    try:
        chosen = parse_period(text or None, now, zone)
    except PeriodError as exc:
        return period_error(exc, text, t)
    counts = score_counts(session, metric, chosen)
    session.close()
    return distribution_reply(metric, chosen, counts, t)
