"""Send budgets shared by every process: one GCRA bucket per destination (and one for bulk
sends), kept in the ``pacing`` table and reserved in the claiming transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.models import PacingBucket
from bot.store import insert_for


@dataclass(frozen=True, slots=True)
class Rate:
    """``per_second`` messages a second on ``key``, ``burst`` of them at once."""

    key: str
    per_second: float
    burst: int = 1

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=1 / self.per_second)

    @property
    def tolerance(self) -> timedelta:
        return self.interval * (max(self.burst, 1) - 1)


def reserve(session: Session, rates: Sequence[Rate], now: datetime) -> datetime:
    """The moment one message may go within every one of ``rates`` (``now`` or later); the
    slot is taken at once, so concurrent senders are staggered rather than turned away."""
    if not rates:
        return now
    keys = sorted({rate.key for rate in rates})  # one lock order for every process
    rows = _locked(session, keys)
    if len(rows) < len(keys):  # a bucket's first message: made, then locked like the others
        table = PacingBucket.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            insert_for(session)(table).on_conflict_do_nothing(index_elements=["key"]),
            [{"key": key, "tat": now} for key in keys if key not in rows])
        rows = _locked(session, keys)
    buckets = [(rate, rows[rate.key]) for rate in rates]
    slot = max([now] + [bucket.tat - rate.tolerance for rate, bucket in buckets])
    for rate, bucket in buckets:
        bucket.tat = max(bucket.tat, slot) + rate.interval
        session.add(bucket)
    return slot


def _locked(session: Session, keys: Sequence[str]) -> dict[str, PacingBucket]:
    return {row.key: row for row in session.exec(
        select(PacingBucket).where(col(PacingBucket.key).in_(keys))
        .order_by(col(PacingBucket.key)).with_for_update())}
