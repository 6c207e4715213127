"""The Slack app with the engine in worker processes (``ENGINE_PROCESSES``): the same customer,
manager and delivery tests, run through the workers."""

from __future__ import annotations

from tests.slack import test_slack_customers as customers
from tests.slack import test_slack_delivery as delivery
from tests.slack import test_slack_managers as managers
from tests.slack.harness import SlackHarness


async def test_survey_in_workers(slack_workers: SlackHarness) -> None:
    await customers.test_survey_in_dm_with_buttons_and_typing(
        slack_workers, "URO1", "ro-RO", "ro", "șapte")


async def test_button_twice_in_workers(slack_workers: SlackHarness) -> None:
    await customers.test_button_pressed_twice_counts_once(slack_workers)


async def test_alert_loop_in_workers(slack_workers: SlackHarness) -> None:
    await managers.test_detractor_alert_claim_reply_resolve(slack_workers)


async def test_summary_in_workers(slack_workers: SlackHarness) -> None:
    await managers.test_summary_ephemeral_for_managers_only(slack_workers)


async def test_retry_in_workers(slack_workers: SlackHarness) -> None:
    await delivery.test_slack_retry_is_stored_once(slack_workers)
