"""A transaction that failed on a lost connection is tried again, for about two seconds;
after that the caller hears :class:`DatabaseDown` and answers the platform accordingly (a 503
that it retries, or a localized "not recorded, please try again")."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 2.0
FIRST_WAIT = 0.05


class DatabaseDown(RuntimeError):
    """The database did not answer within the retry budget; nothing was written."""


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


def retrying(work: Callable[[], T], *, budget: float = RETRY_SECONDS,
             sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic) -> T:
    """``work()``, again after a transient fault until ``budget`` seconds have gone by."""
    started, wait = clock(), FIRST_WAIT
    while True:
        try:
            return work()
        except DBAPIError as exc:
            if not is_transient(exc):
                raise
            left = budget - (clock() - started)
            if left <= 0:
                raise DatabaseDown(str(exc.orig or exc).splitlines()[0]) from exc
            log.warning("database fault, retrying: %s", str(exc.orig or exc).splitlines()[0])
            sleep(min(wait, left))
            wait *= 2
