"""python-telegram-bot's Application as this bot builds it, and its first calls to the Bot API at
start-up (retried while the network fails; a refused token said at once)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder

from adapters.startup import Backoff, StartupError, describe, with_retries
from adapters.telegram.http import AiohttpRequest
from bot.settings import Settings

CONCURRENT_UPDATES = 256
CONNECTION_POOL = 16

App = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings, *, webhook: bool,
                      requests: tuple[AiohttpRequest, AiohttpRequest] | None = None,
                      update_queue: asyncio.Queue[object] | None = None) -> App:
    """The python-telegram-bot Application, pointed at ``TELEGRAM_API_BASE_URL``.  No rate
    limiter: what the bot says goes through the outbox, whose dispatcher paces every process
    of a deployment at once and retries a 429 after its ``retry_after`` (bot/delivery/).
    ``requests``: the HTTP clients for API calls and for ``getUpdates``; ``update_queue``:
    where polled updates go (stored in the inbox before the next ``getUpdates`` confirms
    them)."""
    base = settings.telegram_api_base_url
    file_base = base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base
    if requests is None:
        requests = build_requests()
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(base)
        .base_file_url(file_base)
        .concurrent_updates(CONCURRENT_UPDATES)
        .request(requests[0])
        .get_updates_request(requests[1])
    )
    if update_queue is not None:
        builder = builder.update_queue(update_queue)
    if webhook:
        builder = builder.updater(None)
    return builder.build()


def build_requests() -> tuple[AiohttpRequest, AiohttpRequest]:
    """aiohttp instead of httpx: the same requests for about a third of the CPU (see http.py)."""
    return (AiohttpRequest(connection_pool_size=CONNECTION_POOL, read_timeout=15,
                           write_timeout=15, connect_timeout=10, pool_timeout=10),
            AiohttpRequest(connection_pool_size=1, read_timeout=40, write_timeout=15,
                           connect_timeout=10, pool_timeout=10))


def transient(exc: BaseException) -> bool:
    """Worth another try at start-up: the network, a timeout, a 5xx or a 429; not a refusal."""
    return isinstance(exc, NetworkError | RetryAfter) and not isinstance(exc, BadRequest)


async def first_call(settings: Settings, method: str, call: Callable[[], Awaitable[Any]], *,
                     backoff: Backoff | None = None) -> None:
    """A start-up call: retried with backoff while :func:`transient`; :class:`StartupError`
    (one line, naming the setting) for a refused token, another refusal, or attempts used up."""
    host = urlparse(settings.telegram_api_base_url).netloc
    try:
        await with_retries(f"telegram: {method} at {host}", call, transient=transient,
                           backoff=backoff)
    except InvalidToken:
        raise StartupError(f"telegram: the Bot API at {host} refused the bot token "
                           "(401 Unauthorized): check TELEGRAM_BOT_TOKEN") from None
    except TelegramError as exc:
        raise StartupError(f"telegram: {method} was refused: {describe(exc)}") from None
