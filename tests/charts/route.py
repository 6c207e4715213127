"""A test-only engine route that answers with a chart, so adapter tests can check how an image
reaches a chat before the trend commands exist: ``/nps chart-test`` (or ``chart-test long``,
with a caption over Telegram's 1,024) from someone who is not a manager gets a real trend chart
in their language, with its words and a text version in the caption; ``chart-test csv`` the
same points as a CSV file (a file that is no image)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from bot.charts import ChartPoint, Fonts, chart_reply, render_trend
from bot.charts.wording import trend_texts
from bot.engine import Engine
from bot.engine.turn import Turn
from bot.messages import Mime, ReplyFile
from bot.metrics import METRICS

TRIGGER = "chart-test"
FILENAME = "nps-trend.png"


def points() -> list[ChartPoint]:
    monday = datetime.date(2026, 9, 7)
    return [ChartPoint(f"2026-W{37 + i}", monday + datetime.timedelta(weeks=i), n,
                       float(10 + 3 * i), float(i), float(20 + 6 * i), n >= 30)
            for i, n in enumerate((44, 12, 51, 38, 60, 9, 47, 52))]


def caption_of(turn: Turn, metric: str, long: bool) -> str:
    """A text version in the reader's language: the title, then one line per point (with a
    four-byte emoji, two UTF-16 units, where a point is below the floor); ``long`` repeats
    the points until it is far over 1,024."""
    t = turn.t
    title = trend_texts(METRICS[metric], t).title
    lines = [f"{p.label}: {t.signed(p.score or 0)} (n = {p.n}){' 🟥' if not p.enough else ''}"
             for p in points()]
    if long:
        lines = lines * 12
    return "\n".join([title, *lines])


def install(engine: Engine, monkeypatch: pytest.MonkeyPatch, *,
            fonts: Fonts | None = None) -> dict[str, Any]:
    """Route ``chart-test`` to a chart; what it said last (``caption``, ``reply``) is kept in
    the returned dict."""
    said: dict[str, Any] = {}
    original = engine._on_command

    def route(turn: Turn, command: str, args: str) -> None:
        words = args.split()
        if command not in METRICS or not words or words[0] != TRIGGER:
            original(turn, command, args)
            return
        if "csv" in words:
            rows = ["label,n,score", *(f"{p.label},{p.n},{p.score}" for p in points())]
            reply = ReplyFile("nps-trend.csv", "\n".join(rows).encode(), "CSV", Mime.CSV)
            said.update(reply=reply)
            turn.say(reply)
            return
        chart = render_trend(points(), metric=command,
                             texts=trend_texts(METRICS[command], turn.t), fonts=fonts)
        reply = chart_reply(chart, filename=FILENAME,
                            caption=caption_of(turn, command, "long" in words))
        said.update(reply=reply, chart=chart)
        turn.say(reply)

    monkeypatch.setattr(engine, "_on_command", route)
    return said
