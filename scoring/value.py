"""What customers are worth by bucket: the mean and median of a numeric attribute (revenue,
mrr) per bucket, each with a 95 % interval, and the ratio of the best bucket's mean to the
worst's (promoters / detractors) with its interval.

* Mean: Student's t-interval, ``mean ± t(0.975, n − 1) · s / √n`` (needs n ≥ 2).
* Median: the distribution-free order-statistic interval: the values of ranks ``r + 1`` and
  ``n − r`` (sorted, 1-based), ``r`` the largest with ``P(B ≤ r) ≤ 2.5 %`` for ``B ~
  Binomial(n, ½)``; it covers the median with at least 95 % whatever the distribution (needs
  n ≥ 6).
* Ratio of means: the delta method on its logarithm, ``exp(ln R ± z · √(s₁²/(n₁ m₁²) +
  s₂²/(n₂ m₂²)))``, which keeps it positive (needs both means above 0 and n ≥ 2 each).

scipy gives the t and binomial quantiles; it is imported when first needed.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scoring.nps import Z95

LEVEL = 0.95


@dataclass(frozen=True)
class Spread:
    """One bucket's values: ``n``, the mean and median with their 95 % intervals (None where
    the bucket has too few values for one)."""

    n: int
    mean: float | None
    mean_low: float | None
    mean_high: float | None
    median: float | None
    median_low: float | None
    median_high: float | None
    sd: float | None


@dataclass(frozen=True)
class Ratio:
    """The ratio of two means with its 95 % interval (delta method on the log)."""

    value: float
    low: float | None
    high: float | None


def mean_interval(values: Sequence[float], level: float = LEVEL) -> tuple[float, float] | None:
    """Student's t-interval for the mean; None for fewer than 2 values."""
    n = len(values)
    if n < 2:
        return None
    from scipy.stats import t as student

    mean = statistics.fmean(values)
    half = float(student.ppf(0.5 + level / 2, n - 1)) * statistics.stdev(values) / math.sqrt(n)
    return mean - half, mean + half


def median_ranks(n: int, level: float = LEVEL) -> tuple[int, int] | None:
    """The 1-based ranks of the order-statistic interval for the median of ``n`` values; None
    when ``n`` is too small for ``level`` (under 6 at 95 %)."""
    if n < 1:
        return None
    from scipy.stats import binom

    tail = (1 - level) / 2
    r = int(binom.ppf(tail, n, 0.5))
    while r >= 0 and float(binom.cdf(r, n, 0.5)) > tail:
        r -= 1
    if r < 0:
        return None
    return r + 1, n - r


def median_interval(values: Sequence[float],
                    level: float = LEVEL) -> tuple[float, float] | None:
    ranks = median_ranks(len(values), level)
    if ranks is None:
        return None
    ordered = sorted(values)
    return ordered[ranks[0] - 1], ordered[ranks[1] - 1]


def spread(values: Sequence[float]) -> Spread:
    """The figures of one bucket's values."""
    n = len(values)
    if n == 0:
        return Spread(0, None, None, None, None, None, None, None)
    mean_ci = mean_interval(values)
    median_ci = median_interval(values)
    return Spread(
        n, statistics.fmean(values),
        None if mean_ci is None else mean_ci[0], None if mean_ci is None else mean_ci[1],
        statistics.median(values),
        None if median_ci is None else median_ci[0], None if median_ci is None else median_ci[1],
        statistics.stdev(values) if n > 1 else None)


def ratio_of_means(top: Sequence[float], bottom: Sequence[float],
                   z: float = Z95) -> Ratio | None:
    """mean(top) / mean(bottom) with its interval; None when a side is empty or the bottom
    mean is not above 0 (no ratio to speak of); no interval when a side has fewer than 2
    values or a mean is not above 0."""
    if not top or not bottom:
        return None
    m1, m2 = statistics.fmean(top), statistics.fmean(bottom)
    if m2 <= 0:
        return None
    value = m1 / m2
    if len(top) < 2 or len(bottom) < 2 or m1 <= 0:
        return Ratio(value, None, None)
    s1, s2 = statistics.stdev(top), statistics.stdev(bottom)
    se = math.sqrt(s1 * s1 / (len(top) * m1 * m1) + s2 * s2 / (len(bottom) * m2 * m2))
    return Ratio(value, value * math.exp(-z * se), value * math.exp(z * se))


def last_by_customer(answers: Iterable[tuple[int, object, str]]) -> dict[int, str]:
    """Each customer's bucket from their last answer: ``answers`` are (customer, when,
    bucket); a later ``when`` wins (ties: the later in the input)."""
    out: dict[int, tuple[object, str]] = {}
    for customer, when, bucket in answers:
        seen = out.get(customer)
        if seen is None or not when < seen[0]:  # type: ignore[operator]
            out[customer] = (when, bucket)
    return {customer: bucket for customer, (_, bucket) in out.items()}


def by_bucket(buckets: Mapping[int, str], values: Mapping[int, float],
              order: Sequence[str]) -> dict[str, list[float]]:
    """The values of the customers in each bucket (customers without a value left out), every
    bucket of ``order`` present."""
    out: dict[str, list[float]] = {b: [] for b in order}
    for customer, bucket in buckets.items():
        if customer in values and bucket in out:
            out[bucket].append(values[customer])
    return out
