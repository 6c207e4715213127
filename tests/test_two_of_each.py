"""Two ``survey-bot web`` instances (gunicorn, two web processes each) and two ``survey-bot
worker`` processes on PostgreSQL (issue 10), with the Bot API stand-in enforcing Telegram's
limits at raised values and the bot pacing at the same values: customers answer over the
webhook, half to each instance.  Every message is sent once, and the pacing shared through the
``pacing`` table holds across the four dispatching processes, as measured at the stand-in.

With a webhook configured, a ``worker`` does not poll (the web processes dispatch): both stay
up and neither calls ``getUpdates``.  A second poller refusing to start is
tests/telegram/test_poller.py's."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import free_port
from tests.load import TelegramLoad, answers_mismatch, plans
from tests.processes import BotProcesses, bot_env
from tests.telegram.standin import GROUP, PRIVATE, BotAPIStandIn, TelegramLimits
from tests.test_outage import wait_left_over_empty

pytestmark = pytest.mark.timeout(150)
CUSTOMERS = 12  # 6 on each web instance
PRIVATE_RATE, BURST, GROUP_PER_MINUTE, OVERALL = 5.0, 3, 60.0, 100.0
"""OVERALL is raised from Telegram's ~30 a second: the bot spends that budget on campaign
sends only (replies to incoming messages do not wait for it), and twelve customers starting
at the same instant answered by six processes took 56 in a second; the per-chat and per-group
limits are what this test measures across processes."""
SECRET = "two-of-each-secret"
HANDFUL = 5
MARGIN = 0.9
"""The bot paces at 90 % of the stand-in's limits, as an operator leaves a margin: sends at
exactly the limit's spacing are squeezed together by the network's (here the scheduler's)
jitter and answered 429 now and then (seen: 8 on a loaded machine)."""


async def test_two_web_and_two_workers_on_postgres(postgres_url: str,
                                                   bot_processes: BotProcesses) -> None:
    limits = TelegramLimits(private=PRIVATE_RATE, private_burst=BURST,
                            group_per_minute=GROUP_PER_MINUTE, group_burst=BURST,
                            overall=OVERALL, overall_burst=OVERALL)
    async with BotAPIStandIn(limits=limits) as api:
        ports = [free_port(), free_port()]
        urls = [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]
        pacing = {"telegram_chat_rate": str(PRIVATE_RATE * MARGIN),
                  "telegram_chat_burst": str(BURST),
                  "telegram_group_rate": str(GROUP_PER_MINUTE * MARGIN),
                  "telegram_group_burst": str(BURST), "telegram_bulk_rate": str(OVERALL * MARGIN),
                  "telegram_webhook_secret": SECRET}
        webs = [bot_processes.start("web", bot_env(
            postgres_url, telegram_api=api.base_url, port=port, web_concurrency="2",
            telegram_webhook_url=urls[0], **pacing)) for port in ports]
        for web, port in zip(webs, ports, strict=True):
            await web.wait_ready(healthz=port, timeout=60)
        workers = [bot_processes.start("worker", bot_env(
            postgres_url, telegram_api=api.base_url, telegram_webhook_url=urls[0], **pacing))
            for _ in range(2)]
        await asyncio.sleep(1.0)  # long enough for a worker that would poll to have begun
        loads = [TelegramLoad(api, webhook_url=url, secret=SECRET) for url in urls]
        results = await asyncio.gather(*(
            load.run(plans(CUSTOMERS // 2, first=50_000 + 1000 * i, seed=i), manager=i == 0,
                     timeout=90) for i, load in enumerate(loads)))
        left = await wait_left_over_empty(postgres_url)
        private = api.log.peak_per_chat(1.0, chat=PRIVATE)
        group_peak = api.log.peak(60.0, chat=GROUP)
        print(f"\ntwo of each: {len(api.log)} sends accepted, {len(api.limited)} answered 429 "
              f"by the stand-in's limits; peak a second overall {api.log.peak(1.0)} "
              f"(limit {OVERALL:g} + burst {OVERALL:g}), "
              f"per private chat {max(private.values(), default=0)} "
              f"(limit {PRIVATE_RATE:g} + burst {BURST}), the group in 60 s {group_peak} "
              f"(limit {GROUP_PER_MINUTE:g} + burst {BURST}); webhook answers "
              f"{[dict(load.statuses) for load in loads]}")
        for result in results:
            assert not result.stuck, result.summary()
            assert answers_mismatch(result, postgres_url, "telegram") == []
        assert results[0].manager.claimed
        assert api.log.duplicates() == {}
        assert len(api.limited) <= HANDFUL, api.limited
        # Replies to incoming messages do not wait for the bulk budget (only the campaign lane
        # does), so the whole-bot figure is bounded by what the stand-in's bucket admits in a
        # second: its rate plus its burst.
        assert api.log.peak(1.0) <= OVERALL + OVERALL
        assert max(private.values()) <= PRIVATE_RATE + BURST
        assert group_peak <= GROUP_PER_MINUTE + BURST
        assert left == {}
        assert api.sent("getUpdates") == []
        assert all(worker.alive for worker in workers), [w.output()[-2000:] for w in workers]
        assert all(web.alive for web in webs)
