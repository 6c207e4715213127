"""How an adapter calls the synchronous engine from its event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from bot.db import is_sqlite
from bot.engine import Engine

T = TypeVar("T")


class EngineCalls:
    """Runs engine calls for one adapter.

    On PostgreSQL the engine waits on the network, so calls go to worker threads, ``threads``
    at a time (more only fight the event loop for the GIL).  On SQLite a call is a millisecond
    or two of CPU on a local file, and one process writes one transaction at a time anyway:
    a thread would only add hand-offs, so ``inline_sqlite`` runs it in the loop.
    """

    def __init__(self, engine: Engine, *, threads: int, inline_sqlite: bool) -> None:
        self.inline = inline_sqlite and is_sqlite(engine.db.url)
        self._slots = asyncio.Semaphore(threads)

    async def __call__(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.inline:
            return func(*args, **kwargs)
        async with self._slots:
            return await asyncio.to_thread(func, *args, **kwargs)
