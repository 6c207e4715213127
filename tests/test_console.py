"""The console as a demo a person can follow: two sides, typed choices that cannot be confused,
a manager who is not surveyed and whose answers are not counted."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.console import ConsoleChannel, run_console
from bot.app import build_engine
from bot.engine import Engine
from bot.models import Alert, Answer


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(console_manager=True))
    yield eng
    eng.db.dispose()


def answers(engine: Engine) -> list[Answer]:
    with Session(engine.db.read_engine) as s:
        return list(s.exec(select(Answer).order_by(Answer.id)))  # type: ignore[arg-type]


def alert_status(engine: Engine) -> list[str]:
    with Session(engine.db.read_engine) as s:
        return [a.status for a in s.exec(select(Alert))]


def test_demo_shows_both_sides_and_a_claim_is_never_an_answer(engine: Engine) -> None:
    console = ConsoleChannel(engine, demo=True, lang="en")
    console.feed("/start")
    out = console.feed("3")
    joined = "\n".join(out)
    # The alert is printed under the managers' heading, the next question under the customer's.
    managers_at = out.index("── Managers' chat ──")
    assert any("Unhappy customer" in line for line in out[managers_at:])
    assert "#1) Claim" in joined
    assert console.feed("The parcel came late")[-1].startswith("  [1 2 3 4 5]")
    console.feed("/switch")
    out = console.feed("#1")  # the manager presses Claim; the customer's CSAT asks for 1-5
    assert any("You claimed this alert" in line for line in out)
    assert alert_status(engine) == ["claimed"]
    assert [(a.metric, a.score, a.comment) for a in answers(engine)] == [
        ("nps", 3, "The parcel came late")]
    console.feed("/switch")
    console.feed("5")
    assert [(a.metric, a.score) for a in answers(engine)] == [("nps", 3), ("csat", 5)]


def test_one_pane_with_an_alert_and_a_question_keeps_them_apart(engine: Engine) -> None:
    """A manager who takes the survey sees the alert on their own answer and the follow-up
    question in one batch: the alert's buttons and Skip get different numbers."""
    console = ConsoleChannel(engine, as_manager=True)
    console.feed("/start")
    out = console.feed("2")
    joined = "\n".join(out)
    assert "#1) Claim" in joined and "#4) Skip" in joined
    console.feed("#1")
    assert alert_status(engine) == ["claimed"]
    rows = answers(engine)
    assert [(a.score, a.comment, a.is_test) for a in rows] == [(2, None, True)]


def test_customer_console_does_not_show_the_alert(engine: Engine) -> None:
    console = ConsoleChannel(engine, lang="en")
    console.feed("/start")
    out = "\n".join(console.feed("0"))
    assert "Unhappy customer" not in out and "Claim" not in out
    assert "An alert went to the managers' chat" in out


def test_prompts_say_type_in_the_console(engine: Engine) -> None:
    out = "\n".join(ConsoleChannel(engine, lang="en").feed("/start"))
    assert "Type a number from 0 to 10." in out and "Press" not in out and "Tap" not in out
    ro = "\n".join(ConsoleChannel(engine, lang="ro", name="Ion").feed("/start"))
    assert "Scrieți un număr de la 0 la 10." in ro


def test_as_manager_starts_no_survey_and_its_answers_are_not_figures(engine: Engine) -> None:
    out: list[str] = []
    run_console(engine, as_manager=True, stdin=io.StringIO("9\n/start\n10\nGreat\n5\n"
                                                           "/nps summary all\n"),
                write=out.append)
    joined = "\n".join(out)
    assert "For managers:" in joined  # greeted with the help, not a survey
    assert out[1].startswith("I ask a few short questions")
    assert "no survey open" in joined  # the first "9" answered nothing
    assert [(a.score, a.is_test) for a in answers(engine)] == [(10, True), (5, True)]
    assert "No answers in this period yet." in joined


def test_export_my_data_writes_a_file_in_the_persons_language(engine: Engine,
                                                              tmp_path: Path) -> None:
    console = ConsoleChannel(engine, lang="ro", files=tmp_path, name="Ioana")
    console.feed("/start")
    console.feed("4")
    console.feed("Livrarea a întârziat")
    out = console.feed("/export_my_data")
    path = Path(out[-1].strip())
    assert path.parent == tmp_path and path.name == "my-data.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["profil"]["nume"] == "Ioana" and data["profil"]["limbă"] == "română"
    assert [(a["scor"], a["comentariu"]) for a in data["răspunsuri"]] == [
        (4, "Livrarea a întârziat")]
    assert "Cât de probabil" in data["răspunsuri"][0]["întrebare"]
    assert console.feed("/export_my_data")[-1].strip().endswith("my-data-2.json")
