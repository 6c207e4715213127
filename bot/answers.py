"""Understanding a score the respondent typed instead of pressing a button.

``parse_score`` accepts, in Chinese (Simplified), Romanian and English:

* digits, also full-width ones (``８``, folded by NFKC) and a sign (``-1``, ``+8``);
* a number word from zero to ten: ``八``/``两``/``十``, ``eight``, ``opt``/``nouă``/``noua``
  (Romanian with or without diacritics, comma- or cedilla-below ``ș ş ț ţ``);
* a unit after the number: ``8分``, ``十分`` (as a whole answer it is 10 points, not "very"),
  ``8 points``, ``8 puncte``;
* a denominator equal to the top of the scale: ``8/10``, ``8 din 10``, ``8 out of 10``,
  ``8 of 10``; any other denominator (``8/10`` on a 1-5 scale) is not understood;
* a prefix such as ``nota 8``, ``score: 8``, ``评分 8`` and trailing punctuation (``8!``, ``8。``).

Scores are integers: ``7.5`` and ``7,5`` are ``not_a_number`` rather than being rounded.
Words only cover zero to ten, so ``eleven`` or ``十一`` are ``not_a_number`` while ``11`` is
``out_of_range``.  Numbers longer than six digits are ``not_a_number`` too (order numbers,
phone numbers).  The function never raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Problem = Literal["ok", "not_a_number", "out_of_range"]

MAX_INPUT = 80
"""Longer answers are not scores; the cap also bounds the regular expressions' work."""
MAX_DIGITS = 6

_WORDS: dict[str, int] = {
    # Chinese (Simplified)
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9, "十": 10,
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10,
    # Romanian, diacritics folded (see _FOLD); "zero" is shared with English
    "unu": 1, "una": 1, "unul": 1, "doi": 2, "doua": 2, "trei": 3, "patru": 4, "cinci": 5,
    "sase": 6, "sapte": 7, "opt": 8, "noua": 9, "zece": 10,
}

# Romanian letters folded to plain ASCII (cedilla look-alikes included), and minus signs to "-".
_FOLD = str.maketrans({
    "ă": "a", "â": "a", "î": "i", "ș": "s", "ş": "s", "ț": "t", "ţ": "t",
    "−": "-", "–": "-",
})

_TRAILING = ".!?;~。…"
_PREFIX = re.compile(r"(?:nota|score|scor(?:ul)?|rating|评分|打分|分数|得分)\s*[:=]?\s*")
_UNIT = re.compile(r"(?P<n>.+?)\s*(?:分|points?|pts|puncte|punct)")
_FRACTION = re.compile(r"(?P<n>.+?)\s*(?:/|\bdin\b|\bout\s+of\b|\bof\b)\s*(?P<d>.+)")
_DIGITS = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class ScoreParse:
    """What a typed answer says: ``value`` is set for ``ok`` and ``out_of_range``."""

    value: int | None
    problem: Problem


def _normalize(text: str) -> str:
    """NFKC (full-width forms), lower case, Romanian letters folded, punctuation trimmed."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return text.strip().rstrip(_TRAILING).strip()


def _number(token: str) -> int | None:
    """One number, digits or a word, with an optional unit after it; None if not a number."""
    if match := _UNIT.fullmatch(token):
        token = match["n"]
    if _DIGITS.fullmatch(token):
        sign = -1 if token[0] == "-" else 1
        digits = token.lstrip("+-").lstrip("0") or "0"
        return sign * int(digits) if len(digits) <= MAX_DIGITS else None
    return _WORDS.get(token)


def parse_score(text: str, low: int, high: int) -> ScoreParse:
    """Read a score on the scale ``low``..``high`` from free text; never raises."""
    if len(text) > MAX_INPUT:
        return ScoreParse(None, "not_a_number")
    text = _normalize(text)
    if len(text) > MAX_INPUT:  # NFKC can expand a few characters a lot
        return ScoreParse(None, "not_a_number")
    if match := _PREFIX.match(text):
        text = text[match.end():]
    value = _number(text)
    if value is None and (fraction := _FRACTION.fullmatch(text)):
        if _number(fraction["d"]) != high:
            return ScoreParse(None, "not_a_number")
        value = _number(fraction["n"])
    if value is None:
        return ScoreParse(None, "not_a_number")
    return ScoreParse(value, "ok" if low <= value <= high else "out_of_range")
