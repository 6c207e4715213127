"""Time `/nps summary` over 1,000,000 answers on SQLite and on PostgreSQL, in several report
time zones.

    .venv/bin/python bench/summary.py [--rows 1000000] [--skip-postgres]
        [--timezones UTC,Asia/Kolkata,Europe/Bucharest]

Loads the rows (spread over the last 365 days; about 1 in 20 with a comment), with 20,000
invitations of an NPS campaign beside them (sent over the same year, one in three answered: those
answers carry the invitation, so the summary shows its response rate), and counts the daily
rollup in UTC; then, for each REPORT_TIMEZONE, starts the engine as the migrating process
does (which recounts the rollup by local day when the zone changed: its time is printed) and
times the manager command through the real engine for 30d, 1y, last month and all, printing the
median and worst of several runs, the Python heap peak during a summary (tracemalloc) and the
median of the invitation queries alone (the response rate's share of the time), at a tenth of
the rows and at all of them, to show time and memory stay flat.  Reaches nothing but
127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.progress import Progress
from sqlalchemy import bindparam, text
from sqlmodel import Session, UTCDateTime

from bot.app import build_engine
from bot.engine import Engine
from bot.messages import Inbound
from bot.periods import parse_period
from bot.reports.rates import metric_surveys, reach_counts
from bot.settings import Settings
from bot.store import rebuild_counts

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 20_000
PEOPLE = 50_000
INVITATIONS = 20_000
ZONES = "UTC,Asia/Kolkata,Europe/Bucharest"
# Timestamps bound as the ORM binds them, so SQLite stores them in its one text format.
AT = bindparam("t", type_=UTCDateTime())


def bucket(score: int) -> str:
    return "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"


def load(engine: Engine, start: int, stop: int, now: datetime) -> None:
    """Insert answers [start, stop) (and their runs) in batches with executemany."""
    rnd = random.Random(start)
    with engine.db.engine.begin() as conn:
        if start == 0:
            conn.execute(text(
                "INSERT INTO respondents (id, channel, platform_user_id, chat_id, display_name, "
                "locale, locale_chosen, opted_out, unreachable, first_seen, last_seen) VALUES "
                "(:id, 'telegram', :uid, :uid, :name, 'en', false, false, false, :t, :t)"
            ).bindparams(AT),
                [{"id": i + 1, "uid": f"u{i}", "name": f"Person {i}", "t": now}
                 for i in range(PEOPLE)])
            invite(conn, now)
    with Progress(transient=True) as progress:
        task = progress.add_task(f"loading {start:,}–{stop:,}", total=stop - start)
        for lo in range(start, stop, BATCH):
            hi = min(stop, lo + BATCH)
            runs, answers = [], []
            for i in range(lo, hi):
                person = i % PEOPLE + 1
                at = now - timedelta(seconds=rnd.randrange(365 * 86400))
                score = rnd.choices(range(11), weights=[2, 1, 1, 2, 2, 3, 5, 10, 14, 20, 25])[0]
                runs.append({"id": i + 1, "rid": person, "t": at})
                answers.append({
                    "id": i + 1, "rid": person, "run": i + 1, "score": score,
                    "bucket": bucket(score), "t": at,
                    "comment": f"comment {i}" if rnd.random() < 0.05 else None,
                    "inv": answered_invitation(i),
                })
            with engine.db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO survey_runs (id, respondent_id, survey, step, status, "
                    "started_at, updated_at) VALUES (:id, :rid, 'default', 2, 'completed', :t, :t)"
                ).bindparams(AT), runs)
                conn.execute(text(
                    "INSERT INTO answers (id, respondent_id, survey_run_id, survey, question_key, "
                    "metric, score, scale_min, scale_max, bucket, comment, locale, channel, "
                    "created_at, invitation_id) VALUES (:id, :rid, :run, 'default', 'nps', "
                    "'nps', :score, 0, 10, :bucket, :comment, 'en', 'telegram', :t, :inv)"
                ).bindparams(AT), answers)
            progress.advance(task, hi - lo)
    with engine.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # explicit ids above: move the sequences on
            for table in ("respondents", "survey_runs", "answers", "customers", "campaigns",
                          "invitations"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    with Session(engine.db.engine) as session:  # the rollup the engine keeps when it stores
        rebuild_counts(session=session, zone=engine.report_zone)
        session.commit()
    with engine.db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def answered_invitation(i: int) -> int | None:
    """The invitation answer ``i`` answers: every third invitation has one answer."""
    return i * 3 + 1 if i * 3 < INVITATIONS else None


def invite(conn: Any, now: datetime) -> None:
    """A campaign of the NPS survey and its invitations, one per person, sent over the year."""
    rnd = random.Random(7)
    conn.execute(text(
        "INSERT INTO campaigns (id, name, survey, channel, audience, targets, status, source, "
        "created_by, start_at, reminders, cooldown_scope, origin, created_at) VALUES "
        "(1, 'bench', 'nps', 'telegram', '', '', 'active', 'cli', '', :t, 1, 'all', '', :t)"
    ).bindparams(AT), {"t": now})
    conn.execute(text(
        "INSERT INTO customers (id, name, created_at, updated_at) VALUES (:id, '', :t, :t)"
    ).bindparams(AT), [{"id": i + 1, "t": now} for i in range(INVITATIONS)])
    rows = []
    for i in range(INVITATIONS):
        at = now - timedelta(seconds=rnd.randrange(365 * 86400))
        rows.append({"id": i + 1, "cid": i + 1, "key": f"customer:{i + 1}", "rid": i % PEOPLE + 1,
                     "t": at, "answered": at if i % 3 == 0 else None})
    conn.execute(text(
        "INSERT INTO invitations (id, campaign_id, customer_id, key, channel, respondent_id, "
        "status, reason, error, due_at, sent_at, answered_at, reminders_sent, created_at) "
        "VALUES (:id, 1, :cid, :key, 'telegram', :rid, 'sent', '', '', :t, :t, :answered, 0, :t)"
    ).bindparams(AT, bindparam("answered", type_=UTCDateTime())), rows)


def time_summary(engine: Engine, period: str, repeats: int) -> tuple[float, float, float, str]:
    """(median ms, worst ms, heap peak MiB, reply text) of `/nps summary <period>`."""
    times = []
    reply = ""
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = engine.handle(Inbound("telegram", "manager", "m", command="nps",
                                    text=f"summary {period}"))
        times.append((time.perf_counter() - t0) * 1000)
        reply = getattr(out[0], "text", "")
    tracemalloc.start()
    engine.handle(Inbound("telegram", "manager", "m", command="nps", text=f"summary {period}"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), max(times), peak / 2**20, reply


def time_rates(engine: Engine, period: str, repeats: int) -> float:
    """Median ms of the summary's invitation queries alone (the response rate's share)."""
    with Session(engine.db.read_engine) as session:
        asked = parse_period(period, engine.clock(), engine.report_zone)
        surveys = metric_surveys(engine.surveys, "nps")
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            reach_counts(session, surveys, asked)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def engine_for(url: str, zone: str) -> tuple[Engine, float]:
    """The engine a migrating process builds, and the seconds it took (the rollup recount)."""
    settings = Settings(_env_file=None, database_url=url,  # type: ignore[call-arg]
                        telegram_manager_ids=frozenset({"manager"}), report_timezone=zone)
    t0 = time.perf_counter()
    engine = build_engine(settings)
    return engine, time.perf_counter() - t0


def bench(name: str, url: str, rows: int, repeats: int, zones: list[str]) -> None:
    loader, _ = engine_for(url, "UTC")
    now = datetime.now(UTC)
    month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    reply = ""
    try:
        checkpoints = sorted({rows // 10, rows})
        loaded = 0
        for target in checkpoints:
            t0 = time.perf_counter()
            load(loader, loaded, target, now)
            print(f"{name}: loaded {target - loaded:,} answers in {time.perf_counter() - t0:.1f} s")
            loaded = target
            for zone in zones:
                engine, startup = engine_for(url, zone)
                try:
                    print(f"{name}: {target:>9,} rows  REPORT_TIMEZONE={zone}: start-up with the "
                          f"rollup recount {startup:5.1f} s")
                    for period in ("30d", "1y", month, "all"):
                        med, worst, peak, reply = time_summary(engine, period, repeats)
                        rates = time_rates(engine, period, repeats)
                        print(f"{name}: {target:>9,} rows  {zone:<16} /nps summary {period:<7} "
                              f"median {med:7.1f} ms  worst {worst:7.1f} ms  "
                              f"heap peak {peak:5.2f} MiB  invitations {rates:5.1f} ms")
                finally:
                    engine.db.dispose()
        print(f"{name}: last reply:\n{reply}\n")
    finally:
        loader.db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--timezones", default=ZONES,
                    help=f"comma-separated REPORT_TIMEZONE values (default: {ZONES})")
    args = ap.parse_args()
    zones = [z.strip() for z in args.timezones.split(",") if z.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench.db", args.rows, args.repeats, zones)
    if args.skip_postgres:
        return
    import psycopg

    name = f"survey_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        bench("postgresql", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", args.rows,
              args.repeats, zones)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
