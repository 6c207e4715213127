"""A trend in words, in the reader's language: the caption beside its chart (the last points
with n and margin, the direction, whether the change over the period is beyond the noise), and
the same figures as data (``survey-bot trend --format json``)."""

from __future__ import annotations

from typing import Any

from babel.dates import format_interval, format_skeleton

from bot.i18n import Translator
from bot.metrics import METRICS
from bot.prompts import metric_label
from bot.reports.figures import DELTA_DIGITS, MARGIN_DIGITS, SAMPLE_FLOOR, Headline, Trend
from bot.reports.labels import span_text
from bot.reports.render import CONFIDENCE, unit
from bot.reports.trend import TrendReport
from scoring import Kind
from scoring.trend import Grain, Point

LAST_POINTS = 3
"""How many of the newest points the caption names."""


def point_label(point: Point, grain: Grain, t: Translator) -> str:
    """``Nov 16 – 22`` for a week (its days in the period), ``Nov 2026`` for a month."""
    if grain is Grain.MONTH:
        return format_skeleton("yMMM", point.first, locale=t.babel_locale)
    if point.first == point.last:
        return format_skeleton("MMMd", point.first, locale=t.babel_locale)
    return format_interval(point.first, point.last, skeleton="MMMd", locale=t.babel_locale)


def axis_label(point: Point, grain: Grain, t: Translator) -> str:
    """The chart's label of a point, digits only (``11/16``, ``16.11``; ``11/2026``), so any
    font draws it."""
    return format_skeleton("Md" if grain is Grain.WEEK else "yM", point.first,
                           locale=t.babel_locale)


def title(report: TrendReport, t: Translator) -> str:
    words = (t.gettext("{metric} by week · {label} ({span})") if report.grain is Grain.WEEK
             else t.gettext("{metric} by month · {label} ({span})"))
    return words.format(metric=metric_label(report.metric, t), label=report.period.label,
                        span=span_text(report.period, t))


def point_line(metric: str, label: str, h: Headline, t: Translator) -> str:
    """``Nov 16 – 22: +32 ± 9.1 (n = 120)``; a share with its interval; too few or none."""
    if h.n == 0:
        return t.gettext("{label}: no answers").format(label=label)
    n = t.number(h.n)
    if METRICS[metric].kind is Kind.NET:
        score = t.signed(h.score or 0)
        if h.too_few:
            return t.gettext("{label}: {score} (n = {n}, too few to trust)").format(
                label=label, score=score, n=n)
        return t.gettext("{label}: {score} ± {margin} (n = {n})").format(
            label=label, score=score, margin=t.number(h.margin or 0, MARGIN_DIGITS), n=n)
    share = t.percent((h.score or 0) / 100)
    if h.too_few:
        return t.gettext("{label}: {share} (n = {n}, too few to trust)").format(
            label=label, share=share, n=n)
    return t.gettext("{label}: {share}, {level} interval {low}–{high} (n = {n})").format(
        label=label, share=share, level=t.percent(CONFIDENCE), n=n,
        low=t.percent((h.low or 0) / 100), high=t.percent((h.high or 0) / 100))


def change_line(report: TrendReport, t: Translator) -> str:
    """Whether the score moved between the halves of the period beyond the noise."""
    if len(report.points) < 2:
        return t.gettext("Over the period: a single point, nothing to compare it with.")
    shown: Trend | None = report.shown_change
    if shown is None:
        return t.gettext("Over the period: one of its halves has no answers, so there is "
                         "nothing to compare.")
    values = {"delta": t.signed(shown.delta, DELTA_DIGITS), "unit": unit(report.metric, t),
              "margin": t.number(shown.margin, DELTA_DIGITS), "min": SAMPLE_FLOOR}
    if shown.verdict == "too_few":
        words = t.gettext("Over the period: {delta} {unit}, the second half against the first: "
                          "too few answers to tell whether it is a real change (at least {min} "
                          "in each half).")
    elif shown.verdict == "within_margin":
        words = t.gettext("Over the period: {delta} {unit}, the second half against the first, "
                          "within the margin of error (± {margin}): no change beyond the noise.")
    elif shown.delta > 0:
        words = t.gettext("Over the period: {delta} {unit}, the second half against the first, "
                          "larger than the margin of error (± {margin}): a statistically "
                          "significant rise.")
    else:
        words = t.gettext("Over the period: {delta} {unit}, the second half against the first, "
                          "larger than the margin of error (± {margin}): a statistically "
                          "significant fall.")
    return words.format(**values)


def few_line(report: TrendReport, t: Translator) -> str | None:
    """Said when some point is under the floor (the chart marks them)."""
    if all(p.enough or p.n == 0 for p in report.points):
        return None
    return t.ngettext(
        "Points with fewer than {min} answer are marked: too few to trust.",
        "Points with fewer than {min} answers are marked: too few to trust.", SAMPLE_FLOOR,
    ).format(min=SAMPLE_FLOOR)


def caption_lines(report: TrendReport, t: Translator) -> list[str]:
    """The short text beside the chart."""
    lines = [title(report, t)]
    shown = report.headlines
    for p, h in list(zip(report.points, shown, strict=True))[-LAST_POINTS:]:
        lines.append("• " + point_line(report.metric, point_label(p, report.grain, t), h, t))
    lines.append(change_line(report, t))
    if (line := few_line(report, t)) is not None:
        lines.append(line)
    return lines


def _whole(value: float | None) -> float | int | None:
    return int(value) if value is not None and value.is_integer() else value


def _point(metric: str, p: Point, h: Headline) -> dict[str, Any]:
    data: dict[str, Any] = {"first_day": p.first.isoformat(), "last_day": p.last.isoformat(),
                            "n": h.n, "score": _whole(h.score), "too_few": h.too_few}
    if METRICS[metric].kind is Kind.NET:
        data["margin"] = h.margin
    else:
        data["interval"] = None if h.low is None else [_whole(h.low), _whole(h.high)]
    return data


def _half(points: tuple[Point, ...], n: int) -> dict[str, Any] | None:
    if not points:
        return None
    return {"first_day": points[0].first.isoformat(), "last_day": points[-1].last.isoformat(),
            "n": n}


def trend_dict(report: TrendReport) -> dict[str, Any]:
    """The trend as plain data, every number rounded as the text shows it."""
    period = report.period
    assert period.first is not None
    shown = report.shown_change
    change = report.change
    return {
        "metric": report.metric,
        "by": str(report.grain),
        "period": period.label,
        "timezone": period.zone.key,
        "first_day": period.first.isoformat(),
        "last_day": period.last.isoformat(),
        "points": [_point(report.metric, p, h)
                   for p, h in zip(report.points, report.headlines, strict=True)],
        "change": None if shown is None else {
            "delta": shown.delta, "margin": shown.margin, "unit": METRICS[report.metric].unit,
            "verdict": shown.verdict, "significant": shown.significant,
            "first_half": _half(change.before, change.n_before),
            "second_half": _half(change.after, change.n_after)},
        "sample_floor": SAMPLE_FLOOR,
    }
