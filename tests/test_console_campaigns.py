"""``/nps send all`` on the console: the preview with numbered Send / Cancel, the campaign sent
at once when Send is picked (the console runs no campaign service), the word when it is
over."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session

from adapters.console import ConsoleChannel
from adapters.console.channel import CUSTOMER_ID
from bot.app import build_engine
from bot.audience.customers import CustomerRecord, bind, upsert_customer
from bot.campaign_tables import CampaignStatus
from bot.engine import Engine
from tests.chat_campaigns import EVERY_HOUR, campaign_named

NPS_Q = "How likely are you to recommend us to a friend or colleague?"


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    """The console's customer side is an imported customer's account."""
    eng = build_engine(make_settings(console_manager=True, send_window=EVERY_HOUR))
    with Session(eng.db.engine) as session:
        customer, _ = upsert_customer(session=session, record=CustomerRecord("c1"),
                                      now=eng.clock())
        bind(session=session, customer=customer, channel="console", user_id=CUSTOMER_ID,
             now=eng.clock())
        session.commit()
    yield eng
    eng.db.dispose()


def lines(out: list[str]) -> list[str]:
    return [line for chunk in out for line in chunk.splitlines()]


def test_a_console_manager_previews_then_sends(engine: Engine) -> None:
    console = ConsoleChannel(engine, demo=True, lang="en")
    console.feed("/help")  # the customer's side: a person the bot knows
    console.feed("/switch")
    out = lines(console.feed("/nps send all"))
    assert out[1:] == ["The survey will go to 1 person.", "Nothing is sent until you press Send.",
                       "  #1) Send   #2) Cancel"]
    assert campaign_named(engine, "nps-")[0].status == CampaignStatus.DRAFT
    out = lines(console.feed("#1"))
    assert out[:3] == ["✓ The survey will go to 1 person.", "",
                        "Sending the survey to 1 person."]
    assert out[-1] == "Survey sent to 1 of 1; the others opted out or cannot be reached."
    customer = out.index("── Customer's chat ──")
    assert out[customer + 1] == "Hello! We would value your opinion; it takes a minute."
    assert sum(NPS_Q in line for line in out) == 1
    assert campaign_named(engine, "nps-")[0].status in (CampaignStatus.ACTIVE,
                                                        CampaignStatus.DONE)


def test_a_console_manager_cancels(engine: Engine) -> None:
    console = ConsoleChannel(engine, demo=True, lang="en")
    console.feed("/help")
    console.feed("/switch")
    console.feed("/csat send all")
    out = console.feed("#2")
    assert out[-1] == "✓ Cancelled: the survey was not sent."
    assert not any("How satisfied" in line for line in out)
    assert campaign_named(engine, "csat-")[0].status == CampaignStatus.CANCELLED
