"""Helpers of the chat-campaign tests: customers imported as the CLI does, and the campaign
service's work (the feeder's ticks) done until a campaign's sends are over."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from bot.audience.customers import CustomerRecord, upsert_customer
from bot.audience.values import typed
from bot.campaign_tables import Campaign
from bot.delivery.dispatcher import Dispatcher
from bot.engine import Engine
from tests.helpers import settle

EVERY_HOUR = "00:00-24:00"
"""SEND_WINDOW for these tests: no quiet hours (tests/test_campaign_* cover them)."""


def import_customers(engine: Engine, rows: Sequence[Mapping[str, str]]) -> None:
    """Each row: ``external_id``, optional ``telegram_id``, ``slack_id``, ``email``, and
    attributes (every other key, typed as they look)."""
    identity = ("external_id", "telegram_id", "slack_id", "email", "name", "language")
    with Session(engine.db.engine) as session:
        for row in rows:
            record = CustomerRecord(
                external_id=row["external_id"], telegram_id=row.get("telegram_id"),
                slack_id=row.get("slack_id"), email=row.get("email"), name=row.get("name"),
                language=row.get("language"),
                attributes={k: typed(v) for k, v in row.items() if k not in identity})
            upsert_customer(session=session, record=record, now=engine.clock())
        session.commit()


async def drive(engine: Engine, channel: str, dispatcher: Dispatcher, *,
                rounds: int = 50) -> None:
    """What the campaign service does, until a tick writes nothing: due invitations' first
    questions (and the managers' notices) to the outbox, sent by the channel's dispatcher."""
    for _ in range(rounds):
        ids = await asyncio.to_thread(engine.campaign_tick, channel, ahead=100)
        dispatcher.wake()
        await settle(engine, channel=channel)
        if not ids:
            return
    raise AssertionError(f"the {channel} campaigns still write after {rounds} ticks")


def campaign_named(engine: Engine, prefix: str) -> list[Campaign]:
    with Session(engine.db.read_engine) as session:
        return list(session.exec(select(Campaign).where(
            col(Campaign.name).startswith(prefix)).order_by(col(Campaign.id))))
