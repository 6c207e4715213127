"""Summaries read on their own read-only connection, outside the event's write transaction.

On SQLite the write transaction holds the only write lock: a summary inside it (as before) made
every other event wait for it.  Now the engine reads a manager's summary on ``db.read_engine``
first (``PRAGMA query_only`` on SQLite, ``READ ONLY`` transactions on PostgreSQL), and the CLI's
``summary`` reads there too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.app import build_engine
from bot.cli import main
from bot.db import open_database, upgrade
from bot.engine import Engine
from bot.messages import Reply
from bot.store import kv_get, kv_set
from tests.helpers import Person, seed_answers, texts

WAIT = 20.0  # seconds; a bound on each wait, not a measurement


def read_only(dbapi_connection: Any, dialect: str) -> bool:
    """Whether this connection's current transaction can write nothing."""
    if dialect == "sqlite":
        return bool(dbapi_connection.execute("PRAGMA query_only").fetchone()[0])
    return bool(dbapi_connection.execute("SHOW transaction_read_only").fetchone()[0] == "on")


@dataclass
class ReportReads:
    """Every statement that reads the answers or their daily counts, with whether it ran on a
    read-only connection; ``pause`` holds the first one until ``release`` is set."""

    seen: list[tuple[bool, str]] = field(default_factory=list)
    pause: bool = False
    started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __call__(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sql = " ".join(statement.split())
        if not sql.upper().startswith("SELECT") or not (
                "answer_counts" in sql or "FROM answers" in sql):
            return
        self.seen.append((read_only(conn.connection.dbapi_connection, conn.dialect.name), sql))
        if self.pause and not self.started.is_set():
            self.started.set()
            assert self.release.wait(WAIT), "the test never released the summary"


@pytest.fixture
def report_reads() -> Iterator[ReportReads]:
    reads = ReportReads()
    event.listen(SqlEngine, "before_cursor_execute", reads)
    try:
        yield reads
    finally:
        reads.release.set()
        event.remove(SqlEngine, "before_cursor_execute", reads)


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(console_manager=True))
    seed_answers(eng, [("nps", 10, 1, None), ("nps", 3, 2, "Slow"), ("csat", 4, 1, None)])
    yield eng
    eng.db.dispose()


def test_the_read_engine_cannot_write_and_the_writer_still_can(database_url: str) -> None:
    upgrade(database_url)
    db = open_database(database_url)
    try:
        for _ in range(2):  # the same pooled connection again, on PostgreSQL the writer's pool
            with Session(db.read_engine) as session:
                kv_set(session=session, key="try", value="read-only")
                with pytest.raises(DBAPIError, match=r"read-?only"):
                    session.commit()
            with Session(db.engine) as session:
                kv_set(session=session, key="try", value="written")
                session.commit()
        with Session(db.read_engine) as session:
            assert kv_get(session=session, key="try") == "written"
        with db.read_engine.connect() as conn:
            assert read_only(conn.connection.dbapi_connection, conn.dialect.name)
        with db.engine.connect() as conn:
            assert not read_only(conn.connection.dbapi_connection, conn.dialect.name)
    finally:
        db.dispose()


def test_a_chat_summary_reads_on_a_read_only_connection(
        engine: Engine, report_reads: ReportReads) -> None:
    out = Person(engine, "console-manager").command("nps", "summary 30d")
    assert "NPS summary" in texts(out) and "Slow" in texts(out)
    assert report_reads.seen, "the summary read nothing?"
    assert all(ro for ro, _ in report_reads.seen), [sql for ro, sql in report_reads.seen
                                                      if not ro]


def test_a_customer_writes_while_a_summary_reads(
        engine: Engine, report_reads: ReportReads) -> None:
    """The summary is held in its first query; meanwhile a customer starts a survey and
    answers it (writes), which on SQLite needs the write lock the summary no longer holds."""
    report_reads.pause = True
    results: dict[str, list[Any]] = {}

    def summary() -> None:
        results["summary"] = Person(engine, "console-manager").command("csat", "summary 30d")

    def customer() -> None:
        ana = Person(engine, "ana")
        results["start"] = ana.command("start")
        results["answer"] = ana.say("9")

    reader = threading.Thread(target=summary)
    writer = threading.Thread(target=customer)
    reader.start()
    try:
        assert report_reads.started.wait(WAIT), "the summary never read"
        writer.start()
        writer.join(WAIT)
        blocked = writer.is_alive()
    finally:
        report_reads.release.set()
        reader.join(WAIT)
        if writer.ident is not None:
            writer.join(WAIT)
    assert not blocked, "the customer's event waited for the summary"
    assert "recommend us" in texts(results["start"])
    assert "What do you value most" in texts(results["answer"])  # 9: a promoter
    assert not reader.is_alive() and "CSAT summary" in texts(results["summary"])
    assert [type(o) for o in results["summary"]] == [Reply]


def test_a_redelivered_summary_is_still_ignored(engine: Engine) -> None:
    manager = Person(engine, "console-manager")
    assert manager.command("nps", "summary", event_id="once")
    assert manager.command("nps", "summary", event_id="once") == []


def test_the_cli_summary_reads_on_a_read_only_connection(
        database_url: str, engine: Engine, report_reads: ReportReads,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["summary", "--period", "30d", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 2
    assert report_reads.seen and all(ro for ro, _ in report_reads.seen)


def test_the_read_only_session_on_postgresql_refuses_a_write_statement(
        postgres_url: str) -> None:
    """The transaction itself is READ ONLY (not only our code that does not write)."""
    upgrade(postgres_url)
    db = open_database(postgres_url)
    try:
        with db.read_engine.connect() as conn:
            assert conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
            with pytest.raises(DBAPIError, match="read-only transaction"):
                conn.execute(text("DELETE FROM kv"))
    finally:
        db.dispose()
