"""The trend chart: one point per week or month with its margin of error and its n."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter
from matplotlib.transforms import blended_transform_factory

from bot.charts import style
from bot.charts.canvas import DrawnChart, Words, new_figure
from bot.charts.fonts import Fonts, system_fonts
from bot.charts.points import ChartPoint
from bot.charts.texts import Chart, ChartTexts
from bot.metrics import METRICS
from scoring import Kind, Measure

MAX_PERIOD_LABELS = 13
"""More points than this: every k-th period is labelled (each keeps its tick and its n)."""
UPRIGHT_N = 20
"""More points than this: the n above each point is turned upright to fit."""


def render_trend(points: Sequence[ChartPoint], *, metric: str, texts: ChartTexts,
                 fonts: Fonts | None = None) -> Chart:
    """The trend of ``metric`` as a PNG; ``fonts`` defaults to the system's
    (:func:`~bot.charts.fonts.system_fonts`)."""
    return draw_trend(points, metric=metric, texts=texts, fonts=fonts).chart()


def draw_trend(points: Sequence[ChartPoint], *, metric: str, texts: ChartTexts,
               fonts: Fonts | None = None) -> DrawnChart:
    m = METRICS[metric].measure
    words = Words(fonts or system_fonts())
    figure = new_figure()
    axes = figure.add_subplot()
    _frame(axes, m, len(points))
    margins = _points(axes, points, style.score_range(m))
    _period_ticks(axes, points, words)
    _n_row(axes, points, words)
    axes.tick_params(labelfontfamily=words.fonts.latin, labelsize=style.TICK_SIZE)
    words.title(figure, texts.title)
    words.axis_names(axes, texts.period_axis, texts.score_axis)
    entries = [(Line2D([], [], color=style.INK, linewidth=2, marker="o"), texts.score,
                style.TRUSTED_MARK)]
    if margins:
        entries.append((Line2D([], [], color=style.INK, marker="|", markersize=12,
                               linestyle="none"), texts.margin, style.MARGIN_MARK))
    if any(not _trusted(p) for p in points):
        entries.append((Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                               markeredgecolor=style.FEW, markeredgewidth=1.5),
                        texts.too_few, style.FEW_MARK))
    words.legend(figure, entries)
    return DrawnChart(figure, words)


def _trusted(point: ChartPoint) -> bool:
    return point.enough and point.score is not None


def _frame(axes: Axes, m: Measure, count: int) -> None:
    """The score axis of the metric (NPS −100..+100 with its zero line, a share 0..100 %)."""
    low, high = style.score_range(m)
    axes.set_ylim(low - 5, high + 5)
    axes.set_xlim(-0.6, max(count - 0.4, 0.6))
    axes.yaxis.set_major_locator(FixedLocator(_score_ticks(low, high)))
    share = m.kind is Kind.SHARE
    axes.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: f"{v:.0f}%" if share else _signed(v)))
    axes.grid(axis="y", color=style.GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    if m.kind is Kind.NET:
        axes.axhline(0, color=style.ZERO, linewidth=1, zorder=1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _points(axes: Axes, points: Sequence[ChartPoint], bounds: tuple[float, float]) -> bool:
    """The points, trusted ones filled and joined to their trusted neighbours, the others
    hollow, grey and apart; each with its margin where known (kept within ``bounds``, the
    score's range).  Whether any margin was drawn."""
    floor, ceiling = bounds
    ys = [math.nan if p.score is None else p.score for p in points]
    trusted = [_trusted(p) for p in points]
    axes.plot(range(len(points)), [y if ok else math.nan for y, ok in zip(ys, trusted,
                                                                       strict=True)],
              color=style.INK, linewidth=2, marker="o", markersize=6, zorder=3)
    few = [(x, y) for x, (y, ok) in enumerate(zip(ys, trusted, strict=True))
           if not ok and not math.isnan(y)]
    axes.plot([x for x, _ in few], [y for _, y in few], linestyle="none", marker="o",
              markersize=6, markerfacecolor="white", markeredgecolor=style.FEW,
              markeredgewidth=1.5, zorder=3)
    margins = False
    for group, colour in ((True, style.INK), (False, style.FEW)):
        bars = [(float(x), p.score, p.score - max(p.low, floor), min(p.high, ceiling) - p.score)
                for x, p in enumerate(points) if trusted[x] is group
                and p.score is not None and p.low is not None and p.high is not None]
        if bars:
            margins = True
            axes.errorbar([b[0] for b in bars], [b[1] for b in bars],
                          yerr=[[max(b[2], 0.0) for b in bars], [max(b[3], 0.0) for b in bars]],
                          fmt="none", capsize=4, elinewidth=1.2, ecolor=colour, zorder=2)
    return margins


def _score_ticks(low: float, high: float) -> list[float]:
    step = (high - low) / 4
    return [low + i * step for i in range(5)]


def _signed(value: float) -> str:
    """An NPS tick: +50, 0, −50."""
    if round(value) == 0:
        return "0"
    return f"{'+' if value > 0 else '−'}{abs(value):.0f}"


def _period_ticks(axes: Axes, points: Sequence[ChartPoint], words: Words) -> None:
    """Each period's tick, labelled (language-neutral ``2026-W47``; its start date if a label
    is not drawable) on every k-th one."""
    labels = [p.label for p in points]
    if words.fonts.properties("".join(labels), size=style.TICK_SIZE) is None:
        labels = [p.start.isoformat() for p in points]
    every = max(1, math.ceil(len(points) / MAX_PERIOD_LABELS))
    last = len(points) - 1
    labelled = [i for i in range(len(points)) if (last - i) % every == 0]
    axes.set_xticks(labelled, labels=[labels[i] for i in labelled])
    if len(points) > 6:
        for text in axes.get_xticklabels():
            text.set_rotation(40)
            text.set_horizontalalignment("right")
            text.set_rotation_mode("anchor")


def _n_row(axes: Axes, points: Sequence[ChartPoint], words: Words) -> None:
    """The answers behind each point, as numbers along the top edge, marked ``n`` (grey
    where the point is below the sample floor)."""
    where = blended_transform_factory(axes.transData, axes.transAxes)
    prop = words.numbers(style.SMALL_SIZE)
    upright = len(points) > UPRIGHT_N
    for x, p in enumerate(points):
        axes.text(x, 1.015, str(p.n), transform=where, ha="center", va="bottom",
                  rotation=90 if upright else 0, fontproperties=prop,
                  color=style.FEW if not p.enough else style.NOTE)
    axes.text(-0.01, 1.015, "n", transform=axes.transAxes, ha="right", va="bottom",
              fontproperties=prop, color=style.NOTE)
