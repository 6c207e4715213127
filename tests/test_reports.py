"""Summaries computed in SQL, on SQLite and PostgreSQL, checked against hand-computed figures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from bot.app import build_engine
from bot.engine import Engine
from bot.i18n import translator
from bot.periods import parse_period
from bot.reports import build_report, render_report, report_dict
from tests.helpers import seed_answers

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings())
    yield eng
    eng.db.dispose()


def seed(engine: Engine, rows: list[tuple[str, int, int, str | None]], channel: str = "console",
         locale: str = "en") -> None:
    """rows: (metric, score, days ago, comment)."""
    seed_answers(engine, rows, channel=channel, locale=locale, display_name="Maria", now=NOW)


def test_nps_figures_trend_and_comments(engine: Engine) -> None:
    # Last 30 days: 50 promoters, 30 passives, 20 detractors → NPS = 50 − 20 = +30, n = 100,
    # margin = 1.96·sqrt((.5 + .2 − .3²)/100)·100 = 1.96·sqrt(.0061)·100 = 15.3 points.
    current = ([("nps", 10, 1, None)] * 50 + [("nps", 8, 2, None)] * 30
               + [("nps", 3, 3, None)] * 19 + [("nps", 0, 0, "Never again")])
    # The 30 days before: 40 promoters, 20 passives, 40 detractors → NPS 0, n = 100.
    previous = ([("nps", 9, 40, None)] * 40 + [("nps", 7, 40, None)] * 20
                + [("nps", 6, 45, "Slow")] * 40)
    seed(engine, current + previous + [("csat", 5, 1, None)])
    with Session(engine.db.read_engine) as s:
        report = build_report(s, "nps", parse_period("30d", NOW))
    data = report_dict(report)
    assert data["n"] == 100 and data["score_rounded"] == 30
    assert round(data["margin"], 1) == 15.3
    assert data["buckets"]["promoter"] == {"count": 50, "share": 0.5}
    assert data["previous_n"] == 100
    assert data["change"]["delta"] == pytest.approx(30.0)
    assert data["change"]["significant"] is True  # 30 points against a margin of about 23
    assert [c["text"] for c in data["comments"]] == ["Never again"]
    text = render_report(report, translator("en"))
    assert "NPS +30 ± 15.3 (n = 100)" in text
    assert "Never again" in text and "a real change" in text
    ro = render_report(report, translator("ro"))
    assert "50\xa0%" in ro and "15,3" in ro  # Babel: no-break space, decimal comma


def test_all_time_and_segments(engine: Engine) -> None:
    seed(engine, [("nps", 10, 400, None), ("nps", 2, 5, None)], channel="telegram", locale="zh")
    seed(engine, [("nps", 9, 1, None)], channel="slack", locale="ro")
    with Session(engine.db.read_engine) as s:
        report = build_report(s, "nps", parse_period("all", NOW), "channel")
    assert report.previous is None
    assert sum(report.current.values()) == 3
    segments = dict(report.segments)
    assert segments == {"telegram": {10: 1, 2: 1}, "slack": {9: 1}}
    text = render_report(report, translator("en"))
    assert "▸ telegram" in text and "too few to trust" in text


def test_csat_and_ces(engine: Engine) -> None:
    # CSAT: 4 and 5 are satisfied: 3 of 4 → 75%, mean (5+4+4+1)/4 = 3.5.
    # CES: 5-7 agree: 2 of 3 → 66.7%, mean (7+5+2)/3 = 4.67.
    seed(engine, [("csat", 5, 1, None), ("csat", 4, 1, None), ("csat", 4, 2, None),
                  ("csat", 1, 3, "Rude"), ("ces", 7, 1, None), ("ces", 5, 1, None),
                  ("ces", 2, 1, "Hard")])
    with Session(engine.db.read_engine) as s:
        csat = report_dict(build_report(s, "csat", parse_period("7d", NOW)))
        ces = report_dict(build_report(s, "ces", parse_period("7d", NOW)))
    assert csat["score"] == pytest.approx(75.0) and csat["mean"] == pytest.approx(3.5)
    assert [c["text"] for c in csat["comments"]] == ["Rude"]
    assert ces["score"] == pytest.approx(200 / 3) and ces["mean"] == pytest.approx(14 / 3)
    assert "CES 2.0" in ces["method"]


def test_empty_period(engine: Engine) -> None:
    with Session(engine.db.read_engine) as s:
        report = build_report(s, "nps", parse_period("7d", NOW))
    assert "No answers in this period yet." in render_report(report, translator("en"))
    assert report_dict(report)["n"] == 0
