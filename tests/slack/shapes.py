"""What the Slack stand-in knows of Slack: the test workspace's ids and secrets, and what Slack
refuses in blocks and texts."""

from __future__ import annotations

import re
from typing import Any

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0SURVEY-1-test"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0SURVEY"
BOT_USER = "UBOTSURVEY"
MAX_SECTION = 3000
MAX_BLOCKS = {"message": 50, "home": 100, "modal": 100}
MAX_TEXT = 40_000
_ENTITY = re.compile(r"&(amp|lt|gt);")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def block_problem(blocks: Any, surface: str = "message") -> str | None:
    """Slack's ``invalid_blocks`` check, for the kinds of block the bot sends."""
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS[surface]:
        return "invalid_blocks"
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            text = (block.get("text") or {}).get("text")
            if not isinstance(text, str) or not text or _units(text) > MAX_SECTION:
                return "invalid_blocks"
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                return "invalid_blocks"
            for element in elements:
                label = (element.get("text") or {}).get("text") or ""
                if not label or _units(label) > 75 or len(element.get("value") or "") > 2000:
                    return "invalid_blocks"
                url = element.get("url")
                if url is not None and (not str(url).startswith(("http://", "https://"))
                                        or len(str(url)) > 3000):
                    return "invalid_blocks"
    return None


def shown(text: str) -> str:
    """What a person sees of an escaped mrkdwn text: the three entities decoded."""
    return _ENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def escaped_properly(text: str) -> bool:
    """No ``<`` or ``>`` of markup and every ``&`` the start of an entity: Slack will show
    the text as written and parse nothing in it."""
    return "<" not in text and ">" not in text and "&" not in _ENTITY.sub("", text)
