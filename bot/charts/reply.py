"""A rendered chart as a file for the chat."""

from __future__ import annotations

from bot.charts.texts import Chart
from bot.messages import Mime, ReplyFile


def chart_reply(chart: Chart, *, filename: str, caption: str = "") -> ReplyFile:
    """The chart as an image with ``caption``; the words the chart could not draw come first,
    one a line, so they stand next to the picture they describe (the platform renders them)."""
    lines = [*chart.caption_words, caption] if caption else list(chart.caption_words)
    return ReplyFile(filename, chart.png, "\n".join(lines), Mime.PNG)
