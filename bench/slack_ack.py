"""Time Slack's acknowledgements: 500 concurrent button presses and slash commands.

    .venv/bin/python bench/slack_ack.py [--requests 500] [--skip-postgres]

Serves the real slack-bolt app on 127.0.0.1 (its Web API client pointed at the stand-in from
tests/slack, which runs in a process of its own, as Slack's servers would), opens a survey for
half as many people as there are requests, then fires the requests at once: every person
presses an NPS button and a manager runs `/nps summary 30d` as often.  Each request is signed
as Slack signs it.  Prints p50 / p99 / max time to the HTTP 200, how many took over Slack's 3 s,
and how long the work behind them took to finish.  Target: p99 under 300 ms, none over 3 s.
Reaches nothing but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from adapters.runner import LISTEN_BACKLOG, build_web_app, plan
from adapters.slack.app import CHANNEL_KEY
from bot.app import build_engine
from bot.settings import Settings
from tests.slack.standin import BOT_TOKEN, SIGNING_SECRET, SlackAPIStandIn, SlackSender, sign

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
MANAGER = "UMANAGER1"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class RemoteStandIn:
    """The Slack Web API stand-in in a process of its own, driven over a pipe (set-up only)."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=standin_process, args=(child,))
        self._process.start()
        if not self._conn.poll(60):
            raise RuntimeError("the Slack stand-in did not start in 60 s")
        self.base_url: str = self._conn.recv()

    def _ask(self, *command: Any) -> Any:
        self._conn.send(command)
        if not self._conn.poll(30):
            raise RuntimeError(f"the Slack stand-in did not answer {command[0]}")
        return self._conn.recv()

    def add_users(self, users: list[tuple[str, str, str]]) -> None:
        self._ask("users", users)

    def last_buttons(self, channel: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return cast(tuple[dict[str, Any], list[dict[str, Any]]], self._ask("buttons", channel))

    def response_url(self) -> str:
        return cast(str, self._ask("response_url"))

    def close(self) -> None:
        try:
            self._conn.send(("stop",))
        finally:
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.kill()


def standin_process(conn: Connection) -> None:
    logging.basicConfig(level=logging.ERROR)

    async def main() -> None:
        async with SlackAPIStandIn() as api:
            conn.send(api.base_url)
            loop = asyncio.get_running_loop()
            while True:
                command = await loop.run_in_executor(None, conn.recv)
                if command[0] == "users":
                    for user_id, name, locale in command[1]:
                        api.add_user(user_id, name, locale)
                    conn.send(None)
                elif command[0] == "buttons":
                    conn.send(api.last_buttons(command[1]))
                elif command[0] == "response_url":
                    conn.send(api.response_url())
                else:
                    return

    asyncio.run(main())


async def serve(database_url: str, requests: int, conn: Connection) -> None:
    """The server side (its own process): the app, and a survey opened for every person; hands
    the signed-request bodies to the parent."""
    people = max(1, requests // 2)
    api = RemoteStandIn()
    try:
        api.add_users([(MANAGER, "Maria", "en-GB")] + [
            (f"UB{i:05d}", f"Person {i}", ("zh-CN", "ro-RO", "en-US")[i % 3])
            for i in range(people)])
        settings = Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                            slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                            slack_api_url=api.base_url, slack_manager_ids=MANAGER,
                            slack_alert_channel="C0ALERTS")
        engine = build_engine(settings)
        app = build_web_app(engine, settings, plan(settings, "web"))
        channel = app[CHANNEL_KEY]
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=LISTEN_BACKLOG)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", api)  # type: ignore[arg-type]
        try:
            async with ClientSession(timeout=ClientTimeout(total=30)) as http:
                for lo in range(0, people, 50):  # open a survey for everyone (not timed)
                    await asyncio.gather(*(post(http, sender.url, sender.dm_event(
                        f"UB{i:05d}", "start"), "application/json")
                        for i in range(lo, min(people, lo + 50))))
            await channel.wait_handled(people, timeout=120)
            bodies: list[tuple[bytes, str]] = []
            for i in range(people):
                message, elements = api.last_buttons(f"DUB{i:05d}")
                bodies.append((sender.action(f"UB{i:05d}", f"DUB{i:05d}", message,
                                             elements[i % 11]),
                               "application/x-www-form-urlencoded"))
            for _ in range(requests - people):
                bodies.append((sender.command(MANAGER, "/nps", "summary 30d"),
                               "application/x-www-form-urlencoded"))
            conn.send((sender.url, bodies))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, conn.recv)  # the parent has fired them all
            await channel.wait_handled(people + len(bodies), timeout=300)
            conn.send(time.monotonic())
        finally:
            await runner.cleanup()
            engine.db.dispose()
    finally:
        api.close()


def serve_process(database_url: str, requests: int, conn: Connection) -> None:
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(database_url, requests, conn))


async def post(http: ClientSession, url: str, body: bytes, kind: str) -> float:
    headers = {"Content-Type": kind, **sign(body)}
    start = time.perf_counter()
    async with http.post(url, data=body, headers=headers) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
    return time.perf_counter() - start


async def fire(url: str, bodies: list[tuple[bytes, str]]) -> list[float]:
    async with ClientSession(timeout=ClientTimeout(total=30),
                             connector=TCPConnector(limit=0)) as http:
        return list(await asyncio.gather(*(post(http, url, b, k) for b, k in bodies)))


def run(database_url: str, requests: int) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=serve_process, args=(database_url, requests, child))
    server.start()
    try:
        if not parent.poll(180):
            raise RuntimeError("the server did not get ready in 180 s")
        url, bodies = parent.recv()
        started = time.monotonic()
        times = asyncio.run(fire(url, bodies))
        acked = time.monotonic() - started
        parent.send("fired")
        if not parent.poll(300):
            raise RuntimeError("the work behind the requests did not finish in 300 s")
        finished = parent.recv() - started
    finally:
        server.join(timeout=30)
        if server.is_alive():
            server.kill()
    ms = [t * 1000 for t in times]
    return {"n": len(ms), "p50": statistics.median(ms), "p99": pct(ms, 0.99), "max": max(ms),
            "over3s": sum(1 for t in ms if t > 3000), "acked_s": acked, "done_s": finished}


def show(label: str, r: dict[str, float]) -> None:
    ok = r["p99"] < 300 and r["over3s"] == 0
    print(f"{label:<11} n={int(r['n'])}  p50 {r['p50']:.1f} ms  p99 {r['p99']:.1f} ms  "
          f"max {r['max']:.1f} ms  over 3 s: {int(r['over3s'])}  all acked in "
          f"{r['acked_s']:.2f} s, work done in {r['done_s']:.2f} s  "
          f"[{'target met' if ok else 'TARGET MISSED'}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        show("SQLite", run(f"sqlite:///{tmp}/bench.db", args.requests))
    if args.skip_postgres:
        return
    try:
        import psycopg

        name = f"bench_slack_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - report and go on
        print(f"PostgreSQL  skipped: {exc}")
        return
    try:
        show("PostgreSQL", run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                               args.requests))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
