"""The console's side of the outbox: printing is its platform call, so every row is sent (and
recorded as sent) at once, follow-ups included, in order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.delivery.outbox import Delivery, Outcome
from bot.engine.queues import Queues

CHANNEL = "console"
LEASE = timedelta(seconds=30)


def send_all(queues: Queues, ids: Sequence[int]) -> list[Delivery]:
    """Claim ``ids`` and what their outcomes add (a manager's "Sent to …"), record them as
    sent, and return them in the order to print."""
    out: list[Delivery] = []
    left = list(ids)
    while left:
        claimed = queues.claim(CHANNEL, rates=lambda _row: (), lease=LEASE, hold=LEASE,
                               limit=len(left), ids=left)
        if not claimed:
            break
        # No ref: a printed line cannot be edited later.
        follow = queues.record([Outcome(d.id, True) for d in claimed])
        out += claimed
        done = {d.id for d in claimed}
        left = [i for i in left if i not in done] + follow
    return sorted(out, key=lambda d: d.id)
