"""Net Promoter Score: buckets, the score, and its margin of error (trinomial variance)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

NpsBucket = Literal["detractor", "passive", "promoter"]
NPS_SCALE = (0, 10)
MIN_RELIABLE_N = 30
Z95 = 1.959963984540054


def _check(score: int, low: int, high: int) -> int:
    if isinstance(score, bool) or not isinstance(score, int):
        raise TypeError(f"a score is an integer, got {score!r}")
    if not low <= score <= high:
        raise ValueError(f"score {score} is outside {low}..{high}")
    return score


def nps_bucket(score: int) -> NpsBucket:
    """0-6 detractor, 7-8 passive, 9-10 promoter (the standard edges; 6 is a detractor)."""
    _check(score, *NPS_SCALE)
    if score <= 6:
        return "detractor"
    return "passive" if score <= 8 else "promoter"


def round_half_away(value: float) -> int:
    """Round .5 away from zero (30.5 → 31, −30.5 → −31), unlike Python's banker's rounding."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


@dataclass(frozen=True, slots=True)
class NpsResult:
    """NPS from bucket counts.  With n = 0 the score is None and the margin infinite."""

    detractors: int
    passives: int
    promoters: int

    def __post_init__(self) -> None:
        for name in ("detractors", "passives", "promoters"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")

    @classmethod
    def from_counts(cls, detractors: int, passives: int, promoters: int) -> NpsResult:
        return cls(detractors, passives, promoters)

    @property
    def n(self) -> int:
        return self.detractors + self.passives + self.promoters

    def share(self, bucket: NpsBucket) -> float:
        """The bucket's share in 0..1 (0 when there are no answers)."""
        count = {"detractor": self.detractors, "passive": self.passives,
                 "promoter": self.promoters}[bucket]
        return count / self.n if self.n else 0.0

    @property
    def score(self) -> float | None:
        """%promoters − %detractors, a number in −100..+100; None without answers."""
        if not self.n:
            return None
        return (self.promoters - self.detractors) * 100 / self.n

    @property
    def score_rounded(self) -> int | None:
        return None if self.score is None else round_half_away(self.score)

    @property
    def variance(self) -> float:
        """Per-answer variance of the promoter(+1)/passive(0)/detractor(−1) variable."""
        p, d = self.share("promoter"), self.share("detractor")
        return max(0.0, p + d - (p - d) ** 2)

    @property
    def margin(self) -> float:
        """Half-width of the 95% interval, in NPS points (infinite without answers)."""
        if not self.n:
            return math.inf
        return Z95 * math.sqrt(self.variance / self.n) * 100

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95% interval, clipped to −100..+100."""
        if self.score is None:
            return None
        return max(-100.0, self.score - self.margin), min(100.0, self.score + self.margin)

    @property
    def too_few(self) -> bool:
        """Fewer than 30 answers: too few to trust."""
        return self.n < MIN_RELIABLE_N


def nps_from_scores(scores: Iterable[int]) -> NpsResult:
    counts = {"detractor": 0, "passive": 0, "promoter": 0}
    for score in scores:
        counts[nps_bucket(score)] += 1
    return NpsResult(counts["detractor"], counts["passive"], counts["promoter"])
