"""An in-test TCP proxy, to make a database (or any server) go away and come back without
touching the shared server.

::

    with TcpProxy("127.0.0.1", 5432) as proxy:        # listens on a free 127.0.0.1 port
        url = proxy.url(postgres_url)                  # the same URL through the proxy
        ...
        proxy.cut()                                    # every open connection dropped, new ones
        ...                                            #   refused (mode="refuse", the default)
        proxy.restore()                                # new connections go through again

``TcpProxy(host, port, *, listen_host="127.0.0.1", listen_port=0, connect_timeout=5.0)``
runs its own event loop in a daemon thread, so it works the same under a synchronous test
(psycopg, SQLAlchemy) and under an asynchronous one (a stand-in and a bot in the test's loop),
and in front of a bot in another process.  ``start()`` / ``close()`` or the ``with`` block;
``close()`` drops every connection and stops the thread.  Every call waits at most
``call_timeout`` seconds (default 10) for the proxy's thread.

``cut(mode="refuse" | "reset" | "hang")``:

* ``"refuse"`` — open connections are aborted (the client sees a reset); the port stops
  listening, so new connections are refused (``ECONNREFUSED``), as a restarting server does.
* ``"reset"`` — open connections are aborted; new ones are accepted and closed at once.
* ``"hang"`` — open connections stay open but nothing passes either way; new ones are accepted
  and hang (a lost network: the client's own timeouts decide).  ``restore()`` aborts the hung
  connections (they would have timed out).

``restore()`` listens again on the same port.  ``port``, ``address``, ``is_cut``,
``accepted`` (connections accepted so far), ``open_connections()`` (now).  ``url(database_url)``
rewrites a SQLAlchemy / libpq URL's host and port to the proxy's.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine
from typing import Any, Literal

from sqlalchemy.engine import make_url

CutMode = Literal["refuse", "reset", "hang"]


class TcpProxy:
    """A TCP proxy in front of ``host:port`` (see the module's docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5432, *,
                 listen_host: str = "127.0.0.1", listen_port: int = 0,
                 connect_timeout: float = 5.0, call_timeout: float = 10.0) -> None:
        self.target = (host, port)
        self.listen_host = listen_host
        self.port = listen_port
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.accepted = 0
        self.mode: CutMode | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter | None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> TcpProxy:
        if self._thread is not None:
            return self
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy",
                                        daemon=True)
        self._thread.start()
        self._call(self._listen())
        return self

    def close(self) -> None:
        if self._loop is None or self._thread is None:
            return
        with contextlib.suppress(Exception):
            self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=self.call_timeout)
        if not self._thread.is_alive():
            self._loop.close()
        self._loop = self._thread = None

    @property
    def address(self) -> tuple[str, int]:
        return self.listen_host, self.port

    @property
    def is_cut(self) -> bool:
        return self.mode is not None

    def url(self, database_url: str) -> str:
        """``database_url`` with the proxy's host and port."""
        return make_url(database_url).set(host=self.listen_host, port=self.port).render_as_string(
            hide_password=False)

    def open_connections(self) -> int:
        return len(self._pairs)

    # ------------------------------------------------------------------ faults

    def cut(self, mode: CutMode = "refuse") -> None:
        """Make the server unreachable through the proxy (see the module's docstring)."""
        self._call(self._cut(mode))

    def restore(self) -> None:
        """Let connections through again, on the same port."""
        self._call(self._restore())

    # ------------------------------------------------------------------ the proxy's thread

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        if self._loop is None:
            coro.close()
            raise RuntimeError("the proxy is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.call_timeout)

    async def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.listen_host, self.port))
        self._server = await asyncio.start_server(self._accept, sock=sock, backlog=256)
        self.port = sock.getsockname()[1]

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _abort_all(self) -> None:
        for client, upstream in list(self._pairs):
            client.transport.abort()
            if upstream is not None:
                upstream.transport.abort()
        self._pairs.clear()

    async def _cut(self, mode: CutMode) -> None:
        self.mode = mode
        if mode == "refuse":
            await self._stop_listening()
        if mode != "hang":
            self._abort_all()

    async def _restore(self) -> None:
        if self.mode == "hang":
            self._abort_all()
        self.mode = None
        if self._server is None:
            await self._listen()

    async def _shutdown(self) -> None:
        await self._stop_listening()
        self._abort_all()
        for task in list(self._tasks):
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.mode in ("refuse", "reset"):
            writer.transport.abort()
            return
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter | None] = (writer, None)
        self._pairs.add(pair)
        if self.mode == "hang":
            return  # held open until restore() or close() aborts it
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.target), self.connect_timeout)
        except (OSError, TimeoutError):
            self._pairs.discard(pair)
            writer.transport.abort()
            return
        if pair not in self._pairs:  # cut while connecting
            up_writer.transport.abort()
            return
        self._pairs.discard(pair)
        pair = (writer, up_writer)
        self._pairs.add(pair)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink, pair))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter,
                    pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter | None]) -> None:
        try:
            while True:
                data = await source.read(65536)
                if not data:
                    break
                while self.mode == "hang" and pair in self._pairs:
                    await asyncio.sleep(0.05)  # swallowed by the lost network
                if pair not in self._pairs:
                    return
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            if pair in self._pairs:
                self._pairs.discard(pair)
                for end in pair:
                    if end is not None:
                        end.transport.abort()
