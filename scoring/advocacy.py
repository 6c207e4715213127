"""Advocacy figures from what each promoter asked did (``/nps advocacy``).

* Shares (who accepted, the advocacy conversion rate, the referred people who answered a
  survey, who clicked the review button): Wilson's score interval.
* The referral rate (referred people per promoter asked): a count over a number of people, not
  a share (one promoter may bring several), so its interval is the exact Poisson (Garwood)
  interval of the count divided by the promoters asked:
  ``χ²(α/2; 2k) / 2n`` to ``χ²(1 − α/2; 2k + 2) / 2n``.  It assumes the referrals arrive
  independently; when a few promoters bring most of them it is too narrow.

scipy gives the χ² quantiles; it is imported when first needed.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from scoring.intervals import wilson

LEVEL = 0.95
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Promoter:
    """One promoter asked: whether they accepted, the clicks on their referral and review
    links, the people attributed to them and how many of those answered a survey."""

    accepted: bool = False
    link_clicks: int = 0
    review_clicks: int = 0
    referred: int = 0
    referred_answered: int = 0

    def __post_init__(self) -> None:
        if min(self.link_clicks, self.review_clicks, self.referred,
               self.referred_answered) < 0:
            raise ValueError("counts cannot be negative")
        if self.referred_answered > self.referred:
            raise ValueError("more referred people answered than were referred")


@dataclass(frozen=True)
class Share:
    """``k`` of ``n`` with Wilson's 95 % interval (None for n = 0)."""

    k: int
    n: int

    def __post_init__(self) -> None:
        if not 0 <= self.k <= self.n:
            raise ValueError(f"need 0 <= k <= n, got {self.k} of {self.n}")

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.k, self.n) if self.n else None


def poisson_interval(count: int, exposure: int,
                     level: float = LEVEL) -> tuple[float, float] | None:
    """The exact (Garwood) interval of a Poisson rate: ``count`` events over ``exposure``
    units; None when there is no exposure."""
    if count < 0 or exposure < 0:
        raise ValueError("count and exposure cannot be negative")
    if exposure == 0:
        return None
    from scipy.stats import chi2

    tail = (1 - level) / 2
    low = 0.0 if count == 0 else float(chi2.ppf(tail, 2 * count)) / 2
    high = float(chi2.ppf(1 - tail, 2 * count + 2)) / 2
    return low / exposure, high / exposure


@dataclass(frozen=True)
class Rate:
    """``count`` per one of ``n`` (referred people per promoter asked) with the exact Poisson
    95 % interval (None for n = 0)."""

    count: int
    n: int

    @property
    def value(self) -> float | None:
        return self.count / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return poisson_interval(self.count, self.n)


@dataclass(frozen=True)
class Figures:
    """The figures of a group of promoters asked."""

    asked: int
    accepted: Share
    link_clicks: int
    referred: int
    referred_answered: Share
    """Of the referred people, those who answered a survey."""
    referral_rate: Rate
    conversion: Share
    """Promoters who brought at least one person, of those asked."""
    review_clicks: int
    reviewers: Share
    """Promoters who opened the review page at least once, of those asked."""


def figures(promoters: Iterable[Promoter]) -> Figures:
    people = list(promoters)
    n = len(people)
    referred = sum(p.referred for p in people)
    return Figures(
        asked=n,
        accepted=Share(sum(p.accepted for p in people), n),
        link_clicks=sum(p.link_clicks for p in people),
        referred=referred,
        referred_answered=Share(sum(p.referred_answered for p in people), referred),
        referral_rate=Rate(referred, n),
        conversion=Share(sum(p.referred > 0 for p in people), n),
        review_clicks=sum(p.review_clicks for p in people),
        reviewers=Share(sum(p.review_clicks > 0 for p in people), n),
    )


def top_referrers(counts: Mapping[K, int], limit: int) -> list[tuple[K, int]]:
    """The ``limit`` keys with the most referred people (none with 0), most first; ties in
    the order of ``counts``."""
    ranked = sorted(((key, c) for key, c in counts.items() if c > 0),
                    key=lambda item: -item[1])
    return ranked[:max(limit, 0)]
