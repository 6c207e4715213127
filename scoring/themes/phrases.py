"""Phrases of one to three words and how a longer one absorbs the shorter ones it contains.

A phrase is one to :data:`MAX_WORDS` consecutive words of one sentence (never across
punctuation) that neither starts nor ends with a stop word and has at least one word that is
neither a stop word nor a generic one: "late delivery", "easy to use", "timp de livrare",
"物流很快" (物流 很快), never "the delivery", "is late" or "very good".  Phrases are counted in
comments: a comment that says "late delivery" twice counts once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from scoring.themes.tokens import Sentence
from scoring.themes.words import Kind

Key = tuple[str, ...]
"""A phrase as it counts: its words' keys."""
MAX_WORDS = 3
ABSORB = 0.5
"""A shorter phrase is absorbed by a longer one holding more than this share of its comments."""


def grams(sentence: Sentence) -> Iterator[tuple[Key, int, int]]:
    """The phrases of one sentence, with where each starts and ends in the comment."""
    tokens = sentence.tokens
    keys = [t.key for t in tokens]
    kinds = [t.kind for t in tokens]
    for i, first in enumerate(tokens):
        if kinds[i] is Kind.STOP:
            continue
        content = False
        for j in range(i, min(i + MAX_WORDS, len(tokens))):
            content = content or kinds[j] is Kind.CONTENT
            if content and kinds[j] is not Kind.STOP:
                yield tuple(keys[i:j + 1]), first.start, tokens[j].end


def comment_phrases(parts: Sequence[Sentence]) -> dict[Key, tuple[int, int]]:
    """Every phrase of a comment, with where it first stands."""
    out: dict[Key, tuple[int, int]] = {}
    for sentence in parts:
        for key, start, end in grams(sentence):
            out.setdefault(key, (start, end))
    return out


def sub_phrases(key: Key) -> Iterator[Key]:
    """The phrases ``key`` contains, shorter than itself (consecutive words)."""
    for n in range(1, len(key)):
        for i in range(len(key) - n + 1):
            yield key[i:i + n]


def contains(longer: Key, shorter: Key) -> bool:
    return len(longer) > len(shorter) and shorter in set(sub_phrases(longer))


def absorb(counts: Mapping[Key, int], share: float = ABSORB) -> list[Key]:
    """The phrases still shown once every longer phrase has absorbed the shorter ones it
    contains and holds more than ``share`` of the comments of (so "late delivery" in 5 of the
    6 comments saying "late" stands for both); longest first, then the most comments.  A phrase
    is absorbed only by one that is shown itself."""
    kept: list[Key] = []
    holders: dict[Key, list[Key]] = {}
    for key in sorted(counts, key=lambda k: (-len(k), -counts[k], k)):
        if any(counts[held] > share * counts[key] for held in holders.get(key, ())):
            continue
        kept.append(key)
        for part in set(sub_phrases(key)):
            holders.setdefault(part, []).append(key)
    return kept
