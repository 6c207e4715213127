"""The maths of each metric, defined once: its scale, its buckets and how answers become a
figure and a change.  Names, wording and layout are the bot's (:mod:`bot.metrics`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from scoring.ces import CES_SCALE, METHOD, ces_bucket
from scoring.compare import Change, compare_nps, compare_shares
from scoring.csat import CSAT_SCALE, csat_bucket
from scoring.nps import NPS_SCALE, NpsResult, nps_bucket
from scoring.shares import ShareResult


class Kind(StrEnum):
    """How a metric's answers become its figure."""

    NET = "net"
    """% in the good bucket − % in the worst, a number in −100..+100 moving in points (NPS)."""
    SHARE = "share"
    """The share of answers in the good buckets, moving in percentage points (CSAT, CES)."""


@dataclass(frozen=True)
class Measure:
    """One metric's scale, its buckets in scale order (the worst first), the buckets counted
    good, and its kind.  ``bucket`` maps a score to its bucket (ValueError off the scale)."""

    key: str
    scale: tuple[int, int]
    buckets: tuple[str, ...]
    bucket: Callable[[int], str]
    good: frozenset[str]
    kind: Kind
    method: str | None = None
    """The method named next to the figure in data (CES 2.0), if any."""

    def __post_init__(self) -> None:
        low, high = self.scale
        seen = tuple(dict.fromkeys(self.bucket(score) for score in range(low, high + 1)))
        if seen != self.buckets:
            raise ValueError(f"{self.key}: the scores' buckets {seen} are not {self.buckets}")
        if not self.good or not self.good <= set(self.buckets[1:]):
            raise ValueError(f"{self.key}: the good buckets must be buckets other than the worst")

    @property
    def worst(self) -> str:
        return self.buckets[0]

    def scores(self, bucket: str) -> tuple[int, ...]:
        """The scores of ``bucket``, lowest first."""
        low, high = self.scale
        return tuple(s for s in range(low, high + 1) if self.bucket(s) == bucket)

    @property
    def good_scores(self) -> frozenset[int]:
        return frozenset(s for bucket in self.good for s in self.scores(bucket))

    def bucket_counts(self, counts: Mapping[int, int]) -> dict[str, int]:
        """Answers per bucket, every bucket in order (0 when empty), from answers per score."""
        out = dict.fromkeys(self.buckets, 0)
        for score, n in counts.items():
            out[self.bucket(score)] += n
        return out

    def result(self, counts: Mapping[int, int]) -> NpsResult | ShareResult:
        """The figures of answers per score: an :class:`NpsResult` for a net metric, a
        :class:`ShareResult` for a share."""
        if self.kind is Kind.NET:
            b = self.bucket_counts(counts)
            worst, good = b[self.worst], sum(b[name] for name in self.good)
            return NpsResult(worst, sum(b.values()) - worst - good, good)
        return ShareResult.from_counts(counts, self.scale, self.good_scores)

    def compare(self, before: Mapping[int, int], after: Mapping[int, int]) -> Change | None:
        """The change from ``before`` to ``after`` (answers per score); None when either has
        none.  ``delta`` is in :attr:`change_scale` units of the result's figure."""
        first, second = self.result(before), self.result(after)
        if isinstance(first, NpsResult) and isinstance(second, NpsResult):
            return compare_nps(first, second)
        assert isinstance(first, ShareResult) and isinstance(second, ShareResult)
        return compare_shares(first.good, first.n, second.good, second.n)

    @property
    def change_scale(self) -> float:
        """What turns a :class:`Change` into points (NPS) or percentage points (a share)."""
        return 1.0 if self.kind is Kind.NET else 100.0


NPS = Measure("nps", NPS_SCALE, ("detractor", "passive", "promoter"), nps_bucket,
              frozenset({"promoter"}), Kind.NET)
CSAT = Measure("csat", CSAT_SCALE, ("unsatisfied", "neutral", "satisfied"), csat_bucket,
               frozenset({"satisfied"}), Kind.SHARE)
CES = Measure("ces", CES_SCALE, ("disagree", "neutral", "agree"), ces_bucket,
              frozenset({"agree"}), Kind.SHARE, METHOD)
MEASURES: dict[str, Measure] = {m.key: m for m in (NPS, CSAT, CES)}
