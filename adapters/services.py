"""What a long-running process runs besides (or instead of) its web server: services started in
order with the process and stopped in reverse order with it.

A :class:`Service` is anything with ``name``, ``async start()`` and ``async stop()``: Telegram
long polling (:mod:`adapters.telegram.poller`), Slack Socket Mode, the web site of
``survey-bot run``, and the outbox dispatcher and inbox sweeper of the ``worker`` role.
``start`` returns once the service runs (an error there stops the process's start-up, as a
:class:`~adapters.startup.StartupError` says why in one line); a service that fails later calls
:meth:`Services.fail`, which stops the process with that error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

log = logging.getLogger(__name__)

STOP_TIMEOUT = 15.0


class Service(Protocol):
    """A part of a process with a life of its own."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Services:
    """The services of one process, run until :meth:`stop` (or a signal, or a failure)."""

    def __init__(self) -> None:
        self.stopping = asyncio.Event()
        self.error: BaseException | None = None

    def fail(self, error: BaseException) -> None:
        """A running service failed: the process stops and :meth:`run` raises ``error``."""
        if self.error is None:
            self.error = error
        self.stopping.set()

    def stop(self) -> None:
        self.stopping.set()

    async def run(self, services: Sequence[Service]) -> None:
        """Start ``services`` in order, wait until told to stop, stop the started ones in
        reverse order (each within ``STOP_TIMEOUT`` seconds); raise a service's failure."""
        started: list[Service] = []
        try:
            for service in services:
                if self.stopping.is_set():
                    break
                await service.start()
                started.append(service)
                log.debug("service started: %s", service.name)
            await self.stopping.wait()
        finally:
            self.stopping.set()
            for service in reversed(started):
                try:
                    await asyncio.wait_for(service.stop(), timeout=STOP_TIMEOUT)
                except TimeoutError:
                    log.error("service %s did not stop within %.0f s", service.name,
                              STOP_TIMEOUT)
                except Exception:
                    log.exception("service %s stopped with an error", service.name)
        if self.error is not None:
            raise self.error


class TaskService:
    """A coroutine ``run(stop)`` that runs until its ``stop`` event is set, as a service: its
    error, at start-up or later, stops the process (:meth:`Services.fail`)."""

    def __init__(self, name: str, run: Callable[[asyncio.Event], Awaitable[None]],
                 services: Services) -> None:
        self.name = name
        self._run = run
        self._services = services
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._guarded(), name=self.name)

    async def _guarded(self) -> None:
        try:
            await self._run(self._stop)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure stops the process
            self._services.fail(exc)
        else:
            if not self._stop.is_set():
                self._services.fail(RuntimeError(f"{self.name} stopped by itself"))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=STOP_TIMEOUT)
            except TimeoutError:
                self._task.cancel()
