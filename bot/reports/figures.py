"""Figures from counts: the metric, its interval, the trend and its verdict, all rounded once,
as the text shows them, so the chat, the table, JSON and CSV print the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from bot.metrics import METRICS
from bot.reports.queries import Counts
from scoring import MIN_RELIABLE_N, NpsResult, ShareResult
from scoring.compare import Verdict, verdict

# Both periods need this many answers before a change can be called significant: the same
# floor as the small-sample warning.
SAMPLE_FLOOR = MIN_RELIABLE_N
# Digits the text shows: NPS as a whole number and its margin to one decimal, percentages as
# whole numbers, means to two decimals, changes to one decimal.
MARGIN_DIGITS, MEAN_DIGITS, PERCENT_DIGITS, DELTA_DIGITS = 1, 2, 0, 1


def shown(value: float, digits: int) -> float:
    """``value`` rounded as Babel rounds it for display (half to even on its decimal text)."""
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits),
                                              rounding=ROUND_HALF_EVEN))


def shown_percent(share: float, digits: int = PERCENT_DIGITS) -> float:
    """A share in 0..1 as the percentage the text shows (``0.3516`` → ``35.0``)."""
    return float(Decimal(str(share)).scaleb(2).quantize(Decimal(1).scaleb(-digits),
                                                        rounding=ROUND_HALF_EVEN))


def bucket_counts(metric: str, counts: Counts) -> dict[str, int]:
    """Answers per bucket of ``metric``, every bucket in order."""
    return METRICS[metric].measure.bucket_counts(counts)


def figures(metric: str, counts: Counts) -> NpsResult | ShareResult:
    return METRICS[metric].measure.result(counts)


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
    return Headline(n, shown_percent(fig.share), mean=shown(fig.mean, MEAN_DIGITS),
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
    measure = METRICS[metric].measure
    change = measure.compare(before, after)
    scale = measure.change_scale
    if change is None:
        return None
    n_before, n_after = sum(before.values()), sum(after.values())
    return Trend(shown(change.delta * scale, DELTA_DIGITS),
                 shown(change.margin * scale, DELTA_DIGITS),
                 verdict(change, n_before, n_after, SAMPLE_FLOOR), n_before)
