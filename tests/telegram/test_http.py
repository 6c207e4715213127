"""python-telegram-bot's requests over aiohttp (adapters/telegram/http.py): form fields, files,
timeouts and refused connections."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

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
