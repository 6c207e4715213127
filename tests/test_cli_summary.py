"""``survey-bot summary``: every period form, JSON and CSV with ``--by``, the text table, and a
bad period explained in the managers' language, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_engine
from bot.cli import main
from bot.models import utcnow
from bot.periods import FORMS
from bot.reports import CSV_HEADER
from tests.reporting import Row, store_rows


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        make_settings: Callable[..., Any], capsys: pytest.CaptureFixture[str],
        ) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """Seeded answers, and a function that runs ``survey-bot summary …`` → (code, out, err)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REPORT_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    engine = build_engine(make_settings(report_timezone="Asia/Shanghai"))
    now = utcnow()
    rows = ([Row("nps", 10, now - timedelta(days=1, hours=h), "telegram", "zh") for h in range(20)]
            + [Row("nps", 2, now - timedelta(days=2, hours=h), "slack", "ro", "spring")
               for h in range(12)]
            + [Row("nps", 8, now - timedelta(days=3), "telegram", "en", "spring", "onboarding",
                   "Could be faster")]
            + [Row("csat", 4, now - timedelta(days=40 + h)) for h in range(3)])
    store_rows(engine, rows)
    engine.db.dispose()

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["summary", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    yield run


def test_every_form_in_the_cli(cli: Callable[..., tuple[int, str, str]]) -> None:
    for form in (*FORMS, "2026-01-01 .. 2026-03-31"):
        code, out, err = cli("--period", form, "--format", "json")
        assert code == 0, (form, err)
        data = json.loads(out)
        assert data["timezone"] == "Asia/Shanghai"
        assert data["first_day"] is None or data["last_day"] >= data["first_day"]
    code, out, _ = cli("--period", "7d", "--format", "json")
    data = json.loads(out)
    assert data["n"] == 33 and data["score"] == 24  # (20 − 12) / 33 = 24.2 → +24
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert data["last_day"] == today.isoformat()
    assert data["first_day"] == (today - timedelta(days=6)).isoformat()


def test_json_carries_the_segments(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("--period", "30d", "--by", "language", "--format", "json", "--lang", "ro")
    assert code == 0
    data = json.loads(out)
    assert data["by"] == "language"
    assert [(s["key"], s["label"], s["n"], s["score"]) for s in data["segments"]] == [
        ("zh", "chineză simplificată", 20, 100), ("ro", "română", 12, -100),
        ("en", "engleză", 1, 0)]
    assert data["segments"][0]["buckets"]["promoter"] == {"count": 20, "share": 1.0}
    code, out, _ = cli("--by", "campaign", "--format", "json")
    assert [(s["key"], s["label"]) for s in json.loads(out)["segments"]] == [
        ("", "no campaign"), ("spring", "spring")]


def test_csv_has_a_row_per_segment_and_bucket(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("--by", "channel", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == list(CSV_HEADER)
    assert [(r["segment"], r["bucket"], r["count"]) for r in rows] == [
        ("telegram", "detractor", "0"), ("telegram", "passive", "1"),
        ("telegram", "promoter", "20"), ("slack", "detractor", "12"),
        ("slack", "passive", "0"), ("slack", "promoter", "0")]
    assert {r["by"] for r in rows} == {"channel"} and {r["timezone"] for r in rows} == {
        "Asia/Shanghai"}
    assert [r["n"] for r in rows[::3]] == ["21", "12"] and rows[0]["score"] == "95"
    assert rows[0]["share"] == "0.0" and rows[1]["share"] == "0.05"  # 1/21 = 4.8 % → 5 %
    code, out, _ = cli("--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["segment"], r["bucket"], r["count"]) for r in rows] == [
        ("", "detractor", "12"), ("", "passive", "1"), ("", "promoter", "20")]


def test_text_is_a_table(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("--by", "channel")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("NPS summary · 30d (")
    header = next(line for line in lines if "Channel" in line)
    assert "n" in header.split() and "NPS" in header.split()
    assert any(line.split()[:3] == ["All", "answers", "33"] for line in lines if line.strip())
    assert any(line.split()[:2] == ["Telegram", "21"] for line in lines if line.strip())
    assert any(line.split()[:3] == ["Slack", "12", "⚠"] for line in lines if line.strip())
    assert "Days in the time zone Asia/Shanghai." in out
    assert "“Could be faster”" not in out  # an 8 is no unhappy comment
    code, out, _ = cli("--metric", "csat", "--period", "90d", "--lang", "zh")
    assert "CSAT（95% 置信区间）" in out and "全部回答" in out and "平均分" in out


@pytest.mark.parametrize(("lang", "wanted"), [
    ("en", "I did not understand the period “soon”. Use one of: today, yesterday, 7d"),
    ("ro", "Nu am înțeles perioada „soon”."), ("zh", "无法识别时间段“soon”")])
def test_a_bad_period_is_explained(cli: Callable[..., tuple[int, str, str]], lang: str,
                                   wanted: str) -> None:
    code, out, err = cli("--period", "soon", "--lang", lang)
    assert code == 2 and out == ""
    assert err.startswith("--period: ") and wanted in err


def test_manager_locale_speaks_when_no_lang(cli: Callable[..., tuple[int, str, str]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANAGER_LOCALE", "ro")
    code, _, err = cli("--period", "2026-02-30")
    assert code == 2 and "„2026-02-30” nu este o dată din calendar." in err
    code, out, _ = cli("--period", "ytd")
    assert code == 0 and "Rezumat NPS · ytd" in out


def test_every_summary_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["summary", "--help"])
    out = capsys.readouterr().out
    for option in ("--metric", "--period", "--by", "--format", "--lang"):
        block = out.split(option, 1)[1].split("\n  --", 1)[0]
        assert len(block.split()) > 3, option
    assert "REPORT_TIMEZONE" in out and "2026-01-01..2026-03-31" in out
