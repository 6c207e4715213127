"""How many worker processes run the engine, and what EngineCalls sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adapters.engine_calls import EngineCalls
from bot import workers
from bot.app import SchemaOutOfDate, build_engine, prepare_database
from bot.settings import Settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/x"


def settings(url: str, processes: int | None) -> Settings:
    return Settings(_env_file=None, database_url=url, engine_processes=processes)  # type: ignore[call-arg]


@pytest.mark.parametrize(("url", "wanted", "cores", "expected"), [
    (PG, None, 8, 4),          # one per core, at most 4
    (PG, None, 2, 2),
    (PG, None, 1, 0),          # one core: nothing to gain
    (PG, 0, 8, 0),             # asked for none
    (PG, 6, 2, 6),             # asked for: as asked
    ("sqlite:///x.db", None, 8, 1),  # one writer at a time
    ("sqlite:///x.db", None, 1, 0),
    ("sqlite:///x.db", 3, 8, 1),
    ("sqlite:///x.db", 0, 8, 0),
])
def test_engine_processes(monkeypatch: pytest.MonkeyPatch, url: str, wanted: int | None,
                          cores: int, expected: int) -> None:
    monkeypatch.setattr(workers, "usable_cores", lambda: cores)
    assert workers.engine_processes(settings(url, wanted)) == expected


def test_environment_sets_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGINE_PROCESSES", "3")
    assert Settings(_env_file=None).engine_processes == 3  # type: ignore[call-arg]
    monkeypatch.setenv("ENGINE_PROCESSES", "-1")
    with pytest.raises(ValueError):
        Settings(_env_file=None)  # type: ignore[call-arg]


async def test_only_engine_methods_go_to_workers(make_settings: Callable[..., Any]) -> None:
    config = make_settings(engine_processes=1)
    engine = build_engine(config)
    calls = EngineCalls(engine, config, threads=1, inline_sqlite=True)
    try:
        await calls.start()
        assert calls.processes is not None and len(calls.processes.pids) == 1
        with pytest.raises(TypeError):
            await calls(len, "not the engine's")
        assert await calls(engine.state_get, "nothing here") is None
        await calls(engine.state_set, "k", "from a worker")
        assert engine.state_get("k") == "from a worker"  # the parent sees the worker's commit
    finally:
        calls.close()
        engine.db.dispose()


async def test_channels_of_one_engine_share_its_workers(
        make_settings: Callable[..., Any]) -> None:
    """The Telegram webhook and Slack in one web process: one pool, shut down by the last."""
    config = make_settings(engine_processes=1)
    engine = build_engine(config)
    first = EngineCalls(engine, config, threads=1, inline_sqlite=True)
    second = EngineCalls(engine, config, threads=1, inline_sqlite=False)
    try:
        assert first.processes is second.processes is not None
        pool = first.processes
        await first.start()
        await second.start()
        assert len(pool.pids) == 1
        first.close()
        assert await second(engine.state_get, "nothing") is None  # still running
        second.close()
        with pytest.raises(RuntimeError):  # shut down
            await pool("state_get", "nothing")
    finally:
        first.close()
        second.close()
        engine.db.dispose()


@pytest.mark.parametrize(("url", "wanted", "cores", "expected"), [
    (PG, None, 8, 4),              # one per core, at most 4
    (PG, None, 2, 2),
    (PG, None, 1, 1),
    (PG, 3, 1, 3),                 # asked for: as asked
    ("sqlite:///x.db", None, 8, 2),  # at most 2 writers taking turns
    ("sqlite:///x.db", None, 1, 1),
    ("sqlite:///x.db", 4, 8, 4),
])
def test_web_processes(monkeypatch: pytest.MonkeyPatch, url: str, wanted: int | None,
                       cores: int, expected: int) -> None:
    monkeypatch.setattr(workers, "usable_cores", lambda: cores)
    config = Settings(_env_file=None, database_url=url, web_concurrency=wanted)  # type: ignore[call-arg]
    assert workers.web_processes(config) == expected


def test_web_processes_without_reuse_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(workers.socket, "SO_REUSEPORT", raising=False)
    config = Settings(_env_file=None, database_url=PG, web_concurrency=4)  # type: ignore[call-arg]
    assert workers.web_processes(config) == 1


@pytest.mark.parametrize(("url", "engine", "web", "expected"), [
    (PG, None, 2, 1),       # one engine worker per web process
    (PG, None, 1, None),    # one web process: the usual default
    (PG, 3, 2, 3),          # asked for: as asked
    ("sqlite:///x.db", None, 2, 1),
])
def test_engine_workers_of_several_web_processes(url: str, engine: int | None, web: int,
                                                 expected: int | None) -> None:
    config = settings(url, engine)
    assert workers.for_web_process(config, web).engine_processes == expected


def test_usable_cores_is_at_least_one() -> None:
    assert workers.usable_cores() >= 1


@pytest.mark.empty_database  # nobody migrated it yet
def test_a_process_that_does_not_migrate_checks_the_schema(
        make_settings: Callable[..., Any]) -> None:
    """Worker and secondary web processes open the database without migrating it; a schema
    their parent did not bring up to date stops them with a message that says what to run."""
    config = make_settings()
    with pytest.raises(SchemaOutOfDate, match="survey-bot db upgrade"):
        prepare_database(config, migrate=False)
    prepare_database(config).dispose()  # migrates
    prepare_database(config, migrate=False).dispose()  # up to date: opens
