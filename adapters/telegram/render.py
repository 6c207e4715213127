"""The engine's choices → Telegram inline keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Choice
from bot.text import shorten, split_at_line

# Telegram's limits, in UTF-16 code units (how Telegram measures text and entities).
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOAST = 200  # answerCallbackQuery


def message_link(ref: str) -> str | None:
    """The link to a message the bot posted (``<chat_id>:<message_id>``), which members of the
    chat can open: only a supergroup's messages have one (``t.me/c/<id without -100>/<n>``)."""
    chat, _, message_id = ref.rpartition(":")
    if not chat.startswith("-100") or not chat[4:].isdigit() or not message_id.isdigit():
        return None
    return f"https://t.me/c/{chat[4:]}/{message_id}"


def button(choice: Choice) -> InlineKeyboardButton | None:
    """A callback button, or a URL button for a choice that opens a web page or a message
    (None when that message has no link)."""
    if choice.url:
        return InlineKeyboardButton(choice.label, url=choice.url)
    if not choice.opens:
        return InlineKeyboardButton(choice.label, callback_data=choice.value)
    url = message_link(choice.opens)
    return InlineKeyboardButton(choice.label, url=url) if url else None


def keyboard(choices: Sequence[Choice], columns: int) -> InlineKeyboardMarkup | None:
    """Rows of at most ``columns`` buttons; the 0-10 scale becomes 6 + 5, which fits a phone."""
    shown = [b for b in map(button, choices) if b is not None]
    if not shown:
        return None
    width = max(1, min(columns, 8))
    return InlineKeyboardMarkup([shown[i : i + width] for i in range(0, len(shown), width)])


def force_reply() -> ForceReply:
    """Makes a group member's next message a reply to the bot, which privacy mode lets through."""
    return ForceReply(selective=False)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """A message text Telegram accepts: cut to ``limit`` UTF-16 code units with a visible
    "…" (a longer one is refused with 400 "message is too long"), never empty."""
    return shorten(text, limit) if text.strip() else "…"


def clip_caption(text: str) -> str:
    """A photo's or document's caption: at most 1,024 UTF-16 code units (empty is allowed)."""
    return shorten(text, MAX_CAPTION)


def photo_caption(text: str) -> tuple[str, str]:
    """A photo's caption and what follows it as a message: the lines that fit in 1,024 UTF-16
    code units, cut where a line ends, and the rest (empty when all fits)."""
    return split_at_line(text, MAX_CAPTION)
