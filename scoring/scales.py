"""Per-score counts on a bounded scale: the common ground of CSAT and CES."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scoring.nps import _check


def validate_counts(counts: Mapping[int, int], low: int, high: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for score, n in counts.items():
        _check(score, low, high)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"the count of {score} must be a non-negative integer, got {n!r}")
        out[score] = n
    return out


def count_scores(scores: Iterable[int], low: int, high: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for score in scores:
        _check(score, low, high)
        out[score] = out.get(score, 0) + 1
    return out


def mean(counts: Mapping[int, int]) -> float | None:
    n = sum(counts.values())
    return sum(s * c for s, c in counts.items()) / n if n else None
