"""Engine calls in worker processes.

A channel runs in one event loop, on one core.  On PostgreSQL most of an event's cost is Python
in SQLAlchemy and psycopg (about 3 ms, for a dozen round trips), and in threads that work fights
the event loop for the GIL.  Worker processes, each with an engine of its own built from the same
settings, take it to the other cores; the database keeps every process consistent, as it does for
several web processes.  Calls name an :class:`~bot.engine.Engine` method and pass picklable
arguments (:class:`~bot.messages.Inbound`, strings, numbers); results come back the same way.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from bot.app import build_engine
from bot.db import is_sqlite
from bot.engine import Engine
from bot.settings import Settings
from bot.style import ChannelStyle

log = logging.getLogger(__name__)

MAX_AUTO_PROCESSES = 4
MAX_AUTO_WEB = 4
MAX_AUTO_WEB_SQLITE = 2
START_TIMEOUT = 120.0
PARENT_CHECK_SECONDS = 1.0

_engine: Engine | None = None


def engine_processes(settings: Settings) -> int:
    """How many worker processes run the engine; 0 keeps it in the channel's process.

    ``ENGINE_PROCESSES`` decides when set.  Otherwise, on a machine with more than one core,
    PostgreSQL gets one per core (at most 4) and SQLite one: it writes one transaction at a
    time, so more would only queue for its lock.  On one core there is nothing to gain.
    """
    wanted = settings.engine_processes
    sqlite = is_sqlite(settings.database_url)
    if wanted is None:
        cores = usable_cores()
        wanted = 0 if cores < 2 else 1 if sqlite else min(cores, MAX_AUTO_PROCESSES)
    if wanted > 1 and sqlite:
        log.warning("ENGINE_PROCESSES=%s: SQLite writes one transaction at a time, so one "
                    "worker process runs the engine", wanted)
        wanted = 1
    return wanted


def web_processes(settings: Settings) -> int:
    """How many processes serve the web port (``WEB_CONCURRENCY``): one per core, at most 4 on
    PostgreSQL and 2 on SQLite, where each is another writer taking turns at the database's
    lock.  Several need ``SO_REUSEPORT`` (Linux, the BSDs, macOS)."""
    wanted = settings.web_concurrency
    if wanted is None:
        most = MAX_AUTO_WEB_SQLITE if is_sqlite(settings.database_url) else MAX_AUTO_WEB
        wanted = min(usable_cores(), most)
    if wanted > 1 and not hasattr(socket, "SO_REUSEPORT"):
        log.warning("WEB_CONCURRENCY=%s: this system cannot share a port; one web process",
                    wanted)
        wanted = 1
    return wanted


def for_web_process(settings: Settings, web: int) -> Settings:
    """The settings one of ``web`` web processes runs with: one engine worker each unless
    ``ENGINE_PROCESSES`` says otherwise, so the processes come to about two per core (a web
    process holds ~90 MB, a worker ~70 MB)."""
    if web < 2 or settings.engine_processes is not None:
        return settings
    return settings.model_copy(update={"engine_processes": 1})


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set), else all of them."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _exit_with_parent(parent: int) -> None:
    """A worker outlives a parent that was killed (SIGKILL, the OOM killer): it would wait for
    work forever, holding database connections."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)  # any open transaction is rolled back by the database


def _start_worker(settings: Settings, level: int) -> None:
    global _engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True,
                     name="exit-with-parent").start()
    _engine = build_engine(settings, migrate=False)


def _call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
          styles: dict[str, ChannelStyle]) -> Any:
    assert _engine is not None, "worker started without an engine"
    if _engine.styles != styles:  # the channels' styles, as registered in the parent
        _engine.styles.update(styles)
    return getattr(_engine, name)(*args, **kwargs)


def _ready() -> int:
    return os.getpid()


class EngineProcesses:
    """A pool of ``size`` processes, each with its own engine; a pool whose worker died is
    replaced and the call tried once more (``handle`` is idempotent: the event id is claimed in
    the same transaction as its effects)."""

    def __init__(self, settings: Settings, size: int,
                 styles: dict[str, ChannelStyle] | None = None) -> None:
        self.settings = settings
        self.size = size
        self.styles = styles if styles is not None else {}
        """The parent engine's channel styles (shared, not copied), sent along with each call."""
        self.pids: list[int] = []
        """The workers' process ids, as of :meth:`start`."""
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.size, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.settings, logging.getLogger().getEffectiveLevel()),
        )

    async def start(self) -> None:
        """Start every worker (each builds its engine) before the first event arrives."""
        if self.pids:
            return  # started by another channel sharing the pool
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(START_TIMEOUT):
            pids = await asyncio.gather(*(loop.run_in_executor(self._pool, _ready)
                                          for _ in range(self.size)))
        self.pids = sorted(set(pids))
        log.info("engine: %d worker processes (%s)", self.size,
                 ", ".join(str(p) for p in self.pids))

    async def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        call = functools.partial(_call, name, args, kwargs, dict(self.styles))
        pool = self._pool
        try:
            return await loop.run_in_executor(pool, call)
        except BrokenProcessPool:
            if pool is self._pool:  # the first caller to notice replaces it
                log.error("engine: a worker process died; starting new ones")
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            return await loop.run_in_executor(self._pool, call)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_shared: weakref.WeakKeyDictionary[Engine, tuple[EngineProcesses, int]] = (
    weakref.WeakKeyDictionary())


def acquire(engine: Engine, settings: Settings) -> EngineProcesses | None:
    """The worker pool of ``engine``, shared by every channel that uses it (the Telegram
    webhook and Slack in one web process, say); None when the engine runs in-process."""
    size = engine_processes(settings)
    if not size:
        return None
    pool, users = _shared.get(engine, (None, 0))
    if pool is None:
        pool = EngineProcesses(settings, size, engine.styles)
    _shared[engine] = (pool, users + 1)
    return pool


def release(engine: Engine) -> None:
    """One user of ``engine``'s pool is done; the last one shuts it down."""
    pool, users = _shared.pop(engine, (None, 0))
    if pool is None:
        return
    if users > 1:
        _shared[engine] = (pool, users - 1)
    else:
        pool.close()
