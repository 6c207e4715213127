"""Alerts nobody claimed within ALERT_ESCALATE_AFTER are posted again once (docs/alerts.md), on
SQLite and PostgreSQL, with an injected clock: two racing engines ("workers") and a restart
post each once; a claimed or resolved alert, a young one, and any with escalation off are not
posted again.  Through the real Telegram and Slack stacks: tests/telegram/test_alert_list.py,
tests/slack/test_slack_alert_list.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from bot import buttons
from bot.app import build_engine
from bot.db import open_database, upgrade
from bot.delivery import codec
from bot.engine import Engine
from bot.messages import AlertPost
from bot.models import Alert, OutboxMessage, utcnow
from tests.helpers import Person, race


class Clock:
    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> Any:
        return utcnow() + self.ahead


@pytest.fixture
def engines(make_settings: Callable[..., Any]) -> Iterator[Callable[..., Engine]]:
    made: list[Engine] = []

    def make(clock: Clock, **overrides: Any) -> Engine:
        settings = make_settings(**{
            "telegram_bot_token": "1:x", "telegram_alert_chat_id": "-1001",
            "telegram_manager_ids": "900", **overrides})
        engine = build_engine(settings)
        engine.clock = clock
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.db.dispose()


def detractor(engine: Engine, user: str, score: int = 2) -> int:
    """A Telegram customer's answer that raises an alert (left in the outbox, unsent)."""
    person = Person(engine, user, channel="telegram", deliver=False)
    person.command("start")
    person.press_score(score)
    with Session(engine.db.read_engine) as s:
        return max(a.id for a in s.exec(select(Alert)) if a.id is not None)


def posts(engine: Engine, alert_id: int) -> list[AlertPost]:
    with Session(engine.db.read_engine) as s:
        rows = s.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "alert_post")
                      .order_by(col(OutboxMessage.id)))
        items = [codec.loads(r.kind, r.payload) for r in rows]
    return [i for i in items if isinstance(i, AlertPost) and i.alert_id == alert_id]


def test_an_unclaimed_alert_is_posted_again_once(engines: Callable[..., Engine]) -> None:
    clock = Clock()
    first, second = engines(clock), engines(clock)
    old = detractor(first, "201")
    claimed = detractor(first, "202")
    Person(first, "900", channel="telegram", deliver=False).press(
        buttons.encode(buttons.Alert(claimed, buttons.AlertAction.CLAIM)))
    clock.ahead = timedelta(hours=23, minutes=59)
    young = detractor(first, "203")
    assert first.escalate_alerts() == [], "not 24 hours old yet"

    clock.ahead = timedelta(hours=24, minutes=1)
    results = race((first, second), lambda engine: engine.escalate_alerts())
    assert sorted(len(ids) for ids in results) == [0, 1], results
    assert engines(clock).escalate_alerts() == [], "a restarted worker posts it again"
    assert first.escalate_alerts() == []

    again = posts(first, old)
    assert len(again) == 2, "the first post and the one again"
    assert again[1].text.startswith(
        "⏰ Still open after 1 day: nobody has claimed this alert yet.\n⚠️ Unhappy customer")
    assert [c.label for c in again[1].choices] == ["Claim", "Reply", "Resolved"]
    assert len(posts(first, claimed)) == 1 and len(posts(first, young)) == 1
    with Session(first.db.read_engine) as s:
        escalated = {a.id: a.escalated_at for a in s.exec(select(Alert))}
    assert escalated[old] is not None and escalated[claimed] is None
    assert escalated[young] is None

    clock.ahead = timedelta(days=30)
    assert len(first.escalate_alerts()) == 1, "the young one, once it is old enough"
    assert first.escalate_alerts() == []


def test_off_with_zero(engines: Callable[..., Engine]) -> None:
    clock = Clock()
    engine = engines(clock, alert_escalate_after="0")
    detractor(engine, "301")
    clock.ahead = timedelta(days=10)
    assert engine.escalate_alerts() == [] and engine.schedule_tick() == []


def test_no_managers_chat_no_repost(engines: Callable[..., Engine]) -> None:
    clock = Clock()
    engine = engines(clock, telegram_alert_chat_id="")
    detractor(engine, "401")
    clock.ahead = timedelta(days=2)
    assert engine.escalate_alerts() == []


@pytest.mark.empty_database  # a migration test starts from nothing
def test_alerts_open_before_the_upgrade_are_not_posted_again(database_url: str) -> None:
    upgrade(database_url, "0005")
    db = open_database(database_url)
    raised = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO respondents (id, channel, platform_user_id, chat_id, display_name, "
                "locale, locale_chosen, opted_out, unreachable, first_seen, last_seen) VALUES "
                "(1, 'telegram', '201', '', '', 'en', false, false, false, :t, :t)"),
                {"t": raised})
            conn.execute(text(
                "INSERT INTO survey_runs (id, respondent_id, survey, step, status, started_at, "
                "updated_at) VALUES (1, 1, 'default', 0, 'completed', :t, :t)"), {"t": raised})
            for i, status in enumerate(["open", "claimed"], 1):
                conn.execute(text(
                    "INSERT INTO answers (id, respondent_id, survey_run_id, survey, question_key, "
                    "metric, score, scale_min, scale_max, bucket, locale, channel, created_at, "
                    "is_test) VALUES (:i, 1, 1, 'default', :k, 'nps', 2, 0, 10, 'detractor', "
                    "'en', 'telegram', :t, false)"), {"i": i, "k": f"q{i}", "t": raised})
                conn.execute(text(
                    "INSERT INTO alerts (id, answer_id, channel, status, platform_ref, "
                    "created_at) VALUES (:i, :i, 'telegram', :s, '', :t)"),
                    {"i": i, "s": status, "t": raised})
        upgrade(database_url)
        with Session(db.engine) as s:
            alerts = {a.id: a.escalated_at for a in s.exec(select(Alert))}
        assert alerts == {1: raised, 2: None}
    finally:
        db.dispose()
