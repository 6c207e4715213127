"""Real ``survey-bot <mode>`` OS processes in tests: started as an operator starts them, watched,
killed with SIGKILL at the moment a test chooses, always stopped.

::

    async with BotProcess("worker", env, cwd=tmp_path) as bot:   # or bot_processes.start(...)
        await bot.wait_ready(until=lambda: bool(api.sent("getUpdates")))
        ...
        bot.kill()                       # SIGKILL to its whole process group, reaped
        await bot.restart()              # the same command and environment, a fresh log

``BotProcess(mode, env, *, cwd, log_path=None, args=(), keep_environment=False)``:

* the command is the ``survey-bot`` entry point named in ``pyproject.toml``'s
  ``[project.scripts]`` (``module:function``), run by this interpreter (:func:`command`);
  without a pyproject, the ``survey-bot`` script beside ``sys.executable``;
* ``env`` is the process's whole bot configuration: the caller's ``TELEGRAM_*``, ``SLACK_*``,
  ``DATABASE_*``, ``WEB_*``, ``ENGINE_*``, ``PORT``, ``HOST`` and ``LOG_LEVEL`` are left out
  (unless ``keep_environment``), ``PYTHONUNBUFFERED=1`` is added; :func:`bot_env` builds the usual
  settings for the stand-ins;
* it runs in ``cwd`` (a test's ``tmp_path``: no stray ``.env``), in a session of its own, its
  stdout and stderr both in ``log_path`` (default ``cwd/<mode>-<n>.log``); ``output()`` reads it.

Waiting (each with a ``timeout``; :class:`ProcessFailed`, with the log's tail, when the process
exits first or the time runs out): ``await wait_ready(healthz=port | log=regex | until=callable)``
(any that are given must all hold), ``await wait_exit(timeout)``.

Stopping: ``kill()`` (SIGKILL to the process group: gunicorn's web processes and any child die
with it), ``await terminate(timeout=20)`` (SIGTERM, then SIGKILL after ``timeout``; returns the
exit status), ``await restart()``.  The ``async with`` block, the :class:`BotProcesses` fixture
``bot_processes`` (``tests/conftest.py``) and an ``atexit`` hook all kill what is still running.
Waits are asynchronous, so stand-ins in the test's event loop keep answering the process.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
STRIPPED = ("TELEGRAM_", "SLACK_", "DATABASE_", "WEB_", "ENGINE_")
STRIPPED_NAMES = {"PORT", "HOST", "LOG_LEVEL", "SURVEY_FILE"}
_running: set[BotProcess] = set()
_numbers = itertools.count(1)


class ProcessFailed(AssertionError):
    """The process exited, or was not ready in time; the message ends with its log's tail."""


def command() -> list[str]:
    """How to run ``survey-bot`` with this interpreter."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.exists():
        scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
        module, _, function = scripts["survey-bot"].partition(":")
        return [sys.executable, "-c",
                f"import sys; from {module} import {function} as main; sys.exit(main())"]
    found = shutil.which("survey-bot", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("no survey-bot entry point: no pyproject.toml and no script")
    return [found]


def bot_env(database_url: str, *, telegram_api: str | None = None,
            slack_api: str | None = None, port: int | None = None,
            **extra: str) -> dict[str, str]:
    """The settings a test bot runs with: the database, the stand-ins' URLs with their tokens,
    the managers of the harnesses, ``HOST=127.0.0.1``, and ``extra`` (names as variables)."""
    from tests.slack.harness import ALERTS, MANAGER
    from tests.slack.standin import BOT_TOKEN, SIGNING_SECRET
    from tests.telegram.harness import ALERT_CHAT, MANAGER_ID
    from tests.telegram.standin import TOKEN

    env = {"DATABASE_URL": database_url, "HOST": "127.0.0.1", "LOG_LEVEL": "INFO"}
    if port is not None:
        env["PORT"] = str(port)
    if telegram_api is not None:
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=telegram_api,
                   TELEGRAM_MANAGER_IDS=str(MANAGER_ID), TELEGRAM_ALERT_CHAT_ID=str(ALERT_CHAT))
    if slack_api is not None:
        env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                   SLACK_API_URL=slack_api, SLACK_MANAGER_IDS=MANAGER,
                   SLACK_ALERT_CHANNEL=ALERTS)
    env.update({key.upper(): value for key, value in extra.items()})
    return env


class BotProcess:
    """One ``survey-bot <mode>`` process (see the module's docstring)."""

    def __init__(self, mode: str, env: Mapping[str, str], *, cwd: Path,
                 log_path: Path | None = None, args: Sequence[str] = (),
                 keep_environment: bool = False) -> None:
        self.mode = mode
        self.env = dict(env)
        self.cwd = cwd
        self.args = list(args)
        self.keep_environment = keep_environment
        self.log_path = log_path or cwd / f"{mode}-{next(_numbers)}.log"
        self.popen: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> BotProcess:
        if self.alive:
            raise RuntimeError("already running")
        env = {k: v for k, v in os.environ.items() if self.keep_environment or not (
            k.startswith(STRIPPED) or k in STRIPPED_NAMES)}
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen([*command(), self.mode, *self.args], cwd=self.cwd,
                                          env=env, stdin=subprocess.DEVNULL, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at = time.monotonic()
        _running.add(self)
        return self

    async def __aenter__(self) -> BotProcess:
        return self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.terminate(timeout=10)

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError("not started")
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        """None while it runs; ``-9`` after :meth:`kill`, as ``subprocess`` reports signals."""
        return None if self.popen is None else self.popen.poll()

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _failed(self, what: str) -> ProcessFailed:
        tail = "\n".join(self.output().splitlines()[-40:])
        return ProcessFailed(f"survey-bot {self.mode} (pid {self.popen and self.popen.pid}, "
                             f"exit {self.returncode}): {what}\n--- {self.log_path}:\n{tail}")

    # ------------------------------------------------------------------ waiting

    async def wait_ready(self, *, healthz: int | None = None, log: str | re.Pattern[str] | None
                         = None, until: Callable[[], bool] | None = None,
                         timeout: float = 30) -> float:
        """Wait until ``/healthz`` on 127.0.0.1:``healthz`` answers 200, the log matches
        ``log`` and ``until()`` holds (those given); the seconds it took since start."""
        pattern = re.compile(log) if isinstance(log, str) else log
        deadline = time.monotonic() + timeout
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=2)) as http:
            while True:
                if not self.alive:
                    raise self._failed("exited before it was ready")
                if (pattern is None or pattern.search(self.output())) and (
                        until is None or until()) and (
                        healthz is None or await _healthy(http, healthz)):
                    return time.monotonic() - self.started_at
                if time.monotonic() > deadline:
                    raise self._failed(f"not ready after {timeout} s")
                await asyncio.sleep(0.05)

    async def wait_exit(self, timeout: float = 20) -> int:
        """Wait for the process to exit by itself; its exit status."""
        deadline = time.monotonic() + timeout
        while self.alive:
            if time.monotonic() > deadline:
                raise self._failed(f"still running after {timeout} s")
            await asyncio.sleep(0.02)
        _running.discard(self)
        return int(self.returncode or 0)

    # ------------------------------------------------------------------ stopping

    def kill(self) -> int:
        """SIGKILL to the process and everything it started (its process group), reaped; the
        exit status (``-9`` when it was running)."""
        if self.popen is None:
            return 0
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone already
        self.popen.wait(timeout=10)
        _running.discard(self)
        self._wait_group_gone()
        return int(self.popen.returncode)

    def _wait_group_gone(self, timeout: float = 5.0) -> None:
        """Until no process of the group is left (a child dies a moment after its parent, and
        holds the listening socket until then); an unreaped zombie ends the wait too."""
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.popen.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            if _only_zombies(self.popen.pid):
                return
            time.sleep(0.005)

    async def terminate(self, timeout: float = 20) -> int:
        """SIGTERM (a graceful stop), then SIGKILL after ``timeout``; the exit status."""
        if self.popen is None:
            return 0
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self.popen.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        code = self.popen.poll()
        self.kill()  # what did not stop in time, and any child left behind
        return int(code if code is not None else self.popen.returncode)

    async def restart(self, *, log_path: Path | None = None) -> BotProcess:
        """Stop what runs (SIGKILL), then start again with the same command and environment."""
        self.kill()
        self.log_path = log_path or self.cwd / f"{self.mode}-{next(_numbers)}.log"
        return self.start()


def _only_zombies(group: int) -> bool:
    """Whether every process left in ``group`` is a zombie (dead, its files closed)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return False
    return True


async def _healthy(http: aiohttp.ClientSession, port: int) -> bool:
    try:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


class BotProcesses:
    """The ``bot_processes`` fixture: ``start(mode, env, **kwargs)`` starts a
    :class:`BotProcess` in the test's ``tmp_path``; all are stopped when the test ends."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.started: list[BotProcess] = []

    def start(self, mode: str, env: Mapping[str, str], **kwargs: object) -> BotProcess:
        kwargs.setdefault("cwd", self.cwd)
        process = BotProcess(mode, env, **kwargs)  # type: ignore[arg-type]
        self.started.append(process)
        return process.start()

    async def close(self) -> None:
        for process in self.started:
            await process.terminate(timeout=5)


@atexit.register
def _kill_all() -> None:
    for process in list(_running):
        process.kill()
