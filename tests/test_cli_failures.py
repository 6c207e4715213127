"""How ``survey-bot`` fails: one line on stderr naming what failed and what to do, never a
traceback, exit status 1 (failed while running) or 2 (bad usage or settings); the long-running
commands wait for the database with bounded backoff.  The process-level behaviour is checked on
the real ``survey-bot`` script in a subprocess."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from adapters.cli import main
from bot.app import build_engine
from bot.cli import LONG_RUNNING
from bot.db import Backoff, DatabaseUnavailable, wait_for_database
from tests.helpers import free_port, seed_answers

SURVEY_BOT = Path(sys.executable).with_name("survey-bot")
TIMEOUT = 120


def survey_bot_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of an operator's shell: no bot settings but ``settings`` (and
    LOG_LEVEL=WARNING unless given, so that stderr holds what the command says, not its
    INFO logs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(
        ("TELEGRAM_", "SLACK_", "DATABASE_", "LOG_", "SURVEY_", "WEB_", "ENGINE_", "PORT", "HOST"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", "LOG_LEVEL": "WARNING"})
    env.update(settings)
    return env


def survey_bot(args: list[str], tmp_path: Path,
               **settings: str) -> subprocess.CompletedProcess[str]:
    assert SURVEY_BOT.exists(), f"the console script is not installed: {SURVEY_BOT}"
    return subprocess.run([str(SURVEY_BOT), *args], cwd=tmp_path, text=True,
                          capture_output=True, timeout=TIMEOUT, check=False,
                          env=survey_bot_env(tmp_path, **settings))


def assert_one_line(err: str, *wanted: str) -> str:
    """stderr is one ``survey-bot: ...`` line holding every ``wanted`` text."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("survey-bot: "), err
    for text in wanted:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def unreachable_postgres_url(password: str = "s3cret") -> str:
    """A PostgreSQL URL to a port on 127.0.0.1 where nothing listens."""
    return f"postgresql+psycopg://postgres:{password}@127.0.0.1:{free_port()}/test"


def schema_is_empty(database_url: str) -> bool:
    if database_url.startswith("sqlite"):
        path = Path(make_url(database_url).database or "")
        return not path.exists() or path.stat().st_size == 0
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(dsn) as conn:
        count = conn.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_schema = 'public'").fetchone()
    return count is not None and count[0] == 0


# --- the process: closed pipes, exit codes, no tracebacks ------------------------------------

def test_export_into_a_pipe_closed_early(database_url: str, make_settings: Callable[..., Any],
                                         tmp_path: Path) -> None:
    """``survey-bot export | head -1``: the reader goes away while the export still writes."""
    engine = build_engine(make_settings())
    try:  # far more than a pipe's buffer (64 KiB), so the export blocks on it and sees EPIPE
        seed_answers(engine, [("nps", i % 11, 0, "x" * 200) for i in range(1500)])
    finally:
        engine.db.dispose()
    proc = subprocess.Popen([str(SURVEY_BOT), "export"], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=survey_bot_env(tmp_path, DATABASE_URL=database_url))
    try:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith("id,created_at,")
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=TIMEOUT) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert_one_line(err, "output was closed", "broken pipe")


@pytest.mark.empty_database  # nothing, not even the schema, is made
@pytest.mark.parametrize("target,wanted", [
    ("missing/dir/answers.csv", "the directory missing/dir does not exist"),
    (".", "is a directory"),
])
def test_export_to_a_path_that_cannot_be_written(database_url: str, tmp_path: Path,
                                                 target: str, wanted: str) -> None:
    done = survey_bot(["export", "-o", target], tmp_path, DATABASE_URL=database_url)
    assert done.returncode == 2
    assert_one_line(done.stderr, f"--output {target}", wanted)
    assert done.stdout == ""
    assert schema_is_empty(database_url), "a bad --output changes nothing, not even the schema"


@pytest.mark.parametrize("args", [["db", "current"], ["db", "upgrade"], ["export"],
                                  ["summary", "--period", "all"]])
def test_unreachable_postgresql(tmp_path: Path, args: list[str]) -> None:
    url = unreachable_postgres_url()
    done = survey_bot(args, tmp_path, DATABASE_URL=url)
    assert done.returncode == 1
    line = assert_one_line(done.stderr, "cannot connect to the database at",
                           url.replace("s3cret", "***"), "Connection refused", "DATABASE_URL")
    assert "s3cret" not in line
    assert done.stdout == ""


def test_database_that_refuses_us_names_the_fix(postgres_url: str, tmp_path: Path) -> None:
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    done = survey_bot(["db", "current"], tmp_path, DATABASE_URL=missing)
    assert done.returncode == 1
    assert_one_line(done.stderr, 'database "no_such_database" does not exist', "createdb")


@pytest.mark.parametrize("settings,wanted", [
    ({"DATABASE_URL": "postgresql+psycopg://u:pw@db.example:notaport/x"}, "DATABASE_URL"),
    ({"DATABASE_URL": "mysql://u@127.0.0.1/x"}, "DATABASE_URL"),
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ({"PORT": "not-a-port"}, "PORT"),
])
def test_bad_settings_exit_2_naming_the_variable(tmp_path: Path, settings: dict[str, str],
                                                 wanted: str) -> None:
    done = survey_bot(["db", "current"], tmp_path, **settings)
    assert done.returncode == 2
    line = assert_one_line(done.stderr, wanted)
    assert ":pw@" not in line, "a password in DATABASE_URL is never shown"


def test_sqlite_file_in_a_missing_directory(tmp_path: Path) -> None:
    done = survey_bot(["db", "upgrade"], tmp_path,
                      DATABASE_URL=f"sqlite:///{tmp_path / 'nowhere' / 'bot.db'}")
    assert done.returncode == 1
    assert_one_line(done.stderr, "cannot use the SQLite database", "nowhere", "directory")


def test_web_port_already_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = survey_bot(["web"], tmp_path, HOST="127.0.0.1", PORT=port, WEB_CONCURRENCY="1")
    assert done.returncode == 1
    assert_one_line(done.stderr, port, "address already in use")


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    for args in (["no-such-command"], ["export", "--format", "xml"], []):
        done = survey_bot(args, tmp_path)
        assert done.returncode == 2, args
        assert "usage: survey-bot" in done.stderr and "Traceback" not in done.stderr


def test_interrupted_chat_exits_130(tmp_path: Path) -> None:
    proc = subprocess.Popen([str(SURVEY_BOT), "chat"], cwd=tmp_path, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=survey_bot_env(tmp_path))
    try:
        assert proc.stdout is not None and proc.stderr is not None
        assert "survey-bot console" in proc.stdout.readline()
        while not proc.stdout.readline().startswith("  ["):  # the score buttons: it now waits
            assert proc.poll() is None, "chat ended before asking"
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        assert proc.wait(timeout=TIMEOUT) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    assert_one_line(err, "interrupted")


# --- logging -------------------------------------------------------------------------------

@pytest.mark.empty_database  # the first upgrade logs every migration
def test_alembic_speaks_only_at_debug(database_url: str, tmp_path: Path) -> None:
    first = survey_bot(["db", "upgrade"], tmp_path, DATABASE_URL=database_url, LOG_LEVEL="INFO")
    assert first.returncode == 0, first.stderr
    assert "alembic" not in first.stderr, first.stderr
    assert "database schema upgraded (empty) -> 0001 (initial schema)" in first.stderr
    again = survey_bot(["export"], tmp_path, DATABASE_URL=database_url, LOG_LEVEL="INFO")
    assert again.returncode == 0
    assert again.stderr.strip() == "exported 0 answers", "nothing to migrate: nothing said"
    debug = survey_bot(["db", "current"], tmp_path, DATABASE_URL=database_url, LOG_LEVEL="DEBUG")
    assert debug.returncode == 0
    assert "alembic.runtime.migration: Context impl" in debug.stderr


# --- waiting for the database at start-up ----------------------------------------------------

class FakeTime:
    """A clock that moves only when slept on; calls ``on_sleep`` with the seconds slept."""

    def __init__(self, on_sleep: Callable[[int], None] = lambda _n: None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.on_sleep(len(self.sleeps))

    def backoff(self) -> Backoff:
        return Backoff(first=1, factor=2, cap=15, total=60, sleep=self.sleep,
                       clock=lambda: self.now)


@pytest.mark.parametrize("command", LONG_RUNNING)
def test_long_running_commands_retry_an_unreachable_database_then_give_up(
        command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "SLACK_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DATABASE_URL", unreachable_postgres_url())
    fake = FakeTime()
    with caplog.at_level(logging.WARNING, logger="bot.db"):
        assert main([command], backoff=fake.backoff()) == 1
    assert fake.sleeps == [1, 2, 4, 8, 15, 15, 15]  # 60 s in all, then it stops
    retries = [r for r in caplog.records if "not reachable" in r.getMessage()]
    assert len(retries) == 7 and "***" in retries[0].getMessage()
    assert "s3cret" not in caplog.text
    assert_one_line(capsys.readouterr().err, "cannot connect to the database",
                    "tried 8 times in 60 s", "Connection refused")


@contextmanager
def tcp_forwarder(listen_port: int, target: tuple[str, int]) -> Iterator[Callable[[], None]]:
    """A TCP forwarder from 127.0.0.1:``listen_port`` to ``target``, started when the yielded
    function is called: a database that comes up late."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(target, timeout=5)
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=pump, args=(a, b), daemon=True)
                t.start()
                threads.append(t)

    def start() -> None:
        server.bind(("127.0.0.1", listen_port))
        server.listen()
        t = threading.Thread(target=accept, daemon=True)
        t.start()
        threads.append(t)

    try:
        yield start
    finally:
        stop.set()
        server.close()
        for t in threads:
            t.join(timeout=5)


def test_wait_for_database_returns_once_postgresql_answers(
        postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    real = make_url(postgres_url)
    port = free_port()
    late = real.set(port=port).render_as_string(hide_password=False)
    with tcp_forwarder(port, (real.host or "127.0.0.1", real.port or 5432)) as come_up:
        fake = FakeTime(on_sleep=lambda n: come_up() if n == 2 else None)
        with caplog.at_level(logging.INFO, logger="bot.db"):
            wait_for_database(late, fake.backoff())
    assert fake.sleeps == [1, 2]
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.db"]
    assert sum("not reachable" in m for m in messages) == 2
    assert any("answers (attempt 3)" in m for m in messages)


def test_wait_for_database_gives_up_at_once_when_waiting_cannot_help(
        postgres_url: str) -> None:
    fake = FakeTime()
    wrong = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(DatabaseUnavailable, match="createdb"):
        wait_for_database(wrong, fake.backoff())
    assert fake.sleeps == []
