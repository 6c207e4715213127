"""A scripted platform for the dispatcher's own tests: it accepts, rate-limits or refuses
each call as told and records what it accepted (the adapters' tests use the real stand-ins)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.delivery.outbox import Delivery, Outcome
from bot.delivery.pacing import Rate
from bot.messages import Outbound
from bot.models import Lane, OutboxMessage


def text_of(item: Outbound) -> str:
    return str(getattr(item, "text", type(item).__name__))


@dataclass
class ScriptedPlatform:
    channel: str = "console"
    per_second: float = 1000.0
    burst: int = 5
    bulk_per_second: float | None = None
    script: list[str] = field(default_factory=list)
    """What the next calls answer, in order: "429", "500", "403"; then "ok" for the rest."""
    accepted: list[tuple[float, str, str]] = field(default_factory=list)
    calls: int = 0

    def rates(self, row: OutboxMessage) -> Sequence[Rate]:
        rates = [Rate(f"{self.channel}:{row.destination}", self.per_second, self.burst)]
        if self.bulk_per_second and row.lane == Lane.CAMPAIGN:
            rates.append(Rate(f"{self.channel}:bulk", self.bulk_per_second, 1))
        return rates

    async def send(self, delivery: Delivery) -> Outcome:
        self.calls += 1
        answer = self.script.pop(0) if self.script else "ok"
        if answer == "429":
            return Outcome(delivery.id, False, error="429", retry_after=0.05)
        if answer == "500":
            return Outcome(delivery.id, False, error="500", retry_after=0)
        if answer == "403":
            return Outcome(delivery.id, False, error="403 blocked", unreachable=True)
        self.accepted.append((time.monotonic(), delivery.destination, text_of(delivery.item)))
        return Outcome(delivery.id, True, ref=f"{delivery.destination}:{len(self.accepted)}")

    def texts(self, destination: str | None = None) -> list[str]:
        return [t for _, d, t in self.accepted if destination is None or d == destination]
