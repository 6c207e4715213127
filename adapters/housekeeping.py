"""What the ``worker`` role (and ``run``) does besides the channels: processed events and
closed outbound messages older than ``DELIVERY_RETENTION_DAYS`` are deleted, at start and
every hour, so the inbox and outbox stay the size of a week's traffic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.engine import Engine
from bot.engine.transient import DatabaseDown
from bot.settings import Settings

log = logging.getLogger(__name__)

PRUNE_EVERY = 3600.0
"""Seconds between two prunings."""


async def prune_until(engine: Engine, settings: Settings, stop: asyncio.Event, *,
                      every: float = PRUNE_EVERY) -> None:
    """Prune now and every ``every`` seconds until ``stop``; a failure is logged, never fatal
    (several workers may prune at once: a row is deleted by whichever comes first)."""
    keep = timedelta(days=settings.delivery_retention_days)
    while not stop.is_set():
        try:
            events, messages = await asyncio.to_thread(
                engine.queues.prune, engine.queues.clock() - keep)
            if events or messages:
                log.info("housekeeping: %d processed events and %d closed outbound messages "
                         "older than %g days deleted", events, messages,
                         settings.delivery_retention_days)
        except DatabaseDown as exc:
            log.warning("housekeeping: database down: %s", exc)
        except Exception:
            log.exception("housekeeping: pruning failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
