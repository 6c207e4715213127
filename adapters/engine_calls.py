"""How an adapter calls the synchronous engine from its event loop: in one bounded executor of
threads, in order per person (KeyedLocks)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from weakref import WeakValueDictionary

from bot.engine import Engine
from bot.settings import Settings

T = TypeVar("T")


class EngineCalls:
    """Runs engine calls in ``ENGINE_THREADS`` threads, so the event loop never waits on the
    database.  One per process is enough (the runner and the web app share one among their
    channels); a channel built without one makes its own and closes it with itself."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.threads = settings.engine_threads
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="engine")

    async def start(self) -> None:
        """Nothing to start: threads come as calls need them."""

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    async def __call__(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(func, *args, **kwargs))


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
