"""Time `/nps trend 52w` over 1,000,000 answers on SQLite and PostgreSQL, from the command to
the PNG bytes, in a warm process.

    .venv/bin/python bench/trend.py [--rows 1000000] [--repeats 9] [--skip-postgres]
        [--timezone Europe/Bucharest]

Loads NPS answers spread over the last 365 days (two channels, three languages) in bulk
(SQLite: executemany in batches; PostgreSQL: COPY, in a database of its own, dropped at the
end), then counts the daily rollup as the bot does after a bulk load (``rebuild_counts``, the
recount a migrating process runs).  At a tenth of the rows and at all of them it times the
manager's command through the real engine (``Engine.handle``: the read-only query, the chart,
the outbox row with the image) after one warm-up run, printing the median and the worst of
several runs, the median of the query alone and of the drawing alone, the raw-answers path's
query (the fallback when the rollup counts another zone's days), the Python heap peak during
one command (tracemalloc) and the process's peak RSS.  Prints figures; asserts nothing.
Reaches nothing but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, text
from sqlmodel import Session, UTCDateTime

from bot.app import build_engine
from bot.engine import Engine
from bot.i18n import translator
from bot.messages import Inbound, ReplyFile
from bot.reports.chart_replies import trend_reply
from bot.reports.daily import daily_counts
from bot.reports.trend import build_trend, trend_period
from bot.settings import Settings
from bot.store import rebuild_counts
from scoring.trend import Grain

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 50_000
PEOPLE = 50_000
AT = bindparam("t", type_=UTCDateTime())
WEIGHTS = [2, 1, 1, 2, 2, 3, 5, 10, 14, 20, 25]
CHANNELS = ("telegram", "slack")
LOCALES = ("en", "ro", "zh")
COMMAND = "trend 52w"


def bucket(score: int) -> str:
    return "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"


def rows(start: int, stop: int, now: datetime) -> tuple[list[dict[str, Any]],
                                                        list[dict[str, Any]]]:
    """Survey runs and answers [start, stop), the same for the same numbers."""
    rnd = random.Random(start)
    runs, answers = [], []
    for i in range(start, stop):
        person = i % PEOPLE + 1
        at = now - timedelta(seconds=rnd.randrange(365 * 86400))
        score = rnd.choices(range(11), weights=WEIGHTS)[0]
        runs.append({"id": i + 1, "rid": person, "t": at})
        answers.append({"id": i + 1, "rid": person, "run": i + 1, "score": score,
                        "bucket": bucket(score), "t": at, "channel": CHANNELS[person % 2],
                        "locale": LOCALES[person % 3]})
    return runs, answers


RUN_SQL = ("INSERT INTO survey_runs (id, respondent_id, survey, step, status, started_at, "
           "updated_at) VALUES (:id, :rid, 'default', 2, 'completed', :t, :t)")
ANSWER_SQL = ("INSERT INTO answers (id, respondent_id, survey_run_id, survey, question_key, "
              "metric, score, scale_min, scale_max, bucket, locale, channel, created_at, "
              "is_test) VALUES (:id, :rid, :run, 'default', 'nps', 'nps', :score, 0, 10, "
              ":bucket, :locale, :channel, :t, false)")


def people(engine: Engine, now: datetime) -> None:
    with engine.db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO respondents (id, channel, platform_user_id, chat_id, display_name, "
            "locale, locale_chosen, opted_out, unreachable, first_seen, last_seen) VALUES "
            "(:id, :channel, :uid, :uid, :name, :locale, false, false, false, :t, :t)"
        ).bindparams(AT), [{"id": i + 1, "uid": f"u{i}", "name": f"Person {i}", "t": now,
                            "channel": CHANNELS[(i + 1) % 2], "locale": LOCALES[(i + 1) % 3]}
                           for i in range(PEOPLE)])


def load_sqlite(engine: Engine, start: int, stop: int, now: datetime) -> None:
    for lo in range(start, stop, BATCH):
        runs, answers = rows(lo, min(stop, lo + BATCH), now)
        with engine.db.engine.begin() as conn:
            conn.execute(text(RUN_SQL).bindparams(AT), runs)
            conn.execute(text(ANSWER_SQL).bindparams(AT), answers)


def load_postgres(engine: Engine, start: int, stop: int, now: datetime) -> None:
    """COPY in batches, straight through psycopg."""
    with engine.db.engine.begin() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        for lo in range(start, stop, BATCH):
            runs, answers = rows(lo, min(stop, lo + BATCH), now)
            with cursor.copy("COPY survey_runs (id, respondent_id, survey, step, status, "
                             "started_at, updated_at) FROM STDIN") as copy:
                for r in runs:
                    copy.write_row((r["id"], r["rid"], "default", 2, "completed", r["t"],
                                    r["t"]))
            with cursor.copy("COPY answers (id, respondent_id, survey_run_id, survey, "
                             "question_key, metric, score, scale_min, scale_max, bucket, "
                             "locale, channel, created_at, is_test) FROM STDIN") as copy:
                for a in answers:
                    copy.write_row((a["id"], a["rid"], a["run"], "default", "nps", "nps",
                                    a["score"], 0, 10, a["bucket"], a["locale"], a["channel"],
                                    a["t"], False))
        for table in ("respondents", "survey_runs", "answers"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))


def recount(engine: Engine) -> float:
    """The rollup as the bot counts it after a bulk load; its seconds."""
    t0 = time.perf_counter()
    with Session(engine.db.engine) as session:
        rebuild_counts(session=session, zone=engine.report_zone)
        session.commit()
    with engine.db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return time.perf_counter() - t0


def median_ms(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def command(engine: Engine) -> ReplyFile:
    said = engine.handle(Inbound("telegram", "manager", "m", command="nps", text=COMMAND))
    files = [o for o in said if isinstance(o, ReplyFile)]
    if not files:
        raise SystemExit(f"no image: {said!r}")
    return files[0]


def measure(name: str, engine: Engine, loaded: int, repeats: int) -> str:
    t = translator("en")
    period = trend_period("52w", Grain.WEEK, engine.clock(), engine.report_zone)
    first = command(engine)  # warm: fonts found, caches filled
    total, worst = median_ms(lambda: command(engine), repeats)
    with Session(engine.db.read_engine) as session:
        report = build_trend(session, "nps", period, Grain.WEEK)
        query, _ = median_ms(lambda: build_trend(session, "nps", period, Grain.WEEK), repeats)
        raw, _ = median_ms(lambda: daily_counts(session, "nps", period, use_rollup=False),
                           max(3, repeats // 3))
    draw, _ = median_ms(lambda: trend_reply(report, t), repeats)
    tracemalloc.start()
    command(engine)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    points = len(report.points)
    print(f"{name}: {loaded:>9,} answers  /nps {COMMAND} ({points} points, "
          f"{sum(p.n for p in report.points):,} answers in them): median {total:6.1f} ms, "
          f"worst {worst:6.1f} ms  [query {query:5.1f} ms, chart {draw:5.1f} ms; raw-answers "
          f"query {raw:7.1f} ms]  heap peak {peak / 2**20:5.2f} MiB, peak RSS {rss:6.0f} MiB, "
          f"PNG {len(first.content) / 1024:.0f} KiB", flush=True)
    return first.caption


def bench(name: str, url: str, total: int, repeats: int, zone: str) -> None:
    settings = Settings(_env_file=None, database_url=url,  # type: ignore[call-arg]
                        telegram_manager_ids=frozenset({"manager"}), report_timezone=zone)
    engine = build_engine(settings)
    now = datetime.now(UTC)
    load = load_postgres if name == "postgresql" else load_sqlite
    caption = ""
    try:
        people(engine, now)
        loaded = 0
        for target in sorted({total // 10, total}):
            t0 = time.perf_counter()
            load(engine, loaded, target, now)
            took = time.perf_counter() - t0
            loaded = target
            print(f"{name}: loaded {loaded:,} answers ({took:.1f} s), rollup recounted in "
                  f"{recount(engine):.1f} s", flush=True)
            caption = measure(name, engine, loaded, repeats)
        print(f"{name}: the caption:\n{caption}\n", flush=True)
    finally:
        engine.db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--timezone", default="Europe/Bucharest", help="REPORT_TIMEZONE")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench.db", args.rows, args.repeats, args.timezone)
    if args.skip_postgres:
        return
    import psycopg

    name = f"survey_bench_trend_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        bench("postgresql", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", args.rows,
              args.repeats, args.timezone)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
