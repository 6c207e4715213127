"""The inbox: events stored before they are acknowledged, then processed once, in order per
``order_key``.  Keyword-only functions over a session, like :mod:`bot.store`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.models import InboxEvent, InboxStatus
from bot.store import insert_for


def receive(session: Session, *, channel: str, key: str, order_key: str, payload: str,
            now: datetime, lease: timedelta) -> int | None:
    """Store an event; its id, or None when one with this key was stored before (a
    redelivery or a replayed request).  The storing process owns it for ``lease``."""
    table = InboxEvent.__table__  # type: ignore[attr-defined]
    row = session.connection().execute(
        insert_for(session)(table).values(
            channel=channel, key=key[:200], order_key=order_key[:128], payload=payload,
            status=InboxStatus.RECEIVED, attempts=0, lease_until=now + lease,
            received_at=now, error="",
        ).on_conflict_do_nothing(index_elements=["channel", "key"]).returning(table.c.id)
    ).first()
    return None if row is None else int(row[0])


def _earlier_waiting(row: type[InboxEvent]) -> object:
    other = aliased(InboxEvent)
    return exists().where(
        col(other.channel) == col(row.channel), col(other.order_key) == col(row.order_key),
        col(other.id) < col(row.id), col(other.status) == InboxStatus.RECEIVED)


def claim_due(session: Session, *, channel: str, now: datetime, lease: timedelta,
              limit: int = 50) -> list[InboxEvent]:
    """Events nobody owns any more (their process died), the first waiting of each order key,
    claimed for ``lease``."""
    query = (
        select(InboxEvent)
        .where(col(InboxEvent.channel) == channel,
               col(InboxEvent.status) == InboxStatus.RECEIVED,
               col(InboxEvent.lease_until) < now,
               ~_earlier_waiting(InboxEvent))  # type: ignore[operator]
        .order_by(col(InboxEvent.id)).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=InboxEvent)  # type: ignore[arg-type]
    rows = list(session.scalars(query))
    for row in rows:
        row.lease_until, row.attempts = now + lease, row.attempts + 1
        session.add(row)
    return rows


def earlier(session: Session, *, channel: str, order_key: str, before: int,
            now: datetime, lease: timedelta) -> list[tuple[InboxEvent, bool]]:
    """The events of ``order_key`` stored before ``before`` and not processed, in order, each
    with whether it was claimed now (nobody owned it any more: its process stopped); the
    others are owned by a live process, this one or another."""
    rows = list(session.scalars(
        select(InboxEvent).where(
            col(InboxEvent.channel) == channel, col(InboxEvent.order_key) == order_key,
            col(InboxEvent.id) < before, col(InboxEvent.status) == InboxStatus.RECEIVED)
        .order_by(col(InboxEvent.id))))
    out = []
    for row in rows:
        claimed = row.lease_until < now
        if claimed:
            row.lease_until, row.attempts = now + lease, row.attempts + 1
            session.add(row)
        out.append((row, claimed))
    return out


def finish(session: Session, *, inbox_id: int, now: datetime,
           status: InboxStatus = InboxStatus.DONE, error: str = "") -> bool:
    """Mark an event processed (or failed); False when it was already (by another process)."""
    result = session.execute(
        update(InboxEvent)
        .where(col(InboxEvent.id) == inbox_id, col(InboxEvent.status) == InboxStatus.RECEIVED)
        .values(status=status, done_at=now, error=error[:500]))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def waiting(session: Session, *, channel: str | None = None) -> int:
    """Events stored and not processed yet."""
    query = select(func.count()).select_from(InboxEvent).where(
        col(InboxEvent.status) == InboxStatus.RECEIVED)
    if channel:
        query = query.where(col(InboxEvent.channel) == channel)
    return int(session.scalar(query) or 0)


def prune(session: Session, *, older_than: datetime) -> int:
    """Forget events processed (or failed) before ``older_than``; how many."""
    result = session.execute(delete(InboxEvent).where(
        col(InboxEvent.status) != InboxStatus.RECEIVED,
        and_(col(InboxEvent.done_at).is_not(None), col(InboxEvent.done_at) < older_than)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
