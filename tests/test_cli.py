"""The survey-bot command: console chat, summary formats, export, db upgrade, bad settings,
help and version.  How it fails is in test_cli_failures.py."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from adapters.cli import main
from adapters.console import ConsoleChannel, run_console
from bot.app import build_engine
from bot.cli import _parser


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    for var in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SURVEY_FILE"):
        monkeypatch.delenv(var, raising=False)
    return database_url


def take_survey(lines: list[str]) -> list[str]:
    out: list[str] = []
    run_console_with(lines, out)
    return out


def run_console_with(lines: list[str], out: list[str], **kwargs: Any) -> None:
    from bot.settings import load_settings

    engine = build_engine(load_settings(**kwargs.pop("settings", {})))
    try:
        run_console(engine, stdin=io.StringIO("\n".join(lines) + "\n"), write=out.append,
                    **kwargs)
    finally:
        engine.db.dispose()


def test_console_survey_then_manager_summary(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = take_survey(["banana", "3", "Too slow", "4", "/quit"])
    joined = "\n".join(out)
    assert "recommend us" in joined and "0 to 10" in joined
    assert "Thank you for your answers" in joined
    assert "An alert went to the managers' chat" in joined  # not the alert itself
    assert main(["summary", "--metric", "nps", "--period", "all", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n"] == 1 and data["score_rounded"] == -100
    assert data["comments"][0]["text"] == "Too slow"
    assert main(["summary", "--metric", "csat", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:7] == ["metric", "period", "n", "score", "bucket", "count", "share"]
    assert ["csat", "30d", "1"] == rows[1][:3]
    assert main(["summary", "--period", "all", "--lang", "zh"]) == 0
    assert "NPS" in capsys.readouterr().out


def test_console_choices_and_manager_mode(env: str) -> None:
    out: list[str] = []
    run_console_with(["/language", "#2", "/quit"], out, lang="en")
    assert any("#1) English" in line for line in out)
    assert any(line.startswith("✓ ") for line in out)
    out = []
    run_console_with(["/nps summary all"], out, as_manager=True,
                     settings={"console_manager": True})
    assert any("NPS summary" in line for line in out), out


def test_console_channel_refuses_summary_to_customers(make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings())
    try:
        lines = ConsoleChannel(engine).feed("/nps summary")
        assert lines == ["Sorry, this command is only for managers."]
    finally:
        engine.db.dispose()


def test_export_streams_every_answer(env: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    take_survey(["9", "Great staff", "5"])
    take_survey(["/start", "7"])
    target = tmp_path / "answers.csv"
    assert main(["export", "--format", "csv", "-o", str(target)]) == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [(r["metric"], r["score"], r["comment"]) for r in rows] == [
        ("nps", "9", "Great staff"), ("csat", "5", ""), ("nps", "7", "")]
    assert main(["export", "--format", "jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["score"] for x in lines] == [9, 5, 7]


def test_db_upgrade_and_bad_settings(env: str, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    from bot.db import head_revision

    assert f"schema version: {head_revision()}" in capsys.readouterr().out
    monkeypatch.setenv("PORT", "not-a-port")
    assert main(["db", "current"]) == 2
    assert "PORT" in capsys.readouterr().err


def test_bad_survey_file_stops_start(env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[surveys.default]\nquestions = [{ key = "q", metric = "stars", text = "x" }]')
    monkeypatch.setenv("SURVEY_FILE", str(bad))
    assert main(["chat"]) == 2
    assert "metric" in capsys.readouterr().err


def _undocumented(parser: argparse.ArgumentParser, path: str) -> list[str]:
    """Every option, sub-command and sub-command group under ``parser`` without help text."""
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            if not action.help:
                missing.append(f"{path} {action.metavar or action.dest}")
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if not helps.get(name):
                    missing.append(f"{path} {name}")
                missing += _undocumented(sub, f"{path} {name}")
        elif not action.help or action.help == argparse.SUPPRESS:
            missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_option_and_command_has_help() -> None:
    parser = _parser()
    assert _undocumented(parser, "survey-bot") == []
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"run", "summary", "export", "db", "i18n"} <= set(commands.choices), "walked them"


def test_version_is_the_installed_package_version(tmp_path: Path) -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("survey-bot")), "--version"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"survey-bot {metadata.version('survey-bot')}"
