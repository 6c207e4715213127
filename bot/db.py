"""Database engines, schema migrations, and what to say when the database fails.

SQLite gets WAL, a busy timeout, ``synchronous=NORMAL`` and ``BEGIN IMMEDIATE`` for writes;
PostgreSQL goes through psycopg 3.  The engine for reads (summaries, exports) cannot write: on
SQLite its connections are ``PRAGMA query_only`` and begin deferred, so they never take the
write lock; on PostgreSQL its transactions are ``READ ONLY``.  The schema is Alembic's
(``bot/migrations``).  A failure to connect becomes a :class:`DatabaseUnavailable` whose
message is one line naming the database (password hidden) and what to check;
:func:`wait_for_database` retries one at start-up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, pool
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 10_000


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    """The engine for writes (``immediate``) or the read-only engine for reads."""
    # SQLite takes one writer at a time.  One pooled connection for writes makes this process's
    # threads queue for it in order, instead of meeting SQLITE_BUSY and sleeping in SQLite's
    # backoff (up to 100 ms a try); busy_timeout still covers other processes.
    pool: dict[str, Any] = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30} if (
        immediate) else {}
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
        **pool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        if not immediate:
            cur.execute("PRAGMA query_only=ON")  # a write is an error, never a lock taken
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass
class Database:
    """The engine for writes and the read-only engine for reports (on PostgreSQL the same pool,
    its transactions ``READ ONLY``)."""

    url: str
    engine: Engine
    read_engine: Engine

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine.pool is not self.engine.pool:
            self.read_engine.dispose()


def open_database(url: str) -> Database:
    """Engines for ``url`` without touching the schema."""
    if is_sqlite(url):
        writer = _sqlite_engine(url, immediate=True)
        return Database(url, writer, _sqlite_engine(url, immediate=False))
    # No pool_pre_ping: it cost a round trip per transaction (about a tenth of the handling
    # time in bench/telegram_throughput.py); a connection found dead fails its transaction,
    # which bot/engine/transient.py tries again on a new one.
    engine = create_engine(url, pool_size=5, max_overflow=10)
    # The dialect's own switch: BEGIN READ ONLY on each connection taken through this engine,
    # reset when the connection goes back to the shared pool.
    return Database(url, engine, engine.execution_options(postgresql_readonly=True))


def _quiet_alembic() -> None:
    """Alembic logs at INFO on every use and on import ("setup plugin ...", "Context impl
    SQLiteImpl.", "Will assume non-transactional DDL."): show that only when the root logger is
    at DEBUG (``LOG_LEVEL=DEBUG``).  Hence Alembic is imported only below, after this.  The
    migrations applied are logged at INFO by ``migrations/env.py``."""
    debug = logging.getLogger().isEnabledFor(logging.DEBUG)
    logging.getLogger("alembic").setLevel(logging.NOTSET if debug else logging.WARNING)


def alembic_config(url: str) -> Config:
    _quiet_alembic()
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision`` (``survey-bot db upgrade``)."""
    config = alembic_config(url)
    from alembic import command

    command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    _quiet_alembic()
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    config = alembic_config("sqlite://")
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config).get_current_head()


# --- when the database fails ---------------------------------------------------------------

URL_FORMS = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/dbname"
# SQLSTATEs worth waiting for: connection exceptions (class 08), "the database system is
# starting up" (57P03), too many connections (53300).  A refused password (28...) or a missing
# database (3D000) stays so.
_RETRY_SQLSTATE_PREFIXES = ("08", "57P03", "53300")
# Without a SQLSTATE: a server that answered "FATAL: ..." refused us for good, unless it said
# one of these (PostgreSQL's messages for 57P03 and 53300).
_TRANSIENT_ANSWERS = ("starting up", "shutting down", "recovery mode", "too many clients",
                      "remaining connection slots")
CONNECT_TIMEOUT_SECONDS = 10


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be parsed or names no driver we have."""


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened or did not answer.  The message is one line: what
    failed, the driver's reason, what to check."""

    def __init__(self, what: str, reason: str, hint: str = "", *,
                 retryable: bool = False) -> None:
        super().__init__(f"{what}: {reason}" + (f"; {hint}" if hint else ""))
        self.what, self.reason, self.hint, self.retryable = what, reason, hint, retryable

    def after(self, attempts: int, seconds: float) -> DatabaseUnavailable:
        """The same failure, saying how long it was retried."""
        return DatabaseUnavailable(f"{self.what} (tried {attempts} times in {seconds:.0f} s)",
                                   self.reason, self.hint)


def safe_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unparsable URL)"


def check_url(url: str) -> None:
    """Raise :class:`DatabaseUrlError` unless SQLAlchemy can parse ``url`` and knows its
    dialect; the message never repeats the URL, which may hold a password."""
    try:
        make_url(url).get_dialect()
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUrlError(
            f"DATABASE_URL is not a database URL ({exc}); expected {URL_FORMS}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def explain(exc: DBAPIError, url: str) -> DatabaseUnavailable:
    """One line for a database error: which database, what it said, what to check."""
    reason = _first_line(exc.orig) if exc.orig is not None else _first_line(exc)
    where = safe_url(url)
    if is_sqlite(url):
        database = make_url(url).database or ":memory:"
        return DatabaseUnavailable(
            f"cannot use the SQLite database {database}", reason,
            "check that its directory exists and is writable (DATABASE_URL)")
    if exc.statement is not None:  # it failed mid-command, not while connecting
        return DatabaseUnavailable(f"the database at {where} failed", reason,
                                   retryable=bool(exc.connection_invalidated))
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    # psycopg gives no SQLSTATE for a failed connection; the server's answer is in the text.
    answered = "FATAL:" in reason and not any(s in reason for s in _TRANSIENT_ANSWERS)
    if sqlstate.startswith("28") or "password authentication failed" in reason or (
            'role "' in reason):
        hint = "check the user and password in DATABASE_URL"
    elif sqlstate == "3D000" or ('database "' in reason and "does not exist" in reason):
        hint = "create the database (createdb) or fix its name in DATABASE_URL"
    else:
        hint = "check DATABASE_URL and that PostgreSQL is running and reachable"
    retryable = (sqlstate.startswith(_RETRY_SQLSTATE_PREFIXES) if sqlstate else not answered)
    return DatabaseUnavailable(f"cannot connect to the database at {where}", reason, hint,
                               retryable=retryable)


def probe(url: str) -> None:
    """Open one connection to ``url`` and close it (a bounded wait on PostgreSQL)."""
    args: dict[str, Any] = {} if is_sqlite(url) else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=args)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        raise explain(exc, url) from exc
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff: wait ``first`` seconds, then ``factor`` times longer each
    time (at most ``cap``), and give up once ``total`` seconds have gone by."""

    first: float = 1.0
    factor: float = 2.0
    cap: float = 15.0
    total: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def wait_for_database(url: str, backoff: Backoff | None = None) -> None:
    """Return once the database at ``url`` answers; retry connection failures that may pass
    (server down or starting, network) with ``backoff``, logging each, then raise
    :class:`DatabaseUnavailable`.  Failures that waiting cannot fix raise at once."""
    backoff = backoff or Backoff()
    started = backoff.clock()
    delay, attempt = backoff.first, 1
    while True:
        try:
            probe(url)
        except DatabaseUnavailable as exc:
            left = backoff.total - (backoff.clock() - started)
            if not exc.retryable or left <= 0:
                if attempt > 1:
                    raise exc.after(attempt, backoff.clock() - started) from exc
                raise
            wait = min(delay, backoff.cap, left)
            log.warning("database at %s not reachable (attempt %d): %s; retrying in %.1f s",
                        safe_url(url), attempt, exc.reason, wait)
            backoff.sleep(wait)
            delay, attempt = delay * backoff.factor, attempt + 1
            continue
        if attempt > 1:
            log.info("database at %s answers (attempt %d)", safe_url(url), attempt)
        return
