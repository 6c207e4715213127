"""python-telegram-bot's HTTP requests sent with aiohttp instead of httpx.

Profiles of the bot under load showed half of its CPU in httpx and httpcore; most of it in
httpcore checking every pooled connection (``has_expired``, which asks anyio for all of a
socket's attributes) before each request.  aiohttp, which the web server already uses, keeps a
queue of idle connections and sends the same request for a fraction of that.  Measured on the
web role (``bench/telegram_throughput.py --mode webhook --compare-clients``: the webhook served
as a web process serves it, PostgreSQL, 1000 customers 50 at a time, two shared cores; two
runs): 49 and 62 updates a second on this client against 28 and 32 on python-telegram-bot's
``HTTPXRequest`` (1.75× and 1.91×); the bare echo bot, 155 and 210 against 74 and 97.  Paced at
30 updates a second, below saturation, the client makes no difference that holds from run to
run (p99 142 ms against 3.0 s in the busier run, 56 against 26 ms in the quieter one).  Again
on the durable design (inbox and outbox, issue 10; same command): 75 against 54 updates a
second (1.40×), paced p99 34 against 23 ms; the bare echo bot 1229 against 346.

Bodies are sent as ``HTTPXRequest`` sends them (form fields, or
multipart when a file is uploaded) and its four timeouts apply as there
(tests/telegram/test_http.py runs the same cases against both): ``read``, ``connect``, ``pool``
(the wait for one of the pool's connections, then ``TimedOut("Pool timeout: ...")``) and
``write`` (a file's upload: ``media_write``; aiohttp bounds a request's writing and reading
together, so a stalled upload ends after write + read); each given to a call replaces the
default, and ``None`` means none.
"""

from __future__ import annotations

import asyncio

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


def _seconds(given: object, default: float | None) -> float | None:
    """A timeout a caller passed (a number or ``None`` for none), else ours."""
    if given is None or isinstance(given, (int, float)):
        return given
    return default  # python-telegram-bot's DEFAULT_NONE: the caller left it to us


class AiohttpRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` on one ``aiohttp.ClientSession``."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session",
                 "_slots", "_write")

    def __init__(self, *, connection_pool_size: int = 16, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # The pool's wait of its own (aiohttp counts it into the connect timeout): a request
        # waits at most ``pool`` seconds for one of the pool's connections, as with httpx.
        self._slots = asyncio.Semaphore(connection_pool_size)

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        body: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            body = aiohttp.FormData(fields or {})
            for name, (filename, content, mimetype) in files.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
        read = _seconds(read_timeout, self._read)
        write = _seconds(write_timeout, self._media_write if files else self._write)
        connect = _seconds(connect_timeout, self._connect)
        pool = _seconds(pool_timeout, self._pool)
        # aiohttp has no write timeout of its own: a request may take its write and read time
        # together.  Connecting is bounded by ``connect``; the wait for the pool by ``pool``.
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(total=total, sock_read=read, sock_connect=connect,
                                        connect=connect)
        try:
            async with asyncio.timeout(pool):
                await self._slots.acquire()
        except TimeoutError:
            raise TimedOut(
                "Pool timeout: All connections in the connection pool are occupied. Request "
                "was *not* sent to Telegram. Consider adjusting the connection pool size or the "
                "pool timeout.") from None
        try:
            async with self._session.request(method, url, data=body,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp.ServerTimeoutError too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        finally:
            self._slots.release()
