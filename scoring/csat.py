"""Customer satisfaction on 1-5: CSAT % is the share of 4s and 5s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from scoring.intervals import wilson
from scoring.nps import _check
from scoring.scales import count_scores, mean, validate_counts

CsatBucket = Literal["unsatisfied", "neutral", "satisfied"]
CSAT_SCALE = (1, 5)


def csat_bucket(score: int) -> CsatBucket:
    """1-2 unsatisfied, 3 neutral, 4-5 satisfied."""
    _check(score, *CSAT_SCALE)
    return "unsatisfied" if score <= 2 else "neutral" if score == 3 else "satisfied"


@dataclass(frozen=True)
class CsatResult:
    counts: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def from_counts(cls, counts: Mapping[int, int]) -> CsatResult:
        return cls(validate_counts(counts, *CSAT_SCALE))

    @classmethod
    def from_scores(cls, scores: Iterable[int]) -> CsatResult:
        return cls(count_scores(scores, *CSAT_SCALE))

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied(self) -> int:
        return sum(c for s, c in self.counts.items() if csat_bucket(s) == "satisfied")

    @property
    def share(self) -> float:
        """CSAT as a share in 0..1 (0 without answers)."""
        return self.satisfied / self.n if self.n else 0.0

    @property
    def mean(self) -> float:
        """Mean score (0 without answers)."""
        return mean(self.counts) or 0.0

    @property
    def low(self) -> float:
        return wilson(self.satisfied, self.n)[0]

    @property
    def high(self) -> float:
        return wilson(self.satisfied, self.n)[1]
