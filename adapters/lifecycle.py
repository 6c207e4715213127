"""Tying a channel's start and stop to the shared web server's life."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web


def run_with_web_app(web_app: web.Application, start: Callable[[], Awaitable[None]],
                     stop: Callable[[], Awaitable[None]]) -> None:
    """``start`` when the server starts, ``stop`` when it shuts down."""

    async def life(_app: web.Application) -> AsyncIterator[None]:
        await start()
        yield
        await stop()

    web_app.cleanup_ctx.append(life)
