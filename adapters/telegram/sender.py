"""The Telegram side of the outbox: each delivery as Bot API calls, the platform's answer as an
:class:`~bot.delivery.outbox.Outcome`, and the budgets each destination spends."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from adapters.telegram.paid import PaidBroadcast, is_refusal
from adapters.telegram.render import (
    MAX_TOAST,
    clip,
    clip_caption,
    force_reply,
    keyboard,
    photo_caption,
)
from adapters.telegram.updates import CHANNEL
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
from bot.text import shorten

log = logging.getLogger(__name__)

ALERT_COLUMNS = 3


def chat_of(destination: str) -> str:
    """``chat:<id>`` or ``user:<id>`` → the chat id (a person's private chat is their id)."""
    return destination.partition(":")[2]


def is_group(chat: str) -> bool:
    return chat.startswith("-")


class Partly(Exception):
    """A delivery of several calls failed after some went: ``ref`` says how far it got, so the
    retry sends only the rest."""

    def __init__(self, ref: str, error: TelegramError) -> None:
        super().__init__(error.message)
        self.ref = ref
        self.error = error


class TelegramSender:
    """Sends outbox rows with ``bot``; ``alert_chat`` resolves the managers' chat (following a
    group's migration), ``migrated`` is told when a chat became a supergroup."""

    channel = CHANNEL

    def __init__(self, bot: Bot, settings: Settings, *,
                 alert_chat: Callable[[], Awaitable[str]],
                 migrated: Callable[[str, str], Awaitable[None]],
                 paid: PaidBroadcast | None = None) -> None:
        self.bot = bot
        self.settings = settings
        self.alert_chat = alert_chat
        self.migrated = migrated
        self.paid = paid or PaidBroadcast(False, state_get=lambda _k: None,
                                          state_set=lambda _k, _v: None)

    # ------------------------------------------------------------------ budgets

    def rates(self, row: OutboxMessage) -> Sequence[Rate]:
        """A private chat about 1 a second, a group 20 a minute (the managers' chat is one),
        and the ~30 a second for bulk sends, which replies need not wait for (a paid
        broadcast's own rate instead, while Telegram accepts them)."""
        s = self.settings
        # The managers' chat is one budget whether a row names it as the alert chat or by id.
        chat = ((s.telegram_alert_chat_id or "alerts") if row.destination == ALERTS
                else chat_of(row.destination))
        if chat == "alerts" or is_group(chat):
            rates = [Rate(f"tg:{chat}", s.telegram_group_rate / 60, s.telegram_group_burst)]
        else:
            rates = [Rate(f"tg:{chat}", s.telegram_chat_rate, s.telegram_chat_burst)]
        if row.lane == Lane.CAMPAIGN:
            rates.append(Rate("tg:paid", s.telegram_paid_broadcast_rate, 1)
                         if self.paid.active() else Rate("tg:bulk", s.telegram_bulk_rate, 1))
        return rates

    # ------------------------------------------------------------------ sending

    async def send(self, delivery: Delivery) -> Outcome:
        paid = delivery.lane == Lane.CAMPAIGN and self.paid.active()
        try:
            ref = await self._send(delivery, paid=paid)
            return Outcome(delivery.id, True, ref=ref)
        except Partly as exc:
            failed = await self._failed(delivery, exc.error)
            return dataclasses.replace(failed, ref=exc.ref)
        except (BadRequest, Forbidden) as exc:
            if paid and is_refusal(exc.message):
                # Not this message's fault: sent again at once, at the normal pace.
                await asyncio.to_thread(self.paid.refused, exc.message)
                return Outcome(delivery.id, False, error=f"paid broadcast: {exc.message}",
                               retry_after=0)
            return await self._failed(delivery, exc)
        except TelegramError as exc:
            return await self._failed(delivery, exc)

    async def _failed(self, delivery: Delivery, exc: TelegramError) -> Outcome:
        if isinstance(exc, RetryAfter):
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            return Outcome(delivery.id, False, error=f"429: {exc.message}", retry_after=seconds)
        if isinstance(exc, ChatMigrated):
            old = (await self.alert_chat() if delivery.destination == ALERTS
                   else chat_of(delivery.destination))
            await self.migrated(old, str(exc.new_chat_id))
            return Outcome(delivery.id, False, error="chat migrated", retry_after=0)
        if isinstance(exc, Forbidden):
            # Only a person's own chat says they cannot be reached: a group that removed the
            # bot refuses its messages, and the customers go on.
            private = delivery.destination != ALERTS and not is_group(
                chat_of(delivery.destination))
            return Outcome(delivery.id, False, error=f"403: {exc.message}",
                           unreachable=private)
        if isinstance(exc, BadRequest):
            return Outcome(delivery.id, False, error=f"400: {exc.message}")
        if isinstance(exc, TimedOut | NetworkError):
            return Outcome(delivery.id, False, error=f"network: {exc.message}", retry_after=0)
        return Outcome(delivery.id, False, error=exc.message)

    async def _send(self, d: Delivery, *, paid: bool = False) -> str:
        item, origin = d.item, d.origin
        chat = chat_of(d.destination)
        if isinstance(item, Reply):
            ask = item.expects_text and not origin.get("private", True)
            return ref(await self.message(chat, item.text, item.choices, item.columns,
                                          ask_reply=ask))
        if isinstance(item, EditPressed):
            pressed = origin.get("message")
            if pressed:
                await self.edit(str(origin.get("message_chat") or chat), int(pressed), item.text)
                return f"{chat}:{pressed}"
            return ref(await self.message(chat, item.text))
        if isinstance(item, Notice):
            query = origin.get("callback")
            if query:
                try:
                    await self.bot.answer_callback_query(str(query), shorten(item.text, MAX_TOAST))
                    return ""
                except BadRequest as exc:  # too old (15 s): say it in the chat instead
                    log.info("telegram: callback answer refused (%s); sending it", exc.message)
            return ref(await self.message(chat, item.text))
        if isinstance(item, SendTo):
            return ref(await self.message(chat, item.text, item.choices, item.columns,
                                          paid=paid))
        if isinstance(item, AlertPost):
            return await self.post_alert(item.text, item.choices)
        if isinstance(item, AlertUpdate):
            where, _, message_id = d.ref.rpartition(":")
            if not where or not message_id.isdigit():
                return await self.post_alert(item.text, item.choices)
            await self.edit(where, int(message_id), item.text, item.choices)
            return d.ref
        if isinstance(item, ReplyFile) and item.is_image:
            return await self.photo(chat, item, d.ref)
        if isinstance(item, ReplyFile):
            sent = await self.bot.send_document(
                chat, InputFile(item.content, filename=item.filename),
                caption=clip_caption(item.caption) or None)
            return ref(sent)
        raise TypeError(f"no Telegram form for {type(item).__name__}")

    async def photo(self, chat: str, item: ReplyFile, done: str = "") -> str:
        """An image as a photo with its caption; a caption over Telegram's 1,024 is cut where a
        line ends and the rest follows at once as a message (the photo first: the picture and
        the start of its words stay together).  ``done``: the photo went already (an earlier
        attempt, whose message failed); only the rest is sent."""
        caption, rest = photo_caption(item.caption)
        if not done:
            sent = await self.bot.send_photo(chat, InputFile(item.content, filename=item.filename),
                                             caption=caption or None)
            done = ref(sent)
        if rest:
            try:
                await self.message(chat, rest)
            except TelegramError as exc:
                raise Partly(done, exc) from exc
        return done

    async def message(self, chat: str, text: str, choices: Sequence[Choice] = (),
                      columns: int = 6, *, ask_reply: bool = False,
                      paid: bool = False) -> Message:
        markup: InlineKeyboardMarkup | Any = keyboard(choices, columns)
        if markup is None and ask_reply:
            markup = force_reply()
        sent: Message = await self.bot.send_message(chat, clip(text), reply_markup=markup,
                                                    allow_paid_broadcast=paid or None)
        return sent

    async def edit(self, chat: str, message_id: int, text: str,
                   choices: Sequence[Choice] = ()) -> None:
        try:
            await self.bot.edit_message_text(clip(text), chat_id=chat, message_id=message_id,
                                             reply_markup=keyboard(choices, ALERT_COLUMNS))
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def post_alert(self, text: str, choices: Sequence[Choice]) -> str:
        chat = await self.alert_chat()
        if not chat:
            log.warning("telegram: TELEGRAM_ALERT_CHAT_ID is not set; the alert stays in the "
                        "database only")
            return ""
        return ref(await self.message(chat, text, choices, ALERT_COLUMNS))


def ref(message: Message) -> str:
    """Where a message is, for later edits: ``<chat_id>:<message_id>``."""
    return f"{message.chat.id}:{message.message_id}"
