"""The schedule service of the ``worker`` role (and ``run``): every :data:`TICK_SECONDS` it
asks the engine for one step of the timed work (:meth:`Engine.schedule_tick`: alerts nobody
claimed within ALERT_ESCALATE_AFTER posted again, the weekly digest at DIGEST_SCHEDULE); what
a step writes to the outbox is sent by the channels' dispatchers at the platforms' pace.

Several workers may run it at once, and a worker may restart at any moment: the engine decides
each repost and each period's digest once, in the transaction that writes its messages.  The
first step runs when the service starts, so a digest whose moment passed while every process
was down goes out as soon as one is up again (within the same week).  A failing step is
logged and tried again at the next tick, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from adapters.engine_calls import EngineCalls
from bot.engine.transient import DatabaseDown
from bot.settings import Settings

log = logging.getLogger(__name__)

TICK_SECONDS = 15.0
"""Seconds between two steps: a digest goes out within this of its minute."""


def wanted(settings: Settings) -> bool:
    """Whether there is timed work: escalation or a digest."""
    return bool(settings.alert_escalate_after) or bool(settings.digest_schedule)


async def run_schedules(calls: EngineCalls, settings: Settings, stop: asyncio.Event, *,
                        every: float = TICK_SECONDS) -> None:
    """Step now and every ``every`` seconds until ``stop``."""
    log.info("schedules: alerts posted again after %s; digest %s (%s)",
             settings.alert_escalate_after or "never", settings.digest_schedule or "off",
             settings.report_timezone)
    while not stop.is_set():
        try:
            await calls(calls.engine.schedule_tick)
        except DatabaseDown as exc:
            log.warning("schedules: database down, trying again in %.0f s: %s", every, exc)
        except Exception:
            log.exception("schedules: a step failed; trying again in %.0f s", every)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
