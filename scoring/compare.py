"""Is the change between two periods larger than the noise?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scoring.ces import CesResult
from scoring.csat import CsatResult
from scoring.nps import MIN_RELIABLE_N, Z95, NpsResult

Verdict = Literal["significant", "within_margin", "too_few"]


@dataclass(frozen=True, slots=True)
class Change:
    """``delta`` = after − before (NPS points, or a share for CSAT/CES); ``margin`` its 95%
    half-width; ``significant`` when |delta| exceeds it."""

    delta: float
    margin: float
    significant: bool


def compare_nps(before: NpsResult, after: NpsResult) -> Change | None:
    """NPS change with the standard error of a difference of two independent samples."""
    if not before.n or not after.n or before.score is None or after.score is None:
        return None
    se = math.sqrt(before.variance / before.n + after.variance / after.n) * 100
    delta = after.score - before.score
    margin = Z95 * se
    return Change(delta, margin, abs(delta) > margin)


def verdict(change: Change, n_before: int, n_after: int,
            floor: int = MIN_RELIABLE_N) -> Verdict:
    """What a change is called: ``too_few`` when either sample has fewer than ``floor``
    answers, else ``significant`` when it exceeds its margin, else ``within_margin``.  The one
    test the summary's trend and the trend's change over its period both use."""
    if min(n_before, n_after) < floor:
        return "too_few"
    return "significant" if change.significant else "within_margin"


def compare_shares(s1: int, n1: int, s2: int, n2: int) -> Change | None:
    """Two-proportion comparison (unpooled standard error) of s1/n1 → s2/n2."""
    if not n1 or not n2:
        return None
    p1, p2 = s1 / n1, s2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    delta = p2 - p1
    margin = Z95 * se
    return Change(delta, margin, abs(delta) > margin)


def compare_csat(before: CsatResult, after: CsatResult) -> Change | None:
    return compare_shares(before.satisfied, before.n, after.satisfied, after.n)


def compare_ces(before: CesResult, after: CesResult) -> Change | None:
    return compare_shares(before.agree, before.n, after.agree, after.n)
