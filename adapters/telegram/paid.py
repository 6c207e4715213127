"""Telegram paid broadcasts (``allow_paid_broadcast``, Bot API 7.11): with
TELEGRAM_PAID_BROADCAST, campaign messages go with the flag at TELEGRAM_PAID_BROADCAST_RATE a
second (their own bucket) instead of TELEGRAM_BULK_RATE.  Telegram charges 0.1 Star a message
and lets only eligible bots do it; when it refuses (the bot is not eligible or its Stars ran
out), the refusal is remembered in the database for every process and campaign messages go at
the normal pace for a day (:data:`REFUSAL_MEMORY`); the refused message is retried at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)

STATE_KEY = "telegram:paid_broadcast_refused"
"""kv: when and why Telegram last refused a paid broadcast (``<ISO time> <reason>``)."""
REFUSAL_MEMORY = timedelta(days=1)
"""How long a refusal holds before paid broadcasts are tried again (Stars may be topped up)."""
RECHECK_SECONDS = 30.0
"""How often a process reads what the others learned."""
REFUSALS = ("paid_broadcast", "paid broadcast", "balance_too_low", "not enough stars",
            "stars")
"""Words of Telegram's answer that say the paid broadcast itself was refused, not the message
(Telegram does not document the answer; these cover the forms seen and the stand-in's)."""


def is_refusal(description: str) -> bool:
    lowered = description.lower()
    return any(word in lowered for word in REFUSALS)


class PaidBroadcast:
    """Whether campaign messages go paid right now, shared through ``state_get``/``state_set``
    (the engine's kv)."""

    def __init__(self, enabled: bool, *, state_get: Callable[[str], str | None],
                 state_set: Callable[[str, str], None],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.enabled = enabled
        self._get, self._set, self._clock = state_get, state_set, clock
        self._refused_at: datetime | None = None
        self._read_at = -RECHECK_SECONDS
        self._lock = threading.Lock()

    def active(self) -> bool:
        if not self.enabled:
            return False
        if time.monotonic() - self._read_at >= RECHECK_SECONDS:
            self._read_at = time.monotonic()
            self._refused_at = _when(self._get(STATE_KEY)) or self._refused_at
        return self._refused_at is None or self._clock() - self._refused_at > REFUSAL_MEMORY

    def refused(self, reason: str) -> None:
        """Telegram refused a paid broadcast: every process falls back to the normal pace
        (the messages already in flight are refused too; the first refusal is recorded)."""
        with self._lock:
            if not self.active():
                return
            now = self._clock()
            self._refused_at = now
            log.warning("telegram: paid broadcast refused (%s); campaign messages go at "
                        "TELEGRAM_BULK_RATE for %s", reason, REFUSAL_MEMORY)
            try:
                self._set(STATE_KEY, f"{now.isoformat()} {reason}"[:500])
            except IntegrityError:
                log.info("telegram: another process recorded the refusal first")


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.split(" ", 1)[0])
    except ValueError:
        return None
