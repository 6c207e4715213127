"""python-telegram-bot's requests over aiohttp (adapters/telegram/http.py): form fields, files,
timeouts and refused connections.  The timeouts are tested as python-telegram-bot's own
HTTPXRequest applies them: every case runs against both."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from adapters.telegram.http import AiohttpRequest
from tests.telegram.standin import TOKEN, BotAPIStandIn


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, BotAPIStandIn]]:
    async with BotAPIStandIn() as api:
        async with Bot(TOKEN, base_url=api.base_url, request=AiohttpRequest(),
                       get_updates_request=AiohttpRequest()) as b:
            yield b, api


async def test_fields_and_files(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    sent = await b.send_message(5, "Bună ziua — 你好", disable_notification=True)
    assert sent.text == "Bună ziua — 你好" and sent.chat.id == 5
    call = api.sent("sendMessage")[-1]
    assert call.params["text"] == "Bună ziua — 你好" and call.params["disable_notification"]
    document = await b.send_document(5, b"score,n\n40,10\n", filename="nps.csv",
                                     caption="NPS export")
    assert document.document is not None and document.document.file_name == "nps.csv"
    call = api.sent("sendDocument")[-1]
    assert call.params["document"] == {"filename": "nps.csv", "size": 14,
                                       "content": b"score,n\n40,10\n"}
    assert call.params["caption"] == "NPS export"


async def test_error_answers_become_telegram_errors(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, _api = bot
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await b.edit_message_text("x", chat_id=5, message_id=12345)


async def test_slow_server_times_out() -> None:
    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
        await runner.cleanup()


async def test_refused_connection_is_a_network_error() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = AiohttpRequest(connect_timeout=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
        assert not isinstance(caught.value, TimedOut)
    finally:
        await request.shutdown()


# --- timeouts, as HTTPXRequest applies them --------------------------------------------------

CLIENTS = [pytest.param(AiohttpRequest, id="aiohttp"), pytest.param(HTTPXRequest, id="httpx")]
Client = Callable[..., BaseRequest]


@asynccontextmanager
async def slow_api(release: asyncio.Event) -> AsyncIterator[str]:
    """A Bot API whose every answer waits for ``release``; its getMe URL."""
    async def slow(_request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/bot{TOKEN}/getMe"
    finally:
        release.set()
        await runner.cleanup()


@asynccontextmanager
async def started(request: BaseRequest) -> AsyncIterator[BaseRequest]:
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


@pytest.mark.parametrize("client", CLIENTS)
async def test_read_timeout_default_and_per_call(client: Client) -> None:
    release = asyncio.Event()
    async with slow_api(release) as url, started(client(read_timeout=0.2)) as request:
        with pytest.raises(TimedOut):
            await request.post(url)  # the default
        with pytest.raises(TimedOut):
            await request.post(url, read_timeout=0.1)  # given to the call
        answer = asyncio.create_task(request.post(url, read_timeout=None))  # none at all
        await asyncio.sleep(0.5)  # longer than the default, and still waiting
        assert not answer.done()
        release.set()
        assert await asyncio.wait_for(answer, 10) is True


@pytest.mark.parametrize("client", CLIENTS)
async def test_pool_timeout_when_every_connection_is_busy(client: Client) -> None:
    release = asyncio.Event()
    async with slow_api(release) as url, started(client(
            connection_pool_size=1, pool_timeout=0.2, read_timeout=None)) as request:
        busy = asyncio.create_task(request.post(url))  # holds the only connection
        await asyncio.sleep(0.2)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await asyncio.wait_for(request.post(url), 2)  # the pool's wait, not connect's 5 s
        release.set()
        assert await asyncio.wait_for(busy, 10) is True
        assert await asyncio.wait_for(request.post(url), 10) is True  # the pool is free again


@contextmanager
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full: a new connection's SYN is dropped, so connecting
    hangs (Linux drops SYNs to a listener whose queue is full)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


@pytest.mark.parametrize("client", CLIENTS)
async def test_connect_timeout(client: Client) -> None:
    with full_backlog() as port:
        async with started(client(connect_timeout=0.3, pool_timeout=0.1)) as request:
            with pytest.raises(TimedOut):
                await asyncio.wait_for(
                    request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe"), 20)


def _upload(size: int) -> RequestData:
    """A sendDocument body with a file of ``size`` bytes, as python-telegram-bot builds it."""
    from telegram import InputFile

    return RequestData([RequestParameter.from_input("chat_id", 5), RequestParameter.from_input(
        "document", InputFile(b"x" * size, filename="big.bin"))])


@pytest.mark.parametrize("client", CLIENTS)
async def test_write_timeout_of_an_upload(client: Client) -> None:
    """A server that takes the connection but never reads: the upload stalls once the socket
    buffers are full, and the media write timeout ends it."""
    stalled = asyncio.Event()

    async def never_read(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await stalled.wait()
        writer.close()

    server = await asyncio.start_server(never_read, "127.0.0.1", 0, limit=1024)
    port = server.sockets[0].getsockname()[1]
    try:
        kwargs: dict[str, Any] = {"media_write_timeout": 0.3, "read_timeout": 0.3}
        async with started(client(**kwargs)) as request:
            with pytest.raises(TimedOut):
                await asyncio.wait_for(request.post(
                    f"http://127.0.0.1:{port}/bot{TOKEN}/sendDocument",
                    request_data=_upload(64 * 1024 * 1024)), 30)
    finally:
        stalled.set()
        server.close()
        await server.wait_closed()
