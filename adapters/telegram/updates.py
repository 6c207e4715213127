"""Telegram updates → the engine's :class:`~bot.messages.Inbound` events."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Message, MessageEntity, Update

from adapters.payloads import BadPayload, json_object
from adapters.startup import describe
from bot.messages import Inbound

CHANNEL = "telegram"


def read_update(raw: bytes, bot: Bot) -> Update:
    """The update in a webhook body; :class:`BadPayload` for a body that is not a JSON object
    (or nests too deeply) or that python-telegram-bot cannot read as an update."""
    data: dict[str, Any] = json_object(raw)
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise BadPayload("not an update (no numeric update_id)")
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:  # noqa: BLE001 - de_json reads untrusted input: any failure is "bad"
        raise BadPayload(f"not an update ({type(exc).__name__}: {describe(exc)[:120]})") from None
    if update is None:
        raise BadPayload("not an update")
    return update


def _name(update: Update) -> str:
    user = update.effective_user
    if user is None:
        return ""
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))


def split_command(message: Message, bot_username: str) -> tuple[str, str] | None:
    """``(command, arguments)`` when the message starts with a ``bot_command`` entity addressed to
    us (``/nps`` or ``/nps@OurBot``), else None."""
    text = message.text or ""
    entity = next((e for e in message.entities if e.offset == 0), None)
    if entity is None or entity.type != MessageEntity.BOT_COMMAND:
        return None
    word = text[1 : entity.length]
    command, _, target = word.partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return command.lower(), text[entity.length :].strip()


def to_inbound(update: Update, bot_username: str) -> Inbound | None:
    """The engine event for an update, or None for what the bot ignores (group chatter, channel
    posts, service messages)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    common = {
        "display_name": _name(update),
        "locale_hint": user.language_code,
        "event_id": str(update.update_id),
        "is_private": chat.type == chat.PRIVATE,
    }
    query = update.callback_query
    if query is not None:
        return Inbound(CHANNEL, str(user.id), str(chat.id), choice=query.data or "",
                       **common)  # type: ignore[arg-type]
    message = update.message
    if message is None:
        return None
    command = split_command(message, bot_username)
    if command is not None:
        name, args = command
        return Inbound(CHANNEL, str(user.id), str(chat.id), command=name, text=args,
                       **common)  # type: ignore[arg-type]
    if chat.type != chat.PRIVATE:
        # In groups the bot hears only answers to its own prompts (a manager's alert reply).
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or (
                replied.from_user.username or "").lower() != bot_username.lower():
            return None
    if message.text is None and message.caption is None and message.sticker is None:
        return Inbound(CHANNEL, str(user.id), str(chat.id), text="", **common)  # type: ignore[arg-type]
    return Inbound(CHANNEL, str(user.id), str(chat.id), text=message.text or message.caption or "",
                   **common)  # type: ignore[arg-type]

