"""Planning a campaign: who is invited, who is skipped and why, counted by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from bot import privacy, store
from bot.campaigns.spec import CampaignError, CampaignSpec
from bot.engine import Engine
from bot.models import RunStatus
from tests.campaigns.helpers import (
    Clock,
    add_customers,
    customer,
    invitations,
    outcome_of,
    respondent,
    tick_all,
)


def set_account(engine: Engine, channel: str, user_id: str, **flags: bool) -> None:
    with Session(engine.db.engine) as session:
        person = store.find_respondent(session=session, channel=channel, user_id=user_id)
        assert person is not None
        for name, value in flags.items():
            setattr(person, name, value)
        session.add(person)
        session.commit()


def run_for(engine: Engine, channel: str, user_id: str, *, started_ago: timedelta,
            active: bool, survey: str = "nps") -> None:
    """A survey run of that account started ``started_ago`` (and updated then)."""
    with Session(engine.db.engine) as session:
        person = store.find_respondent(session=session, channel=channel, user_id=user_id)
        assert person is not None and person.id is not None
        run = store.start_run(session=session, respondent_id=person.id, survey=survey,
                              campaign=None, now=engine.clock() - started_ago)
        if not active:
            run.status = RunStatus.COMPLETED
        session.add(run)
        session.commit()


@pytest.fixture
def audience(engine_clock: tuple[Engine, Clock]) -> Engine:
    """Eleven customers, each a case of the rules (see the test's hand counts)."""
    engine, _clock = engine_clock
    add_customers(engine, [
        customer("c1", telegram_id="t1"),
        customer("c2", telegram_id="t2"),
        customer("c3", telegram_id="t3"),
        customer("c4", slack_id="S4"),
        customer("c5"),
        customer("c6", telegram_id="t6"),
        customer("c7", telegram_id="t7"),
        customer("c8", telegram_id="t8"),
        customer("c9", telegram_id="t9"),
        customer("c10", telegram_id="t10", slack_id="S10"),
        customer("c11", email="only@example.com"),
    ])
    set_account(engine, "telegram", "t2", opted_out=True)
    set_account(engine, "telegram", "t3", unreachable=True)
    run_for(engine, "telegram", "t6", started_ago=timedelta(hours=1), active=True)
    run_for(engine, "telegram", "t7", started_ago=timedelta(days=10), active=False)
    run_for(engine, "telegram", "t8", started_ago=timedelta(days=40), active=False)
    with Session(engine.db.engine) as session:  # deleted their data, then imported again
        privacy.record_erasure(session=session, channel="telegram", user_id="t9",
                               at=engine.clock())
        session.commit()
    set_account(engine, "telegram", "t10", opted_out=True)  # stop on Telegram: on Slack too
    return engine


def test_skip_reasons_on_one_channel(audience: Engine) -> None:
    preview = audience.create_campaign(CampaignSpec("tg", "nps", channel="telegram"))
    assert preview.recipients == 2 and preview.lookups == 0
    assert preview.skipped == {"cooldown": 1, "erased": 1, "in_progress": 1, "no_account": 3,
                               "opted_out": 2, "unreachable": 1}
    assert outcome_of(audience, "tg") == {
        "c1": "planned", "c2": "opted_out", "c3": "unreachable", "c4": "no_account",
        "c5": "no_account", "c6": "in_progress", "c7": "cooldown", "c8": "planned",
        "c9": "erased", "c10": "opted_out", "c11": "no_account"}
    sent = tick_all(audience, "telegram")
    assert sorted(s.user_id for s in sent) == ["t1", "t8"]
    assert audience.campaign_stats("tg").skipped == preview.skipped


def test_all_channels_choose_the_reachable_account(audience: Engine) -> None:
    preview = audience.create_campaign(CampaignSpec("every", "nps"))
    assert (preview.recipients, preview.lookups) == (4, 1)
    found = outcome_of(audience, "every")
    assert [k for k, v in found.items() if v == "planned"] == ["c1", "c4", "c8", "c11"]
    assert found["c5"] == "no_account" and found["c10"] == "opted_out"
    channels = {inv.customer_id: inv.channel for inv in invitations(audience)
                if inv.status == "planned"}
    assert sorted(c or "" for c in channels.values()) == ["slack", "slack", "telegram",
                                                          "telegram"]
    # The e-mail-only customer waits for the Slack look-up; the others go.
    assert sorted(s.user_id for s in tick_all(audience, "slack")) == ["S4"]
    assert sorted(s.user_id for s in tick_all(audience, "telegram")) == ["t1", "t8"]
    assert audience.campaign_stats("every").planned == 1


def test_cooldown_zero_and_a_shorter_one(audience: Engine) -> None:
    none = audience.create_campaign(CampaignSpec("zero", "nps", channel="telegram",
                                                 cooldown_days=0))
    assert "cooldown" not in none.skipped and none.recipients == 3
    week = audience.create_campaign(CampaignSpec("week", "nps", channel="telegram",
                                                 cooldown_days=7))
    assert "cooldown" not in week.skipped  # c7 was asked 10 days ago


def test_targets_plan_exactly_those_people(audience: Engine) -> None:
    preview = audience.create_campaign(CampaignSpec(
        "named", "nps", channel="telegram", targets=("t1", "t2", "new-person", "t1")))
    assert preview.recipients == 2 and preview.skipped == {"opted_out": 1}
    assert outcome_of(audience, "named") == {"c1": "planned", "c2": "opted_out",
                                             "new-person": "planned"}
    assert respondent(audience, "telegram", "new-person").customer_id is not None
    sent = tick_all(audience, "telegram")
    assert sorted((s.user_id, s.chat_id) for s in sent) == [("new-person", "new-person"),
                                                           ("t1", "t1")]


def test_a_draft_sends_nothing_before_launch(audience: Engine) -> None:
    preview = audience.create_campaign(CampaignSpec("draft", "nps", channel="telegram",
                                                    draft=True))
    assert preview.recipients == 2
    assert tick_all(audience, "telegram") == []
    assert audience.campaign_stats("draft").status == "draft"
    assert audience.launch_campaign("draft") == preview
    assert len(tick_all(audience, "telegram")) == 2
    with pytest.raises(CampaignError) as caught:
        audience.launch_campaign("draft")
    assert caught.value.code == "bad_state"


@pytest.mark.parametrize("spec,code", [
    (CampaignSpec("p-x", "nps"), "bad_name"),
    (CampaignSpec("a b", "nps"), "bad_name"),
    (CampaignSpec("a__b", "nps"), "bad_name"),
    (CampaignSpec("ok", "nope"), "unknown_survey"),
    (CampaignSpec("ok", "nps", channel="fax"), "bad_channel"),
    (CampaignSpec("ok", "nps", targets=("t1",)), "bad_channel"),  # targets name one channel
])
def test_bad_campaigns_change_nothing(audience: Engine, spec: CampaignSpec, code: str) -> None:
    with pytest.raises(CampaignError) as caught:
        audience.create_campaign(spec)
    assert caught.value.code == code and str(caught.value)
    assert invitations(audience) == [] and audience.campaign_list() == []


def test_a_name_is_taken_once(audience: Engine) -> None:
    audience.create_campaign(CampaignSpec("once", "nps", channel="telegram"))
    with pytest.raises(CampaignError) as caught:
        audience.create_campaign(CampaignSpec("once", "csat", channel="slack"))
    assert caught.value.code == "name_taken"
    assert [s.name for s in audience.campaign_list()] == ["once"]
    with pytest.raises(CampaignError) as unknown:
        audience.campaign_stats("never")
    assert unknown.value.code == "unknown_campaign"
