"""The Slack side of the outbox: each delivery as Web API calls (or a post to the command's
``response_url``), the platform's answer as an :class:`~bot.delivery.outbox.Outcome`, and
the budgets each destination spends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import message
from adapters.slack.words import CHANNEL
from bot.delivery.outbox import ALERTS, Delivery, Outcome
from bot.delivery.pacing import Rate
from bot.messages import (
    AlertPost,
    AlertUpdate,
    Choice,
    EditPressed,
    Notice,
    Reply,
    ReplyFile,
    SendTo,
)
from bot.models import Lane, OutboxMessage
from bot.settings import Settings

log = logging.getLogger(__name__)

UNREACHABLE_ERRORS = {"account_inactive", "user_not_found", "user_disabled", "cannot_dm_bot",
                      "user_not_visible"}
RETRY_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                "request_timeout"}
RESPONSE_TIMEOUT = ClientTimeout(total=15)


class Retry(Exception):
    """A ``response_url`` post answered 429 or 5xx."""

    def __init__(self, status: int, after: float) -> None:
        super().__init__(f"response_url answered {status}")
        self.after = after


class SlackSender:
    channel = CHANNEL

    def __init__(self, client: AsyncWebClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._http: ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    # ------------------------------------------------------------------ budgets

    def rates(self, row: OutboxMessage) -> Sequence[Rate]:
        """About one message a second per channel or DM; campaign DMs at the wave's pace."""
        s = self.settings
        where = s.slack_alert_channel if row.destination == ALERTS else row.destination
        rates = [Rate(f"slack:{where}", s.slack_channel_rate, s.slack_channel_burst)]
        if row.lane == Lane.CAMPAIGN:
            rates.append(Rate("slack:bulk", s.slack_wave_per_second, 1))
        return rates

    # ------------------------------------------------------------------ sending

    async def send(self, delivery: Delivery) -> Outcome:
        try:
            return Outcome(delivery.id, True, ref=await self._send(delivery))
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            status = exc.response.status_code
            if status == 429 or error == "ratelimited":
                after = float(exc.response.headers.get("Retry-After", 1) or 1)
                return Outcome(delivery.id, False, error="ratelimited", retry_after=after)
            if status >= 500 or error in RETRY_ERRORS:
                return Outcome(delivery.id, False, error=f"{status} {error}", retry_after=0)
            person = delivery.destination != ALERTS
            return Outcome(delivery.id, False, error=error or str(status),
                           unreachable=person and error in UNREACHABLE_ERRORS)
        except Retry as exc:
            return Outcome(delivery.id, False, error=str(exc), retry_after=exc.after)
        except (ClientError, TimeoutError) as exc:
            return Outcome(delivery.id, False, error=f"network: {exc!r}"[:200], retry_after=0)

    async def _send(self, d: Delivery) -> str:
        item, origin = d.item, d.origin
        if isinstance(item, Reply):
            return await self.answer(origin, item.text, item.choices)
        if isinstance(item, Notice):
            return await self.answer(origin, item.text, ephemeral=True)
        if isinstance(item, EditPressed):
            if origin.get("pressed_url"):  # an ephemeral message: replaced through its URL
                await self.respond(str(origin["pressed_url"]), {
                    **message(item.text), "response_type": "ephemeral",
                    "replace_original": True})
                return ""
            chat, ts = str(origin.get("chat", "")), str(origin.get("ts", ""))
            if chat and ts:
                await self.client.chat_update(channel=chat, ts=ts, **message(item.text))
                return f"{chat}:{ts}"
            return await self.answer(origin, item.text)
        if isinstance(item, SendTo):
            return await self.direct(item.user_id, item.chat_id, item.text, item.choices)
        if isinstance(item, AlertPost):
            return await self.post_alert(item.text, item.choices)
        if isinstance(item, AlertUpdate):
            chat, _, ts = d.ref.partition(":")
            if not chat or not ts:
                return await self.post_alert(item.text, item.choices)
            await self.client.chat_update(channel=chat, ts=ts, **message(item.text, item.choices))
            return d.ref
        if isinstance(item, ReplyFile):
            chat = await self.file_destination(origin, image=item.is_image)
            await self.client.files_upload_v2(channel=chat, content=item.content,
                                              filename=item.filename, title=item.filename,
                                              initial_comment=item.caption)
            return chat
        raise TypeError(f"no Slack form for {type(item).__name__}")

    async def answer(self, origin: dict[str, Any], text: str, choices: Sequence[Choice] = (),
                     *, ephemeral: bool = False) -> str:
        """Back where the event came from: the command's response_url, the DM, or an
        ephemeral message in a shared channel."""
        shown = message(text, choices)
        user, chat = str(origin.get("user", "")), str(origin.get("chat", ""))
        url = str(origin.get("response_url", ""))
        if url:
            await self.respond(url, {**shown, "response_type": "ephemeral"})
            return ""
        if chat.startswith("D") and not ephemeral:
            sent = await self.client.chat_postMessage(channel=chat, **shown)
            return f"{sent['channel']}:{sent['ts']}"
        if chat:
            await self.client.chat_postEphemeral(channel=chat, user=user, **shown)
            return ""
        return await self.direct(user, "", text, choices)

    async def respond(self, url: str, body: dict[str, Any]) -> None:
        if self._http is None:
            self._http = ClientSession(timeout=RESPONSE_TIMEOUT)
        async with self._http.post(url, json=body) as resp:
            await resp.read()
            if resp.status == 429 or resp.status >= 500:
                raise Retry(resp.status, float(resp.headers.get("Retry-After", 0) or 0))
            if resp.status >= 400:
                log.warning("slack: response_url answered %s (expired?)", resp.status)

    async def file_destination(self, origin: dict[str, Any], *, image: bool) -> str:
        """Where a file goes: Slack has no ephemeral files, so a file asked for in a channel
        goes to the person's DM with the bot, except an image (a chart) asked for in a channel
        the bot is in, which that channel sees; one asked for in the DM stays there."""
        chat = str(origin.get("chat", ""))
        if chat.startswith("D"):
            return chat
        if image and chat.startswith(("C", "G")) and await self.is_member(chat):
            return chat
        return await self.open_dm(str(origin.get("user", "")))

    async def is_member(self, channel: str) -> bool:
        """Whether the bot is in ``channel`` (``conversations.info``); a channel it cannot see
        (private, or gone) counts as not."""
        try:
            info = await self.client.conversations_info(channel=channel)
        except SlackApiError as exc:
            if exc.response.status_code == 429 or exc.response.get("error") in RETRY_ERRORS:
                raise
            log.info("slack: conversations.info %s: %s; the file goes to the DM", channel,
                     exc.response.get("error"))
            return False
        return bool((info.get("channel") or {}).get("is_member"))

    async def open_dm(self, user: str) -> str:
        opened = await self.client.conversations_open(users=user)
        return str(opened["channel"]["id"])

    async def direct(self, user: str, chat: str, text: str, choices: Sequence[Choice]) -> str:
        """A DM (opened first when we have no DM channel yet)."""
        if not chat.startswith("D"):
            chat = await self.open_dm(user)
        sent = await self.client.chat_postMessage(channel=chat, **message(text, choices))
        return f"{sent['channel']}:{sent['ts']}"

    async def post_alert(self, text: str, choices: Sequence[Choice]) -> str:
        channel = self.settings.slack_alert_channel
        if not channel:
            log.warning("slack: SLACK_ALERT_CHANNEL is not set; the alert stays in the database "
                        "only")
            return ""
        sent = await self.client.chat_postMessage(channel=channel, **message(text, choices))
        return f"{sent['channel']}:{sent['ts']}"
