"""Typed attribute values: a number compares as a number, a date as a date.

An imported cell or an API value is typed by its header (``revenue:number``,
``signed_up:date``, ``plan:text``) or, without one, by its look: a decimal number (``12``,
``-3.5``, ``1e3``) is a number, an ISO date (``2026-11-30``) a date, anything else text.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import NamedTuple

from bot.campaign_tables import AttributeKind

MAX_TEXT = 500
MAX_NAME = 64
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
# The kinds as plain module constants: an enum member looked up on its class costs a
# descriptor call, and typed() runs for every cell of an import.
_TEXT, _NUMBER_KIND, _DATE_KIND = AttributeKind.TEXT, AttributeKind.NUMBER, AttributeKind.DATE


class Typed(NamedTuple):
    """A value and its kind (a tuple: an import makes millions of them)."""

    kind: AttributeKind
    text: str
    number: float | None = None
    day: date | None = None


class BadValue(ValueError):
    """A value that does not fit its declared kind; the message says why, in English (the CLI
    and the API's error texts)."""


def header(raw: str) -> tuple[str, AttributeKind | None]:
    """``name`` or ``name:kind`` from a column header or an API key; BadValue when the name or
    the kind is not one we take."""
    name, sep, kind = raw.strip().partition(":")
    name = name.strip()
    if not _NAME.match(name):
        raise BadValue(f"attribute name {raw!r}: use a letter first, then letters, digits, "
                       "_ . or - (at most 64)")
    if not sep:
        return name, None
    try:
        return name, AttributeKind(kind.strip().lower())
    except ValueError:
        raise BadValue(f"attribute {raw!r}: the type must be text, number or date") from None


def typed(value: str | float | date, kind: AttributeKind | None = None) -> Typed:
    """``value`` typed as ``kind`` (or as it looks); BadValue when it cannot be."""
    if type(value) is str:  # the common case (every CSV cell) first
        return _typed_text(value.strip(), kind)
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if kind not in (None, _DATE_KIND):
            return Typed(_TEXT, value.isoformat())
        return Typed(_DATE_KIND, value.isoformat(), day=value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise BadValue(f"{value!r} is not a finite number")
        text = repr(value) if isinstance(value, float) else str(value)
        if kind in (None, _NUMBER_KIND):
            return Typed(_NUMBER_KIND, text, number=float(value))
        value = text
    return _typed_text(str(value).strip(), kind)


def _typed_text(text: str, kind: AttributeKind | None) -> Typed:
    if len(text) > MAX_TEXT:
        raise BadValue(f"longer than {MAX_TEXT} characters")
    if kind is _TEXT:
        return Typed(_TEXT, text)
    if kind is _NUMBER_KIND or (kind is None and _NUMBER.match(text)):
        number = _number(text)
        if number is None:
            raise BadValue(f"{text!r} is not a number")
        return Typed(_NUMBER_KIND, text, number=number)
    if kind is _DATE_KIND or (kind is None and _DATE.match(text)):
        day = _date(text)
        if day is None:
            if kind is None:
                return Typed(_TEXT, text)
            raise BadValue(f"{text!r} is not a date (YYYY-MM-DD)")
        return Typed(_DATE_KIND, text, day=day)
    return Typed(_TEXT, text)


def _number(text: str) -> float | None:
    try:
        number = float(text) if text else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if _DATE.match(text[:10]) else None
    except ValueError:
        return None
