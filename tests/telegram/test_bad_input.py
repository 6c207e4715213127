"""What a broken client or an attacker sends to the Telegram webhook, and texts longer than
Telegram takes: a 4xx (or a cut text), one log line, no traceback, nothing stored."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import matplotlib.image
import pytest
from aiohttp import web
from sqlalchemy import text as sql
from telegram.error import BadRequest

from adapters.runner import build_web_app, plan
from adapters.telegram.render import clip, clip_caption
from bot.app import build_engine
from bot.engine import Engine
from bot.text import units
from tests.bad_input import assert_one_line, raw_post, row_counts
from tests.helpers import settle
from tests.telegram.conftest import running
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness
from tests.telegram.standin import BotAPIStandIn, user

SECRET = "s3cret-Token_1"
LOGGER = "adapters.telegram.app"


@dataclass
class Hook:
    api: BotAPIStandIn
    engine: Engine
    url: str

    async def post(self, body: bytes, *, secret: str | None = SECRET) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http, \
                http.post(self.url, data=body, headers=headers) as resp:
            await resp.read()
        await settle(self.engine, channel="telegram")  # stored, then processed after the 200
        return resp.status


@asynccontextmanager
async def webhook(settings_for: Callable[..., Any]) -> AsyncIterator[Hook]:
    """The web app serving the Telegram webhook on 127.0.0.1, until the block ends."""
    async with BotAPIStandIn() as api:
        settings = settings_for(api, telegram_webhook_url="https://bot.example.com/tg/hook",
                                telegram_webhook_secret=SECRET)
        engine = build_engine(settings)
        runner = web.AppRunner(build_web_app(engine, settings, plan(settings, "web")),
                               access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield Hook(api, engine, f"http://127.0.0.1:{port}/tg/hook")
        finally:
            await runner.cleanup()
            engine.db.dispose()


@pytest.fixture
async def hook(tg_settings: Callable[..., Any]) -> AsyncIterator[Hook]:
    async with webhook(tg_settings) as h:
        yield h


def _message(**fields: Any) -> bytes:
    return json.dumps({"update_id": 7, **fields}).encode()


BAD_BODIES = {
    "malformed JSON": b'{"update_id": 1, "message": ',
    "deeply nested JSON": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "deeply nested arrays": b"[" * 100_000 + b"]" * 100_000,
    "nested past the bound": json.dumps(
        {"update_id": 1, "x": json.loads("[" * 40 + "]" * 40)}).encode(),
    "a JSON array": b"[]",
    "a JSON string": b'"hello"',
    "invalid UTF-8": b'{"update_id": 1, "message": "\xff\xfe"}',
    "a message that is a string": _message(message="hello"),
    "no update_id": json.dumps({"message": {"text": "hi"}}).encode(),
    "a callback query that is a string": _message(callback_query="x"),
    "a chat that is a string": _message(message={"message_id": 1, "date": 0, "chat": "c"}),
    "a date out of range": _message(message={"message_id": 1, "date": 1e300,
                                             "chat": {"id": 1, "type": "private"}}),
    "an empty body": b"",
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_bad_bodies_get_400_and_one_line(hook: Hook, body: bytes,
                                               caplog: pytest.LogCaptureFixture) -> None:
    before = row_counts(hook.engine)
    caplog.clear()
    assert await hook.post(body) == 400
    record = assert_one_line(caplog, LOGGER)
    assert "refused a body" in record.getMessage()
    assert row_counts(hook.engine) == before
    assert not [c for c in hook.api.calls if c.method.startswith(("send", "edit"))]


async def test_a_body_over_a_megabyte_gets_413(hook: Hook,
                                               caplog: pytest.LogCaptureFixture) -> None:
    before = row_counts(hook.engine)
    caplog.clear()
    assert await hook.post(_message(message={"text": "a" * 2_000_000})) == 413
    assert assert_one_line(caplog, LOGGER).getMessage().endswith(": over the size limit")
    assert row_counts(hook.engine) == before


async def test_unsigned_bodies_are_refused_before_they_are_read(
        hook: Hook, caplog: pytest.LogCaptureFixture) -> None:
    caplog.clear()
    assert await hook.post(BAD_BODIES["deeply nested JSON"], secret=None) == 403
    record = assert_one_line(caplog, LOGGER)
    assert "secret token" in record.getMessage()


async def test_a_secret_header_that_is_not_utf8_gets_403(
        hook: Hook, caplog: pytest.LogCaptureFixture) -> None:
    caplog.clear()
    status = await raw_post(hook.url, b"X-Telegram-Bot-Api-Secret-Token: s3\xff\xfe\r\n")
    assert status == 403
    assert "secret token" in assert_one_line(caplog, LOGGER).getMessage()


async def test_a_good_update_still_works_after_bad_ones(hook: Hook) -> None:
    for body in BAD_BODIES.values():
        assert await hook.post(body) == 400
    frm = user(401, "After", "en")
    assert await hook.post(json.dumps(hook.api.message_update(frm, "/start")).encode()) == 200
    assert len(hook.api.sent("sendMessage", 401)) == 1


async def test_an_update_whose_handling_fails_is_logged_once_and_not_redelivered(
        hook: Hook, caplog: pytest.LogCaptureFixture) -> None:
    """The database loses a table under the bot: the update fails inside, which is logged once
    and answered 200 (a redelivery would only fail again)."""
    frm = user(402, "Leaver", "en")
    assert await hook.post(json.dumps(hook.api.message_update(frm, "/start")).encode()) == 200
    with hook.engine.db.engine.begin() as conn:
        conn.execute(sql("ALTER TABLE respondents RENAME TO respondents_gone"))
    caplog.clear()
    status = await hook.post(json.dumps(hook.api.blocked_update(frm)).encode())
    assert status == 200
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["adapters.inbox"], [r.getMessage() for r in errors]
    assert "failed" in errors[0].getMessage()


# ------------------------------------------------------------------------ Telegram's limits


async def test_the_standin_refuses_what_telegram_refuses(tg: Harness) -> None:
    bot = tg.channel.app.bot
    ok = await bot.send_message(501, "😀" * 2048)  # 4,096 UTF-16 code units
    assert ok.text == "😀" * 2048
    for text in ("😀" * 2048 + "a", "a" * 4097):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(501, text)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.edit_message_text("送" * 4097, chat_id=501, message_id=ok.message_id)
    png = io.BytesIO()
    matplotlib.image.imsave(png, [[0.0, 1.0], [1.0, 0.0]], format="png")
    await bot.send_photo(501, png.getvalue(), caption="😀" * 512)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(501, png.getvalue(), caption="😀" * 512 + "a")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(501, " \n")


def test_clip_counts_utf16_and_marks_the_cut() -> None:
    cut = clip("😀" * 3000)
    assert units(cut) <= 4096 and cut.endswith("…") and cut[:-1] == "😀" * (len(cut) - 1)
    assert clip("a" * 4096) == "a" * 4096
    assert units(clip_caption("送货" * 1000)) <= 1024
    assert clip("") == "…"


async def test_a_huge_comment_still_reaches_the_managers(tg: Harness) -> None:
    """2,500 emoji (5,000 UTF-16 code units): the alert is edited, cut, with its status line
    and buttons; the customer is told their comment was shortened."""
    customer = tg.person(502, "Emoji Fan", "en")
    await customer.say("/start")
    await customer.press("1")
    got = await customer.say("😡" * 2500)
    assert any("kept its first 2,000 characters" in t for t in got)
    refused = [c for c in tg.api.calls if c.status != 200]
    assert refused == []
    edit = tg.api.sent("editMessageText", ALERT_CHAT)[-1]
    text = edit.params["text"]
    assert units(text) <= 4096 and "😡😡😡" in text and "…" in text
    assert text.splitlines()[-1] == "Status: open"
    labels = [b["text"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Claim", "Reply", "Resolved"]


async def test_a_huge_manager_reply_reaches_the_customer_cut(
        tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, comment_max_length=3000) as tg:
        await _huge_reply(tg)


async def _huge_reply(tg: Harness) -> None:
    customer = tg.person(503, "Cust", "en")
    await customer.say("/start")
    await customer.press("0")
    await customer.say("bad")
    manager = tg.person(MANAGER_ID, "Maria", "en")
    manager.chat_id = ALERT_CHAT
    await manager.press("Reply")
    prompt = tg.api.last_message(ALERT_CHAT, lambda m: "Write your reply" in m.get("text", ""))
    got = await manager.say("🙏" * 3000, reply_to=prompt)
    assert "Sent to Cust." in got
    assert [c for c in tg.api.calls if c.status != 200] == []
    to_customer = tg.api.texts_to(503)[-1]
    assert units(to_customer) <= 4096 and to_customer.endswith("…")
    assert tg.api.sent("editMessageText", ALERT_CHAT)[-1].params["text"].splitlines()[-1] == (
        "Status: claimed by Maria")
