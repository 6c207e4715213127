"""The Telegram channel: python-telegram-bot's Application, polling or webhook, feeding the engine
and sending what it answers.

Conversation state lives in the engine's database, not in python-telegram-bot, so a restarted
process continues every survey where it was.  Updates of different chats are handled
concurrently; updates of one chat one after another, in order.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from collections.abc import Sequence
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
from telegram.ext import ContextTypes, TypeHandler

from adapters.engine_calls import CountsHandled, EngineCalls, KeyedLocks
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
from adapters.telegram.render import MAX_TOAST, clip, force_reply, keyboard
from adapters.telegram.updates import CHANNEL, read_update, to_inbound
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
from bot.text import shorten

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
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


class TelegramChannel(CountsHandled):
    """One bot: turns updates into engine events and engine answers into Bot API calls."""

    def __init__(self, engine: Engine, settings: Settings, *, webhook: bool,
                 poll_timeout: int = 25, register: bool = True,
                 backoff: Backoff | None = None, calls: EngineCalls | None = None) -> None:
        self.engine = engine
        engine.use_style(CHANNEL, SLASH)
        self.register = register
        self.settings = settings
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        self.secret = webhook_secret(settings)
        self.backoff = backoff
        self._requests = build_requests()
        self.app = build_application(settings, webhook=webhook, requests=self._requests)
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self._locks = KeyedLocks()
        self._alert_chat: str | None = None
        self._own_calls = calls is None  # else the process's, closed by its owner
        self.call = calls or EngineCalls(engine, settings)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect to the Bot API: network errors are retried with backoff; a refused token or
        setting stops start-up at once with :class:`StartupError` (one line, no traceback)."""
        await self.call.start()
        first = functools.partial(first_call, self.settings, backoff=self.backoff)
        try:
            await first("getMe", self.app.initialize)
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
        log.info("telegram: @%s %s", self.app.bot.username,
                 "webhook" if self.webhook else "long polling")

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
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

    # ------------------------------------------------------------------ webhook

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """Telegram's POST; refused unless it carries our secret token."""
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
        # Handled before answering, so a process that dies mid-update gets it again.  A failure
        # inside is logged once (_on_error) and still answered 200: Telegram would redeliver
        # the same update into the same failure for hours, and the engine has already told the
        # person when it failed itself.
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
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: update %s failed: %s", update_id,
                  describe(error) if error else "?", exc_info=error)

    # ------------------------------------------------------------------ outbound

    async def deliver(self, update: Update | None, inbound: Inbound,
                      out: Sequence[Outbound]) -> None:
        """Send the engine's answers.  A pressed button is always answered (once), with the
        notices as its toast; the rest goes out in order."""
        query = update.callback_query if update is not None else None
        if query is not None:
            notices = [item.text for item in out if isinstance(item, Notice)]
            await self._safe(query.answer(shorten("\n".join(notices), MAX_TOAST) or None))
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
                tm = translator(await self.call(self.engine.reader_locale, CHANNEL,
                                                inbound.user_id))  # the sender reads this
                await self._safe(self.send(inbound.chat_id, tm.gettext(
                    "Not sent: {name} has blocked the bot or cannot be reached."
                ).format(name=item.name or item.user_id)))
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
               register: bool = True, calls: EngineCalls | None = None) -> TelegramChannel:
    """Serve the webhook on the shared web server at the path of ``TELEGRAM_WEBHOOK_URL``;
    ``register`` sets the webhook and the command menus (gunicorn's master does that once for
    its web processes: :func:`register_webhook`)."""
    channel = TelegramChannel(engine, settings, webhook=True, register=register, calls=calls)
    web_app.router.add_post(webhook_path(settings), channel.handle_webhook)
    run_with_web_app(web_app, channel.start, channel.stop)
    return channel


async def register_webhook(engine: Engine, settings: Settings,
                           backoff: Backoff | None = None) -> None:
    """Check the token, set the command menus and the webhook, once for every web process."""
    channel = TelegramChannel(engine, settings, webhook=True, register=True, backoff=backoff)
    await channel.start()
    await channel.stop()
