"""Understanding a typed yes or no (the answer to "is the problem solved?", typed instead of
pressing a button), in English, Romanian and Chinese (Simplified), whatever the language the
person reads: ``yes``, ``da``, ``是``, ``解决了``, ``👍``; ``no``, ``nu``, ``否``, ``没有``, ``👎``.

The whole message must be one of the words or phrases below, after NFKC folding, case folding,
Romanian diacritics folded (comma- or cedilla-below), punctuation and spaces at either end
dropped and runs of spaces and commas inside made one space: ``Da, s-a rezolvat!`` and ``no.``
are understood, ``yes but the refund is late`` is not (it is a sentence for the team, not an
answer).  Never raises.
"""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT = 40
"""Longer messages are not a yes or a no."""

_FOLD = str.maketrans("ăâîșşțţ", "aaisstt")
_MARKS = r"[\s.,;:!?¡¿。，、；：！？~…\"'“”„«»()（）]+"
_EDGES = re.compile(rf"^{_MARKS}|{_MARKS}$")
_INSIDE = re.compile(r"[\s,，、]+")
_VARIATION = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")  # emoji presentation and skin tones


def _normal(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    folded = _VARIATION.sub("", folded)
    return _INSIDE.sub(" ", _EDGES.sub("", folded)).strip()


_YES_WORDS = (
    # English
    "yes", "y", "yeah", "yep", "yup", "yes it is", "yes it is solved", "yes solved", "solved",
    "resolved", "fixed", "it is solved", "it's solved", "👍", "✅",
    # Romanian (diacritics folded)
    "da", "da s-a rezolvat", "s-a rezolvat", "rezolvat", "rezolvata", "da rezolvat",
    "da este rezolvata", "este rezolvata",
    # Chinese (Simplified)
    "是", "是的", "对", "对的", "嗯", "好了", "解决了", "已解决", "是，已解决", "解决了谢谢",
    "已经解决了", "已经解决",
)
_NO_WORDS = (
    # English
    "no", "n", "nope", "not yet", "no it is not", "no it isn't", "not solved", "no not solved",
    "unsolved", "it is not solved", "it's not solved", "👎", "❌",
    # Romanian (diacritics folded)
    "nu", "nu s-a rezolvat", "nerezolvat", "nerezolvata", "inca nu", "nu inca",
    "nu este rezolvata", "nu nu s-a rezolvat",
    # Chinese (Simplified)
    "否", "不", "不是", "没有", "没", "没解决", "未解决", "还没", "还没有", "没有解决",
    "还没解决", "还没有解决", "否，未解决",
)
_YES = frozenset(_normal(w) for w in _YES_WORDS)
_NO = frozenset(_normal(w) for w in _NO_WORDS)


def parse_yes_no(text: str | None) -> bool | None:
    """True for a yes, False for a no, None for anything else."""
    if not text or len(text) > MAX_INPUT:
        return None
    word = _normal(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None
