"""A channel's first calls to its platform: a network error is retried with exponential backoff
(each failure logged at WARNING); a refused token, or the attempts used up, stops start-up with
:class:`StartupError`, whose message is the one line the command prints before exiting
non-zero."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class StartupError(Exception):
    """A channel cannot start; ``str(error)`` says why in one line, naming the setting."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """``attempts`` tries, waiting ``first`` seconds after the first failure, ``factor`` times
    longer after each next one, never more than ``most``."""

    attempts: int = 6
    first: float = 1.0
    factor: float = 2.0
    most: float = 30.0

    def delay(self, failures: int) -> float:
        return float(min(self.most, self.first * self.factor ** (failures - 1)))


BACKOFF = Backoff()
"""The default: six attempts over about half a minute (1 + 2 + 4 + 8 + 16 seconds apart)."""


async def with_retries(what: str, call: Callable[[], Awaitable[T]], *,
                       transient: Callable[[BaseException], bool],
                       backoff: Backoff | None = None) -> T:
    """``await call()``, again after a pause while it fails with an error ``transient`` accepts;
    :class:`StartupError` once the attempts are used up.  Other errors pass through."""
    plan = backoff or BACKOFF
    for attempt in range(1, plan.attempts + 1):
        try:
            return await call()
        except Exception as exc:
            if not transient(exc):
                raise
            if attempt == plan.attempts:
                raise StartupError(f"{what}: still failing after {attempt} attempts: "
                                   f"{describe(exc)}") from None
            pause = plan.delay(attempt)
            log.warning("%s failed (attempt %d of %d): %s; trying again in %.1f s", what,
                        attempt, plan.attempts, describe(exc), pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def describe(exc: BaseException) -> str:
    """An exception as a few words: its message, or its type when it has none."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
