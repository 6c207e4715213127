"""Pure scoring functions: NPS, CSAT, CES, period comparison, retention.  No I/O."""

from __future__ import annotations

from scoring.ces import CES_SCALE, METHOD, CesResult, ces_bucket
from scoring.compare import Change, compare_ces, compare_csat, compare_nps, compare_shares
from scoring.csat import CSAT_SCALE, CsatResult, csat_bucket
from scoring.intervals import wilson
from scoring.measures import MEASURES, Kind, Measure
from scoring.nps import (
    MIN_RELIABLE_N,
    NPS_SCALE,
    NpsResult,
    nps_bucket,
    nps_from_scores,
    round_half_away,
)
from scoring.retention import RetentionInputError, retention_rate
from scoring.shares import ShareResult


def measure(metric: str) -> Measure:
    """The maths of ``metric``; ValueError for a name that is none."""
    try:
        return MEASURES[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}") from None


def bucket_for(metric: str, score: int) -> str:
    """The bucket of a score: NPS detractor/passive/promoter, CSAT unsatisfied/neutral/satisfied,
    CES disagree/neutral/agree."""
    return measure(metric).bucket(score)


__all__ = [
    "CES_SCALE", "CSAT_SCALE", "MEASURES", "METHOD", "MIN_RELIABLE_N", "NPS_SCALE",
    "CesResult", "Change", "CsatResult", "Kind", "Measure", "NpsResult", "RetentionInputError",
    "ShareResult", "bucket_for", "ces_bucket", "compare_ces", "compare_csat", "compare_nps",
    "compare_shares", "csat_bucket", "measure", "nps_bucket", "nps_from_scores",
    "retention_rate", "round_half_away", "wilson",
]
