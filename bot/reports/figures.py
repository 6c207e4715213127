"""Figures from counts: the metric, its interval, the trend and its verdict, all rounded once,
as the text shows them, so the chat, the table, JSON and CSV print the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

from bot.reports.queries import Counts
from bot.surveys import BUCKETS
from scoring import (
    MIN_RELIABLE_N,
    CesResult,
    CsatResult,
    NpsResult,
    bucket_for,
    compare_ces,
    compare_csat,
    compare_nps,
)

# Both periods need this many answers before a change can be called significant: the same
# floor as the small-sample warning.
SAMPLE_FLOOR = MIN_RELIABLE_N
# Digits the text shows: NPS as a whole number and its margin to one decimal, percentages as
# whole numbers, means to two decimals, changes to one decimal.
MARGIN_DIGITS, MEAN_DIGITS, PERCENT_DIGITS, DELTA_DIGITS = 1, 2, 0, 1

Verdict = Literal["significant", "within_margin", "too_few"]


def shown(value: float, digits: int) -> float:
    """``value`` rounded as Babel rounds it for display (half to even on its decimal text)."""
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits),
                                              rounding=ROUND_HALF_EVEN))


def shown_percent(share: float, digits: int = PERCENT_DIGITS) -> float:
    """A share in 0..1 as the percentage the text shows (``0.3516`` → ``35.0``)."""
    return float(Decimal(str(share)).scaleb(2).quantize(Decimal(1).scaleb(-digits),
                                                        rounding=ROUND_HALF_EVEN))


def bucket_counts(metric: str, counts: Counts) -> dict[str, int]:
    out = dict.fromkeys(BUCKETS[metric], 0)
    for score, n in counts.items():
        out[bucket_for(metric, score)] += n
    return out


def nps_of(counts: Counts) -> NpsResult:
    b = bucket_counts("nps", counts)
    return NpsResult.from_counts(b["detractor"], b["passive"], b["promoter"])


def figures(metric: str, counts: Counts) -> NpsResult | CsatResult | CesResult:
    if metric == "nps":
        return nps_of(counts)
    if metric == "csat":
        return CsatResult.from_counts(counts)
    return CesResult.from_counts(counts)


@dataclass(frozen=True)
class Headline:
    """A metric's figures as shown: NPS ``score`` (a whole number) ± ``margin`` points; CSAT and
    CES ``score`` = % satisfied / % agree, ``low``–``high`` its 95 % interval in percent."""

    n: int
    score: float | None
    margin: float | None = None
    mean: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def too_few(self) -> bool:
        return self.n < SAMPLE_FLOOR


def headline(metric: str, counts: Counts) -> Headline:
    fig = figures(metric, counts)
    n = fig.n
    if n == 0:
        return Headline(0, None)
    if isinstance(fig, NpsResult):
        return Headline(n, float(fig.score_rounded or 0), shown(fig.margin, MARGIN_DIGITS))
    share = fig.share if isinstance(fig, CsatResult) else fig.agree_share
    return Headline(n, shown_percent(share), mean=shown(fig.mean, MEAN_DIGITS),
                    low=shown_percent(fig.low), high=shown_percent(fig.high))


@dataclass(frozen=True)
class Trend:
    """The change against the previous span: ``delta`` and ``margin`` in points (NPS) or
    percentage points (CSAT/CES); ``verdict`` significant only when both spans have at least
    :data:`SAMPLE_FLOOR` answers and ``|delta|`` exceeds the margin."""

    delta: float
    margin: float
    verdict: Verdict
    previous_n: int

    @property
    def significant(self) -> bool:
        return self.verdict == "significant"


def trend(metric: str, before: Counts, after: Counts) -> Trend | None:
    """None when either span has no answers."""
    if metric == "nps":
        change = compare_nps(nps_of(before), nps_of(after))
        scale = 1.0
    elif metric == "csat":
        change = compare_csat(CsatResult.from_counts(before), CsatResult.from_counts(after))
        scale = 100.0
    else:
        change = compare_ces(CesResult.from_counts(before), CesResult.from_counts(after))
        scale = 100.0
    if change is None:
        return None
    n_before, n_after = sum(before.values()), sum(after.values())
    verdict: Verdict = ("too_few" if min(n_before, n_after) < SAMPLE_FLOOR
                        else "significant" if change.significant else "within_margin")
    return Trend(shown(change.delta * scale, DELTA_DIGITS),
                 shown(change.margin * scale, DELTA_DIGITS), verdict, n_before)
