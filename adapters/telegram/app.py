"""The Telegram channel: python-telegram-bot's Application, polling or webhook, feeding the engine
and sending what it answers.

Conversation state lives in the engine's database, not in python-telegram-bot, so a restarted
process continues every survey where it was.  Updates of different chats are handled
concurrently; updates of one chat one after another, in order.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Sequence
from json import JSONDecodeError
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    ChatMember,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from adapters.engine_calls import CountsHandled, EngineCalls, KeyedLocks
from adapters.lifecycle import run_with_web_app
from adapters.telegram.http import AiohttpRequest
from adapters.telegram.menu import commands_for
from adapters.telegram.render import clip, force_reply, keyboard
from adapters.telegram.updates import CHANNEL, to_inbound
from bot.engine import Engine
from bot.i18n import SUPPORTED, translator
from bot.messages import (
    AlertPost,
    AlertUpdate,
    Choice,
    EditPressed,
    Inbound,
    Notice,
    Outbound,
    Reply,
    ReplyFile,
    SendTo,
)
from bot.settings import Settings
from bot.style import SLASH

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
CONCURRENT_UPDATES = 256
CONNECTION_POOL = 16
ENGINE_THREADS = 4
MIGRATED_KEY = "telegram.migrated:{chat}"

App = Application[Any, Any, Any, Any, Any, Any]


def webhook_secret(settings: Settings) -> str:
    """``TELEGRAM_WEBHOOK_SECRET``, or one derived from the bot token so every web process of a
    deployment agrees on it without another setting."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    digest = hashlib.sha256(b"survey-bot webhook:" + settings.telegram_bot_token.encode())
    return digest.hexdigest()[:48]


def webhook_path(settings: Settings) -> str:
    return urlparse(settings.telegram_webhook_url).path or DEFAULT_WEBHOOK_PATH


def build_application(settings: Settings, *, webhook: bool) -> App:
    """The python-telegram-bot Application, pointed at ``TELEGRAM_API_BASE_URL``, with the rate
    limiter that keeps to Telegram's limits and retries a 429 after its ``retry_after``."""
    base = settings.telegram_api_base_url
    file_base = base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base
    paced = settings.telegram_max_rate > 0  # 0: no pacing (a local Bot API stand-in)
    limiter = AIORateLimiter(
        overall_max_rate=settings.telegram_max_rate,
        overall_time_period=1 if paced else 0,
        group_max_rate=20 if paced else 0,
        group_time_period=60 if paced else 0,
        max_retries=settings.telegram_max_retries,
    )
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(base)
        .base_file_url(file_base)
        .rate_limiter(limiter)
        .concurrent_updates(CONCURRENT_UPDATES)
        # aiohttp instead of httpx: the same requests for about a third of the CPU (see http.py).
        .request(AiohttpRequest(connection_pool_size=CONNECTION_POOL, read_timeout=15,
                                write_timeout=15, connect_timeout=10, pool_timeout=10))
        .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=40,
                                            write_timeout=15, connect_timeout=10,
                                            pool_timeout=10))
    )
    if webhook:
        builder = builder.updater(None)
    return builder.build()


class TelegramChannel(CountsHandled):
    """One bot: turns updates into engine events and engine answers into Bot API calls."""

    def __init__(self, engine: Engine, settings: Settings, *, webhook: bool,
                 poll_timeout: int = 25, register: bool = True) -> None:
        self.engine = engine
        engine.use_style(CHANNEL, SLASH)
        self.register = register
        self.settings = settings
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        self.secret = webhook_secret(settings)
        self.app = build_application(settings, webhook=webhook)
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self._locks = KeyedLocks()
        self._alert_chat: str | None = None
        self.call = EngineCalls(engine, settings, threads=ENGINE_THREADS, inline_sqlite=True)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await self.call.start()
        await self.app.initialize()
        if self.register:
            await self._set_commands()
        if self.webhook and self.register:
            await self.app.bot.set_webhook(
                self.settings.telegram_webhook_url, secret_token=self.secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        elif not self.webhook:
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                poll_interval=0, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES,
            )
        await self.app.start()
        log.info("telegram: @%s %s", self.app.bot.username,
                 "webhook" if self.webhook else "long polling")

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
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

    # ------------------------------------------------------------------ webhook

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """Telegram's POST; refused unless it carries our secret token."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("telegram webhook: wrong or missing secret token from %s",
                        request.remote)
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            payload = await request.json()
            update = Update.de_json(payload, self.app.bot)
        except (JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError):
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        if update is None:
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        # Handled before answering: if we fail, Telegram delivers it again and nothing is lost.
        await self.app.process_update(update)
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ inbound

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        key = str(chat.id) if chat is not None else f"u{update.update_id}"
        try:
            async with self._locks(key):
                await self._process(update)
        finally:
            self.handled += 1

    async def _process(self, update: Update) -> None:
        if update.my_chat_member is not None:
            await self._on_member_change(update)
            return
        message = update.message
        if message is not None and message.migrate_to_chat_id:
            await self._on_migrated(str(message.chat.id), str(message.migrate_to_chat_id))
            return
        inbound = to_inbound(update, self.app.bot.username)
        if inbound is None:
            if update.callback_query is not None:
                await self._safe(update.callback_query.answer())
            return
        out = await self.call(self.engine.handle, inbound)
        await self.deliver(update, inbound, out)

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
        log.error("telegram: error handling %r", update, exc_info=context.error)

    # ------------------------------------------------------------------ outbound

    async def deliver(self, update: Update | None, inbound: Inbound,
                      out: Sequence[Outbound]) -> None:
        """Send the engine's answers.  A pressed button is always answered (once), with the
        notices as its toast; the rest goes out in order."""
        query = update.callback_query if update is not None else None
        if query is not None:
            notices = [item.text for item in out if isinstance(item, Notice)]
            await self._safe(query.answer("\n".join(notices)[:200] or None))
        pressed = query.message if query is not None else None
        for item in out:
            try:
                if isinstance(item, Reply):
                    await self.send(inbound.chat_id, item.text, item.choices, item.columns,
                                    ask_reply=item.expects_text and not inbound.is_private)
                elif isinstance(item, EditPressed):
                    if isinstance(pressed, Message):
                        await self._edit(str(pressed.chat.id), pressed.message_id, item.text)
                    else:
                        await self.send(inbound.chat_id, item.text)
                elif isinstance(item, Notice):
                    if query is None:
                        await self.send(inbound.chat_id, item.text)
                elif isinstance(item, SendTo):
                    await self.send_to(item, inbound)
                elif isinstance(item, AlertPost):
                    await self.post_alert(item.alert_id, item.text, item.choices)
                elif isinstance(item, AlertUpdate):
                    await self.update_alert(item)
                elif isinstance(item, ReplyFile):
                    await self.app.bot.send_document(
                        inbound.chat_id, InputFile(item.content, filename=item.filename),
                        caption=item.caption[:1024] or None)
            except Forbidden as exc:
                if inbound.is_private:
                    log.info("telegram: %s cannot be reached: %s", inbound.user_id, exc)
                    await self.call(self.engine.mark_unreachable, CHANNEL, inbound.user_id)
                    return
                log.warning("telegram: cannot write to chat %s: %s", inbound.chat_id, exc)
            except TelegramError as exc:
                log.warning("telegram: %s not delivered: %s", type(item).__name__, exc)

    async def send(self, chat_id: str, text: str, choices: Sequence[Choice] = (),
                   columns: int = 6, *, ask_reply: bool = False) -> Message:
        markup: InlineKeyboardMarkup | Any = keyboard(choices, columns)
        if markup is None and ask_reply:
            markup = force_reply()
        message: Message = await self.app.bot.send_message(chat_id, clip(text),
                                                            reply_markup=markup)
        return message

    async def _edit(self, chat_id: str, message_id: int, text: str,
                    choices: Sequence[Choice] = ()) -> None:
        try:
            await self.app.bot.edit_message_text(
                clip(text), chat_id=chat_id, message_id=message_id,
                reply_markup=keyboard(choices, 3),
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def send_to(self, item: SendTo, inbound: Inbound | None = None) -> bool:
        """A message to someone other than the sender; a 403 marks them unreachable and tells
        the sender it was not delivered."""
        if item.channel != CHANNEL:
            log.warning("telegram: cannot deliver a message for %s", item.channel)
            return False
        try:
            await self.send(item.chat_id or item.user_id, item.text, item.choices, item.columns)
            return True
        except Forbidden as exc:
            log.info("telegram: %s blocked the bot: %s", item.user_id, exc)
            await self.call(self.engine.mark_unreachable, CHANNEL, item.user_id)
            if inbound is not None:
                tm = self.engine.manager_translator
                await self._safe(self.send(inbound.chat_id, tm.gettext(
                    "Not sent: {name} has blocked the bot or cannot be reached."
                ).format(name=item.user_id)))
            return False

    async def alert_chat(self) -> str:
        """The managers' alert chat, following a group's migration to a supergroup."""
        if self._alert_chat is None:
            configured = self.settings.telegram_alert_chat_id
            moved = await self.call(self.engine.state_get,
                                    MIGRATED_KEY.format(chat=configured))
            self._alert_chat = moved or configured
        return self._alert_chat

    async def post_alert(self, alert_id: int, text: str, choices: Sequence[Choice]) -> None:
        chat = await self.alert_chat()
        if not chat:
            log.warning("telegram: TELEGRAM_ALERT_CHAT_ID is not set; alert #%s stays in the "
                        "database only", alert_id)
            return
        try:
            message = await self.send(chat, text, choices, 3)
        except ChatMigrated as exc:
            await self._on_migrated(chat, str(exc.new_chat_id))
            message = await self.send(str(exc.new_chat_id), text, choices, 3)
        await self.call(self.engine.set_alert_ref, alert_id,
                        f"{message.chat.id}:{message.message_id}")

    async def update_alert(self, item: AlertUpdate) -> None:
        chat, _, message_id = item.ref.rpartition(":")
        if not chat or not message_id.isdigit():
            await self.post_alert(item.alert_id, item.text, item.choices)
            return
        try:
            await self._edit(chat, int(message_id), item.text, item.choices)
        except ChatMigrated as exc:
            await self._on_migrated(chat, str(exc.new_chat_id))
            await self.post_alert(item.alert_id, item.text, item.choices)

    @staticmethod
    async def _safe(call: Any) -> None:
        try:
            await call
        except TelegramError as exc:
            log.warning("telegram: %s", exc)


def attach_web(web_app: web.Application, engine: Engine, settings: Settings, *,
               register: bool = True) -> TelegramChannel:
    """Serve the webhook on the shared web server at the path of ``TELEGRAM_WEBHOOK_URL``;
    ``register`` sets the webhook and the command menus (one web process of several does)."""
    channel = TelegramChannel(engine, settings, webhook=True, register=register)
    web_app.router.add_post(webhook_path(settings), channel.handle_webhook)
    run_with_web_app(web_app, channel.start, channel.stop)
    return channel


async def run_polling(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Long polling until ``stop`` is set."""
    channel = TelegramChannel(engine, settings, webhook=False)
    await channel.start()
    try:
        await stop.wait()
    finally:
        await channel.stop()
