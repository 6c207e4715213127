"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_POSTGRES_URL`` (default: the local trust-auth server at
127.0.0.1:5432, database ``test``, user ``postgres``).  Each test gets a database of its own,
dropped afterwards.  Without a server the PostgreSQL variants skip and say why; ``.ci/run`` sets
``REQUIRE_POSTGRES=1`` so that there they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Tests run the engine in the test's own process, where they can give it a clock and look at it;
# the tests of bot/workers.py and the channels' worker tests ask for worker processes themselves.
os.environ.setdefault("ENGINE_PROCESSES", "0")

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"


_PG_REASON: str | bool | None = False


def pg_reason() -> str | None:
    global _PG_REASON
    if _PG_REASON is False:
        _PG_REASON = _pg_available()
    return _PG_REASON  # type: ignore[return-value]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, as a SQLAlchemy URL; dropped afterwards."""
    reason = pg_reason()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    name = f"survey_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        from sqlalchemy import pool  # noqa: F401  (engines are disposed by their owners)

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'survey.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def make_settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Build Settings on the test database, ignoring the caller's environment and .env file."""
    from bot.settings import Settings

    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "SLACK_")) or key in {"DATABASE_URL", "SURVEY_FILE"}:
            monkeypatch.delenv(key, raising=False)

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"database_url": database_url}
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make
