"""The bot's own Telegram username, asked with getMe through python-telegram-bot at
``TELEGRAM_API_BASE_URL`` (``survey-bot customers links`` builds ``t.me`` links with it)."""

from __future__ import annotations

import asyncio

from telegram import Bot

from adapters.telegram.http import AiohttpRequest
from bot.settings import Settings

TIMEOUT = 15.0


def bot_username(settings: Settings) -> str:
    """The username of the bot TELEGRAM_BOT_TOKEN names; an exception when Telegram does not
    answer with one."""
    async def ask() -> str:
        request = AiohttpRequest(connection_pool_size=1, connect_timeout=TIMEOUT,
                                 read_timeout=TIMEOUT, write_timeout=TIMEOUT,
                                 pool_timeout=TIMEOUT)
        async with Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url,
                       request=request) as bot:
            me = await bot.get_me()
        if not me.username:
            raise RuntimeError("getMe answered without a username")
        return me.username

    return asyncio.run(asyncio.wait_for(ask(), timeout=3 * TIMEOUT))
