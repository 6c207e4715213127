"""Slack's first calls at start-up: ``auth.test`` for the bot token and, in Socket Mode,
``apps.connections.open`` for the app token.  Network errors, 5xx and rate limits are retried
with backoff; a refused token stops start-up at once with one line naming the setting."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.startup import Backoff, StartupError, with_retries

TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                "token_expired", "not_allowed_token_type", "missing_scope"}
PASSING_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                  "request_timeout"}


def transient(exc: BaseException) -> bool:
    """Worth another try: no connection, a timeout, a 5xx, a rate limit; not a refusal."""
    if isinstance(exc, aiohttp.ClientError | TimeoutError):
        return True
    if isinstance(exc, SlackApiError):
        response = exc.response
        return bool(response.status_code >= 500 or response.status_code == 429
                    or response.get("error") in PASSING_ERRORS)
    return False


async def _first(what: str, setting: str, call: Any, backoff: Backoff | None) -> Any:
    try:
        return await with_retries(what, call, transient=transient, backoff=backoff)
    except SlackApiError as exc:
        error = exc.response.get("error") or exc.response.status_code
        if error in TOKEN_ERRORS:
            raise StartupError(f"slack: Slack refused the token ({error}): check {setting}"
                               ) from None
        raise StartupError(f"{what} was refused: {error}") from None


async def check_token(client: AsyncWebClient, *, backoff: Backoff | None = None) -> None:
    """``auth.test`` with the bot token."""
    host = urlparse(client.base_url).netloc
    await _first(f"slack: auth.test at {host}", "SLACK_BOT_TOKEN", client.auth_test, backoff)


async def open_socket(handler: Any, *, backoff: Backoff | None = None) -> None:
    """Connect a bolt ``AsyncSocketModeHandler``: the WebSocket URL is asked for here, where a
    refused app token stops start-up (slack_sdk would retry it every 10 seconds forever, with a
    traceback each time), then the handler connects to it."""
    client = handler.client
    host = urlparse(client.web_client.base_url).netloc
    opened = await _first(f"slack: apps.connections.open at {host}", "SLACK_APP_TOKEN",
                          lambda: client.web_client.apps_connections_open(
                              app_token=client.app_token), backoff)
    client.wss_uri = opened["url"]
    await handler.connect_async()
