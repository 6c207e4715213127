"""Clicks on a promoter's link through ``GET /r/<token>`` on the real web app, on SQLite and
PostgreSQL: ``--clicks`` browser requests (and as many preview-crawler requests) from
``--concurrency`` clients at once over HTTP on 127.0.0.1, the redirects a second and their
median and 99th-percentile latency; then checks that every browser click was counted once
and no crawler's.  Prints figures; asserts only the count.

    .venv/bin/python bench/redirect.py [--clicks 2000] [--concurrency 20] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from sqlmodel import Session, select

from adapters.runner import build_web_app, plan
from bot import deeplinks
from bot.advocacy_tables import AdvocacyLink, LinkKind, PromoterAsk
from bot.app import build_engine
from bot.audience.customers import customer_of
from bot.models import Respondent, utcnow
from bot.settings import Settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
CRAWLER = "TelegramBot (like TwitterBot)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run(url: str, clicks: int, concurrency: int) -> None:
    settings = Settings(_env_file=None, database_url=url,  # type: ignore[call-arg]
                        public_url="https://bot.example.com", engine_threads=8)
    engine = build_engine(settings)
    token = deeplinks.new_token()
    with Session(engine.db.engine) as s:
        person = Respondent(channel="console", platform_user_id="bench")
        s.add(person)
        s.flush()
        customer = customer_of(session=s, person=person, now=utcnow())
        ask = PromoterAsk(customer_id=customer.id or 0, respondent_id=person.id or 0,
                          survey="default", channel="console", locale="en")
        s.add(ask)
        s.flush()
        s.add(AdvocacyLink(digest=deeplinks.digest(token), ask_id=ask.id or 0,
                           kind=LinkKind.REFERRAL, target="https://shop.example.com/invite"))
        s.commit()
    port = free_port()
    runner = web.AppRunner(build_web_app(engine, settings, plan(settings, "web"),
                                         register=False), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(clicks * 2):
        queue.put_nowait(BROWSER if i % 2 == 0 else CRAWLER)
    address = f"http://127.0.0.1:{port}/r/{token}"
    try:
        async with aiohttp.ClientSession() as http:
            async def client() -> None:
                while not queue.empty():
                    agent = queue.get_nowait()
                    began = time.perf_counter()
                    async with http.get(address, headers={"User-Agent": agent},
                                        allow_redirects=False) as resp:
                        assert resp.status == 302, resp.status
                    latencies.append(time.perf_counter() - began)
            began = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(concurrency)))
            took = time.perf_counter() - began
    finally:
        await runner.cleanup()
    with Session(engine.db.read_engine) as s:
        counted = s.exec(select(AdvocacyLink)).one().clicks
    engine.db.dispose()
    latencies.sort()
    name = url.split(":", 1)[0]
    print(f"{name}: {len(latencies)} redirects ({clicks} counted clicks, {clicks} crawler "
          f"fetches) in {took:.2f} s: {len(latencies) / took:,.0f}/s; median "
          f"{statistics.median(latencies) * 1000:.1f} ms, p99 "
          f"{latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms; clicks counted "
          f"{counted} of {clicks}")
    assert counted == clicks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{tmp}/bench.db", args.clicks, args.concurrency))
    if args.skip_postgres:
        return
    import psycopg

    name = f"bench_redirect_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        asyncio.run(run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", args.clicks,
                        args.concurrency))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
