"""Numeric bands a person can read: quantile cut points rounded to nice numbers.

``edges(values, bands=4)`` takes the quartiles (by default) of the values, rounds each to the
nearest nice number (1, 2, 2.5 or 5 times a power of ten: 1,000, 2,500, 0.5), and keeps the
ones that split the values (some value below, some at or above).  Band ``i`` holds the values
from ``edges[i - 1]`` (included) to ``edges[i]`` (excluded); the first has no lower end, the
last no upper end.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Sequence
from decimal import Decimal

NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
DEFAULT_BANDS = 4


def nice(value: float) -> Decimal:
    """The nearest number 1, 2, 2.5 or 5 × 10^k to ``value`` (its sign kept; 0 stays 0)."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    if value == 0:
        return Decimal(0)
    magnitude = abs(value)
    exponent = math.floor(math.log10(magnitude))
    scale = Decimal(10) ** exponent
    best = min((m * scale for m in NICE),
               key=lambda c: (abs(float(c) - magnitude), c))
    return (best if value > 0 else -best).normalize()


def edges(values: Sequence[float], bands: int = DEFAULT_BANDS) -> tuple[Decimal, ...]:
    """The cut points of at most ``bands`` bands over ``values``, strictly increasing; () when
    the values cannot be split (fewer than two distinct)."""
    if bands < 1:
        raise ValueError("at least one band")
    points = sorted(values)
    if len(points) < 2 or points[0] == points[-1] or bands == 1:
        return ()
    cuts = statistics.quantiles(points, n=bands, method="inclusive")
    low, high = points[0], points[-1]
    out = sorted({nice(c) for c in cuts})
    return tuple(e for e in out if low < float(e) <= high)


def band_of(value: float, cut: Sequence[Decimal]) -> int:
    """The band (0 … len(cut)) that holds ``value``."""
    return bisect.bisect_right([float(e) for e in cut], value)


def digits(value: Decimal) -> int:
    """Decimal places ``value`` needs to be written exactly (``2.5`` → 1, ``1E+3`` → 0)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
