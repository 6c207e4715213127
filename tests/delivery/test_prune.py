"""Housekeeping on SQLite and PostgreSQL: processed events and closed outbound messages older
than the retention are deleted; whatever is still to do is kept, however old."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from adapters.housekeeping import prune_until
from bot.app import build_engine
from bot.models import InboxEvent, InboxStatus, OutboxMessage, OutboxStatus

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
OLD, RECENT = NOW - timedelta(days=8), NOW - timedelta(days=6)


def test_old_finished_rows_go_and_everything_else_stays(make_settings: Callable[..., Any]) -> None:
    settings = make_settings(delivery_retention_days=7)
    engine = build_engine(settings)
    engine.clock = lambda: NOW
    try:
        with Session(engine.db.engine) as s:
            for n, (status, done) in enumerate([
                    (InboxStatus.DONE, OLD), (InboxStatus.FAILED, OLD),
                    (InboxStatus.DONE, RECENT), (InboxStatus.RECEIVED, None)]):
                s.add(InboxEvent(channel="telegram", key=f"update:{n}", order_key="chat:1",
                                 payload="{}", status=status, received_at=OLD, done_at=done))
            for status, written in [(OutboxStatus.SENT, OLD), (OutboxStatus.FAILED, OLD),
                                    (OutboxStatus.SUPERSEDED, OLD), (OutboxStatus.SENT, RECENT),
                                    (OutboxStatus.PENDING, OLD), (OutboxStatus.SENDING, OLD)]:
                s.add(OutboxMessage(channel="telegram", destination="chat:1", kind="reply",
                                    payload="{}", status=status, created_at=written,
                                    next_attempt_at=written))
            s.commit()
        stop = asyncio.Event()

        async def once() -> None:
            task = asyncio.create_task(prune_until(engine, settings, stop, every=0.01))
            await asyncio.sleep(0.2)
            stop.set()
            await asyncio.wait_for(task, 5)

        asyncio.run(once())
        with Session(engine.db.read_engine) as s:
            events = sorted((e.key, e.status) for e in s.exec(select(InboxEvent)))
            messages = sorted((m.status, m.created_at == OLD) for m in s.exec(
                select(OutboxMessage)))
        assert events == [("update:2", InboxStatus.DONE), ("update:3", InboxStatus.RECEIVED)]
        assert messages == [(OutboxStatus.PENDING, True), (OutboxStatus.SENDING, True),
                            (OutboxStatus.SENT, False)]
        assert engine.queues.prune(NOW - timedelta(days=7)) == (0, 0)
    finally:
        engine.db.dispose()
