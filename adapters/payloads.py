"""Reading a platform's JSON body without trusting it: UTF-8, a JSON object, bounded nesting.

A body that fails is answered with a 4xx by the adapter, which logs one line; nothing here
raises for bad input.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
"""Nesting deeper than any Telegram update or Slack payload (about ten levels at most)."""


_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean",
          type(None): "null"}


class BadPayload(ValueError):
    """The body is not what the platform sends; the message says why, in a few words."""


def depth(value: Any) -> int:
    """How deeply objects and arrays nest in ``value`` (a scalar is 0); level by level, without
    recursion."""
    if not isinstance(value, dict | list):
        return 0
    level, deepest = [value], 0
    while level:
        inner: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            inner.extend(child for child in children if isinstance(child, dict | list))
        deepest += 1
        level = inner
    return deepest


def text_of(raw: bytes) -> str:
    """The body as text; :class:`BadPayload` unless it is UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPayload(f"not UTF-8 (byte {exc.start})") from None


def json_object(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The JSON object in ``raw``; :class:`BadPayload` for anything else (not UTF-8, not JSON,
    an array or a scalar, nested deeper than ``max_depth``)."""
    text = text_of(raw) if isinstance(raw, bytes) else raw
    try:
        value = json.loads(text)
    except RecursionError:  # the C parser gives up on extreme nesting before we can count it
        raise BadPayload("nested too deeply") from None
    except ValueError as exc:
        raise BadPayload(f"not JSON ({exc.__class__.__name__} at {getattr(exc, 'pos', '?')})"
                         ) from None
    if not isinstance(value, dict):
        raise BadPayload(f"a JSON {_KINDS.get(type(value), 'value')}, not an object")
    if depth(value) > max_depth:
        raise BadPayload(f"nested deeper than {max_depth} levels")
    return value
