"""Pure scoring functions: NPS, CSAT, CES, period comparison, retention.  No I/O."""

from __future__ import annotations

from scoring.ces import CES_SCALE, METHOD, CesResult, ces_bucket
from scoring.compare import Change, compare_ces, compare_csat, compare_nps, compare_shares
from scoring.csat import CSAT_SCALE, CsatResult, csat_bucket
from scoring.intervals import wilson
from scoring.nps import MIN_RELIABLE_N, NpsResult, nps_bucket, nps_from_scores, round_half_away
from scoring.retention import RetentionInputError, retention_rate

SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": CSAT_SCALE, "ces": CES_SCALE}


def bucket_for(metric: str, score: int) -> str:
    """The bucket of a score: NPS detractor/passive/promoter, CSAT unsatisfied/neutral/satisfied,
    CES disagree/neutral/agree."""
    if metric == "nps":
        return nps_bucket(score)
    if metric == "csat":
        return csat_bucket(score)
    if metric == "ces":
        return ces_bucket(score)
    raise ValueError(f"unknown metric {metric!r}")


__all__ = [
    "CES_SCALE", "CSAT_SCALE", "METHOD", "MIN_RELIABLE_N", "SCALES", "CesResult", "Change",
    "CsatResult", "NpsResult", "RetentionInputError", "bucket_for", "ces_bucket", "compare_ces",
    "compare_csat", "compare_nps", "compare_shares", "csat_bucket", "nps_bucket",
    "nps_from_scores", "retention_rate", "round_half_away", "wilson",
]
