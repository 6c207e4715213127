"""Segments by customer attribute, money by bucket, retention and the chat export, on SQLite
and PostgreSQL, against the small world of tests/insight.py worked out by hand.

The world on 24 November 2026 (30d = 26 Oct – 24 Nov; 90d = 27 Aug – 24 Nov), NPS answers:

=====  ====  =======  ===========  =====================  ======================
who    plan  revenue  signed_up    churned                answers (days ago)
=====  ====  =======  ===========  =====================  ======================
c1     pro   100      2025-01-01                          10 (1), 9 (120); CSAT 5
c2     pro   210      2025-06-01   2026-10-01             9 (2)
c3     pro   300      2026-09-01                          3 (3)
c4     free  1000     2024-03-01   2026-11-01             8 (1), 2 (10), 1 (120)
c5     free  1500     2025-02-02                          0 (4)
c6           5000                                         10 (2)
c7     team                                               7 (5)
c8     pro   50       2025-05-05   2026-08-01             10 (40)
c9                    2026-05-01   2026-04-01 (!)
—      (an account with no customer)                      10 (3)
=====  ====  =======  ===========  =====================  ======================
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from bot.app import build_engine
from bot.engine import Engine
from bot.export import FIELDS
from bot.i18n import translator
from bot.messages import Reply, ReplyFile
from bot.periods import parse_period
from bot.reports import UnknownSplit, build_report, render_report, report_dict
from bot.reports.retention import compute_retention
from bot.reports.value import compute_value, value_text
from tests.helpers import Person, texts
from tests.insight import Customer, add_customers, world

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(console_manager=True))
    eng.clock = lambda: NOW
    yield eng
    eng.db.dispose()


@pytest.fixture
def boss(engine: Engine) -> Person:
    world(engine, NOW)
    return Person(engine, "console-manager")


def report(engine: Engine, by: str, period: str = "30d") -> Any:
    with Session(engine.db.read_engine) as s:
        return build_report(s, "nps", parse_period(period, NOW), by)


def shape(rep: Any) -> list[tuple[str, int, int | None]]:
    """(key, n, NPS) of each segment, in order."""
    data = report_dict(rep)
    return [(seg["key"], seg["n"], seg["score"]) for seg in data["segments"]]


# ------------------------------------------------------------------ segments


@pytest.mark.usefixtures("boss")
def test_segments_by_a_text_attribute(engine: Engine) -> None:
    rep = report(engine, "plan")
    # free: c4 8, c4 2, c5 0 → 1 passive, 2 detractors: −67; pro: c1 10, c2 9, c3 3 → +33;
    # team: c7 7 → 0; without a plan: c6 10 and the account with no customer, 10 → +100.
    # Most answers first (free and pro tie on 3: by name), those without the attribute last.
    assert shape(rep) == [("free", 3, -67), ("pro", 3, 33), ("team", 1, 0), ("", 2, 100)]
    assert sum(n for _, n, _ in shape(rep)) == report_dict(rep)["n"] == 9
    text = render_report(rep, translator("en"))
    assert "NPS +11 (n = 9)" in text  # 4 promoters, 3 detractors of 9
    assert "▸ free\nNPS −67 (n = 3)" in text and "▸ without plan\nNPS +100 (n = 2)" in text
    assert text.count("too few to trust") == 5  # every segment and the whole are under 30
    assert ("Segments use each customer’s plan as it is now, not as it was when they "
            "answered.") in text
    assert shape(report(engine, "PLAN")) == shape(rep)  # a name in any case


@pytest.mark.usefixtures("boss")
def test_segments_by_a_number_in_round_bands(engine: Engine) -> None:
    rep = report(engine, "revenue")
    # The period's customers with a revenue: 100, 210, 300, 1000, 1500, 5000. Quartiles
    # (inclusive): 232.5, 650, 1375 → nice numbers 250, 500, 1000. The band 500–1000 is empty.
    assert [float(e) for e in rep.attribute.edges] == [250, 500, 1000]
    # under 250: c1 10, c2 9 → +100; 250–500: c3 3 → −100; 1000 and over: c4 8, 2, c5 0,
    # c6 10 → (1 − 2) / 4 = −25; without revenue: c7 7, the account with no customer 10 → +50.
    assert shape(rep) == [("..250", 2, 100), ("250..500", 1, -100), ("1000..", 4, -25),
                          ("", 2, 50)]
    text = render_report(rep, translator("en"))
    for label in ("▸ under 250\n", "▸ 250 to under 500\n", "▸ 1,000 and over\n",
                  "▸ without revenue\n"):
        assert label in text
    assert "Bands: the quartiles of 6 customers’ revenue, rounded to round numbers." in text
    data = report_dict(rep)
    assert data["attribute"] == {"name": "revenue", "kind": "number", "as_of": "now",
                                 "edges": [250.0, 500.0, 1000.0], "customers": 6}


@pytest.mark.usefixtures("boss")
def test_segments_by_a_date_are_years(engine: Engine) -> None:
    # signed_up: c1 2025 (10), c2 2025 (9), c3 2026 (3), c4 2024 (8, 2), c5 2025 (0);
    # without: c6, c7, the account with no customer.
    assert shape(report(engine, "signed_up")) == [
        ("2024", 2, -50), ("2025", 3, 33), ("2026", 1, -100), ("", 3, 67)]


@pytest.mark.usefixtures("boss")
def test_an_unknown_split_names_the_splits_and_the_attributes(engine: Engine,
                                                               boss: Person) -> None:
    with pytest.raises(UnknownSplit) as caught:
        report(engine, "colour")
    assert caught.value.attributes == ("churned", "plan", "revenue", "signed_up")
    said = texts(boss.command("nps", "summary 30d by colour"))
    assert said.startswith("I cannot split a summary by “colour”.\nSplits: channel, language, "
                           "campaign, survey. Customer attributes: churned, plan, revenue, "
                           "signed_up.\nUsage: /nps summary")
    # The built-in splits still work beside the attributes.
    assert [k for k, _, _ in shape(report(engine, "channel"))] == ["telegram"]


def test_many_text_values_fold_into_other_values(engine: Engine) -> None:
    cities = [f"city-{i:02d}" for i in range(14)]
    add_customers(engine, [Customer({"city": c}, [("nps", 10, NOW)]) for c in cities]
                  + [Customer({"city": "city-00"}, [("nps", 0, NOW)])], NOW)
    keys = shape(report(engine, "city"))
    # 12 segments at most: the 11 largest values (city-00 has two answers), then the rest.
    assert keys[0] == ("city-00", 2, 0)
    assert len(keys) == 12 and keys[-1] == ("(other)", 3, 100)
    assert sum(n for _, n, _ in keys) == 16 - 1  # 15 answers in all
    assert "▸ other values" in render_report(report(engine, "city"), translator("en"))


# ------------------------------------------------------------------ money by bucket


@pytest.mark.usefixtures("boss")
def test_value_by_bucket_figures(engine: Engine, boss: Person) -> None:
    with Session(engine.db.read_engine) as s:
        value = compute_value(s, "nps", parse_period("30d", NOW), "revenue")
    # Each customer's last answer in the period: c1 10, c2 9, c6 10 promoters (100, 210,
    # 5000); c4's last is 8 (passive, 1000); c3 3, c5 0 detractors (300, 1500); c7 has no
    # revenue; the account with no customer is nobody's.
    promoters, passives, detractors = (value.buckets[b] for b in
                                       ("promoter", "passive", "detractor"))
    assert (promoters.n, promoters.mean, promoters.median) == (3, 1770, 210)
    assert (passives.n, passives.mean) == (1, 1000)
    assert (detractors.n, detractors.mean, detractors.median) == (2, 900, 900)
    # t-interval: s = 2797.80, t(0.975, 2) = 4.3027, half = 4.3027 · 2797.80 / √3 = 6950.1.
    assert (promoters.mean_low, promoters.mean_high) == pytest.approx((-5180.1, 8720.1),
                                                                      abs=0.1)
    assert promoters.median_low is None  # n = 3 is too few for an order-statistic interval
    # Ratio 1770 / 900 = 1.97; se(ln) = √(2797.8² / (3 · 1770²) + 848.53² / (2 · 900²)) =
    # 1.1302; × exp(∓1.96 · 1.1302) = ÷ / × 9.162 → 0.21 … 18.02.
    assert value.ratio is not None and value.ratio.value == pytest.approx(1.9667, abs=1e-4)
    assert (value.ratio.low, value.ratio.high) == pytest.approx((0.2146, 18.019), abs=1e-3)
    assert value.without == 1
    said = texts(boss.command("nps", "value 30d"))
    assert said.startswith("NPS value by bucket · 30d (Oct 26\u2009–\u2009Nov 24, 2026)")
    assert ("Promoters (9–10): n = 3, mean 1,770 (95% interval −5,180–8,720), median 210 "
            "⚠ too few to trust") in said
    assert ("Promoters (9–10) / Detractors (0–6): the mean revenue is 1.97× (95% interval "
            "0.21×–18.02×).") in said
    assert "1 customer who answered has no revenue." in said
    assert "each in the bucket of their last answer in the period" in said
    assert "Student’s t-interval" in said and "delta method" in said


def test_value_without_a_numeric_attribute_or_enough_customers(engine: Engine) -> None:
    boss = Person(engine, "console-manager")
    t = translator("en")
    assert texts(boss.command("nps", "value")) == (
        "I need a numeric customer attribute for this (revenue, mrr). No customer has a "
        "numeric attribute yet: import one, e.g. a revenue:number column (survey-bot "
        "customers import).")
    add_customers(engine, [Customer({"seats": 5, "plan": "pro"}, [("nps", 9, NOW)])], NOW)
    with Session(engine.db.read_engine) as s:
        period = parse_period("30d", NOW)
        assert value_text(s, "nps", period, t, "arr") == (
            "I need a numeric customer attribute for this (arr). Numeric attributes there "
            "are: seats.")
        assert value_text(s, "nps", period, t, "seats") == (
            "Only 1 customer who answered in this period has seats: too few to compare.")
        ro = value_text(s, "nps", period, translator("ro"), "Seats")
        assert ro.startswith("Doar 1 client care a răspuns în această perioadă are seats")


def test_value_reads_the_setting(make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings(console_manager=True, value_attribute="mrr"))
    engine.clock = lambda: NOW
    try:
        add_customers(engine, [Customer({"mrr": m, "revenue": 1}, [("nps", s, NOW)])
                               for m, s in ((10, 10), (20, 9), (5, 0), (5, 1))], NOW)
        said = texts(Person(engine, "console-manager").command("nps", "value 7d"))
        assert "the mean mrr is 3.00×" in said  # (10 + 20) / 2 over (5 + 5) / 2
    finally:
        engine.db.dispose()


# ------------------------------------------------------------------ retention


@pytest.mark.usefixtures("boss")
def test_retention_overall_and_by_bucket(engine: Engine, boss: Person) -> None:
    with Session(engine.db.read_engine) as s:
        data = compute_retention(s, "nps", parse_period("90d", NOW))
    assert data is not None
    # 90d starts on 27 Aug. At the start: c1, c2, c4, c5 (c8 left on 1 Aug, c3 came on 1 Sep):
    # CS = 4. At the end: c1, c3, c5 (c2 and c4 left): CE = 3. New: c3: CN = 1.
    # CRR = (3 − 1) / 4 × 100 = 50 %.  c9 churned before signing up: left out.
    o = data.overall
    assert (o.start, o.end, o.new, o.rate) == (4, 3, 1, 50.0)
    assert data.inconsistent == 1
    # The last answer before 27 Aug: c1 9 (promoter), c4 1 (detractor); the rest none.
    g = {k: (v.start, v.end, v.new, v.rate) for k, v in data.groups.items()}
    assert g == {"promoter": (1, 1, 0, 100.0), "passive": (0, 0, 0, None),
                 "detractor": (1, 0, 0, 0.0), "": (2, 2, 1, 50.0)}
    said = texts(boss.command("nps", "retention 90d"))
    # Wilson's 95 % interval for 2 of 4: 15.0 % … 85.0 %.
    assert ("All customers: CRR 50.0% (95% interval 15.0%–85.0%): 2 of 4 customers at the "
            "start are still customers; at the end 3, new 1.") in said
    assert "Passives (7–8): no customers at the start (end 0, new 0)." in said
    assert "No answer before the period: CRR 50.0%" in said
    assert "1 customer was left out: churned before signing up." in said


def test_retention_needs_a_start_and_dates(engine: Engine) -> None:
    boss = Person(engine, "console-manager")
    assert texts(boss.command("nps", "retention 90d")).startswith(
        "No customer has a signed_up date")
    assert texts(boss.command("nps", "retention all")).startswith(
        "Retention needs a period with a start")
    assert texts(boss.command("nps", "retention fortnight")).startswith(
        "I did not understand the period “fortnight”.")
    assert texts(boss.command("nps", "retention 90d by plan")).startswith("Usage: /nps summary")


# ------------------------------------------------------------------ export


@pytest.mark.usefixtures("boss")
def test_export_sends_the_periods_answers_as_csv(boss: Person) -> None:
    said = boss.command("nps", "export 30d")
    assert len(said) == 1 and isinstance(said[0], ReplyFile)
    sent = said[0]
    assert sent.filename == "nps-answers-30d.csv" and sent.mime == "text/csv"
    assert sent.caption == "NPS answers · Oct 26\u2009–\u2009Nov 24, 2026: 9 answers."
    rows = list(csv.DictReader(io.StringIO(sent.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(FIELDS)  # the columns of survey-bot export
    assert sorted(int(r["score"]) for r in rows) == [0, 2, 3, 7, 8, 9, 10, 10, 10]
    assert {r["metric"] for r in rows} == {"nps"}  # the CSAT answer is not an NPS answer
    assert "Ana Pop" in {r["display_name"] for r in rows}
    older = boss.command("nps", "export 2026-10-01..2026-10-20")  # c8's answer, 15 Oct
    assert isinstance(older[0], ReplyFile) and older[0].caption.endswith(": 1 answer.")
    empty = boss.command("nps", "export 2026-01")
    assert empty == [Reply("No NPS answers in Jan 1\u2009–\u200931, 2026 to export.")]
    assert texts(boss.command("nps", "export 2026-13")).startswith("“2026-13” is not a date")


@pytest.mark.usefixtures("boss")
def test_answers_are_in_the_managers_language(engine: Engine, boss: Person) -> None:
    boss.command("language", "zh")
    said = texts(boss.command("nps", "value 30d"))
    assert "推荐者（9–10）：n = 3，平均值 1,770" in said
    assert texts(boss.command("nps", "summary 30d by revenue")).count("低于 250") == 1
    boss.command("language", "ro")
    said = texts(boss.command("nps", "retention 90d"))
    assert said.startswith("Retenția clienților · 90d")
    assert "Toți clienții: CRR 50,0\u00a0% (interval de încredere de 95\u00a0%: " in said
    file = boss.command("nps", "export 30d")[0]
    assert isinstance(file, ReplyFile) and file.caption.startswith("Răspunsuri NPS · ")
    assert "fără plan" in texts(boss.command("nps", "summary 30d by plan"))


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def cli(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    from bot.cli import main
    from bot.models import utcnow

    world(engine, utcnow())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # the table's labels on one line each
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["summary", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def test_the_cli_splits_by_an_attribute(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = cli("--by", "plan", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [(s["key"], s["label"], s["n"]) for s in data["segments"]] == [
        ("free", "free", 3), ("pro", "pro", 3), ("team", "team", 1), ("", "without plan", 2)]
    assert data["attribute"]["as_of"] == "now"
    code, out, err = cli("--by", "revenue")
    assert code == 0, err
    assert "1,000 and over" in out and "without revenue" in out
    assert "as it is now" in " ".join(out.split())
    code, out, err = cli("--by", "Revenue", "--format", "csv")
    assert code == 0 and "..250" in out
    code, out, err = cli("--by", "colour", "--lang", "ro")
    assert code == 2 and out == ""
    assert err.startswith("--by: Nu pot")  # the refusal in the asked language
    assert "churned, plan, revenue, signed_up" in err
