"""The inbox on SQLite and PostgreSQL: stored once per key, processed once, in order per
person; a lost connection retried, then DatabaseDown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.app import build_engine
from bot.engine import Engine
from bot.engine.transient import DatabaseDown, Health, retrying
from bot.messages import Inbound
from bot.models import InboxEvent, InboxStatus


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings())
    yield eng
    eng.db.dispose()


def statuses(engine: Engine) -> list[str]:
    with Session(engine.db.read_engine) as s:
        return [e.status for e in s.exec(select(InboxEvent).order_by(InboxEvent.id))]  # type: ignore[arg-type]


def test_an_event_is_stored_once_and_processed_once(engine: Engine) -> None:
    first = engine.queues.receive("console", "update:1", "chat:a", '{"x":1}')
    assert first is not None
    assert engine.queues.receive("console", "update:1", "chat:a", '{"x":1}') is None  # replay
    start = Inbound("console", "a", "a", command="start", event_id="1")
    said = engine.handle(start, inbox_id=first)
    assert said and said.ids
    assert engine.handle(start, inbox_id=first) == []  # a second process got it too
    assert statuses(engine) == [InboxStatus.DONE]
    assert engine.queues.events_waiting() == 0


def test_events_a_dead_process_left_are_claimed_in_order_per_person(engine: Engine) -> None:
    ids = [engine.queues.receive("console", f"u:{n}", "chat:a" if n < 3 else "chat:b", "{}")
           for n in range(5)]
    assert engine.queues.due_events("console") == []  # their process still owns them
    later = engine.clock() + timedelta(seconds=11)
    engine.clock = lambda: later
    due = engine.queues.due_events("console")
    assert [e.id for e in due] == [ids[0], ids[3]]  # the first waiting of each person
    engine.queues.finish_event(ids[0])
    engine.clock = lambda: later + timedelta(seconds=11)
    assert [e.id for e in engine.queues.due_events("console")] == [ids[1], ids[3]]


def test_a_live_event_waits_for_an_earlier_one_of_the_same_person(engine: Engine) -> None:
    a = engine.queues.receive("console", "u:1", "chat:a", "{}")
    b = engine.queues.receive("console", "u:2", "chat:a", "{}")
    assert a is not None and b is not None
    earlier = engine.queues.earlier_events("console", "chat:a", b)
    assert [(e.id, claimed) for e, claimed in earlier] == [(a, False)]  # its process is at it
    later = engine.clock() + timedelta(seconds=11)
    engine.clock = lambda: later
    earlier = engine.queues.earlier_events("console", "chat:a", b)
    assert [(e.id, claimed) for e, claimed in earlier] == [(a, True)]  # that process stopped


def test_a_failed_event_is_kept_as_failed_and_the_person_is_told(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(engine.conversation, "start", broken)
    inbox_id = engine.queues.receive("console", "u:1", "chat:a", "{}")
    said = engine.handle(Inbound("console", "a", "a", command="start", event_id="x"),
                         inbox_id=inbox_id)
    assert statuses(engine) == [InboxStatus.FAILED]
    assert [getattr(item, "text", "") for item in said] == [
        "Sorry, something went wrong on our side. Please try again."]
    assert said.ids and engine.queues.waiting() == 1  # the apology is in the outbox


def test_a_lost_connection_is_retried_then_database_down() -> None:
    calls = []
    now = [0.0]

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return "ok"

    def sleep(seconds: float) -> None:
        now[0] += seconds

    health = Health()
    assert retrying(flaky, sleep=sleep, clock=lambda: now[0], health=health) == "ok"
    assert len(calls) == 3

    def down() -> None:
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with pytest.raises(DatabaseDown):
        retrying(down, sleep=sleep, clock=lambda: now[0], health=health)
    assert now[0] >= 2.0
    assert health.known_down


def test_while_the_database_is_known_down_a_call_tries_once_until_one_succeeds() -> None:
    """The second request of an outage does not wait its own two seconds: Slack's 3 s would
    pass for those queued behind it."""
    now, calls, health = [0.0], [], Health()
    health.failed()

    def down() -> None:
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(DatabaseDown):
        retrying(down, sleep=sleep, clock=lambda: now[0], health=health)
    assert (len(calls), now[0]) == (1, 0.0)
    assert retrying(lambda: "back", sleep=sleep, clock=lambda: now[0], health=health) == "back"
    assert not health.known_down
    flaky = iter([OperationalError("SELECT 1", {}, Exception("server closed the connection"))])

    def once_flaky() -> str:
        for exc in flaky:
            raise exc
        return "ok"

    assert retrying(once_flaky, sleep=sleep, clock=lambda: now[0], health=health) == "ok"
    assert now[0] > 0  # retried again, as before the outage


def test_sqlite_busy_beyond_the_budget_does_not_count_as_down() -> None:
    now, health = [0.0], Health()

    def locked() -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(DatabaseDown):
        retrying(locked, sleep=sleep, clock=lambda: now[0], health=health)
    assert not health.known_down


def test_a_wave_starts_wholly_with_its_command_once(make_settings: Callable[..., Any]) -> None:
    """``/nps send``: every first question, the word to the manager and the command's inbox
    row in one transaction; the same command again (a second process, a replay) starts
    nothing."""
    from bot.engine.outreach import Recipient
    from bot.messages import SendTo
    from bot.models import OutboxMessage, SurveyRun

    engine = build_engine(make_settings(console_manager=True))
    try:
        command = engine.queues.receive("console", "cmd:1", "user:mgr", "{}")
        assert command is not None
        people = [Recipient("w1", "Ana"), Recipient("w2", "Radu", "ro-RO"), Recipient("w3")]
        said = engine.start_wave(channel="console", manager_id="console-manager",
                                 people=people, notice="Sending to 3", survey="nps",
                                 campaign="wave-1", inbox_id=command)
        assert getattr(said[0], "text", "") == "Sending to 3"
        questions = [item for item in said if isinstance(item, SendTo)]
        assert [q.user_id for q in questions] == ["w1", "w2", "w3"]
        assert questions[1].text.startswith("Bună ziua!")  # in the language Slack gave
        assert len(said.ids) == 4
        again = engine.start_wave(channel="console", manager_id="console-manager",
                                  people=people, notice="Sending to 3", survey="nps",
                                  campaign="wave-1", inbox_id=command)
        assert again == [] and again.ids == []
        with Session(engine.db.read_engine) as s:
            assert len(list(s.exec(select(SurveyRun)))) == 3
            assert len(list(s.exec(select(OutboxMessage)))) == 4
        assert statuses(engine) == [InboxStatus.DONE]
    finally:
        engine.db.dispose()
