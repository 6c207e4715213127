"""Time the themes of 100,000 comments: the text processing alone, and ``/nps themes 30d`` with
``/nps summary 30d`` (whose line names the detractors' themes) through the engine on SQLite.

    .venv/bin/python bench/themes.py [--comments 100000] [--repeats 3] [--skip-db]

The comments are made from the hand-written ones of tests/scoring/themes_comments.toml: each
one to three of that language's and bucket's sentences, a third of them with a sentence of
words drawn at random from all of that language's comments, in English, Romanian and Chinese
alike, 45 % detractors.  Prints the median and the worst of the runs, the CPU time and the Python
heap peak (tracemalloc); asserts nothing.  Reaches nothing but the local disk.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import tomllib
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from bot.app import build_engine  # noqa: E402
from bot.messages import Inbound  # noqa: E402
from bot.models import Answer, Respondent, SurveyRun  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import rebuild_counts  # noqa: E402
from scoring.themes import Comment, find_themes  # noqa: E402

FIXTURE = ROOT / "tests" / "scoring" / "themes_comments.toml"
BUCKETS = (("detractor", 45, 3), ("passive", 25, 7), ("promoter", 30, 9))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
_SENTENCE = re.compile(r"[^.!?。！？，,]+[.!?。！？，,]?")


def make_comments(count: int, seed: int = 7) -> list[tuple[Comment, int]]:
    """``count`` comments with the score of their bucket."""
    rng = random.Random(seed)
    with FIXTURE.open("rb") as fh:
        data = tomllib.load(fh)
    parts = {(lang, b): [s.strip() for t in texts for s in _SENTENCE.findall(t) if s.strip()]
             for lang, spec in data.items() for b, texts in spec["comments"].items()}
    vocab = {lang: re.findall(r"\w+", " ".join(" ".join(v) for v in spec["comments"].values()))
             for lang, spec in data.items()}
    out = []
    for _ in range(count):
        lang = rng.choice(("en", "ro", "zh"))
        bucket, score = rng.choices([(b, s) for b, _, s in BUCKETS],
                                    weights=[w for _, w, _ in BUCKETS])[0]
        said = rng.sample(parts[(lang, bucket)], rng.randint(1, 3))
        if rng.random() < 1 / 3:
            joiner = "" if lang == "zh" else " "
            said.append(joiner.join(rng.choices(vocab[lang], k=rng.randint(3, 9))) + ".")
        out.append((Comment(("" if lang == "zh" else " ").join(said), bucket, lang), score))
    return out


def timed(run: Callable[[], Any], repeats: int) -> str:
    """The median and the worst wall-clock seconds of ``repeats`` runs after a warm-up, the
    median CPU seconds of this process (the machine is shared: CPU time is what the work costs)
    and the heap peak of one run (tracemalloc)."""
    run()
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return (f"median {statistics.median(walls):.2f} s, worst {max(walls):.2f} s, CPU "
            f"{statistics.median(cpus):.2f} s, heap peak {peak:.0f} MiB")


def load(engine: Any, comments: list[tuple[Comment, int]]) -> None:
    """One respondent per language and one run, the answers inserted 50,000 at a time."""
    with Session(engine.db.engine) as s:
        people = {lang: Respondent(channel="console", platform_user_id=f"bench-{lang}",
                                   locale=lang) for lang in ("en", "ro", "zh")}
        s.add_all(people.values())
        s.flush()
        run = SurveyRun(respondent_id=people["en"].id, survey="default",  # type: ignore[arg-type]
                        status="completed")
        s.add(run)
        s.flush()
        rows = [{"respondent_id": people[c.language].id, "survey_run_id": run.id,
                 "survey": "default", "question_key": f"nps{i}", "metric": "nps",
                 "score": score, "scale_min": 0, "scale_max": 10, "bucket": c.bucket,
                 "comment": c.text, "locale": c.language, "channel": "console",
                 "created_at": NOW - timedelta(days=i % 29, seconds=i), "is_test": False}
                for i, (c, score) in enumerate(comments)]
        table: Any = Answer.__table__  # type: ignore[attr-defined]
        for at in range(0, len(rows), 50_000):
            s.execute(table.insert(), rows[at:at + 50_000])
        rebuild_counts(session=s, zone=engine.report_zone)
        s.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-db", action="store_true")
    args = parser.parse_args()
    comments = make_comments(args.comments)
    plain = [c for c, _ in comments]
    for n in (args.comments // 10, args.comments):
        figures = timed(lambda n=n: find_themes(plain[:n], "detractor"), args.repeats)
        print(f"find_themes, {n:,} comments: {figures}")
    found = find_themes(plain, "detractor")
    for th in found:
        print(f"  {th.language}: {th.comments:,} detractors' comments; top: "
              + ", ".join(f"{t.text} ({t.count:,})" for t in th.themes[:3]))
    if args.skip_db:
        return
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", console_manager=True,
                            _env_file=None)  # type: ignore[call-arg]
        engine = build_engine(settings)
        engine.clock = lambda: NOW
        load(engine, comments)
        for words in ("themes 30d", "summary 30d"):
            def ask(words: str = words) -> None:
                engine.handle(Inbound("console", "console-manager", "c", text=words,
                                      command="nps", event_id=f"bench-{time.perf_counter()}"))
            print(f"/nps {words} on SQLite, {args.comments:,} comments: "
                  f"{timed(ask, args.repeats)}")
        engine.db.dispose()


if __name__ == "__main__":
    main()
