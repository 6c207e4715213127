"""Both charts, every metric, every language, with and without a CJK font: every word drawn
is in a font that has all its characters, a word no font has goes to the caption instead, and
the PNG decodes at a sane size with the marks where they belong."""

from __future__ import annotations

import datetime
import io
import math
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from matplotlib.image import imread
from matplotlib.patches import Rectangle

from bot.charts import ChartPoint, ChartTexts, Fonts, latin_only
from bot.charts import style as chart_style
from bot.charts.canvas import DrawnChart
from bot.charts.distribution import draw_distribution, render_distribution
from bot.charts.trend import draw_trend, render_trend
from bot.charts.wording import distribution_texts, trend_texts
from bot.i18n import translator
from bot.metrics import METRICS
from scoring import Kind
from tests.charts.drawn import (
    CJK,
    cjk_fonts,
    colours,
    drawn_texts,
    font_of,
    image,
    outside_figure,
    rgb,
    uncovered,
)

LANGS = ("en", "ro", "zh")
FONT_CASES: dict[str, Callable[[], Fonts]] = {"cjk-font": cjk_fonts, "no-cjk-font": latin_only}


def weekly(metric: str, count: int = 12) -> list[ChartPoint]:
    """A trend with every kind of point: trusted ones with a margin, ones under the floor
    (with and without a margin), and an empty week."""
    net = METRICS[metric].kind is Kind.NET
    points = []
    for i in range(count):
        n = (0, 12, 45, 80, 25)[i % 5]
        score = None if n == 0 else (-30 + 7 * i if net else 40 + 4 * i)
        margin = None if n == 0 or (net and n < 30) else 180 / math.sqrt(n)
        points.append(ChartPoint(
            f"2026-W{i + 10:02d}", datetime.date(2026, 3, 2) + datetime.timedelta(weeks=i), n,
            score, None if margin is None or score is None else max(score - margin, -100),
            None if margin is None or score is None else min(score + margin, 100), n >= 30))
    return points


def counts_of(metric: str) -> dict[int, int]:
    low, high = METRICS[metric].scale
    return {s: 3 + 2 * (s - low) for s in range(low, high + 1)}


def words_of(texts: ChartTexts) -> list[str]:
    return [w for w in (texts.title, texts.score_axis, texts.period_axis, texts.scale_axis,
                        texts.count_axis, texts.score, texts.margin, texts.too_few,
                        *texts.buckets.values()) if w]


def draw(kind: str, metric: str, lang: str, fonts: Fonts) -> tuple[DrawnChart, ChartTexts]:
    t = translator(lang)
    if kind == "trend":
        texts = trend_texts(METRICS[metric], t)
        return draw_trend(weekly(metric), metric=metric, texts=texts, fonts=fonts), texts
    texts = distribution_texts(METRICS[metric], t)
    return draw_distribution(counts_of(metric), metric=metric, texts=texts,
                             fonts=fonts), texts


def check_png(png: bytes) -> None:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) < 300_000
    with image(png) as img:
        assert img.format == "PNG"
        assert 800 <= img.width <= 2000 and 400 <= img.height <= 1500
    pixels = imread(io.BytesIO(png), format="png")
    assert pixels.shape[1] == 1200 and pixels.shape[0] == 672


@pytest.mark.parametrize("kind", ["trend", "distribution"])
@pytest.mark.parametrize("metric", list(METRICS))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("font_case", list(FONT_CASES))
def test_every_word_drawn_is_covered_by_its_font(kind: str, metric: str, lang: str,
                                                 font_case: str) -> None:
    fonts = FONT_CASES[font_case]()
    drawn, texts = draw(kind, metric, lang, fonts)
    shown = drawn_texts(drawn.figure)
    for text in shown:
        assert not uncovered(text), (text.get_text(), font_of(text), uncovered(text))
    assert outside_figure(drawn.figure) == []
    strings = {t.get_text() for t in shown}
    chart = drawn.chart()
    check_png(chart.png)
    words = words_of(texts)
    if lang == "zh" and font_case == "no-cjk-font":
        assert not [s for s in strings if CJK.search(s)], "a Chinese word was drawn"
        assert chart.font is None
        caption = "\n".join(chart.caption_words)
        for word in words:
            assert word in strings or word in caption, word
        for word in words:
            if CJK.search(word):
                assert word in caption and word not in strings, word
        assert chart.caption_words
    else:
        # Every word is on the chart, none left for the caption.
        assert chart.caption_words == []
        assert set(words) <= strings, set(words) - strings
        expected_font = fonts.families[1] if lang == "zh" else None
        assert chart.font == expected_font
    if lang == "zh" and font_case == "cjk-font":
        title = next(t for t in shown if t.get_text() == texts.title)
        assert title.get_fontproperties().get_family() == [fonts.families[1]]


def test_caption_words_carry_the_mark_they_stand_for() -> None:
    t = translator("zh")
    trend = render_trend(weekly("nps"), metric="nps", texts=trend_texts(METRICS["nps"], t),
                         fonts=latin_only())
    assert f"{chart_style.FEW_MARK} {t.gettext('Too few answers')}" in trend.caption_words
    assert (f"{chart_style.MARGIN_MARK} " + t.gettext("Margin of error ({level} confidence)")
            .format(level=t.percent(0.95))) in trend.caption_words
    dist = render_distribution(counts_of("nps"), metric="nps",
                               texts=distribution_texts(METRICS["nps"], t), fonts=latin_only())
    assert f"🟥 {t.gettext('Detractors (0–6)')}" in dist.caption_words
    assert f"🟩 {t.gettext('Promoters (9–10)')}" in dist.caption_words


@pytest.mark.parametrize("metric", list(METRICS))
def test_the_trend_shows_margins_n_and_the_untrusted_points_apart(metric: str) -> None:
    points = weekly(metric)
    drawn = draw_trend(points, metric=metric, texts=trend_texts(METRICS[metric],
                                                                translator("en")),
                       fonts=latin_only())
    axes = drawn.figure.axes[0]
    low, high = chart_style.score_range(METRICS[metric].measure)
    assert axes.get_ylim()[0] < low <= axes.get_yticks()[0]
    assert axes.get_yticks()[-1] <= high < axes.get_ylim()[1]
    assert (low, high) == ((-100, 100) if metric == "nps" else (0, 100))
    line, hollow = (a for a in axes.get_lines() if a.get_marker() == "o")
    ys = list(line.get_ydata())  # type: ignore[arg-type]
    for p, y in zip(points, ys, strict=True):
        if p.enough:
            assert y == p.score
        else:
            assert math.isnan(y)  # never joined to the trusted line
    few = [(i, p.score) for i, p in enumerate(points) if not p.enough and p.score is not None]
    assert list(zip(hollow.get_xdata(), hollow.get_ydata(), strict=True)) == few  # type: ignore[arg-type]
    assert hollow.get_markerfacecolor() == "white"
    # n of every point is on the chart (its numbers along the top, marked "n").
    tops = [t for t in axes.texts if t.get_position()[1] > 1]
    assert [t.get_text() for t in tops][:len(points)] == [str(p.n) for p in points]
    assert "n" in [t.get_text() for t in tops]
    # every margin drawn: one vertical bar per point that has one, trusted and not
    segments = [seg for c in axes.collections for seg in c.get_segments()]  # type: ignore[attr-defined]
    with_margin = [p for p in points if p.low is not None]
    assert len(segments) == len(with_margin)
    spans = sorted((round(s[0][1], 6), round(s[1][1], 6)) for s in segments)
    # each margin as given, within the score's range
    assert spans == sorted((round(max(p.low, low), 6), round(min(p.high, high), 6))
                           for p in with_margin if p.low is not None and p.high is not None)
    assert any(p.low is not None and p.low < low for p in with_margin) == (metric != "nps")
    png = drawn.chart().png
    assert rgb(chart_style.INK) in colours(png) and rgb(chart_style.FEW) in colours(png)


@pytest.mark.parametrize("metric", list(METRICS))
def test_the_distribution_has_every_score_coloured_by_its_bucket(metric: str) -> None:
    m = METRICS[metric]
    counts = counts_of(metric)
    counts.pop(m.scale[0] + 1)  # a score nobody gave is still on the axis, at 0
    drawn = draw_distribution(counts, metric=metric,
                              texts=distribution_texts(m, translator("ro")), fonts=latin_only())
    axes = drawn.figure.axes[0]
    bars = [p for p in axes.patches if isinstance(p, Rectangle)]
    low, high = m.scale
    assert [round(b.get_x() + b.get_width() / 2) for b in bars] == list(range(low, high + 1))
    assert [b.get_height() for b in bars] == [counts.get(s, 0) for s in range(low, high + 1)]
    for bar, score in zip(bars, range(low, high + 1), strict=True):
        swatch = chart_style.swatch(m.measure, m.bucket(score))
        assert bar.get_facecolor()[:3] == tuple(c / 255 for c in rgb(swatch.colour))
    labels = [t.get_text() for t in axes.texts]
    assert f"n = {sum(counts.values())}" in labels
    found = colours(drawn.chart().png)
    for bucket in m.buckets:
        assert rgb(chart_style.swatch(m.measure, bucket).colour) in found


def test_one_definition_of_bucket_colours() -> None:
    for metric in METRICS.values():
        worst, middle, good = (chart_style.swatch(metric.measure, b) for b in metric.buckets)
        assert (worst, middle, good) == (chart_style.WORST, chart_style.MIDDLE, chart_style.GOOD)


def test_empty_and_bare_inputs_still_draw() -> None:
    texts = trend_texts(METRICS["nps"], translator("en"))
    empty = render_trend([], metric="nps", texts=texts, fonts=latin_only())
    check_png(empty.png)
    nothing = [ChartPoint("2026-11", datetime.date(2026, 11, 1), 0, None, None, None, False)]
    check_png(render_trend(nothing, metric="nps", texts=texts, fonts=latin_only()).png)
    check_png(render_distribution({}, metric="ces", texts=ChartTexts(), fonts=latin_only()).png)
    with pytest.raises(ValueError, match="off the scale"):
        render_distribution({11: 1}, metric="nps", texts=ChartTexts(), fonts=latin_only())


def test_a_year_of_weeks_fits_and_labels_the_last_week() -> None:
    points = weekly("nps", 52)
    drawn = draw_trend(points, metric="nps", texts=trend_texts(METRICS["nps"],
                                                               translator("ro")),
                       fonts=latin_only())
    assert outside_figure(drawn.figure) == []
    ticks = [t.get_text() for t in drawn.figure.axes[0].get_xticklabels()]
    assert points[-1].label in ticks and 4 <= len(ticks) <= 14


def test_charts_drawn_in_threads_are_the_charts_drawn_one_by_one() -> None:
    """The Figure API with its own canvas shares no state between charts: the same input
    gives the same bytes, whatever else is drawn at the same time."""
    jobs = [(kind, metric, lang) for kind in ("trend", "distribution") for metric in METRICS
            for lang in ("en", "zh")][:8]

    def one(job: tuple[str, str, str]) -> bytes:
        return draw(*job, fonts=latin_only())[0].chart().png

    alone = [one(job) for job in jobs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(one, jobs, timeout=120))
    assert together == alone
    assert len(set(alone)) == len(alone)


def test_drawing_never_loads_pyplot() -> None:
    """pyplot keeps global figures (not thread-safe): a process that draws both charts has
    not imported it."""
    code = ("import sys, datetime\n"
            "from bot.charts import ChartPoint, ChartTexts, render_trend, render_distribution\n"
            "p = ChartPoint('2026-11', datetime.date(2026, 11, 1), 40, 10.0, 0.0, 20.0, True)\n"
            "render_trend([p], metric='nps', texts=ChartTexts(title='x'))\n"
            "render_distribution({3: 1}, metric='csat', texts=ChartTexts())\n"
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
