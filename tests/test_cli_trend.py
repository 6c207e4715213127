"""``survey-bot trend`` (text, JSON, PNG) and ``survey-bot summary --format png`` on SQLite and
PostgreSQL: the figures the chat shows, bad input in the reader's language with exit status 2,
and no PNG written to a terminal."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.app import build_engine
from bot.cli import main
from bot.models import utcnow
from tests.reporting import Row, store_rows

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        make_settings: Callable[..., Any], capsysbinary: pytest.CaptureFixture[bytes],
        ) -> Iterator[Callable[..., tuple[int, bytes, str]]]:
    """Answers in this and the last two weeks (Shanghai days), and a function that runs
    ``survey-bot …`` → (code, stdout bytes, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REPORT_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    engine = build_engine(make_settings(report_timezone="Asia/Shanghai"))
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday())

    def at(day: Any, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)

    rows = ([Row("nps", 10, at(monday - timedelta(days=14), 9)) for _ in range(30)]
            + [Row("nps", 0, at(monday - timedelta(days=14), 10)) for _ in range(10)]
            + [Row("nps", 9, at(monday - timedelta(days=1), 23)) for _ in range(5)]
            + [Row("csat", 4, min(at(today, 0), utcnow()))])
    store_rows(engine, rows)
    engine.db.dispose()

    def run(*args: str) -> tuple[int, bytes, str]:
        capsysbinary.readouterr()
        code = main(list(args))
        captured = capsysbinary.readouterr()
        return code, captured.out, captured.err.decode()

    yield run


def test_json_points(cli: Callable[..., tuple[int, bytes, str]]) -> None:
    code, out, err = cli("trend", "--period", "3w", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    assert data["by"] == "week" and data["timezone"] == "Asia/Shanghai"
    assert data["first_day"] == (monday - timedelta(days=14)).isoformat()
    assert [(p["first_day"], p["n"], p["score"], p["too_few"]) for p in data["points"]] == [
        ((monday - timedelta(days=14)).isoformat(), 40, 50, False),  # (30 − 10) / 40
        ((monday - timedelta(days=7)).isoformat(), 5, 100, True),
        (monday.isoformat(), 0, None, True)]
    assert data["points"][0]["margin"] == 26.8  # 1.96 · √((.75 + .25 − .5²) / 40) · 100
    assert data["change"] is None  # this week, the second half, has no answers
    two = f"{monday - timedelta(days=14)}..{monday - timedelta(days=1)}"
    code, out, _ = cli("trend", "--period", two, "--format", "json")
    change = json.loads(out)["change"]
    assert change["verdict"] == "too_few" and change["delta"] == 50.0  # +50 → +100
    assert change["first_half"]["n"] == 40 and change["second_half"]["n"] == 5
    code, out, _ = cli("trend", "--metric", "csat", "--by", "month", "--format", "json")
    months = json.loads(out)
    assert len(months["points"]) == 12 and months["points"][-1]["n"] == 1


def test_text_table_in_the_readers_language(cli: Callable[..., tuple[int, bytes, str]]) -> None:
    code, out, err = cli("trend", "--period", "3w", "--lang", "ro")
    assert code == 0, err
    text = out.decode()
    assert text.startswith("NPS pe săptămâni · 3w (")
    assert "+50 ± 26,8" in text and "5 ⚠" in text
    assert "Zilele sunt socotite în fusul orar Asia/Shanghai." in text


def test_png_files(cli: Callable[..., tuple[int, bytes, str]], tmp_path: Path) -> None:
    target = tmp_path / "trend.png"
    code, out, err = cli("trend", "--period", "3w", "--format", "png", "-o", str(target),
                         "--lang", "zh")
    assert code == 0, err
    assert out == b"" and err.startswith("NPS 周度趋势 · 3w")  # the caption, on stderr
    image = Image.open(target)
    assert image.format == "PNG" and image.size[0] >= 600
    code, out, err = cli("trend", "--format", "png")  # stdout, not a terminal here
    assert code == 0 and Image.open(io.BytesIO(out)).format == "PNG"
    bars = tmp_path / "bars.png"
    code, out, err = cli("summary", "--period", "30d", "--format", "png", "-o", str(bars))
    assert code == 0, err
    assert Image.open(bars).format == "PNG" and err.startswith("NPS: answers by score · 30d")
    # The summary's own headline: (35 − 10) / 45 = +55.6, 1.96 · √((1 − .556²) / 45) = 24.3.
    assert "NPS +56 ± 24.3 (n = 45)" in err
    code, _, _ = cli("summary", "--period", "30d", "--format", "json", "-o",
                     str(tmp_path / "s.json"))
    assert code == 0 and json.loads((tmp_path / "s.json").read_text())["n"] == 45


def test_bad_input(cli: Callable[..., tuple[int, bytes, str]], monkeypatch: pytest.MonkeyPatch,
                   tmp_path: Path) -> None:
    code, out, err = cli("trend", "--period", "soon", "--lang", "ro")
    assert code == 2 and "Nu am înțeles perioada „soon”" in err and out == b""
    code, _, err = cli("trend", "--period", "5y")
    assert code == 2 and "holds 261 weeks; a trend shows at most 120" in err
    code, _, err = cli("trend", "--format", "png", "-o", str(tmp_path / "nowhere" / "x.png"))
    assert code == 2 and "does not exist" in err
    with pytest.raises(SystemExit) as exc:
        main(["trend", "--by", "day"])
    assert exc.value.code == 2
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = cli("trend", "--format", "png")
    assert code == 2 and "name a file with -o FILE" in err and out == b""
