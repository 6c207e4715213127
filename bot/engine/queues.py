"""The engine's side of the inbox and the outbox, for adapters and the dispatcher: each call
one short transaction, retried over a lost connection (:mod:`bot.engine.transient`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlmodel import Session

from bot.db import Database
from bot.delivery import inbox, outbox, pacing
from bot.delivery.outbox import Delivery, Outcome, RateFor
from bot.delivery.pacing import Rate
from bot.engine.outcomes import Outcomes
from bot.engine.transient import transaction
from bot.models import InboxEvent, InboxStatus

T = TypeVar("T")

EVENT_LEASE = timedelta(seconds=10)
"""How long the process that stored or claimed an event owns it before another may take it."""


class Queues:
    def __init__(self, db: Database, clock: Callable[[], datetime], outcomes: Outcomes, *,
                 event_lease: timedelta = EVENT_LEASE) -> None:
        self.db = db
        self.clock = clock
        self.outcomes = outcomes
        self.event_lease = event_lease

    def _tx(self, work: Callable[[Session], T]) -> T:
        return transaction(self.db.engine, work)

    # ------------------------------------------------------------------ inbox

    def receive(self, channel: str, key: str, order_key: str, payload: str) -> int | None:
        """Store an event before acknowledging it; None for one stored before."""
        return self._tx(lambda s: inbox.receive(
            s, channel=channel, key=key, order_key=order_key, payload=payload,
            now=self.clock(), lease=self.event_lease))

    def earlier_events(self, channel: str, order_key: str,
                       before: int) -> list[tuple[InboxEvent, bool]]:
        return self._tx(lambda s: inbox.earlier(
            s, channel=channel, order_key=order_key, before=before, now=self.clock(),
            lease=self.event_lease))

    def due_events(self, channel: str, limit: int = 50) -> list[InboxEvent]:
        """Events left unprocessed by a process that died, claimed for this one."""
        return self._tx(lambda s: inbox.claim_due(
            s, channel=channel, now=self.clock(), lease=self.event_lease, limit=limit))

    def finish_event(self, inbox_id: int, *, error: str = "") -> bool:
        status = InboxStatus.FAILED if error else InboxStatus.DONE
        return self._tx(lambda s: inbox.finish(s, inbox_id=inbox_id, now=self.clock(),
                                               status=status, error=error))

    def events_waiting(self, channel: str | None = None) -> int:
        return self._tx(lambda s: inbox.waiting(s, channel=channel))

    # ------------------------------------------------------------------ outbox

    def claim(self, channel: str, *, rates: RateFor, lease: timedelta, hold: timedelta,
              limit: int = 100, ids: Iterable[int] | None = None) -> list[Delivery]:
        chosen = None if ids is None else list(ids)
        if chosen is not None and not chosen:
            return []
        return self._tx(lambda s: outbox.claim(
            s, channel=channel, now=self.clock(), lease=lease, rates=rates, hold=hold,
            limit=limit, ids=chosen))

    def record(self, outcomes: Sequence[Outcome]) -> list[int]:
        """Close the rows the platform answered; the ids of the rows their follow-ups wrote
        (a manager's "Sent to …"), to send at once."""
        def work(session: Session) -> list[int]:
            now = self.clock()
            new = self.outcomes.apply(session, outbox.record(session, outcomes, now=now), now)
            return [row.id for row in new if row.id is not None]
        return self._tx(work) if outcomes else []

    def next_due(self, channel: str) -> datetime | None:
        return self._tx(lambda s: outbox.next_due(s, channel=channel))

    def waiting(self, channel: str | None = None) -> int:
        """Outbox rows not closed yet."""
        return self._tx(lambda s: outbox.waiting(s, channel=channel))

    def prune(self, older_than: datetime) -> tuple[int, int]:
        """Forget processed events and closed outbound messages from before ``older_than``:
        how many of each."""
        return self._tx(lambda s: (inbox.prune(s, older_than=older_than),
                                   outbox.prune(s, older_than=older_than)))

    def tally(self, ids: Sequence[int]) -> tuple[int, int]:
        """Of these outbox rows: how many are still to go, and how many were sent."""
        return self._tx(lambda s: outbox.tally(s, ids=ids))

    def reserve(self, rates: Sequence[Rate]) -> datetime:
        """A slot within ``rates``, shared by every process (an adapter's own paced calls,
        such as Slack's e-mail look-ups); the caller waits until then."""
        return self._tx(lambda s: pacing.reserve(s, rates, self.clock()))
