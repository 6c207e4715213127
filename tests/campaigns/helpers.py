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
    """Claim ``ids`` (one message of a destination at a time, as the dispatcher does) and
    record what the platform said to each."""
    out: list[Delivery] = []
    left = list(ids)
    while left:
        claimed = engine.queues.claim(channel, rates=lambda _row: (), lease=LEASE, hold=LEASE,
                                      limit=len(left), ids=left)
        if not claimed:
            break
        engine.queues.record([Outcome(d.id, sent, ref="m" if sent else "",
                                      error=error, unreachable=unreachable) for d in claimed])
        out += claimed
        done = {d.id for d in claimed}
        left = [i for i in left if i not in done]
    return out


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


def outcome_of(engine: Engine, campaign: str) -> dict[str, str]:
    """external id (or the first account's user id) -> "planned" or the skip reason, for
    every invitation of ``campaign``."""
    from bot.campaign_tables import Campaign

    with Session(engine.db.engine) as session:
        campaign_id = session.exec(select(Campaign.id).where(Campaign.name == campaign)).one()
        found = {}
        for inv in session.exec(select(Invitation).where(Invitation.campaign_id == campaign_id)):
            row = session.get(Customer, inv.customer_id)
            assert row is not None
            name = row.external_id or session.exec(select(Respondent.platform_user_id).where(
                Respondent.customer_id == row.id)).first() or "?"
            found[name] = inv.reason or inv.status
        return found


def bind_all(engine: Engine, channel: str) -> None:
    """Give every customer an account on ``channel`` (user id ``u-<external id>``)."""
    from bot.audience.customers import bind

    with Session(engine.db.engine) as session:
        for row in session.exec(select(Customer)):
            bind(session=session, customer=row, channel=channel,
                 user_id=f"u-{row.external_id}", now=engine.clock())
        session.commit()


def deliver_each(engine: Engine, channel: str, ids: Sequence[int],
                 outcome: Callable[[SendTo], dict[str, Any]]) -> list[SendTo]:
    """Record for each claimed message what ``outcome(item)`` says (Outcome's fields)."""
    claimed = engine.queues.claim(channel, rates=lambda _row: (), lease=LEASE, hold=LEASE,
                                  limit=max(len(ids), 1), ids=list(ids))
    results = []
    for d in claimed:
        assert isinstance(d.item, SendTo)
        fields = {"sent": True, "ref": "m", **outcome(d.item)}
        results.append(Outcome(d.id, **fields))
    engine.queues.record(results)
    return [d.item for d in claimed if isinstance(d.item, SendTo)]


def score_button(item: SendTo, score: int) -> str:
    return next(c.value for c in item.choices if c.label == str(score))
