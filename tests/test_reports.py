"""Summaries on SQLite and PostgreSQL, checked against hand-computed figures: every split x every
metric, the significance floor, rounding, DST edges, and the chat command's answers."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.app import build_engine
from bot.engine import Engine
from bot.i18n import translator
from bot.periods import FORMS, parse_period
from bot.reports import SPLITS, build_report, manager_command, render_report, report_dict
from bot.store import ROLLUP_ZONE_KEY, kv_set
from tests.helpers import Person, seed_answers, texts
from tests.reporting import Row, raw_counts, store_rows

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BUCHAREST = ZoneInfo("Europe/Bucharest")


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings())
    yield eng
    eng.db.dispose()


_people = itertools.count()


def seed(engine: Engine, rows: list[tuple[str, int, int, str | None]], channel: str = "console",
         locale: str = "en") -> None:
    """rows: (metric, score, days ago, comment), answered by a new respondent."""
    seed_answers(engine, rows, channel=channel, locale=locale, display_name="Maria", now=NOW,
                 user_id=f"seed-{next(_people)}")


def report_of(engine: Engine, metric: str, period: str, by: str | None = None,
              zone: ZoneInfo | None = None) -> Any:
    with Session(engine.db.read_engine) as s:
        return build_report(s, metric, parse_period(period, NOW, zone or engine.report_zone), by)


def test_nps_figures_trend_and_comments(engine: Engine) -> None:
    # Last 30 days: 50 promoters, 30 passives, 20 detractors → NPS = 50 − 20 = +30, n = 100,
    # margin = 1.96·sqrt((.5 + .2 − .3²)/100)·100 = 1.96·sqrt(.0061)·100 = 15.3 points.
    current = ([("nps", 10, 1, None)] * 50 + [("nps", 8, 2, None)] * 30
               + [("nps", 3, 3, None)] * 19 + [("nps", 0, 0, "Never again")])
    # The 30 days before: 40 promoters, 20 passives, 40 detractors → NPS 0, n = 100.
    previous = ([("nps", 9, 40, None)] * 40 + [("nps", 7, 40, None)] * 20
                + [("nps", 6, 45, "Slow")] * 40)
    seed(engine, current + previous + [("csat", 5, 1, None)])
    report = report_of(engine, "nps", "30d")
    data = report_dict(report)
    assert data["n"] == 100 and data["score"] == data["score_rounded"] == 30
    assert data["margin"] == 15.3
    assert data["buckets"]["promoter"] == {"count": 50, "share": 0.5}
    assert data["previous"]["n"] == 100 and data["previous"]["score"] == 0
    assert data["previous"]["first_day"] == "2026-09-26"  # 30 days before 26 Oct – 24 Nov
    # Margin of the change: 1.96·sqrt(.8/100 + .61/100)·100 = 1.96·11.87 = 23.3 points.
    assert data["change"] == {"delta": 30.0, "margin": 23.3, "unit": "points",
                              "verdict": "significant", "significant": True}
    assert [c["text"] for c in data["comments"]] == ["Never again"]
    text = render_report(report, translator("en"))
    assert "NPS summary · 30d (Oct 26\u2009–\u2009Nov 24, 2026)" in text
    assert "NPS +30 ± 15.3 (n = 100)" in text
    assert ("Trend: +30.0 points against Sep 26\u2009–\u2009Oct 25, 2026, larger than the margin "
            "of error (± 23.3): a statistically significant change.") in text
    assert "Never again" in text
    ro = render_report(report, translator("ro"))
    assert "50\xa0%" in ro and "15,3" in ro and "26 oct.\u2009–\u200924 nov. 2026" in ro
    assert "+30,0 puncte față de" in ro and "semnificativă statistic" in ro
    zh = render_report(report, translator("zh"))
    assert "2026年10月26日至11月24日" in zh and "+30.0 分" in zh


def test_the_significance_floor(engine: Engine) -> None:
    # Three promoters against three detractors: NPS +100 against −100 is a 200-point move,
    # far outside its margin, but 3 answers are too few to call it anything.
    seed(engine, [("nps", 10, 1, None)] * 3 + [("nps", 0, 40, None)] * 3
         + [("csat", 5, 1, None)] * 29 + [("csat", 1, 40, None)] * 40)
    nps = report_of(engine, "nps", "30d")
    change = report_dict(nps)["change"]
    assert change["delta"] == 200.0 and change["margin"] < 200
    assert change["verdict"] == "too_few" and change["significant"] is False
    text = render_report(nps, translator("en"))
    assert "too few answers to tell whether it is a real change (at least 30 in each period)" in (
        text)
    assert "statistically significant" not in text
    csat = report_of(engine, "csat", "30d")  # 29 answers now, 40 before: still too few
    assert report_dict(csat)["change"]["verdict"] == "too_few"
    assert "+100.0 percentage points against" in render_report(csat, translator("en"))
    assert "+100,0 puncte procentuale" in render_report(csat, translator("ro"))
    assert "+100.0 个百分点" in render_report(csat, translator("zh"))
    seed(engine, [("csat", 5, 2, None)])  # the 30th answer: now it is a real change
    assert report_dict(report_of(engine, "csat", "30d"))["change"]["verdict"] == "significant"


def test_a_change_within_the_margin(engine: Engine) -> None:
    seed(engine, [("nps", 10, 1, None)] * 20 + [("nps", 0, 1, None)] * 20
         + [("nps", 10, 40, None)] * 21 + [("nps", 0, 40, None)] * 19)
    data = report_dict(report_of(engine, "nps", "30d"))
    assert data["change"]["verdict"] == "within_margin" and data["change"]["delta"] == -5.0
    assert "within the margin of error (± 43." in render_report(
        report_of(engine, "nps", "30d"), translator("en"))


def test_csat_and_ces_show_their_interval(engine: Engine) -> None:
    # CSAT: 4 and 5 are satisfied: 3 of 4 → 75 %, mean (5+4+4+1)/4 = 3.5; Wilson 95 % interval
    # for 3/4 is 30.1 %–95.4 %.  CES: 5-7 agree: 2 of 3 → 66.7 % shown as 67 %, mean 4.67;
    # Wilson for 2/3 is 20.8 %–93.9 %.
    seed(engine, [("csat", 5, 1, None), ("csat", 4, 1, None), ("csat", 4, 2, None),
                  ("csat", 1, 3, "Rude"), ("ces", 7, 1, None), ("ces", 5, 1, None),
                  ("ces", 2, 1, "Hard")])
    csat = report_of(engine, "csat", "7d")
    ces = report_of(engine, "ces", "7d")
    c, e = report_dict(csat), report_dict(ces)
    assert (c["score"], c["mean"], c["interval"]) == (75, 3.5, [30, 95])
    assert [x["text"] for x in c["comments"]] == ["Rude"]
    assert (e["score"], e["mean"], e["interval"]) == (67, 4.67, [21, 94])
    assert e["buckets"]["agree"] == {"count": 2, "share": 0.67}
    assert "CES 2.0" in e["method"]
    assert "CSAT 75% satisfied (4–5), mean 3.50 (n = 4); 95% interval 30%–95%" in (
        render_report(csat, translator("en")))
    assert "CES 67% agree it was easy (5–7), mean 4.67 of 7 (n = 3); 95% interval 21%–94%" in (
        render_report(ces, translator("en")))
    assert "interval de încredere de 95\xa0%: 21\xa0%–94\xa0%" in render_report(
        ces, translator("ro"))


def test_json_floats_are_rounded_as_the_text_shows_them(engine: Engine) -> None:
    # 32 promoters, 91 − 32 − 27 = 32 passives, 27 detractors: NPS = 5/91 = 5.49… → +5,
    # margin 1.96·sqrt((32+27)/91 − (5/91)²)/sqrt(91)·100 = 16.5 points; shares 35 %, 35 %, 30 %.
    seed(engine, [("nps", 9, 1, None)] * 32 + [("nps", 7, 1, None)] * 32
         + [("nps", 2, 1, None)] * 27)
    data = report_dict(report_of(engine, "nps", "7d"))
    assert data["score"] == 5 and data["margin"] == 16.5
    assert [b["share"] for b in data["buckets"].values()] == [0.3, 0.35, 0.35]

    def floats(value: Any) -> Iterator[float]:
        if isinstance(value, float):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from floats(v)
        elif isinstance(value, list):
            for v in value:
                yield from floats(v)

    assert all(len(repr(f).split(".")[1]) <= 2 for f in floats(data)), json.dumps(data)


def test_empty_period(engine: Engine) -> None:
    seed(engine, [("nps", 9, 10, None)])
    report = report_of(engine, "nps", "7d")  # an answer in the span before, none in this one
    text = render_report(report, translator("en"))
    assert "No answers in this period yet." in text and "Trend" not in text
    assert report_dict(report)["n"] == 0 and report_dict(report)["change"] is None
    report = report_of(engine, "nps", "2026-11-14")  # the other way round
    assert "Trend: no answers in Nov 13, 2026 to compare with." in render_report(
        report, translator("en"))


# ------------------------------------------------------------------ every split, every metric

CHANNELS = ("telegram", "slack", "console")
LANGUAGES = ("en", "ro", "zh")
CAMPAIGNS = (None, "spring")
SURVEYS = ("default", "onboarding")
LABELS = {
    "channel": {"telegram": "Telegram", "slack": "Slack", "console": "console"},
    "language": {"en": "English", "ro": "Romanian", "zh": "Simplified Chinese"},
    "campaign": {"": "no campaign", "spring": "spring"},
    "survey": {"default": "default", "onboarding": "onboarding"},
}


def mixed_rows(metric: str) -> list[Row]:
    """Answers in every combination of channel, language, campaign and survey, each with its
    own number of answers, 1 to 20 days ago; and one answer 40 days ago."""
    low, high = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}[metric]
    rows = []
    for i, (channel, locale, campaign, survey) in enumerate(
            itertools.product(CHANNELS, LANGUAGES, CAMPAIGNS, SURVEYS)):
        for j in range(i % 4 + 1):
            rows.append(Row(metric, low + (i + j) % (high - low + 1),
                            NOW - timedelta(days=1 + (i + j) % 20, hours=j), channel, locale,
                            campaign, survey))
    rows.append(Row(metric, high, NOW - timedelta(days=40), "slack", "zh", None, "default"))
    return rows


@pytest.mark.parametrize("metric", ["nps", "csat", "ces"])
@pytest.mark.parametrize("split", list(SPLITS))
def test_every_split_of_every_metric(engine: Engine, metric: str, split: str) -> None:
    rows = mixed_rows(metric)
    store_rows(engine, [*rows, Row("nps" if metric != "nps" else "csat", 3, NOW)])
    column = {"channel": "channel", "language": "locale", "campaign": "campaign",
              "survey": "survey"}[split]
    recent = [r for r in rows if r.at > NOW - timedelta(days=30)]
    expected: dict[str, Counter[int]] = {}
    for r in recent:
        expected.setdefault(getattr(r, column) or "", Counter())[r.score] += 1
    report = report_of(engine, metric, "30d", split)
    assert {k: dict(v) for k, v in report.segments} == {k: dict(v) for k, v in expected.items()}
    assert report.current == dict(sum(expected.values(), Counter()))
    sizes = [sum(v.values()) for _, v in report.segments]
    assert sizes == sorted(sizes, reverse=True)
    text = render_report(report, translator("en"))
    for key in expected:
        assert f"▸ {LABELS[split][key]}\n" in text
    data = report_dict(report)
    assert data["by"] == split
    assert {s["key"]: s["n"] for s in data["segments"]} == {
        k: sum(v.values()) for k, v in expected.items()}
    assert [s["label"] for s in data["segments"]] == [LABELS[split][k] for k, _ in report.segments]
    if split == "language":
        ro = render_report(report, translator("ro"))
        zh = render_report(report, translator("zh"))
        assert "▸ română\n" in ro and "▸ engleză\n" in ro and "▸ 罗马尼亚语\n" in zh


def test_by_language_in_chat(make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings(console_manager=True))
    try:
        seed(engine, [("nps", 9, 1, None)], channel="telegram", locale="ro")
        boss = Person(engine, "console-manager")
        out = texts(boss.command("nps", "summary 30d by language"))
        assert "Sorry" not in out and "▸ Romanian" in out
        out = texts(boss.command("nps", "summary by channel"))
        assert "▸ Telegram" in out
    finally:
        engine.db.dispose()


# ------------------------------------------------------------------ periods in chat


def test_every_form_works_in_chat(make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings(console_manager=True, report_timezone="Europe/Bucharest"))
    engine.clock = lambda: NOW
    try:
        seed(engine, [("nps", 10, 0, None), ("nps", 9, 40, None)])  # 24 Nov, 15 Oct
        boss = Person(engine, "console-manager")
        for form in (*FORMS, "2026-01-01 .. 2026-03-31", "2026-10-01..2026-10-31"):
            out = texts(boss.command("nps", f"summary {form}"))
            assert out.startswith("NPS summary · "), (form, out)
        assert "(Oct 26\u2009–\u2009Nov 24, 2026)" in texts(boss.command("nps", "summary 30d"))
        assert "Trend: no answers in Sep 1\u2009–\u200930, 2026" in texts(
            boss.command("nps", "summary 2026-10"))
    finally:
        engine.db.dispose()


@pytest.mark.parametrize(
    ("period", "english", "romanian", "chinese"),
    [("lastweek", "I did not understand the period “lastweek”. Use one of: today, yesterday",
      "Nu am înțeles perioada „lastweek”.", "无法识别时间段“lastweek”"),
     ("2026-02-30", "“2026-02-30” is not a date on the calendar.", "nu este o dată din calendar",
      "不是有效的日期"),
     ("0d", "is empty: it must be at least one day long", "este goală", "为空"),
     ("2026-03-31..2026-01-01", "ends before it starts", "se termină înainte să înceapă",
      "结束日期早于开始日期"),
     ("20y", "is longer than ten years", "depășește zece ani", "超过十年"),
     ("2027-01", "starts after today", "începe după ziua de azi", "从今天之后开始")],
)
def test_a_bad_period_is_explained_in_the_managers_language(
    make_settings: Callable[..., Any], period: str, english: str, romanian: str, chinese: str,
) -> None:
    for lang, wanted in (("en", english), ("ro", romanian), ("zh", chinese)):
        engine = build_engine(make_settings(console_manager=True, manager_locale=lang))
        engine.clock = lambda: NOW
        try:
            out = texts(Person(engine, "console-manager").command("nps", f"summary {period}"))
            assert wanted in out and "Sorry" not in out and "Ne pare rău" not in out, out
        finally:
            engine.db.dispose()


def test_usage_and_help_name_every_form_and_split(make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings(console_manager=True))
    try:
        boss = Person(engine, "console-manager")
        forms = "|".join(FORMS)
        help_text = texts(boss.command("help"))
        splits = "channel|language|campaign|survey|attribute"
        assert f"/nps summary [{forms}] [by {splits}]" in help_text
        more = ("/nps value [period] — the money of each bucket; /nps retention [period] — "
                "customer retention by bucket; /nps export [period] — the answers as a CSV "
                "file")
        assert more in help_text
        advocacy = ("/nps advocacy [period] [by channel|language] — promoters asked, referrals "
                    "and reviews")
        assert advocacy in help_text
        with Session(engine.db.read_engine) as s:
            usage = manager_command(s, "nps", "summary 30d by", translator("en"), NOW, "/nps")
        assert usage == f"Usage: /nps summary [{forms}] [by {splits}]\n{more}\n{advocacy}"
        refused = texts(boss.command("nps", "summary by colour"))
        assert "I cannot split a summary by “colour”." in refused
        assert ("Splits: channel, language, campaign, survey. No customer attributes are "
                "imported yet (survey-bot customers import).") in refused
    finally:
        engine.db.dispose()


# ------------------------------------------------------------------ time zones


def test_dst_edges_in_bucharest(make_settings: Callable[..., Any]) -> None:
    """25 October 2026 in Bucharest runs from 21:00 UTC on the 24th to 22:00 UTC on the 25th
    (25 hours): the rollup and the raw rows both count exactly the answers inside."""
    engine = build_engine(make_settings(report_timezone="Europe/Bucharest"))
    try:
        at = [datetime(2026, 10, 24, 20, 59, 59, tzinfo=UTC),  # 23:59:59 on the 24th (EEST)
              datetime(2026, 10, 24, 21, 0, tzinfo=UTC),  # 00:00 on the 25th
              datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 03:30 EEST, before the change
              datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 03:30 EET, the hour repeated
              datetime(2026, 10, 25, 21, 59, 59, tzinfo=UTC),  # 23:59:59 EET on the 25th
              datetime(2026, 10, 25, 22, 0, tzinfo=UTC)]  # 00:00 on the 26th
        store_rows(engine, [Row("nps", 10 - i, moment) for i, moment in enumerate(at)])
        day = report_of(engine, "nps", "2026-10-25")
        assert day.current == {9: 1, 8: 1, 7: 1, 6: 1}
        assert day.previous == {10: 1}
        assert report_of(engine, "nps", "2026-10").current == {
            10: 1, 9: 1, 8: 1, 7: 1, 6: 1, 5: 1}
        assert report_of(engine, "nps", "2026-10-26").current == {5: 1}
        with Session(engine.db.engine) as s:  # the raw rows agree with the rollup
            kv_set(session=s, key=ROLLUP_ZONE_KEY, value="UTC")
            s.commit()
        assert report_of(engine, "nps", "2026-10-25").current == {9: 1, 8: 1, 7: 1, 6: 1}
    finally:
        engine.db.dispose()


def test_a_half_hour_zone(make_settings: Callable[..., Any]) -> None:
    """Asia/Kolkata is UTC+5:30: 15 October starts at 18:30 UTC on the 14th."""
    engine = build_engine(make_settings(report_timezone="Asia/Kolkata"))
    try:
        store_rows(engine, [
            Row("csat", 5, datetime(2026, 10, 14, 18, 29, 59, tzinfo=UTC)),
            Row("csat", 4, datetime(2026, 10, 14, 18, 30, tzinfo=UTC)),
            Row("csat", 3, datetime(2026, 10, 15, 18, 29, 59, tzinfo=UTC)),
            Row("csat", 2, datetime(2026, 10, 15, 18, 30, tzinfo=UTC))])
        assert report_of(engine, "csat", "2026-10-15").current == {4: 1, 3: 1}
        assert report_of(engine, "csat", "2026-10-14").current == {5: 1}
        assert raw_counts(engine, "csat", datetime(2026, 10, 14, 18, 30, tzinfo=UTC),
                          datetime(2026, 10, 15, 18, 30, tzinfo=UTC)) == {4: 1, 3: 1}
    finally:
        engine.db.dispose()


def test_no_msgid_reads_as_a_percent_directive() -> None:
    """``msgfmt -c`` refused both catalogs while a msgid held a literal "95% i…": the level is a
    ``{level}`` placeholder now, formatted by Babel ("95 %" in Romanian)."""
    import shutil
    import subprocess

    from babel.messages.pofile import read_po

    from bot.i18n import LOCALES_DIR

    with (LOCALES_DIR / "messages.pot").open("rb") as fh:
        flagged = [m.id for m in read_po(fh) if m.id and "python-format" in m.flags]
    assert not flagged
    if shutil.which("msgfmt"):
        for lang in ("en", "ro", "zh"):
            po = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
            subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], check=True, timeout=30)
