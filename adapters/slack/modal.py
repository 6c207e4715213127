"""The modal a Slack manager types a reply to a customer in, and what its submission holds."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator

REPLY_VIEW = "alert_reply"


def reply_text(view: dict[str, Any]) -> str:
    """The reply typed in the modal (``state.values.reply.text.value``), or ""."""
    value: Any = view
    for key in ("state", "values", "reply", "text", "value"):
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def reply_metadata(view: dict[str, Any]) -> tuple[int, str]:
    """The alert id and the manager's language, as the modal was opened with them."""
    alert, _, lang = str(view.get("private_metadata") or "").partition(":")
    return (int(alert) if alert.isdigit() else 0), lang


def reply_modal(alert_id: int, tm: Translator, max_length: int) -> dict[str, Any]:
    """The modal, in the manager's language ``tm``."""
    return {
        "type": "modal", "callback_id": REPLY_VIEW,
        "private_metadata": f"{alert_id}:{tm.lang}",
        "title": {"type": "plain_text", "text": tm.gettext("Reply to the customer")[:24]},
        "submit": {"type": "plain_text", "text": tm.gettext("Send")[:24]},
        "close": {"type": "plain_text", "text": tm.gettext("Cancel")[:24]},
        "blocks": [{
            "type": "input", "block_id": "reply",
            "label": {"type": "plain_text",
                      "text": tm.gettext("Your message; the bot sends it to the customer.")},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True,
                        "max_length": max_length},
        }],
    }
