"""What the Telegram Bot API stand-in knows of Telegram: the objects it answers with, the
fields it decodes, what Telegram refuses, which methods send, and the send limits."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.standin_limits import Bucket, retry_after_seconds

TOKEN = "123456:TEST-token_for-the-stand-in"
BOT_ID = 123456
BOT_USERNAME = "survey_test_bot"
JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities",
               "link_preview_options", "reply_parameters"}
INT_FIELDS = {"message_id", "offset", "limit", "timeout", "cache_time", "max_connections"}
MAX_TEXT = 4096
MAX_CAPTION = 1024
TEXT_METHODS = {"sendMessage", "editMessageText"}
CAPTION_METHODS = {"sendPhoto", "sendDocument", "sendVideo", "sendAnimation", "sendAudio",
                   "sendVoice", "editMessageCaption"}


SEND_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendVideo", "sendAnimation", "sendAudio",
    "sendVoice", "copyMessage", "forwardMessage", "editMessageText", "editMessageCaption",
    "editMessageReplyMarkup"})


def PRIVATE(chat: object) -> bool:
    """A private chat's id (a person's): positive."""
    return isinstance(chat, int) and chat > 0


def GROUP(chat: object) -> bool:
    """A group's or supergroup's id: negative."""
    return isinstance(chat, int) and chat < 0


@dataclass
class TelegramLimits:
    """Telegram's send limits (https://core.telegram.org/bots/faq): None turns one off."""

    private: float | None = 1.0
    private_burst: float = 3.0
    group_per_minute: float | None = 20.0
    group_burst: float = 3.0
    overall: float | None = 30.0
    overall_burst: float = 30.0
    paid_overall: float | None = 1000.0
    """Paid broadcasts (``allow_paid_broadcast``): their own overall rate."""

    @classmethod
    def raised(cls, factor: float) -> TelegramLimits:
        """Every rate (and burst) ``factor`` times Telegram's: fast tests, same shape."""
        return cls(1.0 * factor, 3.0 * factor, 20.0 * factor, 3.0 * factor, 30.0 * factor,
                   30.0 * factor)


def utf16_units(text: str) -> int:
    """Telegram's length: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def refusal(method: str, params: dict[str, Any]) -> str | None:
    """Telegram's 400 description for a text or caption it would refuse, else None."""
    if method in TEXT_METHODS:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return "Bad Request: message text is empty"
        if utf16_units(text) > MAX_TEXT:
            return "Bad Request: message is too long"
    if method in CAPTION_METHODS:
        caption = params.get("caption")
        if isinstance(caption, str) and utf16_units(caption) > MAX_CAPTION:
            return "Bad Request: message caption is too long"
    if method == "answerCallbackQuery" and utf16_units(str(params.get("text") or "")) > 200:
        return "Bad Request: MESSAGE_TOO_LONG"
    return None


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        return json.loads(value)
    if (key in INT_FIELDS or key == "chat_id") and value.lstrip("-").isdigit():
        return int(value)
    if value in ("true", "false") and key not in ("text", "caption", "data"):
        return value == "true"
    return value


def bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Survey", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}


def user(uid: int, first_name: str, language_code: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name}
    if language_code is not None:
        data["language_code"] = language_code
    return data


def chat_of(chat_id: int, title: str = "") -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": title or "User"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": title or "Managers"}


def over_limit(limits: TelegramLimits | None, buckets: dict[object, Bucket], chat: int,
               *, paid: bool = False) -> int:
    """0 when a send to ``chat`` is within ``limits`` (and spend it), else its retry_after;
    a ``paid`` broadcast counts against ``paid_overall`` instead of ``overall``."""
    if limits is None:
        return 0
    now = time.monotonic()
    wanted: list[tuple[object, float, float]] = []
    if chat > 0 and limits.private is not None:
        wanted.append((chat, limits.private, limits.private_burst))
    if chat < 0 and limits.group_per_minute is not None:
        wanted.append((chat, limits.group_per_minute / 60.0, limits.group_burst))
    if paid and limits.paid_overall is not None:
        wanted.append(("paid", limits.paid_overall, limits.paid_overall))
    elif not paid and limits.overall is not None:
        wanted.append(("*", limits.overall, limits.overall_burst))
    taken: list[Bucket] = []
    for key, rate, burst in wanted:
        bucket = buckets.setdefault(key, Bucket(rate, burst))
        wait = bucket.take(now)
        if wait > 0:
            for spent in taken:
                spent.give_back()
            return retry_after_seconds(wait)
        taken.append(bucket)
    return 0


def error(status: int, description: str, **parameters: Any) -> web.Response:
    """A Bot API error answer."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def fault_response(status: int, retry_after: int = 1) -> web.Response:
    """A scripted failure's answer: 429 with ``retry_after``, 502-504 in nginx's HTML (as
    Telegram's front end answers them), any other status as a Bot API error."""
    if status == 429:
        return error(429, f"Too Many Requests: retry after {retry_after}",
                     retry_after=retry_after)
    if status in (502, 503, 504):
        return web.Response(status=status, content_type="text/html", text=(
            f"<html><head><title>{status}</title></head><body><center><h1>{status}"
            "</h1></center><hr><center>nginx</center></body></html>"))
    return error(status, "Internal Server Error")
