"""The load drivers notice what a bot did not do: nobody answering, nothing acknowledged."""

from __future__ import annotations

from tests.helpers import free_port
from tests.load import SlackLoad, TelegramLoad, plans
from tests.slack.standin import SlackAPIStandIn
from tests.telegram.standin import BotAPIStandIn


async def test_telegram_customers_without_a_bot_are_stuck() -> None:
    async with BotAPIStandIn() as api:
        result = await TelegramLoad(api).run(3, timeout=0.3)
    assert len(result.stuck) == 3 and not result.finished
    assert [s.kind for s in result.sent] == ["start"] * 3
    assert all(s.accepted() and not s.is_acked() for s in result.sent)  # queued, never polled
    assert "0 of 3 customers finished" in result.summary()


async def test_slack_requests_nobody_answers_are_sent_again_then_given_up() -> None:
    async with SlackAPIStandIn() as api:
        load = SlackLoad(api, f"http://127.0.0.1:{free_port()}/slack/events",
                         retry_pauses=(0.01, 0.01))
        result = await load.run(plans(1, prefix="UX"), manager=False, timeout=0.2)
    assert result.stuck and result.customers[0].repeats >= 1
    first = result.sent[0]
    assert first.kind == "start" and first.attempts == 3 and first.status is None
    assert result.acknowledged() == []
