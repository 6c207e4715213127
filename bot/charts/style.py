"""How charts look, defined once: sizes, colours, the bucket colours and their marks."""

from __future__ import annotations

from dataclasses import dataclass

from scoring import Kind, Measure

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.6, 120
"""1,200 × 672 pixels: sharp on a phone, well under Telegram's photo limits."""

MARGINS = {"left": 0.08, "right": 0.975, "bottom": 0.17, "top": 0.82}
"""The plot's place in the figure (fractions): room for the title, the legend in one row and
the n row above, the rotated period labels below."""
TITLE_Y, LEGEND_Y = 0.975, 0.92

TITLE_SIZE, LABEL_SIZE, TICK_SIZE, SMALL_SIZE = 14.0, 11.0, 9.0, 8.0

INK = "#1f4e79"
"""A trusted point, its line and its margin."""
FEW = "#9e9e9e"
"""A point below the sample floor: hollow, grey, not joined."""
GRID = "#e6e6e6"
NOTE = "#555555"
"""Small numbers beside the plot (n)."""
ZERO = "#bdbdbd"


@dataclass(frozen=True)
class Swatch:
    """A bucket's colour in a chart, and the mark that stands for it in a caption."""

    colour: str
    mark: str


WORST = Swatch("#d64541", "🟥")
MIDDLE = Swatch("#f2b134", "🟨")
GOOD = Swatch("#2e9e5b", "🟩")

TRUSTED_MARK, FEW_MARK, MARGIN_MARK = "●", "○", "±"
"""The caption's stand-ins for the legend's marks, when its words cannot be drawn."""


def swatch(measure: Measure, bucket: str) -> Swatch:
    """The worst bucket red, the good ones green, the others amber."""
    if bucket == measure.worst:
        return WORST
    return GOOD if bucket in measure.good else MIDDLE


def score_range(measure: Measure) -> tuple[float, float]:
    """The score axis: NPS −100..100, a share 0..100 %."""
    return (-100.0, 100.0) if measure.kind is Kind.NET else (0.0, 100.0)
