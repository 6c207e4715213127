"""Campaign test helpers: customers written through the audience's own functions, the
outbox "sent" by claiming and recording outcomes as a channel's sender does, and a clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.app import build_engine
from bot.audience.customers import CustomerRecord, upsert_customer
from bot.audience.values import typed
from bot.campaign_tables import Customer, Invitation
from bot.delivery import codec
from bot.delivery.outbox import Delivery, Outcome
from bot.engine import Engine
from bot.messages import SendTo
from bot.models import OutboxMessage, Respondent

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@dataclass
class Clock:
    now: datetime = NOON

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def make_engine(make_settings: Callable[..., Any], **settings: Any) -> Iterator[
        tuple[Engine, Clock]]:
    settings.setdefault("send_window", "00:00-24:00")
    engine = build_engine(make_settings(**settings))
    clock = Clock()
    engine.clock = clock
    try:
        yield engine, clock
    finally:
        engine.db.dispose()


def add_customers(engine: Engine, records: Sequence[CustomerRecord]) -> list[int]:
    with Session(engine.db.engine) as session:
        ids = []
        for record in records:
            customer, _ = upsert_customer(session=session, record=record, now=engine.clock())
            ids.append(customer.id or 0)
        session.commit()
        return ids


def customer(external_id: str, **fields: Any) -> CustomerRecord:
    attributes = {k: typed(v) for k, v in fields.pop("attributes", {}).items()}
    return CustomerRecord(external_id, attributes=attributes, **fields)


def deliver(engine: Engine, channel: str, ids: Sequence[int], *, sent: bool = True,
            unreachable: bool = False, error: str = "") -> list[Delivery]:
    """Claim ``ids`` and record what the platform said to each."""
    claimed = engine.queues.claim(channel, rates=lambda _row: (), lease=LEASE, hold=LEASE,
                                  limit=max(len(ids), 1), ids=list(ids))
    engine.queues.record([Outcome(d.id, sent, ref="m" if sent else "",
                                  error=error, unreachable=unreachable) for d in claimed])
    return claimed


def tick_all(engine: Engine, channel: str, ahead: int = 50, **outcome: Any) -> list[SendTo]:
    """Tick and deliver until nothing more is written; the messages sent."""
    out: list[SendTo] = []
    for _ in range(1000):
        ids = engine.campaign_tick(channel, ahead=ahead)
        if not ids:
            return out
        for d in deliver(engine, channel, ids, **outcome):
            assert isinstance(d.item, SendTo)
            out.append(d.item)
    raise AssertionError("the feeder never stopped")


def invitations(engine: Engine) -> list[Invitation]:
    with Session(engine.db.engine) as session:
        return list(session.exec(select(Invitation).order_by(col(Invitation.id))))


def respondent(engine: Engine, channel: str, user_id: str) -> Respondent:
    with Session(engine.db.engine) as session:
        return session.exec(select(Respondent).where(
            Respondent.channel == channel, Respondent.platform_user_id == user_id)).one()


def customer_row(engine: Engine, external_id: str) -> Customer:
    with Session(engine.db.engine) as session:
        return session.exec(select(Customer).where(Customer.external_id == external_id)).one()


def outbox_items(engine: Engine, ids: Sequence[int]) -> list[SendTo]:
    with Session(engine.db.engine) as session:
        rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
        items = [codec.loads(row.kind, row.payload) for row in rows]
    return [item for item in items if isinstance(item, SendTo)]
