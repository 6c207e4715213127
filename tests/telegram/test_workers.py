"""The Telegram channel with the engine in worker processes (``ENGINE_PROCESSES``): the same
customer, manager and delivery tests, run through the workers."""

from __future__ import annotations

import logging
import os
import signal

import pytest

from tests.telegram import test_customers as customers
from tests.telegram import test_delivery as delivery
from tests.telegram import test_managers as managers
from tests.telegram.harness import Harness


async def test_survey_in_workers(tg_workers: Harness) -> None:
    await customers.test_survey_with_buttons_and_typed_answers(tg_workers, "ro", "ro", "opt", "4")


async def test_alert_loop_in_workers(tg_workers: Harness) -> None:
    await managers.test_detractor_alert_claim_reply_resolve(tg_workers)


async def test_summary_in_workers(tg_workers: Harness) -> None:
    await managers.test_summary_for_managers_only(tg_workers)


async def test_redelivery_in_workers(tg_workers: Harness) -> None:
    await delivery.test_update_delivered_twice_is_stored_once(tg_workers)


async def test_a_dead_worker_is_replaced(tg_workers: Harness,
                                         caplog: pytest.LogCaptureFixture) -> None:
    """A worker killed mid-survey: its pool is replaced and the survey goes on, each answer
    stored once."""
    customer = tg_workers.person(401, "Ion", "ro")
    await customer.say("/start")
    await customer.press("9")
    pool = tg_workers.channel.call.processes
    assert pool is not None
    for pid in pool.pids:
        os.kill(pid, signal.SIGKILL)
    with caplog.at_level(logging.ERROR, logger="bot.workers"):
        await customer.say("Livrare rapidă")
    assert "a worker process died" in caplog.text
    await customer.press("5")
    assert [(a.metric, a.score, a.comment) for a in tg_workers.answers()] == [
        ("nps", 9, "Livrare rapidă"), ("csat", 5, None)]
