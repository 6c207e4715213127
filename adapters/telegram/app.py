"""The Telegram channel: python-telegram-bot's Application, polling or webhook, feeding the engine
and sending what it answers.

Conversation state lives in the engine's database, not in python-telegram-bot, so a restarted
process continues every survey where it was.  Updates of different chats are handled
concurrently; updates of one chat one after another, in order.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    ChatMember,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes, TypeHandler

from adapters.campaigns import CampaignFeeder
from adapters.engine_calls import EngineCalls
from adapters.inbox import InboxRunner
from adapters.lifecycle import run_with_web_app
from adapters.payloads import BadPayload
from adapters.startup import Backoff, describe
from adapters.telegram.client import (
    CONCURRENT_UPDATES,
    CONNECTION_POOL,
    build_application,
    build_requests,
    first_call,
)
from adapters.telegram.menu import commands_for
from adapters.telegram.paid import PaidBroadcast
from adapters.telegram.sender import TelegramSender
from adapters.telegram.updates import CHANNEL, read_update, to_inbound
from bot.delivery.dispatcher import Dispatcher
from bot.engine import Engine
from bot.engine.transient import DatabaseDown
from bot.i18n import SUPPORTED, translator
from bot.messages import Notice
from bot.models import InboxEvent
from bot.settings import Settings
from bot.style import ChannelStyle

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
STORE_RETRY_SECONDS = 1.0
MIGRATED_KEY = "telegram.migrated:{chat}"
__all__ = ["CONCURRENT_UPDATES", "CONNECTION_POOL", "TelegramChannel", "attach_web",
           "register_webhook", "webhook_secret"]


def webhook_secret(settings: Settings) -> str:
    """``TELEGRAM_WEBHOOK_SECRET``, or one derived from the bot token so every web process of a
    deployment agrees on it without another setting."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    digest = hashlib.sha256(b"survey-bot webhook:" + settings.telegram_bot_token.encode())
    return digest.hexdigest()[:48]


def webhook_path(settings: Settings) -> str:
    return urlparse(settings.telegram_webhook_url).path or DEFAULT_WEBHOOK_PATH


class DurableQueue(asyncio.Queue[object]):
    """python-telegram-bot's update queue, storing each polled update in the inbox before it is
    queued: the ``Updater`` awaits ``put`` for every update of a batch before its next
    ``getUpdates`` confirms them, so an update is stored before Telegram forgets it.  While
    the database is down ``put`` waits (and polling with it)."""

    def __init__(self, store: Callable[[Update], Awaitable[int | None]]) -> None:
        super().__init__()
        self._store = store

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        while True:
            try:
                stored = await self._store(item)
                break
            except DatabaseDown as exc:
                log.warning("telegram: database down, polling waits: %s", exc)
                await asyncio.sleep(STORE_RETRY_SECONDS)
        if stored is not None:
            await super().put(item)

    async def put_stored(self, update: Update) -> None:
        await super().put(update)


class TelegramChannel:
    """One bot: stores updates in the inbox, turns them into engine events, and sends what the
    engine said through the outbox."""

    def __init__(self, engine: Engine, settings: Settings, *, webhook: bool,
                 poll_timeout: int = 25, register: bool = True,
                 backoff: Backoff | None = None, calls: EngineCalls | None = None,
                 campaigns: bool = False) -> None:
        """``campaigns``: also run the campaign service (:mod:`adapters.campaigns`)."""
        self.engine = engine
        self._use_style(settings, settings.telegram_bot_username.lstrip("@"))
        self.register = register
        self.settings = settings
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        self.secret = webhook_secret(settings)
        self.backoff = backoff
        self._requests = build_requests()
        self.queue = DurableQueue(self._store)
        self.app = build_application(settings, webhook=webhook, requests=self._requests,
                                     update_queue=self.queue)
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self._alert_chat: str | None = None
        self._own_calls = calls is None  # else the process's, closed by its owner
        self.call = calls or EngineCalls(engine, settings)
        self.sender = TelegramSender(self.app.bot, settings, alert_chat=self.alert_chat,
                                     migrated=self._on_migrated, paid=PaidBroadcast(
                                         settings.telegram_paid_broadcast,
                                         state_get=engine.state_get,
                                         state_set=engine.state_set))
        self.dispatcher = Dispatcher(engine.queues, self.sender,
                                     lease=timedelta(seconds=settings.outbox_lease_seconds))
        self.inbox: InboxRunner[Update] = InboxRunner(engine.queues, CHANNEL,
                                                      process=self._apply, decode=self._decode)
        self.campaigns = (CampaignFeeder.for_channel(self.call, CHANNEL, self.dispatcher,
                                                     settings) if campaigns else None)
        self._inbox_ids: dict[int, int] = {}  # update_id → inbox id, stored, not processed
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def _use_style(self, settings: Settings, username: str) -> None:
        """The engine words for this channel: its pace, and its start links (``t.me``) once
        the bot's username is known (TELEGRAM_BOT_USERNAME, else getMe)."""
        self.engine.use_style(CHANNEL, ChannelStyle(
            campaign_pace=(settings.telegram_paid_broadcast_rate
                           if settings.telegram_paid_broadcast else settings.telegram_bulk_rate),
            start_link=f"https://t.me/{username}?start={{payload}}" if username else ""))

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect to the Bot API: network errors are retried with backoff; a refused token or
        setting stops start-up at once with :class:`StartupError` (one line, no traceback)."""
        await self.call.start()
        first = functools.partial(first_call, self.settings, backoff=self.backoff)
        try:
            await first("getMe", self.app.initialize)
            if not self.settings.telegram_bot_username and self.app.bot.username:
                self._use_style(self.settings, self.app.bot.username)
            if self.register:
                await self._set_commands()
            if self.webhook and self.register:
                await first("setWebhook", lambda: self.app.bot.set_webhook(
                    self.settings.telegram_webhook_url, secret_token=self.secret,
                    allowed_updates=ALLOWED_UPDATES,
                ))
            elif not self.webhook:
                updater = self.app.updater
                assert updater is not None
                await first("deleteWebhook", lambda: updater.start_polling(
                    poll_interval=0, timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                ))
            await self.app.start()
        except BaseException:
            await self.stop()
            raise
        self._stop.clear()
        self._tasks = [asyncio.create_task(self.dispatcher.run(self._stop)),
                       asyncio.create_task(self.inbox.sweep(self._stop))]
        if self.campaigns is not None:
            self._tasks.append(asyncio.create_task(self.campaigns.run(self._stop)))
        log.info("telegram: @%s %s", self.app.bot.username,
                 "webhook" if self.webhook else "long polling")

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()  # processes what was queued
        self._stop.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=15)
        await self.app.shutdown()
        for request in self._requests:  # opened even when getMe failed
            await request.shutdown()
        if self._own_calls:
            self.call.close()

    async def _set_commands(self) -> None:
        """The command menu in zh, ro and en (``language_code`` scopes); managers' chats and the
        alert chat also list the summary commands, in the managers' language."""
        bot = self.app.bot
        plans: list[tuple[list[tuple[str, str]], Any, str | None]] = [
            (commands_for(translator(self.settings.default_locale), manager=False),
             BotCommandScopeDefault(), None),
        ]
        plans += [(commands_for(translator(lang), manager=False), BotCommandScopeDefault(), lang)
                  for lang in SUPPORTED]
        manager_menu = commands_for(self.engine.manager_translator, manager=True)
        chats = sorted(self.settings.telegram_manager_ids)
        if self.settings.telegram_alert_chat_id:
            chats.append(await self.alert_chat())
        plans += [(manager_menu, BotCommandScopeChat(int(chat)), None)
                  for chat in chats if chat.lstrip("-").isdigit()]
        for entries, scope, lang in plans:
            try:
                await bot.set_my_commands([BotCommand(n, d) for n, d in entries], scope=scope,
                                          language_code=lang)
            except TelegramError as exc:
                log.warning("telegram: setMyCommands %s %s failed: %s", scope.type, lang, exc)

    # ------------------------------------------------------------------ inbox

    async def _store(self, update: Update) -> int | None:
        """Store ``update`` in the inbox; None when it was stored before (a redelivery)."""
        # ASCII: a lone surrogate a client sent survives the round trip through the database.
        payload = json.dumps(update.to_dict(), separators=(",", ":"))
        inbox_id = await self.inbox.store(f"update:{update.update_id}", order_key(update),
                                          payload, update)
        if inbox_id is not None:
            self._inbox_ids[update.update_id] = inbox_id
        return inbox_id

    def _decode(self, row: InboxEvent) -> Update:
        update = Update.de_json(json.loads(row.payload), self.app.bot)
        assert update is not None
        return update

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """Telegram's POST; refused unless it carries our secret token.  Answered 200 once the
        update is stored (Telegram then forgets it), 503 while the database is down (Telegram
        delivers it again)."""
        given = request.headers.get(SECRET_HEADER, "")  # bytes past UTF-8 arrive as surrogates
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                   self.secret.encode()):
            log.warning("telegram webhook: wrong or missing secret token from %s",
                        request.remote)
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            update = read_update(await request.read(), self.app.bot)
        except (BadPayload, web.HTTPRequestEntityTooLarge) as exc:
            too_large = isinstance(exc, web.HTTPRequestEntityTooLarge)
            log.warning("telegram webhook: refused a body from %s: %s", request.remote,
                        "over the size limit" if too_large else exc)
            return web.json_response({"ok": False, "error": "bad update"},
                                     status=413 if too_large else 400)
        try:
            stored = await self._store(update)
        except DatabaseDown as exc:
            log.warning("telegram webhook: database down, update %s refused with 503: %s",
                        update.update_id, exc)
            return web.json_response({"ok": False, "error": "try again"}, status=503)
        if stored is not None:
            await self.queue.put_stored(update)
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ processing

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        inbox_id = self._inbox_ids.pop(update.update_id, None)
        if inbox_id is not None:
            await self.inbox.run(inbox_id, order_key(update))

    async def _apply(self, update: Update, inbox_id: int) -> None:
        """One stored update, once: its inbox row is marked done with its effects."""
        queues = self.engine.queues
        # Both idempotent: done first, then marked processed.
        if update.my_chat_member is not None:
            await self._on_member_change(update)
            await asyncio.to_thread(queues.finish_event, inbox_id)
            return
        message = update.message
        if message is not None and message.migrate_to_chat_id:
            await self._on_migrated(str(message.chat.id), str(message.migrate_to_chat_id))
            await asyncio.to_thread(queues.finish_event, inbox_id)
            return
        inbound = to_inbound(update, self.app.bot.username)
        query = update.callback_query
        if inbound is None:
            if await asyncio.to_thread(queues.finish_event, inbox_id) and query is not None:
                await self._safe(query.answer())
            return
        said = await self.call(self.engine.handle, inbound, origin=origin_of(update),
                               inbox_id=inbox_id)
        if query is not None and not any(isinstance(item, Notice) for item in said):
            await self._safe(query.answer())  # a pressed button is always answered
        await self.dispatcher.send_now(said.ids)

    async def _on_member_change(self, update: Update) -> None:
        change = update.my_chat_member
        assert change is not None
        if change.chat.type != change.chat.PRIVATE:
            return
        if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
            log.info("telegram: user %s blocked the bot", change.from_user.id)
            await self.call(self.engine.mark_unreachable, CHANNEL, str(change.from_user.id))

    async def _on_migrated(self, old: str, new: str) -> None:
        log.info("telegram: chat %s became supergroup %s", old, new)
        await self.call(self.engine.state_set, MIGRATED_KEY.format(chat=old), new)
        if self._alert_chat == old:
            self._alert_chat = new

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: update %s failed: %s", update_id,
                  describe(error) if error else "?", exc_info=error)

    async def alert_chat(self) -> str:
        """The managers' alert chat, following a group's migration to a supergroup."""
        if self._alert_chat is None:
            configured = self.settings.telegram_alert_chat_id
            moved = await self.call(self.engine.state_get,
                                    MIGRATED_KEY.format(chat=configured))
            self._alert_chat = moved or configured
        return self._alert_chat

    @staticmethod
    async def _safe(call: Any) -> None:
        try:
            await call
        except TelegramError as exc:
            log.warning("telegram: %s", exc)


def order_key(update: Update) -> str:
    """Events of one chat are processed in the order they were sent."""
    chat = update.effective_chat
    return f"chat:{chat.id}" if chat is not None else f"update:{update.update_id}"


def origin_of(update: Update) -> dict[str, Any]:
    """What the sender needs to answer where the update came from."""
    chat = update.effective_chat
    origin: dict[str, Any] = {"private": chat is not None and chat.type == chat.PRIVATE}
    query = update.callback_query
    if query is not None:
        origin["callback"] = query.id
        if isinstance(query.message, Message):
            origin["message"] = query.message.message_id
            origin["message_chat"] = str(query.message.chat.id)
    return origin


def attach_web(web_app: web.Application, engine: Engine, settings: Settings, *,
               register: bool = True, calls: EngineCalls | None = None,
               campaigns: bool = False) -> TelegramChannel:
    """Serve the webhook on the shared web server at the path of ``TELEGRAM_WEBHOOK_URL``;
    ``register`` sets the webhook and the command menus (gunicorn's master does that once for
    its web processes: :func:`register_webhook`); ``campaigns`` runs the campaign service
    (``survey-bot run``)."""
    channel = TelegramChannel(engine, settings, webhook=True, register=register, calls=calls,
                              campaigns=campaigns)
    web_app.router.add_post(webhook_path(settings), channel.handle_webhook)
    run_with_web_app(web_app, channel.start, channel.stop)
    return channel


async def register_webhook(engine: Engine, settings: Settings,
                           backoff: Backoff | None = None) -> None:
    """Check the token, set the command menus and the webhook, once for every web process."""
    channel = TelegramChannel(engine, settings, webhook=True, register=True, backoff=backoff)
    await channel.start()
    await channel.stop()
