"""Text that arrives from a platform, made safe to store and to show; and text measured and cut
the way the strictest platform counts it.

Every string of an :class:`~bot.messages.Inbound` goes through :func:`clean` before the engine
stores or renders it, so SQLite and PostgreSQL (which refuses NUL and cannot encode a lone
surrogate) hold the same text, whichever channel it came from.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from bot.messages import Inbound

MARK = "…"
"""What a cut text ends with, so the reader sees that something is missing."""

# C0 controls but tab and newline, DEL, C1 controls.  "\r" becomes a newline first.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NEWLINES = re.compile("\r\n?")
# Characters that show nothing by themselves: a name made only of these is no name.
_INVISIBLE = {"Cc", "Cf", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"}


def clean(text: str) -> str:
    """``text`` without NUL and the other control characters (tab and newline stay; ``\\r\\n``
    and ``\\r`` become ``\\n``), with surrogate pairs joined and lone surrogates replaced by
    U+FFFD.  Everything else stays: RTL marks, zero-width joiners, CJK, emoji."""
    if _SURROGATE.search(text):
        # A JSON "\ud83d\ude00" split in two, or a lone "\ud800": join pairs, replace the rest.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    return _CONTROLS.sub("", text)


def visible(text: str) -> bool:
    """Whether ``text`` has a character that shows (not only spaces, marks, joiners)."""
    return any(unicodedata.category(ch) not in _INVISIBLE for ch in text)


def clean_name(name: str, fallback: str) -> str:
    """A display name as managers will read it: cleaned, on one line, trimmed; ``fallback``
    (the platform id) when nothing visible is left of a name that was given."""
    if not name:
        return ""
    shown = " ".join(clean(name).split())
    return shown if visible(shown) else fallback


def clean_inbound(inbound: Inbound) -> Inbound:
    """The inbound event with every string cleaned (see :func:`clean`)."""
    changes: dict[str, str] = {}
    for f in dataclasses.fields(inbound):
        value = getattr(inbound, f.name)
        if not isinstance(value, str):
            continue
        new = (clean_name(value, clean(inbound.user_id)) if f.name == "display_name"
               else clean(value))
        if new != value:
            changes[f.name] = new
    return dataclasses.replace(inbound, **changes) if changes else inbound  # type: ignore[arg-type]


def units(text: str) -> int:
    """The length of ``text`` in UTF-16 code units: what Telegram counts, and never less than
    the characters any platform counts (an emoji outside the BMP is two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def shorten(text: str, limit: int, mark: str = MARK) -> str:
    """``text`` if it fits in ``limit`` UTF-16 code units, else its longest beginning that fits
    with ``mark`` after it (never half of a character)."""
    if len(text) <= limit // 2 or units(text) <= limit:
        return text
    room = limit - units(mark)
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > room:
            return text[:i].rstrip("\u200d") + mark  # no joiner left dangling
    return text  # pragma: no cover - units(text) > limit means the loop returns


def split_at_line(text: str, limit: int) -> tuple[str, str]:
    """``text`` in two: the most whole lines that fit in ``limit`` UTF-16 code units, and the
    rest (empty when all fits).  A first line longer than ``limit`` is cut at its last space
    that fits, else where it must be (never inside a character).  The break at the cut and the
    blank space around it are dropped; nothing else is lost."""
    if units(text) <= limit:
        return text, ""
    used, end = 0, -1
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            end = i
            break
    head = text[:end]
    line_end = head.rfind("\n")
    if text[end] == "\n":
        line_end = end
    if line_end > 0 and head[:line_end].strip():
        return text[:line_end].rstrip(), text[line_end + 1:].lstrip("\n")
    space = head.rfind(" ")
    if space > 0 and head[:space].strip():
        return text[:space].rstrip(), text[space + 1:].lstrip()
    return head, text[end:]
