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


def keyboard(choices: Sequence[Choice], columns: int) -> InlineKeyboardMarkup | None:
    """Rows of at most ``columns`` buttons; the 0-10 scale becomes 6 + 5, which fits a phone."""
    if not choices:
        return None
    width = max(1, min(columns, 8))
    rows = [
        [InlineKeyboardButton(c.label, callback_data=c.value) for c in choices[i : i + width]]
        for i in range(0, len(choices), width)
    ]
    return InlineKeyboardMarkup(rows)


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
