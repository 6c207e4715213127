"""``survey-bot demo seed``: realistic data a new user can try every summary on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.app import build_engine
from bot.campaign_tables import Customer, CustomerAttribute
from bot.cli import main
from bot.demo import DAYS, DemoRefused, seed
from bot.engine import Engine
from bot.models import Alert, Answer, AnswerCount, Respondent
from scoring import nps_from_scores
from tests.helpers import CJK, Person

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings())
    yield eng
    eng.db.dispose()


def test_seed_is_varied_improving_and_counted(engine: Engine) -> None:
    done = seed(engine.db, answers=1500, now=NOW, zone=engine.report_zone)
    assert done.answers >= 1500 and done.alerts > 0
    with Session(engine.db.read_engine) as s:
        rows = list(s.exec(select(Answer)))
        counted = s.exec(select(func.sum(AnswerCount.count))).one()
        statuses = {a.status for a in s.exec(select(Alert))}
    assert len(rows) == done.answers == counted
    assert {a.channel for a in rows} == {"telegram", "slack", "console"}
    assert {a.locale for a in rows} == {"en", "ro", "zh"}
    assert {a.metric for a in rows} == {"nps", "csat", "ces"}
    assert {a.campaign for a in rows} >= {None, "onboarding", "spring-promo"}
    assert statuses == {"open", "claimed", "resolved"}
    assert all(NOW - timedelta(days=DAYS + 1) <= a.created_at <= NOW for a in rows)
    comments = [a for a in rows if a.comment]
    assert any(CJK.search(a.comment or "") for a in comments if a.locale == "zh")
    assert any("ț" in (a.comment or "") or "ă" in (a.comment or "") for a in comments
               if a.locale == "ro")
    nps = sorted((a for a in rows if a.metric == "nps"), key=lambda a: a.created_at)
    early = nps_from_scores(a.score for a in nps if a.created_at < NOW - timedelta(days=90))
    late = nps_from_scores(a.score for a in nps if a.created_at >= NOW - timedelta(days=30))
    assert early.score is not None and late.score is not None
    assert late.score > early.score + 15, (early.score, late.score)


def test_seed_is_reproducible(engine: Engine) -> None:
    first = seed(engine.db, answers=200, now=NOW, zone=engine.report_zone)
    seed(engine.db, answers=200, now=NOW, zone=engine.report_zone, force=True)
    with Session(engine.db.read_engine) as s:
        rows = [(a.metric, a.score, a.channel, a.locale, a.comment, a.created_at)
                for a in s.exec(select(Answer).order_by(Answer.id))]  # type: ignore[arg-type]
    assert rows[: first.answers] == rows[first.answers:]


def test_seed_refuses_a_database_with_real_answers(engine: Engine) -> None:
    p = Person(engine, "real-customer")
    p.command("start")
    p.say("9")
    with pytest.raises(DemoRefused):
        seed(engine.db, answers=10, now=NOW, zone=engine.report_zone)
    assert seed(engine.db, answers=10, now=NOW, zone=engine.report_zone, force=True).answers >= 10


def test_cli_demo_seed(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["demo", "seed", "--answers", "120"]) == 0
    assert "seeded 12" in capsys.readouterr().out
    assert main(["summary", "--period", "90d", "--by", "channel", "--format", "json"]) == 0
    assert main(["demo", "seed", "--answers", "0"]) == 2


def test_seeded_people_are_customers_with_what_an_import_brings(
        engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    done = seed(engine.db, answers=1500, now=NOW, zone=engine.report_zone)
    with Session(engine.db.read_engine) as s:
        people = list(s.exec(select(Respondent)))
        attributes = list(s.exec(select(CustomerAttribute)))
        customers = s.exec(select(func.count()).select_from(Customer)).one()
        last = {a.respondent_id: a for a in s.exec(
            select(Answer).where(Answer.metric == "nps").order_by(Answer.created_at))}
    assert done.customers == done.respondents == customers == len(people)
    assert all(p.customer_id is not None for p in people)
    by_customer: dict[int, dict[str, CustomerAttribute]] = {}
    for a in attributes:
        by_customer.setdefault(a.customer_id, {})[a.name] = a
    assert all({"plan", "country", "revenue", "signed_up"} <= set(v) for v in by_customer.values())
    assert {v["plan"].text_value for v in by_customer.values()} == {"free", "pro", "enterprise"}
    assert all(v["revenue"].number_value is not None and v["signed_up"].date_value is not None
               for v in by_customer.values())
    gone = [v for v in by_customer.values() if "churned" in v]
    assert 0 < len(gone) < len(by_customer) / 2
    assert all(v["churned"].date_value > v["signed_up"].date_value  # type: ignore[operator]
               for v in gone)
    plan_of = {p.id: by_customer[p.customer_id]["plan"].text_value for p in people
               if p.customer_id is not None}
    promoters = [plan_of[r] for r, a in last.items() if a.bucket == "promoter"]
    detractors = [plan_of[r] for r, a in last.items() if a.bucket == "detractor"]
    share = lambda plans: plans.count("enterprise") / len(plans)  # noqa: E731
    assert share(promoters) > share(detractors), "happier people on bigger plans"
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["summary", "--period", "90d", "--by", "plan", "--format", "json"]) == 0
    segments = {s["key"] for s in json.loads(capsys.readouterr().out)["segments"]}
    assert segments == {"free", "pro", "enterprise"}
