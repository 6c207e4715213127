"""Charts as PNG images for the chat: a metric's trend (:func:`render_trend`) and its
distribution over the scale (:func:`render_distribution`), drawn with matplotlib's ``Figure``
API (thread-safe, no pyplot).  Words come translated in :class:`ChartTexts`; a word no font can
draw (Chinese without a CJK font) is left out and returned in :attr:`Chart.caption_words`."""

from __future__ import annotations

from bot.charts.distribution import render_distribution
from bot.charts.fonts import Fonts, latin_only, system_fonts
from bot.charts.points import ChartPoint
from bot.charts.reply import chart_reply
from bot.charts.texts import Chart, ChartTexts
from bot.charts.trend import render_trend

__all__ = ["Chart", "ChartPoint", "ChartTexts", "Fonts", "chart_reply", "latin_only",
           "render_distribution", "render_trend", "system_fonts"]
