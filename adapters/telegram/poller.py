"""Telegram long polling as a service of the ``worker`` role, one poller at a time.

The Bot API hands each update to whichever ``getUpdates`` asks first and confirms offsets for
every caller, so two pollers of one bot would split and lose updates (and Telegram answers the
second one ``409 Conflict`` only now and then).  Hence a lock held for the poller's life, where
every process of the deployment sees it: on PostgreSQL a session advisory lock on a connection
of its own (released by the server when the process dies); on SQLite an ``flock`` on a file
beside the database (released by the kernel when the process dies).  A second poller refuses to
start with :class:`~adapters.startup.StartupError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from adapters.engine_calls import EngineCalls
from adapters.services import Services
from adapters.startup import StartupError
from adapters.telegram.app import TelegramChannel
from bot.db import explain, is_sqlite, safe_url
from bot.engine import Engine
from bot.settings import Settings

log = logging.getLogger(__name__)

CHECK_SECONDS = 15.0
REFUSED = ("telegram: another process is already polling for this bot's updates ({where}); "
           "run one worker process, or set TELEGRAM_WEBHOOK_URL and serve the webhook")


def lock_key(settings: Settings) -> int:
    """The advisory lock's key: one per bot (the token's numeric id), as a signed 64-bit int."""
    bot = settings.telegram_bot_token.split(":", 1)[0]
    digest = hashlib.sha256(f"survey-bot telegram poller {bot}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PollerLock:
    """Held by the one process that polls; :meth:`acquire` refuses when another holds it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.database_url
        self._file: IO[bytes] | None = None
        self._conn: Connection | None = None

    def lock_file(self) -> Path | None:
        """The file beside a SQLite database; None for one in memory (nobody else sees it)."""
        database = make_url(self.url).database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        return Path(database).with_name(Path(database).name + ".telegram-poller.lock")

    def acquire(self) -> None:
        if is_sqlite(self.url):
            self._acquire_file()
        else:
            self._acquire_advisory()

    def _acquire_file(self) -> None:
        path = self.lock_file()
        if path is None:
            return
        handle = path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StartupError(REFUSED.format(where=f"lock file {path}")) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle

    def _acquire_advisory(self) -> None:
        engine = create_engine(self.url, poolclass=pool.NullPool,
                               isolation_level="AUTOCOMMIT")
        try:
            conn = engine.connect()
            held = conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                {"key": lock_key(self.settings)}).scalar()
        except DBAPIError as exc:
            raise explain(exc, self.url) from exc
        if not held:
            conn.close()
            raise StartupError(REFUSED.format(
                where=f"advisory lock held at {safe_url(self.url)}"))
        self._conn = conn

    def held(self) -> bool:
        """Whether the lock is still ours: on PostgreSQL the connection holding it answers."""
        if self._conn is None:
            return self._file is not None or self.lock_file() is None
        try:
            return bool(self._conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid()")).scalar())
        except DBAPIError:
            return False

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            with contextlib.suppress(DBAPIError):
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": lock_key(self.settings)})
            with contextlib.suppress(DBAPIError):
                self._conn.close()
            self._conn = None


class TelegramPoller:
    """The service: take the lock, poll until stopped, let the lock go.  A lock lost while
    polling (the database connection holding it broke) stops the process, for its supervisor
    to start it again."""

    name = "telegram polling"

    def __init__(self, engine: Engine, settings: Settings, services: Services, *,
                 calls: EngineCalls | None = None, poll_timeout: int = 25) -> None:
        self.lock = PollerLock(settings)
        self.services = services
        self.channel = TelegramChannel(engine, settings, webhook=False, calls=calls,
                                       poll_timeout=poll_timeout, campaigns=True)
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await asyncio.to_thread(self.lock.acquire)
        try:
            await self.channel.start()
        except BaseException:
            await asyncio.to_thread(self.lock.release)
            raise
        self._watch = asyncio.create_task(self._keep())

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            if not await asyncio.to_thread(self.lock.held):
                log.error("telegram: the poller's lock was lost; stopping")
                self.services.fail(StartupError(
                    "telegram: the poller's database lock was lost; start the worker again"))
                return

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        try:
            await self.channel.stop()
        finally:
            await asyncio.to_thread(self.lock.release)
