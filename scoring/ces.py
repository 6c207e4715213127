"""Customer effort (CES 2.0): agreement on 1-7 with "the company made it easy"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from scoring.intervals import wilson
from scoring.nps import _check
from scoring.scales import count_scores, mean, validate_counts

CesBucket = Literal["disagree", "neutral", "agree"]
CES_SCALE = (1, 7)
METHOD = "CES 2.0, 7-point agreement; % agree = share of 5-7"


def ces_bucket(score: int) -> CesBucket:
    """1-3 disagree, 4 neutral, 5-7 agree."""
    _check(score, *CES_SCALE)
    return "disagree" if score <= 3 else "neutral" if score == 4 else "agree"


@dataclass(frozen=True)
class CesResult:
    counts: Mapping[int, int] = field(default_factory=dict)
    method: str = METHOD

    @classmethod
    def from_counts(cls, counts: Mapping[int, int]) -> CesResult:
        return cls(validate_counts(counts, *CES_SCALE))

    @classmethod
    def from_scores(cls, scores: Iterable[int]) -> CesResult:
        return cls(count_scores(scores, *CES_SCALE))

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def agree(self) -> int:
        return sum(c for s, c in self.counts.items() if ces_bucket(s) == "agree")

    @property
    def agree_share(self) -> float:
        """% agree as a share in 0..1 (0 without answers)."""
        return self.agree / self.n if self.n else 0.0

    @property
    def share(self) -> float:
        return self.agree_share

    @property
    def mean(self) -> float:
        return mean(self.counts) or 0.0

    @property
    def low(self) -> float:
        return wilson(self.agree, self.n)[0]

    @property
    def high(self) -> float:
        return wilson(self.agree, self.n)[1]
