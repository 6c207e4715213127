"""A trend or a distribution as the image a manager gets in chat: the points handed to
:mod:`bot.charts` (figures as the summary rounds them), the chart's words in the reader's
language, and the caption, a short text version of the chart, with the words the chart could
not draw (no font for them) added to it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.charts import Chart, ChartPoint, ChartTexts, Fonts, render_distribution, render_trend
from bot.i18n import Translator
from bot.messages import ReplyFile
from bot.metrics import METRICS
from bot.periods import Period
from bot.prompts import metric_label
from bot.reports.figures import SAMPLE_FLOOR, Headline
from bot.reports.labels import bucket_names, span_text
from bot.reports.render import CONFIDENCE, headline_lines
from bot.reports.trend import TrendReport
from bot.reports.trend_text import caption_lines
from bot.reports.trend_text import title as trend_title
from scoring import Kind
from scoring.trend import Grain, Point

PNG = "image/png"
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


def score_axis(metric: str, t: Translator) -> str:
    """What the score is: ``NPS: Promoters (9–10) − Detractors (0–6)``, ``CSAT: Satisfied
    (4–5)``."""
    spec = METRICS[metric]
    names = bucket_names(metric, t)
    good = " + ".join(names[b] for b in spec.buckets if b in spec.good)
    if spec.kind is Kind.NET:
        return f"{metric_label(metric, t)}: {good} − {names[spec.worst]}"
    return f"{metric_label(metric, t)}: {good}"


def trend_texts(report: TrendReport, t: Translator) -> ChartTexts:
    return ChartTexts(
        title=trend_title(report, t),
        score_axis=score_axis(report.metric, t),
        period_axis=t.gettext("Week") if report.grain is Grain.WEEK else t.gettext("Month"),
        score=t.ngettext("at least {min} answer", "at least {min} answers",
                         SAMPLE_FLOOR).format(min=SAMPLE_FLOOR),
        margin=t.gettext("margin of error ({level})").format(level=t.percent(CONFIDENCE)),
        too_few=t.ngettext("fewer than {min} answer", "fewer than {min} answers",
                           SAMPLE_FLOOR).format(min=SAMPLE_FLOOR),
    )


def distribution_title(metric: str, period: Period, t: Translator) -> str:
    return t.gettext("{metric} answers by score · {label} ({span})").format(
        metric=metric_label(metric, t), label=period.label, span=span_text(period, t))


def distribution_texts(metric: str, period: Period, t: Translator) -> ChartTexts:
    return ChartTexts(title=distribution_title(metric, period, t), scale_axis=t.gettext("Score"),
                      count_axis=t.gettext("Answers"), buckets=bucket_names(metric, t))


def with_words(lines: list[str], chart: Chart) -> str:
    """The caption: ``lines``, and after the first (the title) the words the chart could not
    draw that the lines do not already say."""
    words = [w for w in chart.caption_words if w not in lines]
    if words:
        lines = [lines[0], " · ".join(words), *lines[1:]]
    return "\n".join(lines)


def trend_reply(report: TrendReport, t: Translator, fonts: Fonts | None = None) -> ReplyFile:
    """The chart and its caption; ``fonts`` the system's unless given (tests give them)."""
    chart = render_trend(chart_points(report), metric=report.metric,
                         texts=trend_texts(report, t), fonts=fonts)
    period = report.period
    assert period.first is not None
    name = f"{report.metric}-trend-{report.grain}-{period.first}-{period.last}.png"
    return ReplyFile(name, chart.png, with_words(caption_lines(report, t), chart), PNG)


def distribution_reply(metric: str, period: Period, counts: Mapping[int, int],
                       t: Translator, fonts: Fonts | None = None) -> ReplyFile:
    metric = METRICS[metric].key
    chart = render_distribution(counts, metric=metric,
                                texts=distribution_texts(metric, period, t), fonts=fonts)
    lines = [distribution_title(metric, period, t), *headline_lines(metric, dict(counts), t)]
    first = period.first.isoformat() if period.first else "all"
    name = f"{metric}-chart-{first}-{period.last}.png"
    return ReplyFile(name, chart.png, with_words(lines, chart), PNG)
