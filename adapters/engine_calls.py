"""How an adapter calls the synchronous engine from its event loop: in order per person,
inline or in threads, counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakValueDictionary

from bot import workers
from bot.db import is_sqlite
from bot.engine import Engine
from bot.settings import Settings

T = TypeVar("T")


class EngineCalls:
    """Runs engine calls for one adapter.

    With worker processes (``ENGINE_PROCESSES``, see :mod:`bot.workers`) every call goes to
    them and the event loop keeps its core for the platform.  Otherwise: on PostgreSQL the
    engine waits on the network, so calls go to worker threads, ``threads`` at a time (more only
    fight the event loop for the GIL); on SQLite a call is a millisecond or two of CPU on a local
    file, and one process writes one transaction at a time anyway, so ``inline_sqlite`` runs it
    in the loop, where a thread would only add hand-offs.
    """

    def __init__(self, engine: Engine, settings: Settings, *, threads: int,
                 inline_sqlite: bool) -> None:
        self.engine = engine
        self.processes = workers.acquire(engine, settings)
        self.inline = inline_sqlite and is_sqlite(engine.db.url)
        self._slots = asyncio.Semaphore(threads)

    async def start(self) -> None:
        if self.processes is not None:
            await self.processes.start()

    def close(self) -> None:
        if self.processes is not None:
            workers.release(self.engine)
            self.processes = None

    async def __call__(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.processes is not None:
            if getattr(func, "__self__", None) is not self.engine:
                raise TypeError(f"{func!r} is not a method of the engine")
            result: T = await self.processes(func.__name__, *args, **kwargs)
            return result
        if self.inline:
            return func(*args, **kwargs)
        async with self._slots:
            return await asyncio.to_thread(func, *args, **kwargs)


class KeyedLocks:
    """One lock per chat or person, so their events reach the engine one at a time and in order;
    a lock lives only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


class CountsHandled:
    """``handled``: events finished so far, which tests and benchmarks wait on."""

    handled: int = 0

    async def wait_handled(self, count: int, timeout: float = 10) -> None:
        """Wait until ``count`` events have been handled."""
        async with asyncio.timeout(timeout):
            while self.handled < count:
                await asyncio.sleep(0.002)
