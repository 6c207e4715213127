"""The engine's choices → Telegram inline keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Choice

MAX_TEXT = 4096


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


def clip(text: str) -> str:
    """Telegram refuses messages over 4096 characters."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
