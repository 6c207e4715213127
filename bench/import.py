"""``survey-bot customers import`` speed: a generated file of 100,000 customers (five typed
attributes each, most with a Telegram id, some with a Slack id) imported into a fresh SQLite
file and a fresh PostgreSQL database (created at 127.0.0.1:5432 as user postgres, dropped
after), then imported again (every row an update).  Prints rows per second for each.

    .venv/bin/python bench/import.py [--rows 100000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# The import's own figures, not Alembic's migration lines.
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))

from bot.audience.importer import import_customers  # noqa: E402
from bot.audience.source import open_source  # noqa: E402
from bot.db import open_database, upgrade  # noqa: E402
from bot.models import utcnow  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
COLUMNS = ("external_id", "telegram_id", "slack_id", "email", "name", "language", "timezone",
           "plan", "country", "revenue:number", "seats:number", "signed_up:date")


def generate(path: Path, rows: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    zones = ("Europe/Bucharest", "Europe/London", "Asia/Shanghai", "America/New_York", "")
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i in range(rows):
            out.writerow([
                f"cust-{i:07d}",
                str(10_000_000 + i) if rng.random() < 0.8 else "",
                f"U{i:09d}" if rng.random() < 0.2 else "",
                f"person{i}@example.com", f"Person {i}", rng.choice(("en", "ro-RO", "zh-hans")),
                rng.choice(zones), rng.choice(("free", "pro", "enterprise")),
                rng.choice(("RO", "GB", "CN", "US", "DE")), f"{rng.uniform(0, 5000):.2f}",
                str(rng.randint(1, 500)),
                f"20{rng.randint(18, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            ])


def run(url: str, source_path: Path, label: str) -> None:
    upgrade(url)
    db = open_database(url)
    try:
        for attempt in ("import", "re-import"):
            started, cpu = time.perf_counter(), time.process_time()
            source = open_source(source_path)
            result = import_customers(db, source, now=utcnow())
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            rows = result.imported + result.updated
            print(f"{label:10} {attempt:9}: {rows:7d} rows ({result.imported} new, "
                  f"{result.updated} updated, {len(result.rejected)} rejected) in "
                  f"{seconds:6.1f} s = {rows / seconds:6.0f} rows/s; this process's CPU "
                  f"{cpu:5.1f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        generate(path, args.rows)
        print(f"{args.rows} customers, {len(COLUMNS) - 7} attributes each, "
              f"{path.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} CPUs", flush=True)
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", path, "SQLite")
        if args.no_postgres:
            return
        name = f"bench_import_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        try:
            run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", path, "PostgreSQL")
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
