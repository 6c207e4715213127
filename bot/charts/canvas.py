"""A figure to draw on (matplotlib's ``Figure`` with the Agg canvas, no pyplot, so charts are
safe to draw in several threads at once), the words put on it, and its PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.charts import style
from bot.charts.fonts import Fonts
from bot.charts.texts import Chart


def new_figure() -> Figure:
    """A fixed layout (no layout engine: it measures every text again and costs more than the
    drawing): the plot in the middle, the title above, the legend on the right."""
    figure = Figure(figsize=(style.WIDTH_IN, style.HEIGHT_IN), dpi=style.DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(**style.MARGINS)
    return figure


@dataclass
class Words:
    """Puts each word on the figure in a font that has all its characters, or leaves it out
    and keeps it for the caption."""

    fonts: Fonts
    missing: list[str] = field(default_factory=list)
    fallback: str | None = None
    """The fallback family, once a word was drawn with it."""

    def font(self, text: str, *, size: float, weight: str = "normal",
             mark: str = "") -> FontProperties | None:
        """The font for ``text``; None (and ``text`` kept for the caption, after ``mark``)
        when no font draws it or it is empty."""
        if not text.strip():
            return None
        prop = self.fonts.properties(text, size=size, weight=weight)
        if prop is None:
            self.missing.append(f"{mark} {text}" if mark else text)
            return None
        family = prop.get_family()[0]
        if family != self.fonts.latin:
            self.fallback = family
        return prop

    def numbers(self, size: float = style.TICK_SIZE) -> FontProperties:
        """The Latin font, for numbers and period labels."""
        return FontProperties(family=self.fonts.latin, size=size)

    def title(self, figure: Figure, text: str) -> None:
        prop = self.font(text, size=style.TITLE_SIZE, weight="bold")
        if prop is not None:
            figure.text(style.MARGINS["left"], style.TITLE_Y, text, fontproperties=prop,
                        ha="left", va="top", parse_math=False)

    def axis_names(self, axes: Axes, x: str, y: str) -> None:
        if (prop := self.font(x, size=style.LABEL_SIZE)) is not None:
            axes.set_xlabel(x, fontproperties=prop, parse_math=False)
        if (prop := self.font(y, size=style.LABEL_SIZE)) is not None:
            axes.set_ylabel(y, fontproperties=prop, parse_math=False)

    def legend(self, figure: Figure, entries: Sequence[tuple[Artist, str, str]]) -> None:
        """A legend in one row under the title, of the entries (handle, word, caption mark)
        whose words can be drawn; the others go to the caption with their mark."""
        shown = []
        for handle, word, mark in entries:
            prop = self.font(word, size=style.SMALL_SIZE + 1, mark=mark)
            if prop is not None:
                shown.append((handle, word, prop))
        if not shown:
            return
        legend = figure.legend([h for h, _, _ in shown], [w for _, w, _ in shown],
                               frameon=False, loc="upper left", ncols=len(shown),
                               bbox_to_anchor=(style.MARGINS["left"], style.LEGEND_Y),
                               borderaxespad=0, borderpad=0, handletextpad=0.5,
                               columnspacing=1.8)
        for text, (_, _, prop) in zip(legend.get_texts(), shown, strict=True):
            text.set_fontproperties(prop)

    def chart(self, figure: Figure) -> Chart:
        return Chart(png_of(figure), list(self.missing), self.fallback)


@dataclass(frozen=True)
class DrawnChart:
    """A figure drawn and what its words became (for the PNG, and for tests that read the
    figure's texts)."""

    figure: Figure
    words: Words

    def chart(self) -> Chart:
        return self.words.chart(self.figure)


def png_of(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=style.DPI, metadata={"Software": None})
    return out.getvalue()
