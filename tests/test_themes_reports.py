"""/nps themes read from the stored answers, on SQLite and PostgreSQL: the comments of the
period and of the metric, each in its answer's language (managers' tests left out); the change
against the previous period; bucket words in any language; bad input; the line of the summary
and of the digest.  The answers are tests/themes_world.py's, its figures worked out there:
English detractors say "late" in 6 of 16 comments (38 %, +4 points against 1 of 3), "customer
support" and "refund" in 4 (25 %, +25), "app crashes" in 3 (19 %, +19)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, update

from bot.app import build_engine
from bot.engine import Engine
from bot.i18n import translator
from bot.models import Answer
from bot.periods import parse_period
from bot.reports.digest import build_digest, digest_period, render_digest
from bot.reports.labels import span_text
from bot.reports.themes import build_themes, period_comments
from tests.helpers import Person, seed_answers, texts
from tests.themes_world import seed_themes

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
METHOD = "ranked by how much more often this bucket uses them than the others"


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(console_manager=True))
    eng.clock = lambda: NOW
    yield eng
    eng.db.dispose()


@pytest.fixture
def boss(engine: Engine) -> Person:
    seed_themes(engine, NOW)
    return Person(engine, "console-manager")


def test_the_detractors_themes_per_language_with_share_change_and_example(
        boss: Person) -> None:
    text = texts(boss.command("nps", "themes 30d"))
    period = parse_period("30d", NOW)
    previous = period.previous()
    assert previous is not None
    en = translator("en")
    assert text.startswith(f"NPS themes · Detractors (0–6) · 30d ({span_text(period, en)})\n"
                           "The change is in the share of comments, against "
                           f"{span_text(previous, en)}.\n\nEnglish: 16 comments\n"
                           "1. late — 6 comments (38%), +4 percentage points\n"
                           "   “Late delivery, and nobody told me why.”\n"
                           "2. customer support — 4 comments (25%), +25 percentage points\n"
                           "   “Customer support never answers the phone.”\n"
                           "3. refund — 4 comments (25%), +25 percentage points\n")
    assert "4. app crashes — 3 comments (19%), +19 percentage points\n" in text
    # The languages by their comments: English 16, Romanian 15, Chinese 14; those without
    # comments in the previous period say so and show no change.
    assert text.index("English: 16") < text.index("Romanian: 15") < text.index(
        "Simplified Chinese: 14")
    assert text.count("No comment in the previous period to compare with.") == 2
    assert "1. aplicația se blochează — 3 comments (20%)\n" in text
    assert "serviciul clienți — 3 comments (20%)\n" in text
    assert "退款 — 3 comments (21%)\n   “申请退款一个月了还没到账。”" in text
    assert METHOD in text and "(Monroe et al., 2008)" in text
    assert texts(boss.command("nps", "themes")) == text  # 30d and the detractors by default


def test_only_the_periods_comments_of_the_metric_count_and_not_managers_tests(
        engine: Engine, boss: Person) -> None:
    late = [("nps", 1, 2, "Late late late delivery")] * 4
    seed_answers(engine, late, user_id="console-manager", locale="en", now=NOW)  # a manager
    seed_answers(engine, [("csat", 1, 2, "Late delivery")] * 5, user_id="csat", now=NOW)
    seed_answers(engine, [("nps", 1, 75, "Late delivery")] * 5, user_id="old", now=NOW)
    with Session(engine.db.engine) as s:
        s.exec(update(Answer).where(col(Answer.comment) == "Late late late delivery")  # type: ignore[call-overload]
               .values(is_test=True))
        s.commit()
    with Session(engine.db.read_engine) as s:
        report = build_themes(s, "nps", parse_period("30d", NOW), "detractor")
    english = next(th for th in report.languages if th.language == "en")
    late_theme = next(t for t in english.themes if t.text == "late")
    assert (english.comments, late_theme.count) == (16, 6)
    # Day 75 is before the previous period (30–59 days ago): not in it either.
    assert english.previous == 3 and late_theme.previous_share == pytest.approx(1 / 3)
    csat = texts(boss.command("csat", "themes 30d"))
    assert "English: only 5 comments, too few for themes (at least 10 are needed)." in csat
    assert "Romanian:" not in csat  # no Romanian CSAT comment
    assert texts(boss.command("ces", "themes 30d")).endswith(
        "\nNo comments from Disagree (1–3) in this period.")


def test_a_bucket_is_named_in_any_language_and_without_diacritics(boss: Person) -> None:
    promoters = texts(boss.command("nps", "themes 30d promoters"))
    assert promoters.startswith("NPS themes · Promoters (9–10) · 30d")
    assert "English: only 9 comments, too few for themes (at least 10 are needed)." in promoters
    for words in ("30d promotori", "30d 推荐者", "30d Promoter", "promoter"):
        assert texts(boss.command("nps", f"themes {words}")) == promoters, words
    assert texts(boss.command("csat", "themes 30d nemultumiti")).startswith(
        "CSAT themes · Unsatisfied (1–2)")
    assert texts(boss.command("ces", "themes 7d în dezacord")).startswith(
        "CES themes · Disagree (1–3) · 7d")
    assert texts(boss.command("ces", "themes 7d dezacord")).startswith(
        "CES themes · Disagree (1–3) · 7d")


def test_bad_words_get_a_clear_answer_in_the_managers_language(boss: Person) -> None:
    assert texts(boss.command("nps", "themes fortnight")) == (
        "I did not understand the period “fortnight”. Use one of: today, yesterday, 7d, 30d, "
        "90d, 12w, 6m, 1y, ytd, 2026-10, 2026-10-15, 2026-01-01..2026-03-31, all.\n"
        "Usage: /nps themes [period] [detractor|passive|promoter]")
    assert texts(boss.command("nps", "themes 30d happy")) == (
        "I do not know the bucket “happy”. The buckets are: Detractors (0–6), Passives (7–8), "
        "and Promoters (9–10).\nUsage: /nps themes [period] [detractor|passive|promoter]")
    everything = texts(boss.command("nps", "themes all"))
    assert "English: 19 comments" in everything  # the previous period's three too
    assert "The change is" not in everything and "percentage points" not in everything
    boss.command("language", "ro")
    refused = texts(boss.command("nps", "themes 30d fericiți"))
    assert refused.startswith("Nu cunosc categoria „fericiți”. Categoriile sunt: Detractori "
                              "(0–6), Pasivi (7–8) și Promotori (9–10).")


def test_the_summary_names_what_detractors_talk_most_about(boss: Person) -> None:
    summary = texts(boss.command("nps", "summary 30d"))
    assert ("\n\nDetractors talk most about “late”, “customer support”, and “refund” "
            "(English); “aplicația se blochează”, “livrarea a întârziat”, and “rambursarea” "
            "(Romanian); "
            "“太慢”, “退款”, and “闪退” (Simplified Chinese).\n\n"
            "Latest comments from unhappy customers:") in summary
    # In 7 days each language has 7 detractors' comments, too few: no line.
    assert "talk most about" not in texts(boss.command("nps", "summary 7d"))
    boss.command("language", "zh")
    chinese = texts(boss.command("nps", "summary 30d"))
    assert "贬损者最常提到“late”、“customer support”和“refund”（英语）；" in chinese
    help_text = texts(boss.command("help"))
    assert "最常" not in help_text and "/nps themes [period] [detractor|passive|promoter]" in (
        help_text)


def test_the_digest_names_them_too(engine: Engine) -> None:
    seed_themes(engine, NOW, languages=("en",), days=6)
    day = (NOW + timedelta(days=1)).date()
    with Session(engine.db.read_engine) as s:
        figures = build_digest(s, digest_period(day, engine.report_zone))
    english = render_digest(figures, translator("en"), "/nps")
    line = "Detractors talk most about “late”, “customer support”, and “refund”."
    assert line in english
    assert english.index("NPS") < english.index(line) < english.index("CSAT")
    romanian = render_digest(figures, translator("ro"), "/nps")
    assert ("Detractorii vorbesc cel mai des despre „late”, „customer support” și "
            "„refund”.") in romanian


def test_the_line_reads_the_latest_comments_and_the_command_all(engine: Engine,
                                                                boss: Person) -> None:
    period = parse_period("30d", NOW)
    with Session(engine.db.read_engine) as s:
        # Each language's first comment is a day old (the latest); the same instant for all
        # three, the last stored first.
        latest = [c.text for c in period_comments(s, "nps", period, latest=2)]
        every = list(period_comments(s, "nps", period))
    assert latest == ["物流太慢了，等了两个星期才到货。",
                      "Livrarea a întârziat o săptămână întreagă."]
    assert len(every) == 96 and {c.language for c in every} == {"en", "ro", "zh"}
