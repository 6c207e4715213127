"""Customer retention rate: CRR = (CE − CN) / CS × 100."""

from __future__ import annotations


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
