"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_POSTGRES_URL`` (default: the local trust-auth server at
127.0.0.1:5432, database ``test``, user ``postgres``).  Each test gets a database of its own,
dropped afterwards.  Without a server the PostgreSQL variants skip and say why; ``.ci/run`` sets
``REQUIRE_POSTGRES=1`` so that there they fail instead.

Each test's database is already migrated to the newest schema: the session migrates one
template once (on PostgreSQL a database named for the head revision and a hash of the
migrations, dropped at the end of the session; on SQLite a file) and each test gets a copy
(``CREATE DATABASE … TEMPLATE``; a copied file).  A test of the migrations themselves, or of
what happens to a database nobody migrated, is marked ``@pytest.mark.empty_database`` and gets
an empty one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# No timing assertions: hypothesis's per-example deadline fails a property when the machine is
# busy (four test processes on two cores) or an example is the first to import a library.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

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


EMPTY = "empty_database"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{EMPTY}: the test's database is empty (not copied from the migrated "
        "template), for tests of the migrations and of unmigrated databases")


def _wants_empty(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker(EMPTY) is not None


def _require_postgres() -> None:
    reason = pg_reason()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def migrations_digest() -> str:
    """A hash of every migration file: a changed migration names a new template."""
    from bot.db import MIGRATIONS_DIR

    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.rglob("*.py")):
        digest.update(path.relative_to(MIGRATIONS_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head, once per test session, to copy per test; named
    ``survey_tpl_<head>_<migrations hash>_<pid>`` (the pid keeps concurrent sessions on one
    server apart) and dropped at the end of the session."""
    _require_postgres()
    from bot.db import head_revision, upgrade

    name = f"survey_tpl_{head_revision()}_{migrations_digest()}_{os.getpid()}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        upgrade(_pg_url(name))
        # Nobody connects to it again: a connection would make every copy fail.
        _pg_admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        yield name
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, once per test session, copied per test."""
    from bot.db import upgrade

    path = tmp_path_factory.mktemp("template") / "survey.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, as a SQLAlchemy URL, migrated to head (a copy
    of :func:`pg_template`) unless the test is marked ``empty_database``; dropped afterwards."""
    _require_postgres()
    template = "" if _wants_empty(request) else str(request.getfixturevalue("pg_template"))
    name = f"survey_test_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database, migrated to head unless the test is marked ``empty_database``: a SQLite
    file, then a PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "survey.db"
        if not _wants_empty(request):
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
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


@pytest.fixture
async def bot_processes(tmp_path: Path) -> AsyncIterator[Any]:
    """``bot_processes.start(mode, env, **kwargs)``: a real ``survey-bot <mode>`` process in
    ``tmp_path`` (:class:`tests.processes.BotProcess`), stopped when the test ends."""
    from tests.processes import BotProcesses

    processes = BotProcesses(tmp_path)
    try:
        yield processes
    finally:
        await processes.close()
