"""Customer retention rate: CRR = (CE − CN) / CS × 100."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


class RetentionInputError(ValueError):
    """The counts cannot describe a real period."""


def retention_rate(start: int, end: int, new: int) -> float:
    """CRR in percent from customers at the start (CS), at the end (CE) and new in the period
    (CN)."""
    for name, value in (("customers at start", start), ("customers at end", end),
                        ("new customers", new)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise RetentionInputError(f"{name} must be a whole number, got {value!r}")
        if value < 0:
            raise RetentionInputError(f"{name} cannot be negative ({value})")
    if start == 0:
        raise RetentionInputError("customers at start is 0: there is no one to retain")
    if new > end:
        raise RetentionInputError(
            f"new customers ({new}) cannot exceed customers at end ({end})")
    if end - new > start:
        raise RetentionInputError(
            f"retained customers ({end - new}) cannot exceed customers at start ({start})")
    return (end - new) * 100 / start


@dataclass(frozen=True, slots=True)
class RetentionCounts:
    """The counts behind a CRR: customers at the start (CS), at the end (CE) and new in the
    period who are still customers at its end (CN); so CE − CN are the customers of the start
    still there."""

    start: int
    end: int
    new: int

    @property
    def retained(self) -> int:
        return self.end - self.new

    @property
    def rate(self) -> float | None:
        """CRR in percent; None without customers at the start."""
        return retention_rate(self.start, self.end, self.new) if self.start else None


def active(signed_up: date, churned: date | None, day: date) -> bool:
    """A customer on ``day`` (at its end): signed up on it or before, not churned on it or
    before (the churn date is their first day gone)."""
    return signed_up <= day and (churned is None or churned > day)


def retention_counts(customers: Iterable[tuple[date, date | None]], first: date,
                     last: date) -> RetentionCounts:
    """CS, CE and CN over the days ``first``..``last`` from each customer's (signed_up,
    churned).  At the start: signed up before ``first`` and not churned before it; at the
    end: a customer at the end of ``last``; new: signed up in the period and a customer at
    its end."""
    if last < first:
        raise RetentionInputError("the period ends before it starts")
    start = end = new = 0
    before = first - timedelta(days=1)
    for signed_up, churned in customers:
        if churned is not None and churned < signed_up:
            raise RetentionInputError(f"churned {churned} before signing up {signed_up}")
        at_end = active(signed_up, churned, last)
        start += active(signed_up, churned, before)
        end += at_end
        new += at_end and signed_up >= first
    return RetentionCounts(start, end, new)
