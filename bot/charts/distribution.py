"""The distribution chart: answers per score on the metric's scale, coloured by bucket."""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bot.charts import style
from bot.charts.canvas import DrawnChart, Words, new_figure
from bot.charts.fonts import Fonts, system_fonts
from bot.charts.texts import Chart, ChartTexts
from bot.metrics import METRICS


def render_distribution(counts: Mapping[int, int], *, metric: str, texts: ChartTexts,
                        fonts: Fonts | None = None) -> Chart:
    """Answers per score of ``metric`` (every score of its scale, 0 where none) as a PNG;
    ``fonts`` defaults to the system's (:func:`~bot.charts.fonts.system_fonts`)."""
    return draw_distribution(counts, metric=metric, texts=texts, fonts=fonts).chart()


def draw_distribution(counts: Mapping[int, int], *, metric: str, texts: ChartTexts,
                      fonts: Fonts | None = None) -> DrawnChart:
    m = METRICS[metric].measure
    low, high = m.scale
    off_scale = sorted(s for s in counts if not low <= s <= high)
    if off_scale:
        raise ValueError(f"{metric}: scores {off_scale} are off the scale {low}–{high}")
    words = Words(fonts or system_fonts())
    figure = new_figure()
    axes = figure.add_subplot()
    scores = list(range(low, high + 1))
    heights = [counts.get(s, 0) for s in scores]
    bars = axes.bar(scores, heights, width=0.75,
                    color=[style.swatch(m, m.bucket(s)).colour for s in scores], zorder=2)
    for label in axes.bar_label(bars, labels=[str(h) for h in heights], padding=2):
        label.set_fontproperties(words.numbers(style.SMALL_SIZE + 1))
    axes.set_xticks(scores)
    axes.set_xlim(low - 0.6, high + 0.6)
    axes.set_ylim(0, max(max(heights, default=0), 1) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", color=style.GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelfontfamily=words.fonts.latin, labelsize=style.TICK_SIZE)
    axes.annotate(f"n = {sum(heights)}", xy=(1, 1), xycoords="axes fraction",
                  xytext=(0, 4), textcoords="offset points", ha="right", va="bottom",
                  fontproperties=words.numbers(style.SMALL_SIZE + 1), color=style.NOTE)
    words.title(figure, texts.title)
    words.axis_names(axes, texts.scale_axis, texts.count_axis)
    entries = []
    for bucket in m.buckets:
        swatch = style.swatch(m, bucket)
        entries.append((Patch(color=swatch.colour), texts.buckets.get(bucket, ""), swatch.mark))
    words.legend(figure, entries)
    return DrawnChart(figure, words)
