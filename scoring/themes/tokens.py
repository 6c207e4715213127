"""A comment cut into sentences of words.

A sentence ends at any punctuation or symbol (emoji included) and at a line break; a hyphen or an
apostrophe between words does not end one ("m-a", "e-mail", "don't").  Runs of Chinese
characters are segmented by jieba-rs (its dictionary and HMM for unknown words), in a comment of
any language; other words are runs of letters and digits, read by the comment's language's rules
(:mod:`.words`; a Chinese comment's Latin words by the English ones).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import rjieba

from scoring.themes.words import Kind, surface, word_key, word_kind

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_WORD = re.compile(rf"(?P<han>[{_HAN}]+)|[^\W_{_HAN}]+(?:['’][^\W_{_HAN}]+)*")
_JOINERS = " \t\u00a0\u200b-\u2010'’"
"""What may stand between two words of one sentence."""


class Token(NamedTuple):  # a named tuple: made some million times for 100,000 comments
    key: str
    """What counts: a stem, or a Chinese word."""
    kind: Kind
    start: int
    end: int
    """Where it stands in the comment."""


class Sentence(NamedTuple):
    tokens: tuple[Token, ...]
    start: int
    end: int


def rules(language: str) -> str:
    """The rules a comment's Latin words are read by: Romanian or English."""
    return "ro" if language == "ro" else "en"


def _han(run: str, offset: int) -> list[Token]:
    out = []
    for word, start, end in rjieba.tokenize(run):
        if word.strip():
            out.append(Token(word, word_kind(word, "zh"), offset + start, offset + end))
    return out


@lru_cache(maxsize=1 << 17)
def _read(word: str, language: str) -> tuple[str, Kind]:
    shown = surface(word, language)
    return word_key(shown, language), word_kind(shown, language)


def _latin(word: str, start: int, language: str) -> Token:
    return Token(*_read(word, language), start, start + len(word))


def sentences(text: str, language: str) -> list[Sentence]:
    """The sentences of ``text`` (a comment in ``language``), each with at least one word."""
    latin = rules(language)
    out: list[Sentence] = []
    current: list[Token] = []
    last = 0
    for match in _WORD.finditer(text):
        gap = text[last:match.start()]
        if current and ("\n" in gap or gap.strip(_JOINERS)):
            out.append(Sentence(tuple(current), current[0].start, current[-1].end))
            current = []
        if match.lastgroup == "han":
            current.extend(_han(match.group(), match.start()))
        else:
            current.append(_latin(match.group(), match.start(), latin))
        last = match.end()
    if current:
        out.append(Sentence(tuple(current), current[0].start, current[-1].end))
    return out
