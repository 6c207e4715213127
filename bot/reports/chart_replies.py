"""A trend or a distribution as the image a manager gets in chat: the points handed to
:mod:`bot.charts` (figures as the summary rounds them), the chart's words in the reader's
language (:mod:`bot.charts.wording`, titled with the period), and the caption, a short text
version of the chart, after the words the chart could not draw (no font for them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.charts import (
    Chart,
    ChartPoint,
    ChartTexts,
    Fonts,
    chart_reply,
    render_distribution,
    render_trend,
    wording,
)
from bot.i18n import Translator
from bot.messages import ReplyFile
from bot.metrics import METRICS
from bot.periods import Period
from bot.prompts import metric_label
from bot.reports.figures import Headline
from bot.reports.labels import span_text
from bot.reports.render import headline_lines
from bot.reports.trend import TrendReport
from bot.reports.trend_text import caption_lines
from bot.reports.trend_text import title as trend_title
from scoring import Kind
from scoring.trend import Grain, Point

NPS_RANGE = (-100.0, 100.0)


def iso_label(point: Point, grain: Grain) -> str:
    """``2026-W47`` (the ISO week of its first day) or ``2026-11``."""
    if grain is Grain.WEEK:
        year, week, _ = point.first.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{point.first.year:04d}-{point.first.month:02d}"


def chart_point(metric: str, point: Point, grain: Grain, h: Headline) -> ChartPoint:
    """One point with the summary's figures: NPS ± its margin (none under the floor, as the
    summary shows none), a share in percent with its Wilson interval."""
    low = high = None
    if h.score is not None:
        if METRICS[metric].kind is Kind.SHARE:
            low, high = h.low, h.high
        elif not h.too_few and h.margin is not None:
            low = max(NPS_RANGE[0], h.score - h.margin)
            high = min(NPS_RANGE[1], h.score + h.margin)
    return ChartPoint(label=iso_label(point, grain), start=point.first, n=h.n, score=h.score,
                      low=low, high=high, enough=point.enough)


def chart_points(report: TrendReport) -> list[ChartPoint]:
    return [chart_point(report.metric, p, report.grain, h)
            for p, h in zip(report.points, report.headlines, strict=True)]


def trend_texts(report: TrendReport, t: Translator) -> ChartTexts:
    """The chart's words (:mod:`bot.charts.wording`), titled with the period and its dates."""
    return replace(wording.trend_texts(METRICS[report.metric], t,
                                       monthly=report.grain is Grain.MONTH),
                   title=trend_title(report, t))


def distribution_title(metric: str, period: Period, t: Translator) -> str:
    return t.gettext("{metric}: answers by score · {label} ({span})").format(
        metric=metric_label(metric, t), label=period.label, span=span_text(period, t))


def distribution_texts(metric: str, period: Period, t: Translator) -> ChartTexts:
    return replace(wording.distribution_texts(METRICS[metric], t),
                   title=distribution_title(metric, period, t))


def as_reply(chart: Chart, name: str, lines: list[str]) -> ReplyFile:
    """The image with ``lines`` as its caption, after the words the chart could not draw
    (:func:`bot.charts.chart_reply`) that the lines do not already say (the title)."""
    unsaid = [w for w in chart.caption_words if w not in lines]
    return chart_reply(replace(chart, caption_words=unsaid), filename=name,
                       caption="\n".join(lines))


def trend_reply(report: TrendReport, t: Translator, fonts: Fonts | None = None) -> ReplyFile:
    """The chart and its caption; ``fonts`` the system's unless given (tests give them)."""
    chart = render_trend(chart_points(report), metric=report.metric,
                         texts=trend_texts(report, t), fonts=fonts)
    period = report.period
    assert period.first is not None
    name = f"{report.metric}-trend-{report.grain}-{period.first}-{period.last}.png"
    return as_reply(chart, name, caption_lines(report, t))


def distribution_reply(metric: str, period: Period, counts: Mapping[int, int],
                       t: Translator, fonts: Fonts | None = None) -> ReplyFile:
    metric = METRICS[metric].key
    chart = render_distribution(counts, metric=metric,
                                texts=distribution_texts(metric, period, t), fonts=fonts)
    lines = [distribution_title(metric, period, t), *headline_lines(metric, dict(counts), t)]
    first = period.first.isoformat() if period.first else "all"
    name = f"{metric}-chart-{first}-{period.last}.png"
    return as_reply(chart, name, lines)
