"""What a chart says, and what the renderer hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChartTexts:
    """The words of a chart, already in the reader's language (:mod:`bot.charts.wording`
    builds them from the catalog).  An empty word is not shown.  Numbers, the period labels and
    the mark ``n`` are language-neutral and drawn by the renderer itself."""

    title: str = ""
    score_axis: str = ""
    """The trend's vertical axis: what the score is."""
    period_axis: str = ""
    """The trend's horizontal axis: week or month."""
    scale_axis: str = ""
    """The distribution's horizontal axis: the score given."""
    count_axis: str = ""
    """The distribution's vertical axis: the number of answers."""
    score: str = ""
    """Legend: a point with enough answers."""
    margin: str = ""
    """Legend: the margin of error drawn at each point."""
    too_few: str = ""
    """Legend: a point below the sample floor."""
    buckets: Mapping[str, str] = field(default_factory=dict)
    """Each bucket's name by its key (``promoter``): the distribution's legend."""


@dataclass(frozen=True)
class Chart:
    """A rendered chart.  ``caption_words`` are the words that could not be drawn (no font
    covers them), each with the mark it names where it names one (``○ too few answers``,
    ``🟥 Detractors (0–6)``): the caller puts them into the caption, which the platform renders.
    ``font`` is the family that drew the words the Latin font could not (None: none did)."""

    png: bytes
    caption_words: list[str]
    font: str | None
