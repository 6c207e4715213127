"""Campaign planning speed: 100,000 customers (bench/import.py's generated file, imported with
``survey-bot customers import``'s code), then campaigns planned on them: everybody on all
channels, a filter on a text and a number attribute, and Telegram only.  Prints the seconds
and invitations per second of each, on SQLite and PostgreSQL (a database created at
127.0.0.1:5432 as user postgres, dropped after), and the process's peak memory.

    .venv/bin/python bench/plan.py [--rows 100000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import importlib
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.audience.importer import import_customers  # noqa: E402
from bot.audience.source import open_source  # noqa: E402
from bot.campaigns.spec import CampaignSpec  # noqa: E402
from bot.db import open_database, upgrade  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.models import utcnow  # noqa: E402
from bot.surveys import load_surveys  # noqa: E402

# bench/import.py makes the same generated file (its name is a keyword: imported by name).
sys.path.insert(0, str(ROOT / "bench"))
generate = importlib.import_module("import").generate
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CAMPAIGNS = (
    CampaignSpec("everybody", "nps"),
    CampaignSpec("pro-ro", "nps", audience="plan=pro country=RO"),
    CampaignSpec("big", "csat", audience="revenue>=2500 signed_up>=2024-01-01"),
    CampaignSpec("telegram", "ces", channel="telegram"),
)


def run(url: str, source_path: Path, label: str) -> None:
    upgrade(url)
    db = open_database(url)
    try:
        started = time.perf_counter()
        import_customers(db, open_source(source_path), now=utcnow())
        print(f"{label:10} imported in {time.perf_counter() - started:5.1f} s")
        engine = Engine(db=db, surveys=load_surveys(None), managers={})
        for spec in CAMPAIGNS:
            started = time.perf_counter()
            preview = engine.create_campaign(spec)
            seconds = time.perf_counter() - started
            total = preview.recipients + sum(preview.skipped.values())
            print(f"{label:10} {spec.name:9} {spec.audience or '(all)':36}: {total:6d} "
                  f"invitations ({preview.recipients} to send, {preview.lookups} look-ups, "
                  f"skipped {preview.skipped}) in {seconds:5.1f} s = "
                  f"{total / seconds:7.0f}/s")
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
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", path, "SQLite")
        if not args.no_postgres:
            name = f"bench_plan_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
            try:
                run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", path, "PostgreSQL")
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
