"""A campaign killed halfway and resumed (issue 11), on SQLite and PostgreSQL: 1,000 imported
customers with Telegram ids, a campaign made with ``survey-bot campaign create``, sent by a real
``survey-bot worker`` (long polling) at the Bot API stand-in's overall limit, SIGKILLed when
about half were accepted (at the moment the stand-in accepted a send, before its answer
leaves), started again.  Afterwards every chat received the first question, the engine
decided each once (one invitation, one survey run, one outbox row per customer), every
invitation is sent, and a chat that received it twice is one the restarted process named in
its log as sent again in the duplicate window (docs/delivery.md), which holds only the sends
of the last moment before the kill (the one the kill interrupted, and any whose outcome was
not recorded yet: at most a second of the pace; measured: one on a quiet machine, up to nine
with the suite's four test processes on two cores).  The same with Slack DMs,
fewer of them, through the ``worker`` serving the Slack queues."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.campaign_run import (
    FAST_CAMPAIGN,
    add_customers,
    campaign_rows,
    create_campaign,
    wait_sent,
)
from tests.processes import BotProcess, BotProcesses, bot_env
from tests.slack.standin import SlackAPIStandIn
from tests.standin_limits import Delivery
from tests.telegram.shapes import TelegramLimits
from tests.telegram.standin import BotAPIStandIn

pytestmark = pytest.mark.timeout(300)
WINDOW = re.compile(r"the duplicate window")
RATE = 50
"""The stand-in's overall limit a second, and the bot's campaign pace (TELEGRAM_BULK_RATE)."""
SLACK_PACE = 40
"""The bot's Slack campaign pace a second (SLACK_WAVE_PER_SECOND)."""
FIRST_ID = 70_000


class HalfwayKiller:
    """SIGKILLs ``bot`` when the stand-in accepts the ``after``-th first question."""

    def __init__(self, bot: BotProcess, after: int, counts: Callable[[Delivery], bool]) -> None:
        self.bot = bot
        self.after = after
        self.counts = counts
        self.seen = 0
        self.code: int | None = None
        self.killed = asyncio.Event()
        self.logs: list[Path] = []
        self.started = time.monotonic()
        self.killed_at = 0.0

    def on_add(self, entry: Delivery) -> None:
        if not self.counts(entry):
            return
        self.seen += 1
        if self.code is None and self.seen >= self.after:
            self.code = self.bot.kill()
            self.killed_at = time.monotonic() - self.started
            self.logs.append(self.bot.log_path)
            self.killed.set()

    def window(self) -> int:
        return sum(len(WINDOW.findall(p.read_text(errors="replace")))
                   for p in [*self.logs, self.bot.log_path])


def _first_questions(entries: list[Delivery], chats: set[Any]) -> Counter[Any]:
    return Counter(e.chat for e in entries if e.chat in chats)


def _check(name: str, database_url: str, count: int, received: Counter[Any],
           killer: HalfwayKiller, label: str, pace: float) -> None:
    rows = campaign_rows(database_url, name)
    twice = sum(n - 1 for n in received.values() if n > 1)
    window = killer.window()
    print(f"\n{label}: killed at send {killer.after} of {count} after {killer.killed_at:.1f} s, "
          f"all sent after {time.monotonic() - killer.started:.1f} s; {len(received)} chats "
          f"received it, {twice} twice, {window} rows sent again in the duplicate window; "
          f"invitations {rows.by_status}")
    assert killer.code == -signal.SIGKILL, "the bot was never killed"
    assert len(received) == count, "somebody was skipped"
    assert rows.invitations == rows.customers == rows.runs == rows.outbox_rows == count
    assert rows.by_status == {"sent": count}
    assert twice <= window, {chat: n for chat, n in received.items() if n > 1}
    # The dispatcher records outcomes as they come and a feeding step holds the write lock
    # for a moment only, so the window is the last instant's sends, not seconds of them.
    assert twice <= pace, f"{twice} sent twice: more than a second of the pace"


async def test_telegram_campaign_killed_halfway(database_url: str, tmp_path: Path,
                                                bot_processes: BotProcesses) -> None:
    count = 1000
    add_customers(database_url, count, telegram_from=FIRST_ID)
    chats = set(range(FIRST_ID, FIRST_ID + count))
    limits = TelegramLimits(private=None, group_per_minute=None, overall=RATE,
                            overall_burst=RATE)
    async with BotAPIStandIn(limits=limits) as api:
        env = bot_env(database_url, telegram_api=api.base_url, telegram_bulk_rate=str(RATE),
                      **FAST_CAMPAIGN)
        bot = bot_processes.start("worker", env)
        await bot.wait_ready(until=lambda: bool(api.sent("getUpdates")))
        killer = HalfwayKiller(bot, count // 2,
                               lambda e: e.method == "sendMessage" and e.chat in chats)
        api.log.on_add.append(killer.on_add)
        code, said = await create_campaign(env, tmp_path, "halfway", "--channel", "telegram")
        assert code == 0, said
        assert "1,000 people will receive it" in said, said
        await asyncio.wait_for(killer.killed.wait(), 120)
        await bot.restart()
        rows = await wait_sent(database_url, "halfway", count, timeout=120)
        assert rows.sent == count, rows
        received = _first_questions(api.log.select(methods=("sendMessage",)), chats)
        assert not api.limited or all(m == "sendMessage" for _, m, _, _ in api.limited)
        _check("halfway", database_url, count, received, killer, "telegram campaign", RATE)


async def test_slack_campaign_killed_halfway(database_url: str, tmp_path: Path,
                                             bot_processes: BotProcesses) -> None:
    count = 200
    add_customers(database_url, count, slack_prefix="UC")
    async with SlackAPIStandIn() as api:
        for i in range(1, count + 1):
            api.add_user(f"UC{i}", f"Customer {i}")
        env = bot_env(database_url, slack_api=api.base_url, slack_wave_per_second=str(SLACK_PACE),
                      **FAST_CAMPAIGN)
        bot = bot_processes.start("worker", env)  # the queues of the Slack app `web` serves
        await bot.wait_ready(until=lambda: bool(api.sent("auth.test")), timeout=30)
        killer = HalfwayKiller(bot, count // 2, lambda e: e.method == "chat.postMessage")
        api.log.on_add.append(killer.on_add)
        code, said = await create_campaign(env, tmp_path, "halfway-slack", "--channel",
                                           "slack")
        assert code == 0, said
        await asyncio.wait_for(killer.killed.wait(), 120)
        await bot.restart()
        rows = await wait_sent(database_url, "halfway-slack", count, timeout=120)
        assert rows.sent == count, rows
        dms = {e.chat for e in api.log.select(methods=("chat.postMessage",))}
        received = _first_questions(api.log.select(methods=("chat.postMessage",)), dms)
        _check("halfway-slack", database_url, count, received, killer, "slack campaign",
               SLACK_PACE)
