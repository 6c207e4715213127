"""``/nps trend`` and ``/nps chart`` through the engine on SQLite and PostgreSQL: the image and
its caption (the last points, the change over the period and the words the chart could not
draw), in the manager's language, and every bad input answered with the localized usage."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session

from bot.app import build_engine
from bot.charts import latin_only
from bot.engine import Engine
from bot.i18n import translator
from bot.messages import Reply, ReplyFile
from bot.periods import FORMS, parse_period
from bot.reports import build_report
from bot.reports.chart_replies import distribution_reply, trend_reply
from bot.reports.figures import trend
from bot.reports.render import headline_lines
from bot.reports.trend import build_trend, trend_period
from scoring.trend import Grain
from tests.helpers import CJK, Person, of_type, seed_answers, texts

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday
_people = itertools.count()


def seed(engine: Engine, rows: list[tuple[str, int, int, str | None]]) -> None:
    seed_answers(engine, rows, display_name="Ana", now=NOW, user_id=f"s{next(_people)}")


@pytest.fixture
def boss_of(make_settings: Callable[..., Any]) -> Iterator[Callable[[str], Person]]:
    """A console manager reading ``lang``, over 15 full weeks of answers before this one: 40 a
    week, 12 detractors, ``w`` passives and ``28 − w`` promoters ``w`` weeks ago, so NPS rises
    by 2.5 points a week to (27 − 12) / 40 = +37.5 last week; this week 5 promoters (too few);
    and 90 CSAT answers over 60 days, two in three satisfied."""
    engines: list[Engine] = []

    def make(lang: str) -> Person:
        engine = build_engine(make_settings(console_manager=True, manager_locale=lang,
                                            report_timezone="Europe/Bucharest"))
        engine.clock = lambda: NOW
        engines.append(engine)
        rows: list[tuple[str, int, int, str | None]] = []
        for week in range(1, 16):  # 15 full weeks before this one
            promoters = 28 - week
            for i in range(40):
                score = 10 if i < promoters else (8 if i < 28 else 2)
                rows.append(("nps", score, 7 * week - 3 + (i % 5), None))
        rows += [("nps", 10, 1, None)] * 5
        rows += [("csat", 5 if i % 3 else 2, i % 60, None) for i in range(90)]
        seed(engine, rows)
        return Person(engine, "console-manager")

    yield make
    for engine in engines:
        engine.db.dispose()


def the_file(out: list[Any]) -> ReplyFile:
    files = of_type(out, ReplyFile)
    assert len(files) == 1 and not of_type(out, Reply), out
    return files[0]


def png_size(content: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(content))
    image.verify()
    assert image.format == "PNG"
    return image.size


def test_a_trend_is_an_image_with_a_text_version(boss_of: Callable[[str], Person]) -> None:
    boss = boss_of("en")
    sent = the_file(boss.command("nps", "trend 16w"))
    assert sent.mime == "image/png" and sent.filename.endswith(".png")
    width, height = png_size(sent.content)
    assert 600 <= width <= 2560 and 300 <= height <= 2560
    caption = sent.caption.splitlines()
    assert caption[0] == "NPS by week · 16w (Aug 10\u2009–\u2009Nov 24, 2026)"
    # Two weeks ago: (26 − 12) / 40 = +35, variance .65 + .3 − .35² = .8275, margin
    # 1.96 · √(.8275 / 40) · 100 = 28.2; last week +37.5 → +38 ± 28.3.
    assert caption[1:4] == [
        "• Nov 9\u2009–\u200915: +35 ± 28.2 (n = 40)",
        "• Nov 16\u2009–\u200922: +38 ± 28.3 (n = 40)",
        "• Nov 23\u2009–\u200924: +100 (n = 5, too few to trust)"]
    assert caption[4].startswith("Over the period: +") and caption[4].endswith(
        "a statistically significant rise.")
    assert caption[5] == "Points with fewer than 30 answers are marked: too few to trust."
    assert len(sent.caption) <= 1024  # a Telegram caption


def test_the_change_is_the_summarys_comparison_of_the_halves(
        boss_of: Callable[[str], Person]) -> None:
    boss = boss_of("en")
    engine = boss.engine
    with Session(engine.db.read_engine) as session:
        report = build_trend(session, "nps", trend_period("16w", Grain.WEEK, NOW,
                                                          engine.report_zone), Grain.WEEK)
        first, second = (build_report(session, "nps", parse_period(
            f"{part[0].first}..{part[-1].last}", NOW, engine.report_zone)).current
            for part in (report.change.before, report.change.after))
    shown = trend("nps", first, second)  # the summary's own comparison of two spans
    assert shown is not None and shown == report.shown_change
    assert shown.verdict == "significant" and shown.delta > 0
    caption = the_file(boss.command("nps", "trend 16w")).caption
    assert (f"Over the period: +{shown.delta:.1f} points, the second half against the first, "
            f"larger than the margin of error (± {shown.margin:.1f}): a statistically "
            "significant rise.") in caption


def test_by_month_and_the_other_metrics(boss_of: Callable[[str], Person]) -> None:
    boss = boss_of("en")
    sent = the_file(boss.command("csat", "trend by month"))
    assert sent.caption.startswith("CSAT by month · 12m (Dec 1, 2025\u2009–\u2009Nov 24, 2026)")
    assert "• Nov 2026: " in sent.caption and "95% interval" in sent.caption
    assert "• Aug 2026: " not in sent.caption  # only the last three points are named
    png_size(sent.content)
    ces = the_file(boss.command("ces", "trend 4w by week"))
    assert ces.caption.splitlines()[1].endswith(": no answers")


def test_the_distribution_chart(boss_of: Callable[[str], Person]) -> None:
    boss = boss_of("en")
    sent = the_file(boss.command("nps", "chart 30d"))
    png_size(sent.content)
    with Session(boss.engine.db.read_engine) as s:
        report = build_report(s, "nps", parse_period("30d", NOW, boss.engine.report_zone))
    lines = sent.caption.splitlines()
    assert lines[0] == "NPS: answers by score · 30d (Oct 26\u2009–\u2009Nov 24, 2026)"
    assert lines[1:] == headline_lines("nps", report.current, translator("en"))
    assert the_file(boss.command("nps", "chart")).caption.startswith(
        "NPS: answers by score · 30d")  # the summary's default period


@pytest.mark.parametrize("lang", ["ro", "zh"])
def test_captions_in_the_managers_language(boss_of: Callable[[str], Person], lang: str) -> None:
    boss = boss_of(lang)
    trend = the_file(boss.command("nps", "trend 16w"))
    chart = the_file(boss.command("nps", "chart 90d"))
    if lang == "ro":
        assert trend.caption.startswith("NPS pe săptămâni · 16w (10 aug.\u2009–\u200924 nov. 2026)")
        assert "Pe întreaga perioadă: +" in trend.caption
        assert "o creștere semnificativă statistic." in trend.caption
        assert chart.caption.startswith("NPS: răspunsuri pe scoruri · 90d")
    else:
        assert trend.caption.startswith("NPS 周度趋势 · 16w（2026年8月10日至11月24日）")
        assert "整个时间段：后半段与前半段相比变化 +" in trend.caption
        assert "上升具有统计显著性" in trend.caption
        assert chart.caption.startswith("NPS：各分值的回答数 · 90d") and CJK.search(chart.caption)
    for sent in (trend, chart):
        png_size(sent.content)
        assert "Over the period" not in sent.caption and "answers" not in sent.caption


def test_words_no_font_draws_go_into_the_caption(boss_of: Callable[[str], Person]) -> None:
    engine = boss_of("zh").engine
    t = translator("zh")
    with Session(engine.db.read_engine) as session:
        period = trend_period("8w", Grain.WEEK, NOW, engine.report_zone)
        report = build_trend(session, "nps", period, Grain.WEEK)
        counts = build_report(session, "nps", parse_period("30d", NOW, engine.report_zone))
    drawn = trend_reply(report, t).caption.splitlines()  # a CJK font is installed here
    plain = trend_reply(report, t, fonts=latin_only()).caption.splitlines()
    title = "NPS 周度趋势 · 8w（2026年10月5日至11月24日）"
    assert drawn[0] == title
    assert plain.count(title) == 1  # not drawn, and said once
    words = plain[:plain.index(title)]  # the words the chart could not draw come first
    assert "周" in words and "NPS（−100 至 +100）" in words and "○ 回答过少" in words
    assert plain[plain.index(title):] == drawn  # then the caption as ever
    bars = distribution_reply("nps", counts.period, counts.current, t, fonts=latin_only())
    assert "分值" in bars.caption and "回答数" in bars.caption
    english = trend_reply(report, translator("en"), fonts=latin_only()).caption.splitlines()
    assert english == trend_reply(report, translator("en")).caption.splitlines()
    assert english[0].startswith("NPS by week · 8w")  # every English word was drawn


@pytest.mark.parametrize(("lang", "grain_error", "usage"), [
    ("en", "I cannot draw a trend by “day”.", "Usage: /nps trend ["),
    ("ro", "Nu pot afișa tendința după „day”.", "Utilizare: /nps trend ["),
    ("zh", "无法按“day”绘制趋势。", "用法：/nps trend [")])
def test_bad_input_gets_the_localized_usage(boss_of: Callable[[str], Person], lang: str,
                                            grain_error: str, usage: str) -> None:
    boss = boss_of(lang)
    forms = "|".join(FORMS)
    answer = texts(boss.command("nps", "trend 30d by day"))
    assert answer == f"{grain_error}\n{usage}{forms}] [by week|month]"
    assert texts(boss.command("nps", "trend by")) == f"{usage}{forms}] [by week|month]"
    assert texts(boss.command("nps", "trend 30d by week month")).startswith(usage)
    chart_usage = usage.replace("trend", "chart")
    assert texts(boss.command("nps", "chart 30d by channel")) == f"{chart_usage}{forms}]"
    wrong = {"en": "I did not understand the period “soon”.", "ro": "Nu am înțeles perioada",
             "zh": "无法识别时间段“soon”"}[lang]
    assert wrong in texts(boss.command("nps", "trend soon"))
    assert wrong in texts(boss.command("nps", "chart soon"))
    too_long = {"en": "The period “5y” holds 261 weeks; a trend shows at most 120.",
                "ro": "Perioada „5y” cuprinde 261 de săptămâni",
                "zh": "时间段“5y”包含 261 周"}[lang]
    assert too_long in texts(boss.command("nps", "trend 5y"))
    assert of_type(boss.command("nps", "trend 5y by month"), ReplyFile)


def test_only_managers_and_help(boss_of: Callable[[str], Person]) -> None:
    boss = boss_of("en")
    customer = Person(boss.engine, "customer-1")
    out = customer.command("nps", "trend")
    assert not of_type(out, ReplyFile)
    assert texts(out) == "Sorry, this command is only for managers."
    help_text = texts(boss.command("help"))
    assert ("Charts: /nps trend [period] [by week|month] (the score week by week or month by "
            "month) and /nps chart [period] (the answers by score); the same with /csat and "
            "/ces.") in help_text
    assert "/nps summary [" in help_text
    ro_help = texts(boss_of("ro").command("help"))
    assert "Grafice: /nps trend [perioadă] [by week|month]" in ro_help
