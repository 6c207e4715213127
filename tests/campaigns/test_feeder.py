"""The campaign feeder end to end on the engine, SQLite and PostgreSQL."""

from __future__ import annotations

from bot.campaign_tables import InvitationStatus
from bot.campaigns.spec import CampaignSpec
from bot.engine import Engine
from tests.campaigns.helpers import (
    Clock,
    add_customers,
    customer,
    invitations,
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
