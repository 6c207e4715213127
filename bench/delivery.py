"""Drain queued messages through the outbox's dispatcher against the Bot API stand-in at
Telegram's 30 a second, and print what it achieved.

    python bench/delivery.py [--messages 10000] [--rate 30] [--database sqlite|postgresql|both]
    python bench/delivery.py --quick          # 600 messages at 100 a second (CI)

The messages are survey invitations to as many people (the campaign lane, which spends the
bulk budget ``TELEGRAM_BULK_RATE``); the stand-in enforces the same overall limit and answers
429 above it.  Printed per database: the achieved rate and its share of the limit (target at
least 0.95), the 429s the stand-in answered (each one retried after its ``retry_after``), the
messages the stand-in accepted twice (target 0), and the dispatcher's resident memory at the
start, the middle and the end of the drain (flat: the rows are streamed, not held; the
stand-in runs in a process of its own, so its log of every call is not counted).  Nothing
reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import cast

from sqlalchemy import create_engine, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.telegram.client import build_application
from adapters.telegram.sender import TelegramSender
from bot.app import build_engine
from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.outbox import Planned
from bot.messages import SendTo
from bot.models import Lane
from bot.settings import Settings
from tests.telegram.shapes import TelegramLimits
from tests.telegram.standin import TOKEN, BotAPIStandIn

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RemoteStandIn:
    """The Bot API stand-in, enforcing ``rate`` a second for the whole bot, in a process of its
    own (as Telegram's servers would be), driven over a pipe."""

    def __init__(self, rate: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=standin_process, args=(child, rate), daemon=True)
        self._process.start()
        if not self._conn.poll(60):
            raise RuntimeError("the Bot API stand-in did not start in 60 s")
        self.base_url: str = self._conn.recv()

    def figures(self) -> dict[str, int]:
        """Messages accepted, 429s answered, messages accepted more than once."""
        self._conn.send("figures")
        if not self._conn.poll(60):
            raise RuntimeError("the Bot API stand-in did not answer")
        return cast(dict[str, int], self._conn.recv())

    def close(self) -> None:
        try:
            self._conn.send("stop")
        finally:
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.kill()


def standin_process(conn: Connection, rate: float) -> None:
    logging.basicConfig(level=logging.ERROR)
    limits = TelegramLimits(private=None, group_per_minute=None, overall=rate,
                            overall_burst=rate)

    async def main() -> None:
        async with BotAPIStandIn(limits=limits) as api:
            conn.send(api.base_url)
            loop = asyncio.get_running_loop()
            while (command := await loop.run_in_executor(None, conn.recv)) != "stop":
                assert command == "figures"
                conn.send({"accepted": len(api.log.select(methods=("sendMessage",))),
                           "limited": len(api.limited),
                           "twice": sum(c - 1 for c in api.log.duplicates().values())})

    asyncio.run(main())


def queue(engine_db: object, n: int, settings: Settings) -> None:
    from bot.engine import Engine

    assert isinstance(engine_db, Engine)
    now = engine_db.clock()
    with Session(engine_db.db.engine) as session:
        for start in range(0, n, 1000):
            planned = [Planned(SendTo("telegram", str(uid), str(uid),
                                      f"Survey invitation #{uid}"), lane=Lane.CAMPAIGN)
                       for uid in range(start + 1, min(n, start + 1000) + 1)]
            outbox.enqueue(session, planned, channel="telegram", chat_id="", user_id="",
                           origin={}, now=now)
        session.commit()


async def drain(url: str, n: int, rate: float, api: RemoteStandIn) -> dict[str, float]:
    settings = Settings(_env_file=None, database_url=url,  # type: ignore[call-arg]
                        telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
                        telegram_bulk_rate=rate, telegram_chat_rate=rate)
    engine = build_engine(settings)
    queue(engine, n, settings)
    app = build_application(settings, webhook=True)
    await app.initialize()

    async def alert_chat() -> str:
        return ""

    async def migrated(_old: str, _new: str) -> None:
        return None

    sender = TelegramSender(app.bot, settings, alert_chat=alert_chat, migrated=migrated)
    dispatcher = Dispatcher(engine.queues, sender)
    stop = asyncio.Event()
    memory = [rss_mib()]
    started = time.monotonic()
    task = asyncio.create_task(dispatcher.run(stop))
    while True:
        await asyncio.sleep(1.0)
        left = await asyncio.to_thread(engine.queues.waiting, "telegram")
        if left <= n // 2 and len(memory) == 1:
            memory.append(rss_mib())
        if not left:
            break
    elapsed = time.monotonic() - started
    memory.append(rss_mib())
    stop.set()
    await task
    await app.shutdown()
    engine.db.dispose()
    figures = await asyncio.to_thread(api.figures)
    accepted = figures["accepted"]
    return {"sent": accepted, "seconds": elapsed, "rate": accepted / elapsed,
            "share": accepted / elapsed / rate, "429s": figures["limited"],
            "twice": figures["twice"], "rss_start": memory[0],
            "rss_middle": memory[1] if len(memory) > 2 else 0, "rss_end": memory[-1]}


def databases(which: str) -> list[tuple[str, str]]:
    out = []
    if which in ("sqlite", "both"):
        path = Path(tempfile.mkdtemp()) / "bench-delivery.db"
        out.append(("SQLite", f"sqlite:///{path}"))
    if which in ("postgresql", "both"):
        name = f"bench_delivery_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        out.append(("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"))
    return out


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="600 messages at 100 a second")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.rate = 600, 100.0
    print(f"{args.messages} messages at the stand-in's {args.rate:g}/s limit")
    for label, url in databases(args.database):
        api = RemoteStandIn(args.rate)
        try:
            r = asyncio.run(drain(url, args.messages, args.rate, api))
        finally:
            api.close()
            drop(url)
        print(f"{label:10} sent {r['sent']:.0f} in {r['seconds']:.1f} s: {r['rate']:.2f}/s "
              f"({r['share']:.3f} of the limit), 429s answered {r['429s']:.0f} (all retried), "
              f"sent twice {r['twice']:.0f}, RSS {r['rss_start']:.1f} → {r['rss_middle']:.1f} "
              f"→ {r['rss_end']:.1f} MiB")
        if r["sent"] != args.messages or r["twice"]:
            print("FAILED: not every message was sent exactly once")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
