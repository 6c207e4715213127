"""A share metric's figures: the share of answers counted good, the mean, the 95 % interval."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from scoring.intervals import wilson
from scoring.scales import mean, validate_counts


@dataclass(frozen=True, slots=True)
class ShareResult:
    """Answers per score and how many of them are good (CSAT's 4–5, CES's 5–7)."""

    counts: Mapping[int, int]
    good: int

    @classmethod
    def from_counts(cls, counts: Mapping[int, int], scale: tuple[int, int],
                    good_scores: Collection[int]) -> ShareResult:
        checked = validate_counts(counts, *scale)
        return cls(checked, sum(n for score, n in checked.items() if score in good_scores))

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def share(self) -> float:
        """The good answers' share in 0..1 (0 without answers)."""
        return self.good / self.n if self.n else 0.0

    @property
    def mean(self) -> float:
        """Mean score (0 without answers)."""
        return mean(self.counts) or 0.0

    @property
    def low(self) -> float:
        return wilson(self.good, self.n)[0]

    @property
    def high(self) -> float:
        return wilson(self.good, self.n)[1]
