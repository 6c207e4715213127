"""An adapter's side of the inbox: events it stored and has not processed yet, processed in
order per person or chat, and a sweeper for those a stopped process left behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from adapters.engine_calls import KeyedLocks
from bot.engine.queues import Queues
from bot.engine.transient import DatabaseDown
from bot.models import InboxEvent

log = logging.getLogger(__name__)

E = TypeVar("E")
SWEEP_SECONDS = 2.0
WAIT_STEP = 0.1


class InboxRunner(Generic[E]):
    """``process(event, inbox_id)`` runs once per stored event, the events of one order key
    one at a time and in the order they were stored; ``decode(row)`` rebuilds an event from
    its stored payload (for one a stopped process left)."""

    def __init__(self, queues: Queues, channel: str, *,
                 process: Callable[[E, int], Awaitable[None]],
                 decode: Callable[[InboxEvent], E]) -> None:
        self.queues = queues
        self.channel = channel
        self._process = process
        self._decode = decode
        self._pending: dict[int, E] = {}
        self._running: set[asyncio.Task[object]] = set()
        self.locks = KeyedLocks()

    async def store(self, key: str, order_key: str, payload: str, event: E) -> int | None:
        """Store before acknowledging; None for an event stored before.  Raises
        :class:`DatabaseDown` when the database does not answer."""
        inbox_id: int | None = await asyncio.to_thread(
            self.queues.receive, self.channel, key, order_key, payload)
        if inbox_id is not None:
            self._pending[inbox_id] = event
        return inbox_id

    async def run(self, inbox_id: int, order_key: str) -> None:
        """Process a stored event after the earlier ones of its order key."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        async with self.locks(order_key):
            if inbox_id not in self._pending:
                return  # processed already, as an earlier event of its key
            try:
                await self._earlier_first(order_key, inbox_id)
            except DatabaseDown:
                pass  # the sweeper keeps the order later
            await self._once(self._pending.get(inbox_id), inbox_id, None)

    async def drain(self, timeout: float) -> None:
        """Wait (up to ``timeout`` seconds) for the events being processed, so that stopping
        the process does not destroy them halfway (they would wait for the sweeper)."""
        running = [t for t in self._running if t is not asyncio.current_task()]
        if running:
            await asyncio.wait(running, timeout=timeout)

    async def _once(self, event: E | None, inbox_id: int, row: InboxEvent | None) -> None:
        self._pending.pop(inbox_id, None)
        if event is None:
            if row is None:
                return
            event = self._decode(row)
        try:
            await self._process(event, inbox_id)
        except DatabaseDown as exc:
            log.warning("%s: event %s stays in the inbox (database down): %s", self.channel,
                        inbox_id, exc)
        except Exception as exc:
            # Not a fault a retry hides: kept as failed for the operator, never retried.
            log.exception("%s: processing event %s failed", self.channel, inbox_id)
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.queues.finish_event, inbox_id,
                                        error=repr(exc) or "failed")

    async def _earlier_first(self, order_key: str, inbox_id: int) -> None:
        """The key's events stored before this one and not processed: this process's own, or
        left by one that stopped; wait for those another live process is at."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queues.event_lease.total_seconds() + 5
        while True:
            earlier = await asyncio.to_thread(self.queues.earlier_events, self.channel,
                                              order_key, inbox_id)
            waiting = False
            for row, claimed in earlier:
                assert row.id is not None
                mine = self._pending.get(row.id)
                if mine is None and not claimed:
                    waiting = True
                    break
                await self._once(mine, row.id, row)
            if not waiting or loop.time() > deadline:
                return
            await asyncio.sleep(WAIT_STEP)

    async def sweep(self, stop: asyncio.Event) -> None:
        """Until ``stop``: process what a stopped process left in the inbox."""
        while not stop.is_set():
            due: list[InboxEvent] = []
            try:
                due = await asyncio.to_thread(self.queues.due_events, self.channel)
                for row in due:
                    assert row.id is not None
                    log.info("%s: processing event %s left by a stopped process",
                             self.channel, row.id)
                    async with self.locks(row.order_key):
                        await self._once(self._pending.get(row.id), row.id, row)
            except DatabaseDown as exc:
                log.warning("%s: inbox sweep: database down: %s", self.channel, exc)
            except Exception:
                log.exception("%s: inbox sweep failed", self.channel)
            if not due:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), SWEEP_SECONDS)
