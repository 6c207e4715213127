"""The weekly digest at its minute with two real ``survey-bot worker`` processes and a restart
(issue 12), on SQLite and PostgreSQL: DIGEST_SCHEDULE is the current minute, the deployment
ran with that schedule before (so this week's period is due), two workers start at once (each
with its own dispatchers: the Telegram webhook's and the Slack app's queues, which ``web``
serves), the one that wrote the digest is SIGKILLed once it went out and started again.  The
managers' Telegram group, the managers' Slack channel and the manager who turned it on (in
Romanian) each received it once; the database holds one digest row with those three
messages."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.app import build_engine
from bot.messages import Inbound
from bot.settings import Settings
from bot.weekly import DAYS
from tests.campaign_run import FAST_CAMPAIGN
from tests.helpers import seed_answers
from tests.processes import BotProcess, BotProcesses, bot_env
from tests.slack.harness import ALERTS
from tests.slack.standin import SlackAPIStandIn
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID
from tests.telegram.standin import BotAPIStandIn

pytestmark = pytest.mark.timeout(180)
WROTE = re.compile(r"digest of the period from \S+: \d+ messages written")
DECIDED = re.compile(r"digest of the period from \S+: decided already")


def prepare(env: dict[str, str], now: datetime) -> None:
    """What an earlier run of the deployment left: the schedule seen an hour ago, a week of
    answers, and a manager who turned the digest on (in Romanian)."""
    settings = Settings(_env_file=None, **{k.lower(): v for k, v in env.items()  # type: ignore[call-arg]
                                          if k.lower() in Settings.model_fields})
    engine = build_engine(settings)
    try:
        engine.clock = lambda: now - timedelta(hours=1)
        assert engine.send_digest() == []
        engine.clock = lambda: now
        seed_answers(engine, [("nps", s, d, "Prea scump" if s < 7 else None)
                              for s, d in [(10, 1), (4, 2), (9, 3)]], channel="telegram",
                     now=now)
        for args, command in (("ro", "language"), ("digest on", "nps")):
            engine.handle(Inbound("telegram", str(MANAGER_ID), str(MANAGER_ID), text=args,
                                  command=command, event_id=f"prep-{command}"))
    finally:
        engine.db.dispose()


def digest_rows(database_url: str) -> list[tuple[str, int]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return [(str(p), int(m)) for p, m in c.execute(text(
                "SELECT period, messages FROM digests"))]
    finally:
        engine.dispose()


async def outbox_drained(database_url: str, timeout: float = 60) -> None:
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as c:
                waiting = int(c.execute(text(
                    "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"))
                    .scalar_one())
            if not waiting:
                return
            assert time.monotonic() < deadline, f"{waiting} outbox rows still waiting"
            await asyncio.sleep(0.1)
    finally:
        engine.dispose()


async def test_digest_at_its_minute_with_two_workers_and_a_restart(
        database_url: str, tmp_path: Path, bot_processes: BotProcesses) -> None:
    now = datetime.now(UTC)
    schedule = f"{DAYS[now.weekday()]} {now:%H:%M}"
    async with BotAPIStandIn() as tg, SlackAPIStandIn() as slack:
        slack.joined.add(ALERTS)  # the managers' channel, where the bot posts
        env = bot_env(database_url, telegram_api=tg.base_url, slack_api=slack.base_url,
                      telegram_webhook_url="http://127.0.0.1:9/telegram/webhook",
                      digest_schedule=schedule, report_timezone="UTC",
                      telegram_group_rate="3000", **FAST_CAMPAIGN)
        prepare(env, now)
        workers = [bot_processes.start("worker", env), bot_processes.start("worker", env)]
        for worker in workers:
            await worker.wait_ready(log=WROTE.pattern + "|" + DECIDED.pattern, timeout=60)
        [writer] = [w for w in workers if WROTE.search(w.output())]
        await outbox_drained(database_url)
        writer.kill()
        restarted: BotProcess = await writer.restart()
        await restarted.wait_ready(log=DECIDED, timeout=60)
        await outbox_drained(database_url)

        def digests_to(chat: int) -> list[str]:
            return [t for t in tg.texts_to(chat) if "📬" in t]

        team = digests_to(ALERT_CHAT)
        assert len(team) == 1 and team[0].startswith("📬 Weekly digest · ")
        assert "NPS +33 (n = 3)" in team[0]
        own = digests_to(MANAGER_ID)
        assert len(own) == 1 and own[0].startswith("📬 Rezumat săptămânal · "), own
        channel = [c for c in slack.sent("chat.postMessage", ALERTS)
                   if "📬" in str(c.params.get("text"))]
        assert len(channel) == 1
        assert [m for _, m in digest_rows(database_url)] == [6], "three texts, three charts"
        assert len(tg.sent("sendPhoto", ALERT_CHAT)) == len(tg.sent("sendPhoto", MANAGER_ID)) == 1
        assert len(slack.sent("files.completeUploadExternal")) == 1
        assert not WROTE.search(restarted.output())
