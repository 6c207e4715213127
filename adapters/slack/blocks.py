"""The engine's messages → Slack Block Kit (plain dicts; no SDK needed).

The engine's texts are plain text that may carry what customers wrote, never mrkdwn: every text
that Slack parses (section blocks and the ``text`` notification fallback) has ``&``, ``<`` and
``>`` escaped, so ``<!channel>`` or ``<http://evil|Official refund form>`` shows as typed.
Escaping lengthens a text: the limits are checked on the escaped text, and a long one becomes
several sections rather than a refused message.  ``plain_text`` fields (buttons, modal titles)
are not parsed by Slack and are not escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.messages import Choice
from bot.text import MARK, units

ACTION_PREFIX = "sb:"
LINK_PREFIX = "sb-link:"
"""The action ids of link buttons: Slack opens the URL and also tells the app, which only
acknowledges it."""
MAX_TEXT = 3000  # a section's text, escaped, in UTF-16 code units (Slack's limit, safely read)
MAX_SECTIONS = 10  # up to 30,000 characters in one message (Slack takes 50 blocks)
MAX_FALLBACK = 4000  # the notification text; Slack cuts a longer one itself
MAX_LABEL = 75  # a button's plain_text
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Slack's escaping of ``&``, ``<`` and ``>`` in text we did not write as mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cost(ch: str) -> int:
    """UTF-16 code units of ``ch`` once escaped."""
    return len(_ENTITIES.get(ch, ch)) + (1 if ord(ch) > 0xFFFF else 0)


def _take(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` where its escaped beginning fills ``limit``, at a line break when one
    falls in the second half; never inside an entity or a character."""
    used = 0
    for i, ch in enumerate(text):
        used += _cost(ch)
        if used > limit:
            cut = text.rfind("\n", 0, i)
            end = cut + 1 if cut > i // 2 else i
            return text[:end], text[end:]
    return text, ""


def chunks(text: str, limit: int = MAX_TEXT, most: int = MAX_SECTIONS) -> list[str]:
    """``text`` escaped, in at most ``most`` pieces of at most ``limit`` units each; what does
    not fit is cut, the last piece ending with a visible mark."""
    pieces: list[str] = []
    rest = text
    while rest and len(pieces) < most:
        piece, rest = _take(rest, limit)
        pieces.append(piece)
    if rest:
        piece, _ = _take(pieces[-1], limit - units(MARK))
        pieces[-1] = piece.rstrip() + MARK
    return [escape(piece) for piece in pieces] or [""]


def fallback(text: str) -> str:
    """The ``text`` of a message with blocks: what notifications show, escaped and cut."""
    return chunks(text, MAX_FALLBACK, 1)[0] or " "


def section(text: str) -> dict[str, Any]:
    """One section block for a short text of ours (App Home); longer texts: message_blocks."""
    return _section(chunks(text, most=1)[0])


def _section(escaped: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": escaped or " ",
                                        "verbatim": True}}


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + MARK


def _button(i: int, choice: Choice, links: Mapping[str, str]) -> dict[str, Any] | None:
    text = {"type": "plain_text", "text": _label(choice.label), "emoji": True}
    if choice.url:
        return {"type": "button", "action_id": f"{LINK_PREFIX}{i}", "url": choice.url,
                "text": text}
    if not choice.opens:
        return {"type": "button", "action_id": f"{ACTION_PREFIX}{i}", "value": choice.value,
                "text": text}
    url = links.get(choice.opens)
    return {"type": "button", "action_id": f"{LINK_PREFIX}{i}", "url": url,
            "text": text} if url else None


def buttons(choices: Sequence[Choice], block_id: str = "choices",
            links: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One actions block; Slack wraps the buttons to the reader's screen.  A choice that opens
    a message is a link button to ``links[its ref]`` (its permalink), left out without one."""
    shown = (_button(i, choice, links or {}) for i, choice in enumerate(choices))
    return {"type": "actions", "block_id": block_id,
            "elements": [b for b in shown if b is not None][:25]}


def message_blocks(text: str, choices: Sequence[Choice] = (),
                   links: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    blocks = [_section(piece) for piece in chunks(text)]
    actions = buttons(choices, links=links) if choices else None
    if actions is not None and actions["elements"]:
        blocks.append(actions)
    return blocks


def message(text: str, choices: Sequence[Choice] = (),
            links: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``text`` and ``blocks`` arguments of chat.postMessage, chat.update,
    chat.postEphemeral and a response_url answer, for an engine text; ``links``: the
    permalinks of the messages its link choices open."""
    return {"text": fallback(text), "blocks": message_blocks(text, choices, links)}
