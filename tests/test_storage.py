"""Storage on SQLite and PostgreSQL: migrations, the daily rollup, concurrent answers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from bot.app import build_engine
from bot.db import head_revision, open_database, upgrade
from bot.models import Answer, AnswerCount
from bot.periods import Period
from bot.reports import score_counts
from tests.helpers import Person


@pytest.mark.empty_database  # a migration test starts from nothing
def test_migrations_backfill_the_rollup(database_url: str) -> None:
    upgrade(database_url, "0001")
    db = open_database(database_url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO respondents (id, channel, platform_user_id, chat_id, display_name, "
                "locale, locale_chosen, opted_out, unreachable, first_seen, last_seen) VALUES "
                "(1, 'slack', 'U1', '', '', 'ro', false, false, false, :t, :t)"),
                {"t": datetime(2026, 1, 1, tzinfo=UTC)})
            conn.execute(text(
                "INSERT INTO survey_runs (id, respondent_id, survey, step, status, started_at, "
                "updated_at) VALUES (1, 1, 'default', 0, 'completed', :t, :t)"),
                {"t": datetime(2026, 1, 1, tzinfo=UTC)})
            for i, (score, day) in enumerate([(9, 1), (9, 1), (3, 2)]):
                conn.execute(text(
                    "INSERT INTO answers (respondent_id, survey_run_id, survey, question_key, "
                    "metric, score, scale_min, scale_max, bucket, locale, channel, created_at) "
                    "VALUES (1, 1, 'default', :k, 'nps', :s, 0, 10, 'x', 'ro', 'slack', :t)"),
                    {"k": f"q{i}", "s": score, "t": datetime(2026, 1, day, 23, 59, tzinfo=UTC)})
        upgrade(database_url)
        with Session(db.engine) as s:
            rows = sorted((str(r.day), r.score, r.count) for r in s.exec(select(AnswerCount)))
        assert rows == [("2026-01-01", 9, 2), ("2026-01-02", 3, 1)]
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
                head_revision()
    finally:
        db.dispose()


def test_rollup_matches_rows_after_answers_and_deletion(make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings())
    try:
        people = [Person(engine, f"r{i}") for i in range(6)]
        for i, p in enumerate(people):
            p.command("start")
            p.say(str(i + 4))
        people[0].command("delete_my_data")
        people[0].press("del:yes")
        whole = Period(None, (datetime.now(UTC) + timedelta(days=2)).date(), "all")
        with Session(engine.db.engine) as s:
            raw = dict(s.exec(select(Answer.score, func.count()).group_by(Answer.score)).all())
            assert score_counts(s, "nps", whole) == raw == {5: 1, 6: 1, 7: 1, 8: 1, 9: 1}
            total = s.exec(select(func.sum(AnswerCount.count))).one()
            assert total == 5
    finally:
        engine.db.dispose()


def test_concurrent_answers_are_all_stored_once(make_settings: Callable[..., Any]) -> None:
    """Eight threads answer at once (and each delivers its update twice): nothing is lost or
    doubled, on SQLite's single writer as on PostgreSQL's row locks."""
    engine = build_engine(make_settings())
    try:
        people = [Person(engine, f"c{i}") for i in range(8)]
        for p in people:
            p.command("start")
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(people), timeout=30)

        def answer(p: Person, i: int) -> None:
            try:
                barrier.wait()
                for _ in range(2):
                    p.say(str(i % 11), event_id=f"conc-{i}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=answer, args=(p, i)) for i, p in enumerate(people)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors and not any(t.is_alive() for t in threads)
        with Session(engine.db.engine) as s:
            scores = sorted(a.score for a in s.exec(select(Answer)))
        assert scores == sorted(i % 11 for i in range(8))
    finally:
        engine.db.dispose()


def test_old_event_ids_are_pruned(make_settings: Callable[..., Any]) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    engine = build_engine(make_settings())
    engine.clock = lambda: now[0]
    try:
        p = Person(engine, "pruned")
        p.command("start", event_id="old-1")
        now[0] += timedelta(days=8)
        p.command("help", event_id="new-1")
        assert engine.prune_events() == 1
        assert p.command("help", event_id="new-1") == []  # still remembered
    finally:
        engine.db.dispose()


def test_the_migrations_make_the_schema_the_models_describe(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import bot.models  # noqa: F401  (every table)

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []
