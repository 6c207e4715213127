"""What the campaign process tests and bench/campaign.py share: customers written straight to
the database, ``survey-bot campaign create`` run as an operator runs it, and what the database
says a campaign did."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session

from bot.audience.customers import CustomerRecord, upsert_customer
from bot.models import utcnow
from tests.processes import BotProcess

FAST_CAMPAIGN = {"send_window": "00:00-24:00", "outbox_lease_seconds": "5",
                 "event_lease_seconds": "2"}
"""Any hour, and short leases: what a killed process held is taken over within seconds (an
outbox lease above the dispatcher's 2 s hold, so a row waiting for its slot keeps it)."""


def add_customers(database_url: str, count: int, *, telegram_from: int | None = None,
                  slack_prefix: str | None = None, batch: int = 1000) -> None:
    """``count`` imported customers ``c1``…, each with a Telegram id (``telegram_from`` + i)
    and/or a Slack user id (``<slack_prefix><i>``)."""
    engine = create_engine(database_url)
    now = utcnow()
    try:
        for start in range(0, count, batch):
            with Session(engine) as session:
                for i in range(start, min(count, start + batch)):
                    upsert_customer(session=session, now=now, record=CustomerRecord(
                        external_id=f"c{i + 1}",
                        telegram_id=None if telegram_from is None else str(telegram_from + i),
                        slack_id=None if slack_prefix is None else f"{slack_prefix}{i + 1}",
                        language="en"))
                session.commit()
    finally:
        engine.dispose()


async def create_campaign(env: Mapping[str, str], cwd: Path, name: str, *args: str,
                          timeout: float = 60) -> tuple[int, str]:
    """``survey-bot campaign create NAME --survey nps ARGS`` as its own process: the exit
    status and what it printed."""
    cli = BotProcess("campaign", env, cwd=cwd,
                     args=["create", name, "--survey", "nps", *args])
    cli.start()
    code = await cli.wait_exit(timeout)
    return code, cli.output()


@dataclass(frozen=True)
class CampaignRows:
    """What the database holds of one campaign."""

    invitations: int
    customers: int
    by_status: dict[str, int]
    runs: int
    outbox_rows: int
    """Outbox rows of the campaign lane (one first question per invitation, nothing else)."""
    waiting: int
    """Outbox rows still pending or sending."""

    @property
    def sent(self) -> int:
        return self.by_status.get("sent", 0)


def campaign_rows(database_url: str, name: str) -> CampaignRows:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            campaign = c.execute(text("SELECT id FROM campaigns WHERE name = :n"),
                                 {"n": name}).scalar_one()
            where = {"c": campaign}
            invitations, customers, runs = c.execute(text(
                "SELECT count(*), count(DISTINCT customer_id), count(DISTINCT run_id) "
                "FROM invitations WHERE campaign_id = :c"), where).one()
            by_status = {str(s): int(n) for s, n in c.execute(text(
                "SELECT status, count(*) FROM invitations WHERE campaign_id = :c "
                "GROUP BY status"), where)}
            outbox_rows = c.execute(text("SELECT count(*) FROM outbox WHERE lane = 2"))
            waiting = c.execute(text(
                "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"))
            return CampaignRows(int(invitations), int(customers), by_status, int(runs),
                                int(outbox_rows.scalar_one()), int(waiting.scalar_one()))
    finally:
        engine.dispose()


async def wait_sent(database_url: str, name: str, expected: int, *,
                    timeout: float = 60) -> CampaignRows:
    """Until ``expected`` invitations of the campaign are sent and the outbox is empty (or the
    time runs out): what the database holds then."""
    import asyncio

    deadline = time.monotonic() + timeout
    while True:
        rows = campaign_rows(database_url, name)
        if (rows.sent >= expected and rows.waiting == 0) or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.5)
