"""The dispatcher: sends what the outbox holds through a channel's :class:`Sender`.

The process that handled an event calls :meth:`Dispatcher.send_now` with the rows it wrote,
so an answer goes out at once; :meth:`Dispatcher.run` sends the rest (after a crash, a 429, a
5xx, a network error, or rows another process wrote), claimed so that no row is sent by two
processes, paced per destination by budgets every process shares (:mod:`bot.delivery.pacing`).
Outcomes are recorded, and their follow-ups (a manager's "Sent to …") sent, as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.delivery.outbox import Delivery, Outcome
from bot.delivery.pacing import Rate
from bot.engine.queues import Queues
from bot.engine.transient import DatabaseDown
from bot.models import OutboxMessage

log = logging.getLogger(__name__)

T = TypeVar("T")
Call = Callable[..., Awaitable[Any]]

LEASE = timedelta(seconds=30)
"""How long a claimed row is ours; a process that dies leaves it to another after this."""
HOLD = timedelta(seconds=2)
"""A row whose pacing slot is nearer than this is held and sent then; later ones wait."""
POLL_SECONDS = 1.0
"""How often an idle dispatcher looks for rows other processes wrote."""
BATCH = 100
MAX_IN_FLIGHT = 200


class Sender(Protocol):
    """A channel's side: its budgets, and one platform call per delivery."""

    channel: str

    def rates(self, row: OutboxMessage) -> Sequence[Rate]:
        """The budgets a row spends (called in the claiming transaction: no I/O)."""
        ...

    async def send(self, delivery: Delivery) -> Outcome:
        """Send it and say what the platform answered; never raises."""
        ...


async def _in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(func, *args, **kwargs)


class Dispatcher:
    def __init__(self, queues: Queues, sender: Sender, *, call: Call = _in_thread,
                 lease: timedelta = LEASE, hold: timedelta = HOLD,
                 poll: float = POLL_SECONDS) -> None:
        self.queues = queues
        self.sender = sender
        self.channel = sender.channel
        self.call = call
        self.lease, self.hold, self.poll = lease, hold, poll
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._unrecorded: list[Outcome] = []
        """Outcomes of sends whose recording failed (database down): :meth:`run` records
        them when the database is back, so a row sent is not sent again after its lease."""
        self._held: set[int] = set()
        """Rows this process claimed and has not recorded yet: claimed again after their
        lease ran out (a send or an outage longer than the lease), they are not sent twice."""
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    async def _claim(self, ids: Sequence[int] | None, limit: int = BATCH) -> list[Delivery]:
        result: list[Delivery] = await self.call(
            self.queues.claim, self.channel, rates=self.sender.rates, lease=self.lease,
            hold=self.hold, limit=limit, ids=ids)
        fresh = [d for d in result if d.id not in self._held]
        if len(fresh) < len(result):
            log.warning("%s: %d rows claimed again while their outcome is still ours; not "
                        "sent twice", self.channel, len(result) - len(fresh))
        self._held.update(d.id for d in fresh)
        return fresh

    async def _record(self, outcomes: list[Outcome]) -> list[int]:
        follow: list[int] = await self.call(self.queues.record, outcomes)
        self._held.difference_update(o.id for o in outcomes)
        return follow

    async def send_now(self, ids: Sequence[int]) -> None:
        """Send these rows at once, in order per destination, each after its pacing slot; a
        row that must wait longer is left to :meth:`run`.  Never raises for the platform or
        the database: what is not sent stays in the outbox."""
        left = list(ids)
        try:
            while left:
                claimed = await self._claim(left, limit=len(left))
                if not claimed:
                    break
                outcomes = await asyncio.gather(*(self._send(d) for d in claimed))
                try:
                    follow = await self._record(list(outcomes))
                except DatabaseDown:
                    self._unrecorded.extend(outcomes)
                    raise
                done = {d.id for d in claimed}
                left = [i for i in left if i not in done] + list(follow)
        except DatabaseDown as exc:
            log.warning("%s: database down, the outbox keeps the rest: %s", self.channel, exc)
        self.wake()  # whatever waits is the dispatcher's now

    async def _send(self, delivery: Delivery) -> Outcome:
        if delivery.send_at is not None:
            wait = (delivery.send_at - self.queues.clock()).total_seconds()
            if wait > 0:
                await asyncio.sleep(min(wait, self.hold.total_seconds()))
        try:
            outcome = await self.sender.send(delivery)
        except Exception as exc:  # a sender bug must not lose the row: retry it later
            log.exception("%s: sending outbox row %s failed", self.channel, delivery.id)
            outcome = Outcome(delivery.id, False, error=repr(exc)[:500], retry_after=0)
        if outcome.sent:
            self.sent += 1
        return outcome

    async def run(self, stop: asyncio.Event) -> None:
        """Send what is due until ``stop``; then wait for what is in flight."""
        pending = self._unrecorded
        flushed = asyncio.Event()
        finished = asyncio.Event()
        recorder = asyncio.create_task(self._record_as_sent(pending, flushed, finished))

        async def one(delivery: Delivery) -> None:
            pending.append(await self._send(delivery))
            flushed.set()

        while not stop.is_set():
            if recorder.done():
                recorder.result()  # a recorder that failed fails the dispatcher
            try:
                room = MAX_IN_FLIGHT - len(self._in_flight)
                claimed = await self._claim(None, limit=min(BATCH, room)) if room > 0 else []
                for delivery in claimed:
                    task = asyncio.create_task(one(delivery))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                wait = 0.05 if claimed else await self._idle_wait()
            except DatabaseDown as exc:
                log.warning("%s dispatcher: database down: %s", self.channel, exc)
                wait = 1.0
            self._wake.clear()
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self._wake)]
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=10)
        finished.set()
        flushed.set()
        await recorder

    async def _record_as_sent(self, pending: list[Outcome], flushed: asyncio.Event,
                              finished: asyncio.Event) -> None:
        """Record outcomes as the sends finish, apart from claiming (a claim of a hundred
        rows may take a while on a loaded machine): what a process killed at any moment sent
        and did not record, and so sends again after its lease, is the sends of the last
        short transaction, not of a claim's length.  Until ``finished`` and all recorded."""
        while True:
            if not pending:
                if finished.is_set():
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(flushed.wait(), self.poll)
                flushed.clear()
                continue
            batch, pending[:] = list(pending), []
            try:
                follow = await self._record(batch)
            except DatabaseDown as exc:
                pending[:0] = batch  # recorded when the database is back
                if finished.is_set():
                    log.warning("%s dispatcher: outcomes of %d sends not recorded (database "
                                "down): they will be sent again", self.channel, len(pending))
                    return
                log.warning("%s dispatcher: database down: %s", self.channel, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(finished.wait(), 1.0)
                continue
            if follow:
                await self.send_now(follow)

    async def _idle_wait(self) -> float:
        due: datetime | None = await self.call(self.queues.next_due, self.channel)
        if due is None:
            return self.poll
        return max(0.01, min(self.poll, (due - self.queues.clock()).total_seconds()))
