"""The engine's messages → Slack Block Kit (plain dicts; no SDK needed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.messages import Choice

ACTION_PREFIX = "sb:"
MAX_TEXT = 3000  # a section's text limit


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text) or " ",
                                        "verbatim": True}}


def buttons(choices: Sequence[Choice], block_id: str = "choices") -> dict[str, Any]:
    """One actions block; Slack wraps the buttons to the reader's screen."""
    return {"type": "actions", "block_id": block_id, "elements": [
        {"type": "button", "action_id": f"{ACTION_PREFIX}{i}", "value": choice.value,
         "text": {"type": "plain_text", "text": _clip(choice.label, 75), "emoji": True}}
        for i, choice in enumerate(choices[:25])
    ]}


def message_blocks(text: str, choices: Sequence[Choice] = ()) -> list[dict[str, Any]]:
    blocks = [section(text)]
    if choices:
        blocks.append(buttons(choices))
    return blocks


def escape(text: str) -> str:
    """Slack's mrkdwn escaping of &, < and > in text we did not write."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
