"""The outbox: what the engine decided to say, written in the transaction that decided it,
claimed by one process at a time, paced, and closed with the platform's outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.delivery import codec, pacing
from bot.messages import AlertPost, AlertUpdate, Outbound, SendTo
from bot.models import OUTBOX_WAITING, Alert, Lane, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

ALERTS = "alerts"
"""The destination of every alert post and edit: the channel's managers' chat."""
MAX_ATTEMPTS = 8
"""Failures without a ``retry_after`` before a message is given up (429s do not count)."""
MAX_RATE_LIMITED = 100
BACKOFF_BASE = 0.5
BACKOFF_CAP = 120.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed outbox row, ready for the channel's sender."""

    id: int
    channel: str
    destination: str
    lane: int
    item: Outbound
    origin: dict[str, Any]
    attempts: int = 1
    send_at: datetime | None = None
    """Its pacing slot: the sender waits until then."""
    ref: str = ""
    """For an alert edit: where the alert was posted (empty: not yet, post it anew); for
    anything else, what an earlier attempt sent already (a photo whose long caption's rest
    failed: only the rest is sent again)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the platform said to one delivery."""

    id: int
    sent: bool
    ref: str = ""
    error: str = ""
    retry_after: float | None = None
    """Set for a fault worth retrying (429, 5xx, network): seconds to wait at least (0: use
    the backoff)."""
    unreachable: bool = False
    """The person blocked the bot, left, or their account is gone."""
    own_schedule: bool = False
    """With ``retry_after``: the sender keeps its own retry schedule and says when to give up
    (webhooks: for a day); no attempt limit here."""


@dataclass
class Planned:
    """One outbound value with where it goes; ``follow_up`` names what the engine does with
    its outcome (see :mod:`bot.engine.outcomes`)."""

    item: Outbound
    follow_up: str = ""
    lane: Lane | None = None


def destination_of(item: Outbound, channel: str, chat_id: str, user_id: str) -> str:
    """Where ``item`` goes: the managers' chat, another person, or back where the event
    came from (its chat, else the person)."""
    if isinstance(item, AlertPost | AlertUpdate):
        return ALERTS
    if isinstance(item, SendTo):
        return f"chat:{item.chat_id}" if item.chat_id else f"user:{item.user_id}"
    return f"chat:{chat_id}" if chat_id else f"user:{user_id}"


def channel_of(item: Outbound, channel: str) -> str:
    return item.channel if isinstance(item, SendTo | AlertPost | AlertUpdate) else channel


def enqueue(session: Session, planned: Sequence[Planned], *, channel: str, chat_id: str,
            user_id: str, origin: dict[str, Any] | None, now: datetime) -> list[OutboxMessage]:
    """Write the rows; a newer alert edit replaces the edits of that alert still pending."""
    rows = []
    origin_text = codec.dump_origin(origin)
    for plan in planned:
        item = plan.item
        supersede = f"alert:{item.alert_id}" if isinstance(item, AlertUpdate) else None
        if supersede:
            session.execute(update(OutboxMessage).where(
                col(OutboxMessage.supersede_key) == supersede,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            ).values(status=OutboxStatus.SUPERSEDED))
        lane = plan.lane if plan.lane is not None else (
            Lane.ALERT if isinstance(item, AlertPost | AlertUpdate) else Lane.REPLY)
        rows.append(OutboxMessage(
            channel=channel_of(item, channel),
            destination=destination_of(item, channel, chat_id, user_id)[:128],
            lane=int(lane), kind=codec.kind_of(item), payload=codec.dumps(item),
            origin=origin_text, follow_up=plan.follow_up[:200], supersede_key=supersede,
            next_attempt_at=now, created_at=now))
    session.add_all(rows)
    session.flush()
    return rows


RateFor = Callable[[OutboxMessage], Sequence[pacing.Rate]]


def claim(session: Session, *, channel: str, now: datetime, lease: timedelta,
          rates: RateFor, hold: timedelta, limit: int = 100,
          ids: Iterable[int] | None = None) -> list[Delivery]:
    """Claim the due rows of ``channel`` (or just ``ids``): the first waiting row of each
    destination, lanes in order, each given its pacing slot.  A row whose slot is more than
    ``hold`` away goes back to wait for it; the rest are returned, leased for ``lease``."""
    # The first waiting row of its destination, by lane and then id: a correlated subquery
    # that both databases run as one step along the partial index ix_outbox_waiting per
    # candidate (NOT EXISTS with id < id became a quadratic anti-join on PostgreSQL: minutes
    # for 10,000 waiting rows).  So a reply to a chat goes before the campaign messages
    # waiting for it, and each lane keeps its order (across destinations that share a budget,
    # such as the managers' chat, _take_over gives a reply the next slot).
    earlier = aliased(OutboxMessage)
    first = (select(col(earlier.id))
             .where(col(earlier.channel) == col(OutboxMessage.channel),
                    col(earlier.destination) == col(OutboxMessage.destination),
                    col(earlier.status).in_(OUTBOX_WAITING))
             .order_by(col(earlier.lane), col(earlier.id)).limit(1)
             .scalar_subquery())
    query = select(OutboxMessage).where(
        col(OutboxMessage.channel) == channel,
        ((col(OutboxMessage.status) == OutboxStatus.PENDING)
         & (col(OutboxMessage.next_attempt_at) <= now))
        | ((col(OutboxMessage.status) == OutboxStatus.SENDING)
           & (col(OutboxMessage.lease_until) < now)),
        col(OutboxMessage.id) == first,
    )
    if ids is not None:
        query = query.where(col(OutboxMessage.id).in_(list(ids)))
    query = query.order_by(col(OutboxMessage.lane), col(OutboxMessage.id)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)  # type: ignore[arg-type]
    out = []
    for row in session.scalars(query):
        if row.status == OutboxStatus.SENDING:
            log.warning("outbox: message %s was claimed by a process that stopped before "
                        "recording the outcome; sending it again (the duplicate window)", row.id)
        keys = ""
        slot = row.slot_at
        if slot is None:
            row_rates = rates(row)
            keys = " ".join(sorted({rate.key for rate in row_rates}))
            slot = pacing.reserve(session, row_rates, now)
            if slot > now and row.lane < max(Lane):
                slot = _take_over(session, row, keys, slot)
        if slot - now > hold:
            row.status, row.next_attempt_at, row.slot_at = OutboxStatus.PENDING, slot, slot
            if keys:  # a slot reserved just now; one reserved before keeps its buckets
                row.pace_keys = keys[:400]
            session.add(row)
            continue
        row.status, row.lease_until, row.slot_at = OutboxStatus.SENDING, now + lease, slot
        row.pace_keys = None
        row.attempts += 1
        session.add(row)
        out.append(delivery_of(session, row))
    return out


def _take_over(session: Session, row: OutboxMessage, keys: str, slot: datetime) -> datetime:
    """The earliest slot reserved before ``slot`` by a waiting row of a lower lane with the same
    pacing buckets, which gets ``slot`` in exchange (the buckets see the same moments, so the
    pace holds); else ``slot``.  So a manager's prompt in a group that alerts keep busy at 20 a
    minute goes next, not after every alert queued before it."""
    query = select(OutboxMessage).where(
        col(OutboxMessage.pace_keys) == keys,
        col(OutboxMessage.status) == OutboxStatus.PENDING,
        col(OutboxMessage.lane) > row.lane,
        col(OutboxMessage.slot_at) < slot,
    ).order_by(col(OutboxMessage.slot_at)).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    other = session.scalars(query).first()
    if other is None or other.slot_at is None:
        return slot
    earlier = other.slot_at
    other.slot_at = other.next_attempt_at = slot
    session.add(other)
    log.debug("outbox: message %s takes the slot of %s (lane %s before %s)", row.id, other.id,
              row.lane, other.lane)
    return earlier


def delivery_of(session: Session, row: OutboxMessage) -> Delivery:
    assert row.id is not None
    item = codec.loads(row.kind, row.payload)
    ref = row.ref  # how far an earlier attempt got (a photo sent, its long caption not yet)
    if isinstance(item, AlertUpdate):
        alert = session.get(Alert, item.alert_id)
        ref = alert.platform_ref if alert is not None and alert.platform_ref else item.ref
    return Delivery(row.id, row.channel, row.destination, row.lane, item,
                    codec.load_origin(row.origin), row.attempts, row.slot_at, ref)


def backoff(attempts: int) -> float:
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0)))


@dataclass
class Recorded:
    """Rows closed by :func:`record`, for the engine's follow-ups."""

    sent: list[tuple[OutboxMessage, Outcome]] = field(default_factory=list)
    failed: list[tuple[OutboxMessage, Outcome]] = field(default_factory=list)


def record(session: Session, outcomes: Sequence[Outcome], *, now: datetime) -> Recorded:
    """Close the rows the platform answered; reschedule the ones worth another try."""
    done = Recorded()
    rows = {row.id: row for row in session.scalars(
        select(OutboxMessage).where(col(OutboxMessage.id).in_([o.id for o in outcomes]))
        .with_for_update())}
    for outcome in outcomes:
        row = rows.get(outcome.id)
        if row is None or row.status != OutboxStatus.SENDING:
            continue  # closed already (another process, after our lease ran out)
        row.lease_until = None
        if outcome.sent:
            row.status, row.sent_at, row.ref = OutboxStatus.SENT, now, outcome.ref[:128]
            done.sent.append((row, outcome))
        elif outcome.retry_after is not None and _retry(row, outcome):
            wait = max(outcome.retry_after, 0) or backoff(row.faults)
            row.status, row.slot_at = OutboxStatus.PENDING, None
            if outcome.ref:  # what went already, when part of it did
                row.ref = outcome.ref[:128]
            row.next_attempt_at = now + timedelta(seconds=wait)
            row.error = outcome.error[:500]
        else:
            row.status, row.error = OutboxStatus.FAILED, outcome.error[:500] or "failed"
            done.failed.append((row, outcome))
        session.add(row)
    return done


def _retry(row: OutboxMessage, outcome: Outcome) -> bool:
    """Whether to try again: a rate limit up to MAX_RATE_LIMITED attempts in all, a fault up
    to MAX_ATTEMPTS faults (the 429s between them do not count)."""
    if outcome.own_schedule:
        return True
    if outcome.retry_after:  # the platform said when: a rate limit, not a fault
        return row.attempts < MAX_RATE_LIMITED
    row.faults += 1
    return row.faults < MAX_ATTEMPTS


def next_due(session: Session, *, channel: str) -> datetime | None:
    """When the earliest waiting row of ``channel`` is due (or a lease runs out)."""
    pending = session.scalar(
        select(col(OutboxMessage.next_attempt_at)).where(
            col(OutboxMessage.channel) == channel,
            col(OutboxMessage.status) == OutboxStatus.PENDING)
        .order_by(col(OutboxMessage.next_attempt_at)).limit(1))
    leased = session.scalar(
        select(col(OutboxMessage.lease_until)).where(
            col(OutboxMessage.channel) == channel,
            col(OutboxMessage.status) == OutboxStatus.SENDING)
        .order_by(col(OutboxMessage.lease_until)).limit(1))
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


def waiting(session: Session, *, channel: str | None = None) -> int:
    """Rows not closed yet (pending or being sent)."""
    query = select(func.count()).select_from(OutboxMessage).where(
        col(OutboxMessage.status).in_(OUTBOX_WAITING))
    if channel:
        query = query.where(col(OutboxMessage.channel) == channel)
    return int(session.scalar(query) or 0)


def tally(session: Session, *, ids: Sequence[int]) -> tuple[int, int]:
    """Of these rows: how many are not closed yet, and how many were sent."""
    rows = session.scalars(select(col(OutboxMessage.status)).where(
        col(OutboxMessage.id).in_(list(ids))))
    statuses = list(rows)
    open_ = sum(s in OUTBOX_WAITING for s in statuses)
    return open_, sum(s == OutboxStatus.SENT for s in statuses)


def prune(session: Session, *, older_than: datetime) -> int:
    """Forget rows closed (sent, failed, superseded) that were written before ``older_than``;
    how many."""
    result = session.execute(delete(OutboxMessage).where(
        col(OutboxMessage.status).not_in(OUTBOX_WAITING),
        col(OutboxMessage.created_at) < older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
