"""The words of the charts in the reader's language, from the catalog."""

from __future__ import annotations

from bot.charts.texts import ChartTexts
from bot.i18n import Translator
from bot.metrics import Metric
from bot.reports.render import CONFIDENCE


def trend_texts(metric: Metric, t: Translator, *, monthly: bool = False) -> ChartTexts:
    """A trend by week (or by month) of ``metric``."""
    label = t.gettext(metric.label)
    title = t.gettext("{metric} by month") if monthly else t.gettext("{metric} by week")
    return ChartTexts(
        title=title.format(metric=label),
        score_axis=t.gettext(metric.score_axis) if metric.score_axis else label,
        period_axis=t.gettext("Month") if monthly else t.gettext("Week"),
        score=label,
        margin=t.gettext("Margin of error ({level} confidence)").format(
            level=t.percent(CONFIDENCE)),
        too_few=t.gettext("Too few answers"),
    )


def distribution_texts(metric: Metric, t: Translator) -> ChartTexts:
    """The answers of ``metric`` per score, with its buckets' names."""
    return ChartTexts(
        title=t.gettext("{metric}: answers by score").format(metric=t.gettext(metric.label)),
        scale_axis=t.gettext("Score"),
        count_axis=t.gettext("Answers"),
        buckets={b: t.gettext(name) for b, name in metric.bucket_labels.items()},
    )
