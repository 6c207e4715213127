"""One point of a trend chart, as the trend query hands it over."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class ChartPoint:
    """One week or month of a trend.

    ``score`` is in the metric's figure units: NPS −100..100, a share metric (CSAT, CES) in
    percent 0..100; ``low``/``high`` its margin of error in the same units (None: not known, as
    for an NPS under 30 answers); ``score`` None when the period has no answers.  ``enough`` is
    False below the sample floor: the point is drawn as such, not hidden and not trusted.
    """

    label: str
    """The period, language-neutral: ``2026-W47`` or ``2026-11``."""
    start: datetime.date
    n: int
    score: float | None
    low: float | None
    high: float | None
    enough: bool
