"""The campaign feeder end to end on the engine, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.campaign_tables import InvitationStatus
from bot.campaigns.spec import CampaignError, CampaignSpec
from bot.engine import Engine
from bot.messages import SendTo
from bot.models import OutboxMessage, SurveyRun
from tests.campaigns.helpers import (
    Clock,
    add_customers,
    customer,
    deliver,
    invitations,
    make_engine,
    tick_all,
)


def test_a_small_campaign_goes_to_everyone_once(engine_clock: tuple[Engine, Clock]) -> None:
    engine, _clock = engine_clock
    add_customers(engine, [customer(f"c{i}", telegram_id=str(100 + i)) for i in range(5)])
    preview = engine.create_campaign(CampaignSpec("first", "nps", channel="telegram"))
    assert (preview.recipients, preview.skipped) == (5, {})
    sent = tick_all(engine, "telegram", ahead=2)
    assert sorted(s.user_id for s in sent) == [str(100 + i) for i in range(5)]
    assert all("recommend" in s.text for s in sent)
    assert [i.status for i in invitations(engine)] == [InvitationStatus.SENT] * 5
    assert engine.campaign_stats("first").status == "done"
    assert tick_all(engine, "telegram") == []


def test_at_most_ahead_wait_unsent(engine_clock: tuple[Engine, Clock]) -> None:
    engine, _clock = engine_clock
    add_customers(engine, [customer(f"c{i}", telegram_id=str(i)) for i in range(7)])
    engine.create_campaign(CampaignSpec("paced", "nps", channel="telegram"))
    first = engine.campaign_tick("telegram", ahead=3)
    assert len(first) == 3
    assert engine.campaign_tick("telegram", ahead=3) == []  # three wait unsent
    deliver(engine, "telegram", first[:2])
    assert len(engine.campaign_tick("telegram", ahead=3)) == 2
    stats = engine.campaign_stats("paced")
    assert (stats.planned, stats.queued, stats.sent) == (2, 3, 2)


def test_pause_resume_and_cancel(engine_clock: tuple[Engine, Clock]) -> None:
    engine, _clock = engine_clock
    add_customers(engine, [customer(f"c{i}", telegram_id=str(i)) for i in range(6)])
    engine.create_campaign(CampaignSpec("ops", "nps", channel="telegram"))
    queued = engine.campaign_tick("telegram", ahead=2)
    assert engine.pause_campaign("ops").status == "paused"
    deliver(engine, "telegram", queued)  # what was queued still goes
    assert engine.campaign_tick("telegram", ahead=2) == []
    assert engine.resume_campaign("ops").status == "active"
    queued = engine.campaign_tick("telegram", ahead=2)
    assert len(queued) == 2
    stats = engine.cancel_campaign("ops")
    assert (stats.status, stats.cancelled, stats.queued, stats.sent) == ("cancelled", 2, 2, 2)
    deliver(engine, "telegram", queued)
    assert engine.campaign_tick("telegram", ahead=2) == []
    stats = engine.campaign_stats("ops")
    assert (stats.sent, stats.cancelled, stats.planned) == (4, 2, 0)
    with pytest.raises(CampaignError) as caught:
        engine.resume_campaign("ops")
    assert caught.value.code == "bad_state"


def test_quiet_hours_in_each_customers_zone(make_settings: Callable[..., Any]) -> None:
    for engine, clock in make_engine(make_settings, send_window="09:00-20:00"):
        add_customers(engine, [
            customer("utc", telegram_id="1"),  # REPORT_TIMEZONE (UTC): 12:00, open
            customer("shanghai", telegram_id="2", timezone="Asia/Shanghai"),  # 20:00: closed
            customer("new-york", telegram_id="3", timezone="America/New_York"),  # 07:00
        ])
        engine.create_campaign(CampaignSpec("quiet", "nps", channel="telegram",
                                            remind_after=timedelta(hours=23)))
        assert [s.user_id for s in tick_all(engine, "telegram")] == ["1"]
        due = {i.customer_id: i.due_at for i in invitations(engine) if i.status == "planned"}
        assert sorted(due.values()) == [datetime(2026, 12, 2, 14, 0, tzinfo=UTC),  # 09:00 NY
                                        datetime(2026, 12, 3, 1, 0, tzinfo=UTC)]  # 09:00 CN
        clock.now = datetime(2026, 12, 2, 13, 59, tzinfo=UTC)
        assert tick_all(engine, "telegram") == []
        clock.now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
        assert [s.user_id for s in tick_all(engine, "telegram")] == ["3"]
        # 23 hours after the first send it is 11:00 in UTC: the reminder goes; 01:00 in
        # Shanghai is still night (and its first question has not gone).
        clock.now = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
        assert sorted(s.user_id for s in tick_all(engine, "telegram")) == ["1", "2"]
        # New York's reminder is due at 13:00 UTC (08:00 there): it waits for 09:00.
        clock.now = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
        assert tick_all(engine, "telegram") == []
        clock.now = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
        reminded = tick_all(engine, "telegram")
        assert [s.user_id for s in reminded] == ["3"] and "A reminder" in reminded[0].text


def test_two_feeders_never_send_twice(make_settings: Callable[..., Any]) -> None:
    """Two engines (as two processes would) tick the same channel at once: each customer is
    sent the campaign exactly once."""
    engines = [make_engine(make_settings), make_engine(make_settings)]
    (one, _c1), (two, _c2) = (next(engines[0]), next(engines[1]))
    try:
        add_customers(one, [customer(f"c{i}", telegram_id=str(i)) for i in range(60)])
        one.create_campaign(CampaignSpec("race", "nps", channel="telegram"))
        sent: list[list[SendTo]] = [[], []]
        barrier = threading.Barrier(2, timeout=30)

        def feed(index: int, engine: Engine) -> None:
            barrier.wait()
            for _ in range(200):
                ids = engine.campaign_tick("telegram", ahead=7)
                if not ids and engine.campaign_stats("race").planned == 0:
                    return
                sent[index] += [d.item for d in deliver(engine, "telegram", ids)
                                if isinstance(d.item, SendTo)]
        threads = [threading.Thread(target=feed, args=(i, e)) for i, e in enumerate((one, two))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
            assert not thread.is_alive()
        users = [s.user_id for s in sent[0] + sent[1]]
        assert sorted(users) == sorted(str(i) for i in range(60))  # everyone, once
        with Session(one.db.engine) as session:
            runs = session.exec(select(func.count()).select_from(SurveyRun)).one()
            rows = session.exec(select(func.count()).select_from(OutboxMessage)).one()
        assert (runs, rows) == (60, 60)
        stats = one.campaign_stats("race")
        assert (stats.sent, stats.status) == (60, "done")
    finally:
        for gen in engines:
            gen.close()
