"""A stand-in for the Telegram Bot API on 127.0.0.1, for the real python-telegram-bot.

It serves the methods the bot uses with the JSON shapes of https://core.telegram.org/bots/api,
records every call (failed ones too), keeps the messages it sent so edits can be checked, and
can answer 429 (with ``retry_after``), 403 (a user who blocked the bot) and a group's migration
to a supergroup.  It refuses what Telegram refuses: a message text over 4,096 or a caption over
1,024 UTF-16 code units (400 "message is too long" / "message caption is too long"), an empty
text, a callback answer over 200, and a photo that is no image or is out of Telegram's
dimensions (400 ``IMAGE_PROCESS_FAILED`` / ``PHOTO_INVALID_DIMENSIONS``).  Updates are queued
for ``getUpdates`` long polling, or posted to a webhook.

Limits and faults (``tests/standin_limits.py``), all off by default:

* ``api.limits = TelegramLimits(...)`` (or ``TelegramLimits.raised(50)``): Telegram's limits on
  sends and edits (:data:`SEND_METHODS`), each a token bucket: ``private`` a second per private
  chat (burst ``private_burst``), ``group_per_minute`` per group (negative ``chat_id``), and
  ``overall`` a second for the whole bot.  A call over one answers 429 ``Too Many Requests:
  retry after N`` with ``parameters.retry_after`` (whole seconds, at least 1).
* ``api.faults.add(methods, kind, times=1, seconds=None, share=1.0, chats=None,
  retry_after=1)``: the next ``times`` calls of ``methods`` (a name, several, or
  :data:`ANY_SEND`) answer ``kind``: 429, 500, 502 (nginx's HTML, as Telegram's front end
  answers), ``"drop"``, ``"drop_after"`` (carried out, then the connection closed) or ``"hang"``.
  ``fail_next`` is the older, narrower form and still works.
* ``api.blocked`` (user ids: 403 "Forbidden: bot was blocked by the user") and ``api.kicked``
  (group ids: 403 "Forbidden: bot was kicked from the group chat") refuse sends and edits.
* ``api.paid_refusal``: the 400 description a send with ``allow_paid_broadcast`` gets (a bot
  that is not eligible, :data:`NOT_ELIGIBLE`, or has too few Stars, :data:`NO_STARS`); None
  (the default) accepts paid broadcasts, which count against ``limits.paid_overall`` instead
  of ``overall``.  ``api.paid`` counts the paid sends accepted.
* ``api.log``: a :class:`~tests.standin_limits.SendLog` of every ACCEPTED send and edit
  (``time.monotonic()`` stamp, method, chat, text, message id) with ``duplicates()``,
  ``peak(window, chat=...)``, ``peak_per_chat(window, chat=PRIVATE | GROUP)`` and ``order(chat)``.
* ``api.confirmed``: the highest ``offset`` a ``getUpdates`` confirmed; ``api.acknowledged(
  update_id)`` says whether Telegram would consider that update delivered; ``api.on_confirm``
  hooks run with each new offset (a kill point), ``api.log.on_add`` with each accepted send.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from PIL import Image

from tests.helpers import wait_for
from tests.standin_limits import (
    ANY_SEND,
    DROP,
    DROP_AFTER,
    HANG,
    Bucket,
    Delivery,
    Fault,
    Faults,
    SendLog,
)
from tests.telegram.shapes import (
    BOT_ID,
    BOT_USERNAME,
    GROUP,
    PRIVATE,
    SEND_METHODS,
    TOKEN,
    TelegramLimits,
    _decode,
    bot_user,
    chat_of,
    error,
    fault_response,
    over_limit,
    refusal,
    user,
    utf16_units,
)

NOT_ELIGIBLE = "Bad Request: paid broadcasts are not allowed for this bot"
NO_STARS = "Bad Request: BALANCE_TOO_LOW"
"""Telegram does not document its refusals of ``allow_paid_broadcast``: these follow the Bot
API's forms (a sentence, or the MTProto error name it passes on for a Stars balance)."""

__all__ = ["ANY_SEND", "BOT_ID", "BOT_USERNAME", "GROUP", "NOT_ELIGIBLE", "NO_STARS", "PRIVATE",
           "SEND_METHODS", "TOKEN", "BotAPIStandIn", "Call", "TelegramLimits", "bot_user",
           "chat_of", "refusal", "user", "utf16_units"]


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.perf_counter)
    """perf_counter stamp; ``status`` 0 means the connection was dropped."""


class BotAPIStandIn:
    """``async with BotAPIStandIn() as api:`` serves until the block ends."""

    def __init__(self, token: str = TOKEN, *, limits: TelegramLimits | None = None) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.kicked: set[int] = set()
        self.limits = limits
        """Telegram's send limits, enforced when set (see the module's docstring)."""
        self.faults = Faults(SEND_METHODS)
        self.log = SendLog()
        self.limited: list[tuple[float, str, int, int]] = []
        """(monotonic stamp, method, chat, retry_after) of every 429 a limit answered."""
        self._buckets: dict[object, Bucket] = {}
        self.confirmed = 0
        """The highest ``offset`` a getUpdates call confirmed: updates below it are delivered."""
        self.on_confirm: list[Callable[[int], None]] = []
        """Called with each new confirmed offset, before the updates after it are handed out
        (a kill point: "confirmed, not yet processed")."""
        self.migrated: dict[int, int] = {}
        self.paid_refusal: str | None = None
        self.paid = 0
        self.webhook: dict[str, Any] = {}
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._stopping = asyncio.Event()
        self._by_chat: dict[int, list[int]] = {}
        self.replies: dict[int, list[tuple[str, float]]] = {}
        """Per chat: (method, perf_counter time) of every successful send or edit."""
        self._replied = asyncio.Event()
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> BotAPIStandIn:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_route("GET", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._closing = True
        self._stopping.set()
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ------------------------------------------------------------------ faults

    def fail_next(self, method: str, status: int = 429, *, times: int = 1,
                  retry_after: int = 1, description: str = "") -> None:
        """Answer the next ``times`` calls of ``method`` with an error."""
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            body["description"] = f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        else:
            body["description"] = description or "Bad Request"
        self._failures.setdefault(method, []).extend([(status, body)] * times)

    def acknowledged(self, update_id: int) -> bool:
        """Whether the bot confirmed this update (a later getUpdates offset passed it)."""
        return update_id < self.confirmed

    async def _fault(self, request: web.Request, call: Call, fault: Fault) -> web.Response:
        call.status = 0 if fault.kind in (DROP, HANG) else int(fault.kind)
        if fault.kind == HANG:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.hang_seconds)
        if fault.kind in (DROP, HANG):
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        return fault_response(int(fault.kind), fault.retry_after)

    # ------------------------------------------------------------------ updates

    def next_update_id(self) -> int:
        return next(self._ids)

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        self._updates.append(update)
        self._new_update.set()

    def message_update(self, frm: dict[str, Any], text: str, *, chat_id: int | None = None,
                       reply_to: dict[str, Any] | None = None,
                       update_id: int | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": chat_of(chat_id if chat_id is not None else frm["id"], frm["first_name"]),
            "from": frm, "text": text,
        }
        if text.startswith("/"):
            word = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return {"update_id": update_id or self.next_update_id(), "message": message}

    def callback_update(self, frm: dict[str, Any], message: dict[str, Any], data: str,
                        *, update_id: int | None = None) -> dict[str, Any]:
        return {"update_id": update_id or self.next_update_id(), "callback_query": {
            "id": f"cq{next(self._ids)}", "from": frm, "chat_instance": "ci-1",
            "message": message, "data": data}}

    def blocked_update(self, frm: dict[str, Any]) -> dict[str, Any]:
        """``my_chat_member``: the user blocked the bot in their private chat."""
        return {"update_id": self.next_update_id(), "my_chat_member": {
            "chat": chat_of(frm["id"], frm["first_name"]), "from": frm, "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": bot_user()},
            "new_chat_member": {"status": "kicked", "user": bot_user(), "until_date": 0}}}

    async def post_webhook(self, url: str, update: dict[str, Any],
                           secret: str | None) -> tuple[int, Any]:
        """Deliver an update to a webhook as Telegram does."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with ClientSession(timeout=ClientTimeout(total=10)) as http, http.post(
                url, data=json.dumps(update), headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)

    # ------------------------------------------------------------------ queries

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.status == 200 and (method is None or c.method == method)
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def texts_to(self, chat_id: int) -> list[str]:
        """Every text the chat saw: sent messages and edits, in order."""
        return [str(c.params.get("text") or c.params.get("caption") or "")
                for c in self.sent(chat_id=chat_id)
                if c.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")]

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as they stand now (after edits), oldest first."""
        return [self.messages[(chat_id, m)] for m in self._by_chat.get(chat_id, [])]

    def last_message(self, chat_id: int, predicate: Callable[[dict[str, Any]], bool] = bool,
                     ) -> dict[str, Any]:
        """The newest message the bot has in a chat (as it stands after edits)."""
        for message_id in reversed(self._by_chat.get(chat_id, [])):
            message = self.messages[(chat_id, message_id)]
            if predicate(message):
                return message
        raise AssertionError(f"no such message in chat {chat_id}")

    wait_for = staticmethod(wait_for)

    # ------------------------------------------------------------------ HTTP

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return dict(request.query)
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        out: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                out[key] = {"filename": value.filename, "size": len(content),
                            "content": content}
            else:
                out[key] = _decode(key, value)
        return out

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            call.status = 401
            return error(401, "Unauthorized")
        chat = params.get("chat_id")
        fault = self.faults.match(method, chat)
        if fault is not None and fault.kind != DROP_AFTER:
            return await self._fault(request, call, fault)
        queued = self._failures.get(method)
        if queued:
            call.status, body = queued.pop(0)
            return web.json_response(body, status=call.status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 404
            return error(404, "Not Found")
        refused = refusal(method, params)
        if refused is not None:
            call.status = 400
            return error(400, refused)
        if isinstance(chat, int) and method.startswith(("send", "edit")):
            if chat in self.blocked:
                call.status = 403
                return error(403, "Forbidden: bot was blocked by the user")
            if chat in self.kicked:
                call.status = 403
                kind = "supergroup" if str(chat).startswith("-100") else "group"
                return error(403, f"Forbidden: bot was kicked from the {kind} chat")
            if chat in self.migrated:
                call.status = 400
                return error(400, "Bad Request: group chat was upgraded to a supergroup "
                                   "chat", migrate_to_chat_id=self.migrated[chat])
            paid = params.get("allow_paid_broadcast") is True and method in SEND_METHODS
            if paid and self.paid_refusal:
                call.status = 400
                return error(400, self.paid_refusal)
            if method in SEND_METHODS:
                retry_after = over_limit(self.limits, self._buckets, chat, paid=paid)
                if retry_after:
                    call.status = 429
                    self.limited.append((time.monotonic(), method, chat, retry_after))
                    return error(429, f"Too Many Requests: retry after {retry_after}",
                                       retry_after=retry_after)
        result = await handler(params)
        if isinstance(result, web.Response):
            call.status = result.status
            return result
        if isinstance(chat, int) and method in SEND_METHODS:
            self.paid += params.get("allow_paid_broadcast") is True
            self.log.add(Delivery(time.monotonic(), method, chat, str(
                params.get("text") or params.get("caption") or ""), result.get("message_id")
                if isinstance(result, dict) else params.get("message_id")))
        if fault is not None:  # drop_after: done, but the bot never hears so
            call.status = 0
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        if isinstance(chat, int) and method in ("sendMessage", "editMessageText"):
            self.replies.setdefault(chat, []).append((method, call.at))
            self._replied.set()
        return web.json_response({"ok": True, "result": result})

    async def wait_reply(self, chat_id: int, after: int, method: str = "sendMessage",
                         timeout: float = 10) -> None:
        """Wait until the chat has a ``method`` reply beyond its first ``after`` replies."""
        async with asyncio.timeout(timeout):
            while not any(m == method for m, _ in self.replies.get(chat_id, [])[after:]):
                self._replied.clear()
                await self._replied.wait()

    async def _file(self, _request: web.Request) -> web.Response:
        return web.Response(body=b"file")

    def _store(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {"message_id": next(self._message_ids),
                                   "date": int(time.time()), "chat": chat_of(chat_id),
                                   "from": bot_user(), **extra}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # a Message carries only inline keyboards
        self.messages[(chat_id, message["message_id"])] = message
        self._by_chat.setdefault(chat_id, []).append(message["message_id"])
        return message

    async def _m_getMe(self, _p: dict[str, Any]) -> Any:
        return bot_user()

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        if offset > self.confirmed:
            self.confirmed = offset
            for hook in list(self.on_confirm):
                hook(offset)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(p.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self._updates and not self._closing and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await self._new_update.wait()
            except TimeoutError:
                break
        limit = int(p.get("limit") or 100)
        return self._updates[:limit]

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        return self._store(p, text=p["text"])

    async def _m_sendDocument(self, p: dict[str, Any]) -> Any:
        return self._store(p, caption=p.get("caption", ""), document={
            "file_id": "doc1", "file_unique_id": "u-doc1",
            "file_name": (p.get("document") or {}).get("filename", "file")})

    async def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        """An uploaded photo must be an image within Telegram's limits (10 MB, width + height
        at most 10,000, sides at most 20:1); the sizes answered are the image's own."""
        width, height = 90, 90
        upload = p.get("photo")
        if isinstance(upload, dict):
            try:
                with Image.open(io.BytesIO(upload["content"])) as img:
                    img.verify()
                    width, height = img.size
            except (OSError, SyntaxError, ValueError):
                return error(400, "Bad Request: IMAGE_PROCESS_FAILED")
            if (upload["size"] > 10 * 1024 * 1024 or width + height > 10_000
                    or max(width, height) > 20 * min(width, height)):
                return error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        return self._store(p, caption=p.get("caption", ""), photo=[
            {"file_id": "ph1", "file_unique_id": "u-ph1", "width": width, "height": height}])

    async def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        key = (int(p["chat_id"]), int(p["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return error(400, "Bad Request: message to edit not found")
        markup = p.get("reply_markup")
        if message.get("text") == p["text"] and message.get("reply_markup") == markup:
            return error(400, "Bad Request: message is not modified: specified new "
                               "message content and reply markup are exactly the same")
        message["text"] = p["text"]
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return message

    async def _m_answerCallbackQuery(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_setMyCommands(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_deleteWebhook(self, _p: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = p
        return True

    async def _m_getWebhookInfo(self, _p: dict[str, Any]) -> Any:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": 0}
