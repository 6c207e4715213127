"""One definition per metric (bot/metrics.py over scoring/measures.py): every module reads it.

A fourth metric registered only in the registry flows through the survey file, the
conversation, alerts, the chat summary, JSON and CSV, the CLI, the Telegram menu and Slack's
commands; no source file outside the registry names a metric to decide anything; an unknown
name fails loudly instead of falling through to another metric's figures.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.app import build_engine
from bot.cli import main
from bot.engine import Engine
from bot.i18n import translator
from bot.messages import AlertPost, Reply
from bot.metrics import METRICS, Metric
from bot.models import Answer
from bot.periods import parse_period
from bot.reports import build_report, csv_rows, render_report, report_dict
from bot.reports.figures import bucket_counts, headline, trend
from bot.surveys import SurveyConfigError, parse_surveys
from scoring import Kind, Measure, nps_bucket
from tests.helpers import Person, of_type, texts

ROOT = Path(__file__).resolve().parent.parent
NAMES = frozenset(METRICS)
# The registry itself, and the maths it is built on, are where the names are spelled out.
REGISTRY = {ROOT / "bot" / "metrics.py", ROOT / "scoring" / "measures.py"}
# Names only the registry hands out: reading a metric's facts any other way bypasses it.
BYPASS = {"bucket_for", "measure", "MEASURES", "SCALES", "METHOD", "CSAT_SCALE", "CES_SCALE",
          "NPS_SCALE", "nps_bucket", "csat_bucket", "ces_bucket", "compare_nps",
          "compare_csat", "compare_ces", "CsatResult", "CesResult"}


def _is_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in NAMES


def _names_a_metric(node: ast.AST) -> bool:
    """A metric's name, or a literal collection holding one."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_name(e) for e in node.elts)
    return _is_name(node)


def metric_decisions(source: str, *, in_scoring: bool = False) -> list[str]:
    """Where ``source`` decides by a metric's name: compares one (``== "nps"``,
    ``in ("csat", "ces")``), keys a dict or an index by one, passes one as a keyword, or lists
    several; and, outside scoring, where it imports per-metric facts from scoring instead of
    reading the registry."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Compare) and any(
                _names_a_metric(n) for n in (node.left, *node.comparators)):
            found.append(f"{where}: compares a metric name")
        elif isinstance(node, ast.Dict) and any(k is not None and _is_name(k) for k in node.keys):
            found.append(f"{where}: a dict keyed by a metric name")
        elif isinstance(node, ast.Subscript) and _is_name(node.slice):
            found.append(f"{where}: indexed by a metric name")
        elif isinstance(node, ast.keyword) and node.arg in NAMES:
            found.append(f"{where}: a keyword named for a metric")
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and sum(
                _is_name(e) for e in node.elts) >= 2:
            found.append(f"{where}: lists metric names")
        elif not in_scoring and isinstance(node, ast.ImportFrom) and (
                node.module or "").startswith("scoring") and {a.name for a in node.names} & BYPASS:
            found.append(f"{where}: imports {sorted({a.name for a in node.names} & BYPASS)}")
    return found


def test_the_checker_finds_each_way_of_deciding_by_name() -> None:
    """The scan below would pass on anything if it found nothing: it finds each form."""
    for snippet in ('if metric == "nps": pass', 'x = metric != "ces"',
                    'y = m in ("csat", "ces")', 'z = {"nps": 6}[m]', 'w = table["csat"]',
                    'f(nps="/nps")', 'ALL = ("nps", "csat", "ces")',
                    "from scoring import bucket_for", "from scoring.ces import METHOD"):
        assert metric_decisions(snippet), snippet
    assert not metric_decisions('if metric.kind is Kind.NET: pass\nx = METRICS[name].worst')


def test_no_source_outside_the_registry_decides_by_a_metric_name() -> None:
    files = [p for package in ("bot", "adapters", "scoring")
             for p in sorted((ROOT / package).rglob("*.py"))
             if p not in REGISTRY and "migrations" not in p.parts]
    assert len(files) > 50
    found = {str(p.relative_to(ROOT)): hits for p in files
             if (hits := metric_decisions(p.read_text(encoding="utf-8"),
                                          in_scoring=p.is_relative_to(ROOT / "scoring")))}
    assert not found, found


def test_the_registry_holds_what_each_metric_was_spread_over() -> None:
    """The facts, as they were before the registry (the same texts, JSON and CSV follow)."""
    facts = {key: (m.scale, m.buckets, m.worst, set(m.good), m.alert_on, m.columns, m.kind,
                   m.unit) for key, m in METRICS.items()}
    assert facts == {
        "nps": ((0, 10), ("detractor", "passive", "promoter"), "detractor", {"promoter"},
                ("detractor",), 6, Kind.NET, "points"),
        "csat": ((1, 5), ("unsatisfied", "neutral", "satisfied"), "unsatisfied", {"satisfied"},
                 (), 5, Kind.SHARE, "percentage points"),
        "ces": ((1, 7), ("disagree", "neutral", "agree"), "disagree", {"agree"}, (), 4,
                Kind.SHARE, "percentage points"),
    }
    assert [METRICS["ces"].bucket(s) for s in range(1, 8)] == (
        ["disagree"] * 3 + ["neutral"] + ["agree"] * 3)


def test_an_inconsistent_metric_is_refused_when_defined() -> None:
    with pytest.raises(ValueError, match="buckets"):
        Measure("bad", (0, 10), ("promoter", "passive", "detractor"), nps_bucket,
                frozenset({"promoter"}), Kind.NET)
    with pytest.raises(ValueError, match="good"):
        Measure("bad", (0, 10), ("detractor", "passive", "promoter"), nps_bucket,
                frozenset({"detractor"}), Kind.NET)
    nps = METRICS["nps"]
    with pytest.raises(ValueError, match="alert_on"):
        Metric(nps.measure, "X", "", nps.bucket_labels, 6, ("unhappy",), "", "", "")
    with pytest.raises(ValueError, match="bucket labels"):
        Metric(nps.measure, "X", "", {"detractor": "D"}, 6, (), "", "", "")


# --- an unknown name fails loudly -----------------------------------------------------------

@pytest.mark.parametrize("use", [
    lambda: METRICS["nss"],
    lambda: bucket_counts("nss", {3: 1}),
    lambda: headline("nss", {3: 1}),
    lambda: trend("nss", {3: 1}, {3: 2}),
], ids=["registry", "buckets", "headline", "trend"])
def test_an_unknown_metric_is_a_key_error_not_ces(use: Callable[[], object]) -> None:
    with pytest.raises(KeyError, match="unknown metric 'nss'"):
        use()


def test_an_unknown_metric_is_refused_by_the_report_and_the_survey_file(
        make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings())
    try:
        period = parse_period("30d", datetime(2026, 12, 1, tzinfo=UTC), engine.report_zone)
        with Session(engine.db.read_engine) as session, pytest.raises(KeyError):
            build_report(session, "nss", period)
    finally:
        engine.db.dispose()
    with pytest.raises(SurveyConfigError, match="expected one of nps, csat, ces, got 'nss'"):
        parse_surveys({"surveys": {"default": {"questions": [
            {"key": "q", "metric": "nss", "text": "Hm?"}]}}})


# --- a fourth metric, defined only in a registry, flows through -----------------------------

def _effort_bucket(score: int) -> str:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 4:
        raise ValueError(f"score {score!r} is outside 1..4")
    return "hard" if score == 1 else "easy" if score == 4 else "fine"


EFFORT = Metric(
    measure=Measure("effort", (1, 4), ("hard", "fine", "easy"), _effort_bucket,
                    frozenset({"easy"}), Kind.SHARE),
    label="Effort", scale_hint="1 = very hard, 4 = very easy.",
    bucket_labels={"hard": "Hard (1)", "fine": "Fine (2–3)", "easy": "Easy (4)"},
    columns=2, alert_on=("hard",), command_help="Effort summary",
    score_line="Effort {share} easy, mean {mean} (n = {n}); {level} interval {low}–{high}",
    score_line_few="Effort {share} easy, mean {mean} (n = {n}, few)",
    method_note="Method: four-point effort.")
ENPS = Metric(
    measure=Measure("enps", (0, 10), ("detractor", "passive", "promoter"), nps_bucket,
                    frozenset({"promoter"}), Kind.NET),
    label="eNPS", scale_hint="0 = never, 10 = certainly.",
    bucket_labels={"detractor": "Critics (0–6)", "passive": "Neutral staff (7–8)",
                   "promoter": "Fans (9–10)"},
    columns=11, alert_on=("detractor", "passive"), command_help="eNPS summary",
    score_line="eNPS {score} ± {margin} (n = {n})", score_line_few="eNPS {score} (n = {n})")
# What each fourth metric's customers press (a score per bucket, the worst first), and the
# summary's headline for them (under 30 answers).
PRESSES = {"effort": (1, 2, 4), "enps": (3, 7, 10)}
HEADLINES = {"effort": "Effort 33% easy, mean 2.33 (n = 3, few)", "enps": "eNPS 0 (n = 3)"}


@pytest.fixture(params=[EFFORT, ENPS], ids=["share", "net"])
def fourth(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Metric:
    metric: Metric = request.param
    monkeypatch.setitem(METRICS, metric.key, metric)
    return metric


@pytest.fixture
def fourth_engine(fourth: Metric, make_settings: Callable[..., Any],
                  tmp_path: Path) -> Iterator[Engine]:
    survey = tmp_path / "surveys.toml"
    survey.write_text(
        "[surveys.default]\nquestions = [\n"
        f'  {{ key = "q", metric = "{fourth.key}", text = "How was it?", '
        f'follow_up = {{ {fourth.worst} = "What went wrong?" }} }},\n]\n', encoding="utf-8")
    engine = build_engine(make_settings(console_manager=True, survey_file=str(survey)))
    yield engine
    engine.db.dispose()


def test_a_fourth_metric_in_the_survey_file(fourth: Metric) -> None:
    catalog = parse_surveys({"surveys": {"default": {"questions": [
        {"key": "q", "metric": fourth.key, "text": "How was it?"}]}}})
    question = catalog.default.questions[0]
    assert question.scale == fourth.scale and question.alert_on == fourth.alert_on
    with pytest.raises(SurveyConfigError, match=", ".join(fourth.buckets)):
        parse_surveys({"surveys": {"default": {"questions": [
            {"key": "q", "metric": fourth.key, "text": "?", "follow_up": {"meh": "Why?"}}]}}})


def test_a_fourth_metric_is_asked_stored_alerted_and_summarised(
        fourth: Metric, fourth_engine: Engine) -> None:
    low, high = fourth.scale
    for i, score in enumerate(PRESSES[fourth.key]):
        person = Person(fourth_engine, f"customer-{i}")
        out = person.command("start")
        ask = of_type(out, Reply)[-1]
        assert fourth.scale_hint in ask.text
        assert f"from {low} to {high}" in ask.text
        assert [c.label for c in ask.choices] == [str(n) for n in range(low, high + 1)]
        assert ask.columns == fourth.columns
        out = person.press_score(score)
        alerts = of_type(out, AlertPost)
        assert bool(alerts) == (fourth.bucket(score) in fourth.alert_on), out
        if alerts:
            assert f"Score: {score}/{high} ({fourth.label})" in alerts[0].text
        if fourth.bucket(score) == fourth.worst:
            person.say("It took ages")
    with Session(fourth_engine.db.read_engine) as s:
        rows = s.exec(select(Answer).order_by(Answer.id)).all()  # type: ignore[arg-type]
    assert [(a.metric, a.score, a.bucket, a.scale_min, a.scale_max) for a in rows] == [
        (fourth.key, score, fourth.bucket(score), low, high)
        for score in PRESSES[fourth.key]]

    manager = Person(fourth_engine, "console-manager")
    summary = texts(manager.command(fourth.key, "summary all"))
    assert summary.startswith(f"{fourth.label} summary · all")
    assert HEADLINES[fourth.key] in summary.splitlines()
    assert " · ".join(f"{label}: 1 (33%)" for label in fourth.bucket_labels.values()) in summary
    assert ("Method:" in summary) == bool(fourth.method_note)
    if fourth.method_note:
        assert fourth.method_note in summary
    assert "It took ages" in summary  # the worst bucket's comments are the ones shown


def test_a_fourth_metric_in_json_csv_and_the_cli(
        fourth: Metric, fourth_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    for i, score in enumerate(PRESSES[fourth.key]):
        person = Person(fourth_engine, f"customer-{i}")
        person.command("start")
        person.press_score(score)
    now = fourth_engine.clock()
    period = parse_period("7d", now, fourth_engine.report_zone)
    with Session(fourth_engine.db.read_engine) as session:
        report = build_report(session, fourth.key, period)
    data = report_dict(report)
    assert data["metric"] == fourth.key and data["n"] == 3
    assert list(data["buckets"]) == list(fourth.buckets)
    assert all(b["count"] == 1 for b in data["buckets"].values())
    if fourth.kind is Kind.NET:
        assert data["score"] == 0 and "margin" in data and "mean" not in data
    else:
        assert data["score"] == 33 and data["mean"] == round(sum(PRESSES[fourth.key]) / 3, 2)
    assert data["change"] is None and data["previous"]["n"] == 0
    assert [row[4] for row in csv_rows(report)[1:]] == list(fourth.buckets)
    assert render_report(report, translator("en")).startswith(f"{fourth.label} summary")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", fourth_engine.db.url)
    assert main(["summary", "--metric", fourth.key, "--period", "7d", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["buckets"] == data["buckets"]
    assert main(["summary", "--metric", fourth.key, "--period", "7d", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [r[4] for r in rows[1:]] == list(fourth.buckets)
    monkeypatch.setenv("COLUMNS", "200")  # rich's width: a header per line
    assert main(["summary", "--metric", fourth.key, "--period", "7d"]) == 0
    table = capsys.readouterr().out
    assert all(label in table for label in fourth.bucket_labels.values())
    assert ("Mean" in table) == (fourth.kind is Kind.SHARE)


def test_a_fourth_metric_in_the_menus_and_commands(fourth: Metric) -> None:
    from adapters.slack.words import slack_style
    from adapters.telegram.menu import commands_for
    from bot.settings import Settings

    t = translator("en")
    assert (fourth.key, fourth.command_help) in commands_for(t, manager=True)
    assert fourth.key not in dict(commands_for(t, manager=False))
    settings = Settings(_env_file=None, slack_command_nps="/survey-nps")  # type: ignore[call-arg]
    assert settings.slack_commands()[fourth.key] == f"/{fourth.key}"
    assert settings.slack_commands()["nps"] == settings.slack_command_nps
    assert slack_style(settings).spell(fourth.key) == f"/{fourth.key}"
