"""Alert statistics: how many alerts were raised, claimed and resolved, the median times from
raising to the first claim and to the resolution, and the recovery rate: of the alerts whose
customer was asked (after a resolution) whether the problem is solved, the share whose customer
said yes, with its Wilson interval.

Each alert counts once, by its customer's answer to the latest question that reached them
(:class:`Said`): so ``asked == solved + unsolved + silent``.  A time before the alert was
raised (a clock set back) counts as zero.  No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from scoring.intervals import wilson
from scoring.nps import Z95


class Said(StrEnum):
    """What the customer said to the latest question whether the problem is solved."""

    NOT_ASKED = "not_asked"
    SOLVED = "solved"
    UNSOLVED = "unsolved"  # the alert was opened again
    SILENT = "silent"  # asked, no answer (yet)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """One alert: when it was raised, first taken by a manager (claimed, replied to or
    resolved; None: never), resolved (None: it is not resolved now), and what its customer
    said."""

    raised: datetime
    claimed: datetime | None = None
    resolved: datetime | None = None
    said: Said = Said.NOT_ASKED


@dataclass(frozen=True, slots=True)
class Median:
    """A median time and how many times it is the median of (``value`` None when n = 0)."""

    value: timedelta | None
    n: int


@dataclass(frozen=True, slots=True)
class AlertStats:
    raised: int
    claimed: int
    resolved: int
    to_claim: Median
    to_resolve: Median
    solved: int
    unsolved: int
    silent: int
    z: float = Z95

    @property
    def asked(self) -> int:
        """The alerts whose customer was asked: the recovery rate's n."""
        return self.solved + self.unsolved + self.silent

    @property
    def rate(self) -> float | None:
        """Said solved / asked (0..1); None when nobody was asked."""
        return self.solved / self.asked if self.asked else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The rate's Wilson interval; None when nobody was asked."""
        return wilson(self.solved, self.asked, self.z) if self.asked else None


def median_time(times: Iterable[timedelta]) -> Median:
    """The median of ``times`` (the mean of the middle two for an even count)."""
    ordered: Sequence[timedelta] = sorted(times)
    n = len(ordered)
    if n == 0:
        return Median(None, 0)
    mid = n // 2
    value = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return Median(value, n)


def _since(raised: datetime, moment: datetime) -> timedelta:
    return max(moment - raised, timedelta(0))


def alert_stats(alerts: Iterable[AlertFacts], z: float = Z95) -> AlertStats:
    """The figures of these alerts."""
    facts = list(alerts)
    said = [a.said for a in facts]
    return AlertStats(
        raised=len(facts),
        claimed=sum(a.claimed is not None for a in facts),
        resolved=sum(a.resolved is not None for a in facts),
        to_claim=median_time(_since(a.raised, a.claimed) for a in facts
                             if a.claimed is not None),
        to_resolve=median_time(_since(a.raised, a.resolved) for a in facts
                               if a.resolved is not None),
        solved=said.count(Said.SOLVED), unsolved=said.count(Said.UNSOLVED),
        silent=said.count(Said.SILENT), z=z)
