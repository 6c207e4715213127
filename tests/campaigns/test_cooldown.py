"""Cooldown across campaigns and channels, per metric, and surveys in progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.campaigns.spec import CampaignSpec
from bot.engine import Engine
from tests.campaigns.helpers import (
    Clock,
    add_customers,
    bind_all,
    customer,
    make_engine,
    outcome_of,
    tick_all,
)
from tests.helpers import Person, texts


def test_asked_on_telegram_is_skipped_on_slack(engine_clock: tuple[Engine, Clock]) -> None:
    engine, clock = engine_clock
    add_customers(engine, [customer("both", telegram_id="t1", slack_id="S1"),
                           customer("slack-only", slack_id="S2")])
    # Both campaigns planned before anything went: the cooldown is checked again at the send.
    engine.create_campaign(CampaignSpec("tg", "nps", channel="telegram"))
    engine.create_campaign(CampaignSpec("sl", "nps", channel="slack"))
    assert [s.user_id for s in tick_all(engine, "telegram")] == ["t1"]
    clock.advance(minutes=1)  # unanswered, the Telegram survey is in progress
    engine.pause_campaign("sl")
    assert tick_all(engine, "slack") == []
    clock.advance(days=4)  # and then abandoned: the cooldown still holds
    engine.resume_campaign("sl")
    assert [s.user_id for s in tick_all(engine, "slack")] == ["S2"]
    assert outcome_of(engine, "sl") == {"both": "cooldown", "slack-only": "sent"}
    # A campaign made later skips both; after 30 days they may be asked again.
    clock.advance(days=4)
    assert engine.create_campaign(CampaignSpec("later", "csat")).skipped == {"cooldown": 2}
    clock.advance(days=30)
    assert engine.create_campaign(CampaignSpec("month", "csat")).recipients == 2


def test_a_metric_may_have_its_own_cooldown(make_settings: Callable[..., Any]) -> None:
    for engine, clock in make_engine(make_settings, survey_cooldown_metrics="csat=0,ces=7"):
        add_customers(engine, [customer("a", telegram_id="1")])
        engine.create_campaign(CampaignSpec("ces1", "ces", channel="telegram"))
        assert len(tick_all(engine, "telegram")) == 1
        clock.advance(days=3, minutes=1)  # unanswered, no longer in progress
        # CES counts only CES surveys, for 7 days; CSAT has none; NPS counts any survey.
        assert engine.create_campaign(CampaignSpec("ces2", "ces")).skipped == {"cooldown": 1}
        assert engine.create_campaign(CampaignSpec("csat1", "csat")).recipients == 1
        assert engine.create_campaign(CampaignSpec("nps1", "nps")).skipped == {"cooldown": 1}
        clock.advance(days=4)
        assert engine.create_campaign(CampaignSpec("ces3", "ces")).recipients == 1


def test_a_survey_in_progress_is_never_interrupted(engine_clock: tuple[Engine, Clock]) -> None:
    engine, clock = engine_clock
    add_customers(engine, [customer("busy"), customer("free")])
    bind_all(engine, "console")
    engine.create_campaign(CampaignSpec("c1", "csat", channel="console", cooldown_days=0))
    busy = Person(engine, "u-busy")
    assert "recommend" in texts(busy.command("start"))  # they started one themselves
    assert [s.user_id for s in tick_all(engine, "console")] == ["u-free"]
    assert outcome_of(engine, "c1")["busy"] == "in_progress"
    assert "What do you value most" in texts(busy.say("9"))  # their own survey goes on
    assert engine.create_campaign(CampaignSpec(
        "c2", "csat", channel="console", cooldown_days=0)).skipped == {"in_progress": 2}
    # A manager's send (today's Slack waves) does not replace it either.
    assert engine.start_survey_for(channel="console", user_id="u-busy") == []
    # Abandoned for longer than the bound (3 days): a new survey may start.
    clock.advance(days=3, minutes=1)
    assert engine.create_campaign(CampaignSpec(
        "c3", "csat", channel="console", cooldown_days=0)).recipients == 2


def test_a_person_who_starts_a_survey_is_never_refused(
        engine_clock: tuple[Engine, Clock]) -> None:
    engine, clock = engine_clock
    add_customers(engine, [customer("asked")])
    bind_all(engine, "console")
    engine.create_campaign(CampaignSpec("asked", "csat", channel="console"))
    assert len(tick_all(engine, "console")) == 1
    clock.advance(days=1)
    person = Person(engine, "u-asked")
    assert "recommend" in texts(person.command("start", "nps"))
    assert engine.create_campaign(CampaignSpec("again", "csat", channel="console",
                                               cooldown_days=1)).skipped == {"in_progress": 1}
