"""Time Slack's acknowledgements: 500 concurrent button presses (and slash commands).

    .venv/bin/python bench/slack_ack.py [--presses 500] [--commands 0] [--web-processes N]
        [--engine-threads N] [--skip-postgres]

Starts the real ``survey-bot web`` (its Web API client pointed at the stand-in from tests/slack,
which runs in a process of its own, as Slack's servers would), with gunicorn's WEB_CONCURRENCY
web processes (default 1) unless ``--web-processes`` says otherwise. Opens a survey for
``--presses`` people, then fires the requests at once: every person presses an NPS button, and a
manager runs `/nps summary 30d` ``--commands`` times. Each request is signed as Slack signs it.
Prints p50 / p99 / max time to the HTTP 200, how many took over Slack's 3 s, and how long the
work behind them took to finish; then the floor of the measurement: as many bare ``GET
/healthz`` at once through the same load generator. Target: p99 under 1 s, none over 3 s.
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
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession, ClientTimeout

from tests.helpers import free_port, health_processes, survey_bot_web
from tests.slack.standin import BOT_TOKEN, SIGNING_SECRET, SlackAPIStandIn, SlackSender, sign

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
MANAGER = "UMANAGER1"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class RemoteStandIn:
    """The Slack Web API stand-in in a process of its own, driven over a pipe."""

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

    def last_buttons(self, channel: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        return cast(tuple[dict[str, Any], list[dict[str, Any]]] | None,
                    self._ask("buttons", channel))

    def response_url(self, channel: str = "") -> str:
        return cast(str, self._ask("response_url", channel))

    def counts(self) -> dict[str, int]:
        """How many calls of each method the stand-in has answered."""
        return cast(dict[str, int], self._ask("counts"))

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
                    try:
                        conn.send(api.last_buttons(command[1]))
                    except AssertionError:  # none yet
                        conn.send(None)
                elif command[0] == "response_url":
                    conn.send(api.response_url(*command[1:]))
                elif command[0] == "counts":
                    counts: dict[str, int] = {}
                    for call in api.calls:
                        counts[call.method] = counts.get(call.method, 0) + 1
                    conn.send(counts)
                else:
                    return

    asyncio.run(main())


def wait_until(check: Any, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done in {timeout:.0f} s")
        time.sleep(0.05)


async def post(http: ClientSession, url: str, body: bytes, kind: str) -> float:
    headers = {"Content-Type": kind, **sign(body)}
    start = time.perf_counter()
    async with http.post(url, data=body, headers=headers) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
    return time.perf_counter() - start


def raw_request(url: str, body: bytes, kind: str) -> bytes:
    """One signed POST as bytes on the wire (HTTP/1.1, a connection of its own, as Slack's
    deliveries come)."""
    parts = urlsplit(url)
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Type: {kind}",
            f"Content-Length: {len(body)}", "Connection: close",
            *(f"{k}: {v}" for k, v in sign(body).items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def post_raw(host: str, port: int, request: bytes) -> float:
    """Send a prepared request; seconds until its whole response (headers and body) is in."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
    finally:
        writer.close()
    elapsed = time.perf_counter() - start
    status = head[9:12]
    if status != b"200":
        raise RuntimeError(f"HTTP {status.decode(errors='replace')}")
    return elapsed


async def fire(url: str, bodies: list[tuple[bytes, str]]) -> list[float]:
    """Every request at once.  The requests are signed and written out beforehand, and sent
    on bare asyncio streams: a full HTTP client spends about as much CPU per request as the
    server does, and on a small machine the load generator would be what is measured."""
    return await fire_prepared(url, [raw_request(url, body, kind) for body, kind in bodies])


async def fire_prepared(url: str, requests: list[bytes]) -> list[float]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    async with asyncio.timeout(60):
        return list(await asyncio.gather(*(post_raw(parts.hostname, parts.port, r)
                                           for r in requests)))


def run(database_url: str, people: int, commands: int, processes: int | None,
        threads: int | None = None) -> dict[str, float]:
    api = RemoteStandIn()
    try:
        api.add_users([(MANAGER, "Maria", "en-GB")] + [
            (f"UB{i:05d}", f"Person {i}", ("zh-CN", "ro-RO", "en-US")[i % 3])
            for i in range(people)])
        port = free_port()
        web = processes or 1
        settings = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api.base_url,
                    "SLACK_MANAGER_IDS": MANAGER, "SLACK_ALERT_CHANNEL": "C0ALERTS",
                    "HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "ERROR"}
        if processes:
            settings["WEB_CONCURRENCY"] = str(processes)
        if threads:
            settings["ENGINE_THREADS"] = str(threads)
        with tempfile.TemporaryDirectory() as cwd, survey_bot_web(settings, Path(cwd)):
            asyncio.run(health_processes(port, web, timeout=120))
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events",
                                 api)  # type: ignore[arg-type]
            asyncio.run(open_surveys(sender, people))  # not timed
            buttons: dict[int, Any] = {}

            def all_asked() -> bool:
                for i in range(people):
                    if i not in buttons and (found := api.last_buttons(f"DUB{i:05d}")):
                        buttons[i] = found
                return len(buttons) == people
            wait_until(all_asked, "opening the surveys", 300)
            bodies: list[tuple[bytes, str]] = []
            for i in range(people):
                message, elements = buttons[i]
                bodies.append((sender.action(f"UB{i:05d}", f"DUB{i:05d}", message,
                                             elements[i % 11]),
                               "application/x-www-form-urlencoded"))
            for _ in range(commands):
                bodies.append((sender.command(MANAGER, "/nps", "summary 30d"),
                               "application/x-www-form-urlencoded"))
            before = api.counts()
            started = time.monotonic()
            times = asyncio.run(fire(sender.url, bodies))
            acked = time.monotonic() - started

            def all_done() -> bool:  # every press edited its question, every summary posted
                now = api.counts()
                return (now.get("chat.update", 0) - before.get("chat.update", 0) >= people
                        and now.get("response_url", 0) - before.get("response_url", 0)
                        >= commands)
            wait_until(all_done, "the work behind the requests", 300)
            finished = time.monotonic() - started
            # The floor of this measurement: as many bare GET /healthz at once, through the
            # same load generator, on the same machine.
            probe = (f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     "Connection: close\r\n\r\n").encode()
            floor = asyncio.run(fire_prepared(sender.url, [probe] * len(bodies)))
    finally:
        api.close()
    ms = [t * 1000 for t in times]
    return {"n": len(ms), "p50": statistics.median(ms), "p99": pct(ms, 0.99), "max": max(ms),
            "over3s": sum(1 for t in ms if t > 3000), "acked_s": acked, "done_s": finished,
            "processes": web, "floor_p50": statistics.median(floor) * 1000,
            "floor_p99": pct(floor, 0.99) * 1000}


async def open_surveys(sender: SlackSender, people: int) -> None:
    async with ClientSession(timeout=ClientTimeout(total=30)) as http:
        for lo in range(0, people, 50):
            await asyncio.gather(*(post(http, sender.url, sender.dm_event(
                f"UB{i:05d}", "start"), "application/json")
                for i in range(lo, min(people, lo + 50))))


def show(label: str, r: dict[str, float]) -> None:
    ok = r["p99"] < 1000 and r["over3s"] == 0
    print(f"{label:<11} n={int(r['n'])}  web processes {int(r['processes'])}  "
          f"p50 {r['p50']:.1f} ms  p99 {r['p99']:.1f} ms  "
          f"max {r['max']:.1f} ms  over 3 s: {int(r['over3s'])}  all acked in "
          f"{r['acked_s']:.2f} s, work done in {r['done_s']:.2f} s  "
          f"[{'target met' if ok else 'TARGET MISSED'}]; as many GET /healthz at once: "
          f"p50 {r['floor_p50']:.1f} ms  p99 {r['floor_p99']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=500,
                        help="people, each pressing an NPS button at once (default 500)")
    parser.add_argument("--commands", type=int, default=0,
                        help="/nps summary 30d commands fired with the presses (default 0)")
    parser.add_argument("--web-processes", type=int, default=None,
                        help="WEB_CONCURRENCY for the server (default: as the setting's default)")
    parser.add_argument("--engine-threads", type=int, default=None,
                        help="ENGINE_THREADS for the server (default: the setting's default)")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        show("SQLite", run(f"sqlite:///{tmp}/bench.db", args.presses, args.commands,
                            args.web_processes, args.engine_threads))
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
                               args.presses, args.commands, args.web_processes,
                               args.engine_threads))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
