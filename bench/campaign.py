"""A campaign from ``survey-bot campaign create`` to the last send, through a real
``survey-bot worker`` process and a platform stand-in in a process of its own.

    python bench/campaign.py [--telegram 10000] [--slack 2000] [--database sqlite|postgresql|both]
    python bench/campaign.py --quick      # 1,000 at 100/s and 300 at 50/s: under a minute

Telegram: imported customers with Telegram ids, the stand-in enforcing Telegram's 30 messages a
second for the whole bot (bursts of 30), the worker pacing campaigns at TELEGRAM_BULK_RATE (the
same 30).  Slack: customers with Slack ids, DMs through ``conversations.open`` and
``chat.postMessage``, the stand-in enforcing Slack's posting limit of one message a second per
channel (bursts of 3), the worker pacing at SLACK_WAVE_PER_SECOND (no workspace-wide limit is
published, so the bot's own pace is the one measured against).

Printed per database and channel: the achieved send rate (first to last accepted send) against
the limit (target at least 0.95); the time from starting ``campaign create`` to the first send
the stand-in accepted (the command's own start-up, its planning, and the worker's next tick);
the worker's resident memory sampled over the run (start, peak, end); the 429s the stand-in
answered and how many were left unhandled (a recipient never reached, or reached twice:
target 0).  Nothing reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bot.db import upgrade
from tests.campaign_run import FAST_CAMPAIGN, add_customers, create_campaign, wait_sent
from tests.processes import BotProcess, bot_env

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TELEGRAM_FROM = 100_000
SLACK_PREFIX = "UB"


class RemoteStandIn:
    """A platform stand-in (``telegram`` or ``slack``) in a process of its own, driven over a
    pipe; ``rate``: Telegram's overall limit a second (Slack's is per channel)."""

    def __init__(self, platform: str, rate: float, users: int = 0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=standin_process, args=(child, platform, rate, users),
                                    daemon=True)
        self._process.start()
        if not self._conn.poll(60):
            raise RuntimeError(f"the {platform} stand-in did not start in 60 s")
        self.base_url: str = self._conn.recv()

    def figures(self) -> dict[str, Any]:
        self._conn.send("figures")
        if not self._conn.poll(60):
            raise RuntimeError("the stand-in did not answer")
        return cast(dict[str, Any], self._conn.recv())

    def close(self) -> None:
        try:
            self._conn.send("stop")
        finally:
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.kill()


def standin_process(conn: Connection, platform: str, rate: float, users: int) -> None:
    logging.basicConfig(level=logging.ERROR)

    async def main() -> None:
        api: Any
        if platform == "telegram":
            from tests.telegram.shapes import TelegramLimits
            from tests.telegram.standin import BotAPIStandIn

            api = BotAPIStandIn(limits=TelegramLimits(private=None, group_per_minute=None,
                                                      overall=rate, overall_burst=rate))
            ready, post = "getUpdates", "sendMessage"
        else:
            from tests.slack.limits import SlackLimits
            from tests.slack.standin import SlackAPIStandIn

            api = SlackAPIStandIn(limits=SlackLimits())
            for i in range(1, users + 1):
                api.add_user(f"{SLACK_PREFIX}{i}", f"Customer {i}")
            ready, post = "auth.test", "chat.postMessage"
        async with api:
            conn.send(api.base_url)
            loop = asyncio.get_running_loop()
            while await loop.run_in_executor(None, conn.recv) != "stop":
                sends = api.log.select(methods=(post,))
                stamps = [e.at for e in sends]
                conn.send({"ready": bool(api.sent(ready)), "accepted": len(sends),
                           "reached": len({e.chat for e in sends}),
                           "first": min(stamps, default=0.0), "last": max(stamps, default=0.0),
                           "limited": len(api.limited),
                           "twice": sum(n - 1 for n in api.log.duplicates((post,)).values())})

    asyncio.run(main())


def databases(which: str) -> list[tuple[str, str]]:
    """A fresh SQLite file and/or PostgreSQL database, by label."""
    out = []
    if which in ("sqlite", "both"):
        out.append(("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench-campaign.db"))
    if which in ("postgresql", "both"):
        name = f"bench_campaign_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{name}"')
        out.append(("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"))
    return out


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        _admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _admin(sql: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid`` (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def until(check: Any, timeout: float, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not done in {timeout:.0f} s")
        await asyncio.sleep(every)


async def one_run(url: str, platform: str, count: int, rate: float) -> dict[str, Any]:
    """One campaign of ``count`` on ``platform`` at ``rate``: its figures."""
    await asyncio.to_thread(upgrade, url)
    if platform == "telegram":
        await asyncio.to_thread(add_customers, url, count, telegram_from=TELEGRAM_FROM)
    else:
        await asyncio.to_thread(add_customers, url, count, slack_prefix=SLACK_PREFIX)
    api = await asyncio.to_thread(RemoteStandIn, platform, rate, count)
    work = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    if platform == "telegram":
        env = bot_env(url, telegram_api=api.base_url, telegram_bulk_rate=f"{rate:g}",
                      **FAST_CAMPAIGN)
    else:
        env = bot_env(url, slack_api=api.base_url, slack_wave_per_second=f"{rate:g}",
                      **FAST_CAMPAIGN)
    env["LOG_LEVEL"] = "WARNING"
    bot = BotProcess("worker", env, cwd=work).start()
    memory: list[float] = []
    try:
        await bot.wait_ready(until=lambda: bool(api.figures()["ready"]), timeout=60)
        memory.append(rss_mib(bot.pid))
        started = time.monotonic()
        code, said = await create_campaign(env, work, "bench", "--channel", platform)
        if code != 0:
            raise RuntimeError(f"campaign create failed: {said}")
        created = time.monotonic() - started
        sampler = asyncio.create_task(_sample(bot.pid, memory))
        timeout = count / rate * 4 + 120
        try:
            await until(lambda: api.figures()["reached"] >= count, timeout, every=0.5)
        except RuntimeError:  # reported below as lost
            print(f"not every recipient reached in {timeout:.0f} s")
        rows = await wait_sent(url, "bench", count, timeout=30)
        sampler.cancel()
        memory.append(rss_mib(bot.pid))
        figures = api.figures()
    finally:
        await bot.terminate(timeout=20)
        await asyncio.to_thread(api.close)
    span = figures["last"] - figures["first"]
    achieved = (figures["accepted"] - 1) / span if span > 0 else 0.0
    return {"count": count, "rate": rate, "achieved": achieved, "share": achieved / rate,
            "first_send": figures["first"] - started, "create": created,
            "limited": figures["limited"], "lost": count - figures["reached"],
            "twice": figures["twice"], "sent": rows.sent, "rss_start": memory[0],
            "rss_peak": max(memory), "rss_end": memory[-1]}


async def _sample(pid: int, memory: list[float]) -> None:
    while True:
        memory.append(rss_mib(pid))
        await asyncio.sleep(0.5)


def report(label: str, platform: str, r: dict[str, Any]) -> bool:
    unhandled = r["lost"] + r["twice"]
    print(f"{label:10} {platform:8} {r['count']:>6} sent at {r['achieved']:6.2f}/s "
          f"({r['share']:.3f} of {r['rate']:g}/s); first send {r['first_send']:.2f} s after "
          f"`campaign create` started (the command itself took {r['create']:.2f} s); worker "
          f"RSS {r['rss_start']:.0f} → peak {r['rss_peak']:.0f} → {r['rss_end']:.0f} MiB; "
          f"429s answered {r['limited']}, left unhandled {unhandled} (lost {r['lost']}, sent "
          f"twice {r['twice']}); invitations sent {r['sent']}")
    return unhandled == 0 and r["sent"] == r["count"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--telegram", type=int, default=10_000, help="Telegram recipients")
    parser.add_argument("--telegram-rate", type=float, default=30.0,
                        help="the stand-in's overall limit and TELEGRAM_BULK_RATE (30)")
    parser.add_argument("--slack", type=int, default=2_000, help="Slack DMs")
    parser.add_argument("--slack-rate", type=float, default=20.0,
                        help="SLACK_WAVE_PER_SECOND (20)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true",
                        help="1,000 Telegram at 100/s and 300 Slack DMs at 50/s")
    args = parser.parse_args()
    if args.quick:
        args.telegram, args.telegram_rate, args.slack, args.slack_rate = 1000, 100.0, 300, 50.0
    print(f"Telegram stand-in: {args.telegram_rate:g} messages a second for the whole bot "
          f"(bursts of {args.telegram_rate:g}), no per-chat limit in play (one message each); "
          f"TELEGRAM_BULK_RATE={args.telegram_rate:g}")
    print("Slack stand-in: chat.postMessage 1 a second per channel or DM (bursts of 3); "
          f"SLACK_WAVE_PER_SECOND={args.slack_rate:g}")
    ok = True
    for platform, count, rate in (("telegram", args.telegram, args.telegram_rate),
                                  ("slack", args.slack, args.slack_rate)):
        if count <= 0:
            continue
        for label, url in databases(args.database):
            try:
                r = asyncio.run(one_run(url, platform, count, rate))
            finally:
                drop(url)
            ok = report(label, platform, r) and ok
    if not ok:
        print("FAILED: a recipient was lost or reached twice")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
