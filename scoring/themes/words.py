"""Words as themes count them, per language: the key two spellings of one word share, and whether
a word is a stop word (never a theme alone, never at a phrase's end) or a generic one (never a
theme alone: "great", "bun", "不错").

* English: lower case, curly apostrophes straight, the Snowball English (Porter 2) stemmer.
* Romanian: lower case, cedilla ş ţ read as comma-below ș ț, then folded (ș→s, ț→t, ă→a, â→a,
  î→i) **before** the Snowball Romanian stemmer runs, so a word typed with or without diacritics
  has one key by construction ("aplicația", "aplicaţia" and "aplicatia" → ``aplicat``).
* Chinese: the word as jieba-rs segments it (no stemming); Latin words in a Chinese comment are
  read by the English rules.

The lists are the data files beside this module (``data/<lang>.stop.txt``,
``data/<lang>.generic.txt``), whose headers name their sources and licences.
"""

from __future__ import annotations

import unicodedata
from enum import IntEnum
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

import snowballstemmer

LANGUAGES = ("en", "ro", "zh")
"""The languages themes are read in (a comment's language is its answer's locale)."""

_CEDILLA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


class Kind(IntEnum):
    """What a word may be in a theme."""

    CONTENT = 0
    GENERIC = 1
    """Part of a theme, never one alone."""
    STOP = 2
    """Inside a phrase only, never at its start or end."""


def comma_below(text: str) -> str:
    """Romanian spelling: cedilla ş ţ (and their capitals) as comma-below ș ț."""
    return text.translate(_CEDILLA)


def fold(text: str) -> str:
    """Without diacritics: ș→s, ț→t, ă→a, â→a, î→i (any combining mark dropped)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def surface(text: str, language: str) -> str:
    """How a word or phrase is shown: lower case, one apostrophe, Romanian comma-below."""
    shown = text.lower().translate(_APOSTROPHES)
    return comma_below(shown) if language == "ro" else shown


def has_diacritics(text: str) -> bool:
    return fold(text) != text


@cache
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer("romanian" if language == "ro" else "english")


@lru_cache(maxsize=1 << 17)
def word_key(word: str, language: str) -> str:
    """The key of one Latin-script word (``word`` as :func:`surface` gives it): its stem,
    Romanian folded first."""
    if language == "ro":
        return str(_stemmer("ro").stemWord(fold(word)))
    return str(_stemmer("en").stemWord(word))


def _read(name: str) -> frozenset[str]:
    text = files("scoring.themes").joinpath("data", name).read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


@cache
def word_list(language: str, kind: Kind) -> frozenset[str]:
    """The stop or generic words of ``language`` in the form they are matched in (Romanian
    folded, English with straight apostrophes)."""
    name = f"{language}.{'stop' if kind is Kind.STOP else 'generic'}.txt"
    return frozenset(matched(w, language) for w in _read(name))


def matched(word: str, language: str) -> str:
    """The form a word is looked up in the lists by."""
    shown = surface(word, language)
    return fold(shown) if language == "ro" else shown


@lru_cache(maxsize=1 << 17)
def word_kind(word: str, language: str) -> Kind:
    """Whether ``word`` (as :func:`surface` gives it) is a stop word, a generic one or content;
    a word of digits only is a stop word."""
    if word.isdigit():
        return Kind.STOP
    form = fold(word) if language == "ro" else word
    if form in word_list(language, Kind.STOP):
        return Kind.STOP
    if form in word_list(language, Kind.GENERIC):
        return Kind.GENERIC
    return Kind.CONTENT
