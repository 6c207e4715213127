"""Throughput and latency of the Telegram channel, against a bare python-telegram-bot echo bot.

    .venv/bin/python bench/telegram_throughput.py [--customers 1000] [--concurrency 50]
        [--paced-customers 150] [--rate 30] [--skip-postgres]

Simulated customers complete the default survey (``/start``, an NPS button, a comment, a CSAT
button) through the real Application, long-polling the Bot API stand-in from tests/telegram
(which runs with the customers in a process of its own, as Telegram would), on SQLite and then
on PostgreSQL; a bare echo bot (same stand-in, same four steps, each answered as our bot does: a
keyboard, an edit, a new message) sets the baseline, once as python-telegram-bot comes (httpx)
and once on our aiohttp client, to show what the HTTP client alone is worth.  Two loads, for
every bot:

* throughput: ``--customers`` customers, ``--concurrency`` of them at once, each step sent as
  soon as the previous one is answered: the bot is saturated, so this measures updates and
  answers per second (and latency there is queueing: concurrency / throughput);
* latency: ``--paced-customers`` customers arriving at an even pace of ``--rate`` updates a
  second (Telegram lets a bot send about 30 messages a second, and each update here is answered
  with two), which measures p50 / p99 / max from an update being available to the first reply
  the customer sees.

Targets: at least 0.7 of the echo bot's throughput, p99 under 50 ms.  Reaches only 127.0.0.1.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from rich.progress import Progress
from sqlmodel import Session, func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler
from telegram.ext import filters as tg_filters
from telegram.request import HTTPXRequest

from adapters.runner import build_web_app, plan
from adapters.telegram import app as telegram_app
from adapters.telegram.app import (
    CONCURRENT_UPDATES,
    CONNECTION_POOL,
    DEFAULT_WEBHOOK_PATH,
    TelegramChannel,
    webhook_secret,
)
from adapters.telegram.http import AiohttpRequest
from bot.app import build_engine
from bot.models import Answer
from bot.settings import Settings
from tests.telegram.standin import TOKEN, BotAPIStandIn, user

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
LANGS = ("zh-hans", "ro", "en")
STEPS = 4
ECHO_AIOHTTP = "echo+aiohttp"
PG_HTTPX = "PostgreSQL+httpx"
WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections for a webhook
BUILD_REQUESTS = telegram_app.build_requests  # type: ignore[attr-defined]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def button(api: BotAPIStandIn, chat: int, label: str) -> tuple[dict[str, Any], str]:
    def has(message: dict[str, Any]) -> bool:
        return any(b["text"] == label for row in
                   message.get("reply_markup", {}).get("inline_keyboard", []) for b in row)
    message = api.last_message(chat, has)
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row if b["text"] == label)
    return dict(message), data


@dataclass(frozen=True)
class Load:
    """``customers`` at most ``concurrency`` at a time, or arriving at ``rate`` updates/s."""

    customers: int
    concurrency: int = 0
    rate: float = 0.0

    def describe(self) -> str:
        if self.rate:
            return f"{self.customers} customers arriving at {self.rate:g} updates/s"
        return f"{self.customers} customers, {self.concurrency} at a time"


async def drive(api: BotAPIStandIn, load: Load, label: str,
                webhook: tuple[str, str] | None = None) -> tuple[list[float], float]:
    """Run every customer through the four steps; latencies (s) and the elapsed time.  With
    ``webhook`` (its URL and secret) each update is POSTed there, on at most 40 connections as
    Telegram does, instead of being queued for getUpdates."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(load.concurrency or load.customers)
    started = time.perf_counter()
    http = (ClientSession(connector=TCPConnector(limit=WEBHOOK_CONNECTIONS),
                          timeout=ClientTimeout(total=60)) if webhook else None)

    async def deliver(update: dict[str, Any]) -> None:
        if http is None or webhook is None:
            api.push(update)
            return
        async with http.post(webhook[0], json=update, headers={
                "X-Telegram-Bot-Api-Secret-Token": webhook[1]}) as resp:
            if resp.status != 200:
                raise SystemExit(f"{label}: the webhook answered {resp.status}")

    async def step(chat: int, update: dict[str, Any]) -> None:
        seen = len(api.replies.get(chat, []))
        sent = time.perf_counter()
        await deliver(update)
        await api.wait_reply(chat, seen)  # the step is done when its last message is out
        first = api.replies[chat][seen][1]
        latencies.append(first - sent)

    async def customer(i: int, done: Callable[[], None]) -> None:
        if load.rate:  # open loop: customer i arrives at a fixed time, whatever came before
            await asyncio.sleep(max(0.0, started + i * STEPS / load.rate - time.perf_counter()))
        async with gate:
            frm = user(100_000 + i, f"Customer {i}", LANGS[i % 3])
            chat = frm["id"]
            await step(chat, api.message_update(frm, "/start"))
            message, data = button(api, chat, str(i % 11))
            await step(chat, api.callback_update(frm, message, data))
            await step(chat, api.message_update(frm, f"comment {i} — 很好 — foarte bine"))
            message, data = button(api, chat, str(1 + i % 5))
            await step(chat, api.callback_update(frm, message, data))
            done()

    try:
        with Progress(transient=True) as progress:
            task = progress.add_task(label, total=load.customers)
            started = time.perf_counter()
            await asyncio.gather(*(customer(i, lambda: progress.advance(task))
                                   for i in range(load.customers)))
            elapsed = time.perf_counter() - started
    finally:
        if http is not None:
            await http.close()
    return latencies, elapsed


def driver_process(load: Load, label: str, conn: Connection) -> None:
    """The Telegram side, in a process of its own as Telegram's servers would be: the stand-in
    and the simulated customers."""
    logging.basicConfig(level=logging.ERROR)

    async def main() -> None:
        async with BotAPIStandIn() as api:
            conn.send(api.base_url)
            loop = asyncio.get_running_loop()
            webhook = await loop.run_in_executor(None, conn.recv)  # the bot is ready
            conn.send(await drive(api, load, label, webhook))
            await loop.run_in_executor(None, conn.recv)  # the bot has stopped

    asyncio.run(main())


Stop = Callable[[], Awaitable[None]]
Started = tuple[Stop, tuple[str, str] | None]
"""How to stop the bot, and its webhook's URL and secret (None: it polls)."""


async def against_driver(load: Load, label: str, start: Callable[[str], Awaitable[Started]],
                         ) -> tuple[list[float], float]:
    """Start the driver process, start a bot on its stand-in, let the customers run."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=driver_process, args=(load, label, child))
    process.start()
    loop = asyncio.get_running_loop()
    try:
        if not await loop.run_in_executor(None, parent.poll, 60):
            raise SystemExit("the stand-in did not start in 60 s")
        stop, webhook = await start(parent.recv())
        try:
            parent.send(webhook)
            if not await loop.run_in_executor(None, parent.poll, 900):
                raise SystemExit(f"{label}: the customers did not finish in 900 s")
            latencies, elapsed = parent.recv()
        finally:
            await stop()
            parent.send("stop")
    finally:
        await loop.run_in_executor(None, process.join, 30)
        if process.is_alive():
            process.kill()
    return latencies, elapsed


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """``app`` on a free port of 127.0.0.1; its runner and the webhook URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}{DEFAULT_WEBHOOK_PATH}"


def httpx_requests() -> tuple[Any, Any]:
    """python-telegram-bot's own HTTPXRequest, with the pool and timeouts of build_requests."""
    return (HTTPXRequest(connection_pool_size=CONNECTION_POOL, read_timeout=15,
                         write_timeout=15, connect_timeout=10, pool_timeout=10),
            HTTPXRequest(connection_pool_size=1, read_timeout=40, write_timeout=15,
                         connect_timeout=10, pool_timeout=10))


async def survey_bot(database_url: str, load: Load, label: str, *, webhook: bool = False,
                     client: str = "aiohttp") -> dict[str, float]:
    """Our bot: the Telegram channel polling, or its webhook served as a ``web`` process
    serves it (the same aiohttp app); ``client`` is its HTTP client (aiohttp or httpx)."""
    engine_box: list[Any] = []

    async def start(base_url: str) -> Started:
        settings = Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                            telegram_bot_token=TOKEN, telegram_api_base_url=base_url,
                            telegram_chat_rate=1000, telegram_group_rate=60000,
                            telegram_bulk_rate=1000, telegram_manager_ids="900",
                            telegram_alert_chat_id="-1001",
                            telegram_webhook_url="http://127.0.0.1/telegram/webhook"
                            if webhook else "")
        engine = build_engine(settings)
        engine_box.append(engine)
        if client == "httpx":
            telegram_app.build_requests = httpx_requests  # type: ignore[attr-defined]
        if not webhook:
            channel = TelegramChannel(engine, settings, webhook=False, poll_timeout=1)
            await channel.start()
            return channel.stop, None
        runner, url = await serve(build_web_app(engine, settings, plan(settings, "web")))
        return runner.cleanup, (url, webhook_secret(settings))

    try:
        latencies, elapsed = await against_driver(load, label, start)
    finally:
        telegram_app.build_requests = BUILD_REQUESTS  # type: ignore[attr-defined]
    engine = engine_box[0]
    with Session(engine.db.read_engine) as s:
        answers = s.exec(select(func.count()).select_from(Answer)).one()
    engine.db.dispose()
    if answers != 2 * load.customers:
        raise SystemExit(f"{label}: {answers} answers stored, expected {2 * load.customers}")
    return figures(latencies, elapsed, load.customers, answers)


async def echo_bot(load: Load, *, aiohttp: bool = False,
                   webhook: bool = False) -> dict[str, float]:
    """The bare echo bot: python-telegram-bot's own HTTP client (httpx), with our concurrency
    and pool size; with ``aiohttp`` it sends through our AiohttpRequest instead, which shows
    what the HTTP client alone is worth."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(str(n), callback_data=f"e:{n}")
                                      for n in range(r, min(11, r + 6))] for r in (0, 6)])

    async def on_text(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "", reply_markup=keyboard)

    async def on_press(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")
        await query.message.chat.send_message("Next", reply_markup=keyboard)

    async def start(base_url: str) -> Started:
        builder = (ApplicationBuilder().token(TOKEN).base_url(base_url)
                   .concurrent_updates(CONCURRENT_UPDATES))
        if webhook:
            builder = builder.updater(None)
        if aiohttp:
            builder = builder.request(AiohttpRequest(connection_pool_size=CONNECTION_POOL)
                                      ).get_updates_request(AiohttpRequest(read_timeout=40))
        else:
            builder = builder.connection_pool_size(CONNECTION_POOL)
        app = builder.build()
        app.add_handler(MessageHandler(tg_filters.ALL, on_text))
        app.add_handler(CallbackQueryHandler(on_press))
        await app.initialize()
        runner: web.AppRunner | None = None
        url = ""
        if webhook:
            async def handle(request: web.Request) -> web.Response:
                update = Update.de_json(await request.json(), app.bot)
                await app.process_update(update)  # answered once handled, as ours is
                return web.json_response({"ok": True})

            web_app = web.Application()
            web_app.router.add_post(DEFAULT_WEBHOOK_PATH, handle)
            runner, url = await serve(web_app)
        else:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()

        async def stop() -> None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if runner is not None:
                await runner.cleanup()
            await app.stop()
            await app.shutdown()
        return stop, ((url, "") if webhook else None)

    latencies, elapsed = await against_driver(load, "echo bot", start)
    return figures(latencies, elapsed, load.customers, 0)


def figures(latencies: list[float], elapsed: float, customers: int,
            answers: int) -> dict[str, float]:
    ms = [t * 1000 for t in latencies]
    return {"updates": customers * STEPS, "elapsed": elapsed,
            "updates_s": customers * STEPS / elapsed, "answers_s": answers / elapsed,
            "p50": statistics.median(ms), "p99": pct(ms, 0.99), "max": max(ms)}


def show(label: str, r: dict[str, float]) -> str:
    line = (f"  {label:<11} {int(r['updates'])} updates in {r['elapsed']:.2f} s: "
            f"{r['updates_s']:.0f} updates/s")
    if r["answers_s"]:
        line += f", {r['answers_s']:.0f} answers/s"
    return line + (f"; update→reply p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                   f"max {r['max']:.1f} ms")


async def with_postgres(run: Callable[[str], Awaitable[dict[str, float]]]) -> dict[str, float]:
    import psycopg

    name = f"bench_tg_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        return await run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_all(load: Load, postgres: bool, *, webhook: bool,
            clients: bool) -> dict[str, dict[str, float]]:
    """The echo bot, then ours on SQLite and on PostgreSQL, under one load; with ``clients``
    ours on PostgreSQL once more, on python-telegram-bot's HTTPXRequest."""
    results = {"echo bot": asyncio.run(echo_bot(load, webhook=webhook)),
               ECHO_AIOHTTP: asyncio.run(echo_bot(load, aiohttp=True, webhook=webhook))}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = asyncio.run(survey_bot(f"sqlite:///{tmp}/bench.db", load, "SQLite",
                                                   webhook=webhook))
    if postgres:
        variants = [("PostgreSQL", "aiohttp")] + ([(PG_HTTPX, "httpx")] if clients else [])
        for label, client in variants:
            try:
                results[label] = asyncio.run(with_postgres(
                    lambda url, label=label, client=client: survey_bot(  # type: ignore[misc]
                        url, load, label, webhook=webhook, client=client)))
            except Exception as exc:  # noqa: BLE001 - no server: say so and go on
                print(f"{label} skipped: {exc}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--paced-customers", type=int, default=150)
    parser.add_argument("--rate", type=float, default=30.0, help="updates a second, paced run")
    parser.add_argument("--mode", choices=["polling", "webhook", "both"], default="both")
    parser.add_argument("--compare-clients", action="store_true",
                        help="also run our bot on PostgreSQL with python-telegram-bot's "
                        "HTTPXRequest instead of our aiohttp client")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    saturated = Load(args.customers, concurrency=args.concurrency)
    paced = Load(args.paced_customers, rate=args.rate)
    modes = ["polling", "webhook"] if args.mode == "both" else [args.mode]
    for mode in modes:
        hook = mode == "webhook"
        through = run_all(saturated, not args.skip_postgres, webhook=hook,
                          clients=args.compare_clients)
        latency = run_all(paced, not args.skip_postgres, webhook=hook,
                          clients=args.compare_clients)
        for title, load, results in (("Throughput", saturated, through),
                                     ("Latency", paced, latency)):
            print(f"{title} ({mode}): {load.describe()}, {STEPS} updates each")
            for label, result in results.items():
                print(show(label, result))
        echo = through["echo bot"]["updates_s"]
        for label in sorted(through.keys() - {"echo bot", ECHO_AIOHTTP}):
            ratio = through[label]["updates_s"] / echo
            p99 = latency[label]["p99"] if label in latency else float("nan")
            verdict = "met" if ratio >= 0.7 and p99 < 50 else "MISSED"
            print(f"{mode} {label}: {ratio:.2f}× the echo bot's throughput (target ≥ 0.7), "
                  f"paced p99 {p99:.1f} ms (target < 50 ms): target {verdict}; "
                  f"{through[label]['updates_s'] / through[ECHO_AIOHTTP]['updates_s']:.2f}× "
                  "the echo bot on our aiohttp client")
        if PG_HTTPX in through and "PostgreSQL" in through:
            print(f"{mode}: our aiohttp client {through['PostgreSQL']['updates_s']:.0f} vs "
                  f"HTTPXRequest {through[PG_HTTPX]['updates_s']:.0f} updates/s saturated "
                  f"({through['PostgreSQL']['updates_s'] / through[PG_HTTPX]['updates_s']:.2f}×)"
                  f"; paced p99 {latency['PostgreSQL']['p99']:.1f} vs "
                  f"{latency[PG_HTTPX]['p99']:.1f} ms")


if __name__ == "__main__":
    main()
