"""How much more often one bucket's comments use a theme than the other buckets' comments.

The measure is the log odds ratio with an informative prior, the two-outcome (Beta–binomial)
form of the informative Dirichlet prior of Monroe, Colaresi and Quinn, "Fightin' Words" (Political
Analysis 16(4), 2008), over comments rather than word occurrences.  A theme said in ``y`` of the
bucket's ``n`` comments and in ``y'`` of the other buckets' ``n'`` has the prior share
``p = (y + y') / (n + n')`` of all comments, of strength ``a`` (:data:`PRIOR`, in comments)::

    δ = ln((y + a·p) / (n − y + a·(1 − p))) − ln((y' + a·p) / (n' − y' + a·(1 − p)))
    σ² = 1/(y + a·p) + 1/(n − y + a·(1 − p)) + 1/(y' + a·p) + 1/(n' − y' + a·(1 − p))
    z = δ / σ

δ is how much more likely (on the log-odds scale) a comment of the bucket is to use the theme
than another bucket's, shrunk towards nothing when the counts are small; σ² is Woolf's variance
of a log odds ratio with the prior's pseudo-counts added.  Themes are ranked by ``z``, so a
theme used often and mostly by this bucket comes first, and one used a few times by it alone
after it.  With no other bucket's comments to compare with (``n' = 0``) every δ is 0 and the
themes are ranked by how many comments use them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

PRIOR = 10.0
"""The prior's strength ``a``, in comments."""

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Odds:
    delta: float
    """The log odds ratio (bucket against the others); above 0: the bucket uses it more."""
    z: float


def log_odds(y: int, n: int, y_other: int, n_other: int, prior: float = PRIOR) -> Odds:
    """The measure of the module's docstring; 0 and 0 when every comment uses the theme (or
    none does) and so nothing tells the buckets apart."""
    if not 0 <= y <= n or not 0 <= y_other <= n_other or n + n_other == 0:
        raise ValueError("counts must satisfy 0 <= y <= n, 0 <= y' <= n', n + n' > 0")
    p = (y + y_other) / (n + n_other)
    if p in (0.0, 1.0):
        return Odds(0.0, 0.0)
    a, b = prior * p, prior * (1 - p)
    delta = math.log((y + a) / (n - y + b)) - math.log((y_other + a) / (n_other - y_other + b))
    variance = 1 / (y + a) + 1 / (n - y + b) + 1 / (y_other + a) + 1 / (n_other - y_other + b)
    return Odds(delta, delta / math.sqrt(variance))


def rank(keys: Iterable[K], counts: Mapping[K, int], n: int, other: Mapping[K, int],
         n_other: int) -> list[tuple[K, Odds]]:
    """``keys`` with their odds, the highest ``z`` first, then the most comments (then by key,
    so the order is the same every time for the same counts)."""
    scored = [(key, log_odds(counts[key], n, other.get(key, 0), n_other)) for key in keys]
    scored.sort(key=lambda item: (-round(item[1].z, 12), -counts[item[0]], str(item[0])))
    return scored
