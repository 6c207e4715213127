"""One real comment to show under a theme, trimmed politely when long."""

from __future__ import annotations

import re

LIMIT = 200
"""Characters of a comment shown whole; a longer one is cut to about this many."""
_SENTENCE_END = re.compile(r"[.!?。！？…\n]")
_SPACE = re.compile(r"\s+")


def _squeeze(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def excerpt(text: str, start: int, end: int, limit: int = LIMIT) -> str:
    """The comment, whole when it is at most ``limit`` characters; otherwise from the start of
    the sentence holding ``text[start:end]`` (the theme), cut after a sentence or a word
    within ``limit`` characters, each cut marked with "…"."""
    if len(_squeeze(text)) <= limit:
        return _squeeze(text)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    begin = ends[-1] if ends else 0
    if end - begin > limit:  # a very long sentence: start a little before the theme
        space = text.rfind(" ", 0, max(start - limit // 4, 0))
        begin = space + 1 if space > begin else max(start - limit // 4, begin)
    stop = begin + limit
    if stop >= len(text):
        body, cut = text[begin:], False
    else:
        window = text[begin:stop]
        floor = max(end - begin, limit // 2)
        sentence = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() >= floor]
        space = window.rfind(" ")
        at = sentence[-1] if sentence else space if space >= floor else len(window)
        body, cut = window[:at], True
    shown = _squeeze(body)
    tail = (" …" if _SENTENCE_END.fullmatch(shown[-1:]) else "…") if cut else ""
    return ("…" if text[:begin].strip() else "") + shown + tail
