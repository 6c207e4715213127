"""A transaction that failed on a lost connection is tried again, for about two seconds;
after that the caller hears :class:`DatabaseDown` and answers the platform accordingly (a 503
that it retries, or a localized "not recorded, please try again").

Once a call has run out of its budget the database is *known down* in this process: later
calls try once, without waiting, until one of them succeeds.  Without that, every request of
an outage would wait its own two seconds in a thread of a bounded pool, and those queued behind
them would miss Slack's 3 s (tests/test_outage.py measured 12-26 of ~135 Slack requests
unanswered in a 5 s cut before this)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 2.0
FIRST_WAIT = 0.05


class DatabaseDown(RuntimeError):
    """The database did not answer within the retry budget; nothing was written."""


class Health:
    """Whether the last call in this process ran out of its budget with no success since."""

    def __init__(self) -> None:
        self._down = threading.Event()

    @property
    def known_down(self) -> bool:
        return self._down.is_set()

    def failed(self) -> None:
        if not self._down.is_set():
            log.warning("database down: calls fail at once until one succeeds")
        self._down.set()

    def answered(self) -> None:
        if self._down.is_set():
            log.warning("database answers again")
        self._down.clear()


HEALTH = Health()


def is_transient(exc: BaseException) -> bool:
    """A fault a retry may hide: a lost or refused connection, a server restarting, SQLite
    busy beyond its timeout."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig or exc).lower()
        return not any(s in text for s in ("syntax", "no such table", "no such column",
                                           "does not exist", "permission denied"))
    return False


def _busy(exc: DBAPIError) -> bool:
    """SQLite's lock held by another writer: the database answers, only not yet to us."""
    text = str(exc.orig or exc).lower()
    return "locked" in text or "busy" in text


def retrying(work: Callable[[], T], *, budget: float = RETRY_SECONDS,
             sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic, health: Health = HEALTH) -> T:
    """``work()``, again after a transient fault until ``budget`` seconds have gone by (once
    only while the database is known down)."""
    started, wait = clock(), FIRST_WAIT
    if health.known_down:
        budget = 0.0
    while True:
        try:
            result = work()
        except DBAPIError as exc:
            if not is_transient(exc):
                health.answered()
                raise
            left = budget - (clock() - started)
            if left <= 0:
                if not _busy(exc):
                    health.failed()
                raise DatabaseDown(str(exc.orig or exc).splitlines()[0]) from exc
            log.warning("database fault, retrying: %s", str(exc.orig or exc).splitlines()[0])
            sleep(min(wait, left))
            wait *= 2
        else:
            health.answered()
            return result


def transaction(engine: Any, work: Callable[[Session], T]) -> T:
    """``work`` in one transaction on ``engine``, committed; retried over a lost connection
    (:func:`retrying`)."""
    def once() -> T:
        with Session(engine, expire_on_commit=False, autoflush=False) as session:
            result = work(session)
            session.commit()
            return result
    return retrying(once)
