"""The themes of one bucket's comments, per language: the phrases (:mod:`.phrases`) said in at
least :data:`MIN_THEME` of its comments, the longer absorbing the shorter, ranked by how much
more often the bucket says them than the other buckets (:mod:`.ranking`, the log odds ratio
with an informative prior), each with its count, its share of the bucket's comments, its
change against the previous period and one real comment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scoring.themes.examples import excerpt
from scoring.themes.phrases import Key, absorb, comment_phrases
from scoring.themes.ranking import Odds, rank
from scoring.themes.tokens import sentences
from scoring.themes.words import Kind, has_diacritics, surface

MIN_COMMENTS = 10
"""A bucket's comments in one language below this have no themes (too few to tell)."""
MIN_THEME = 3
"""A phrase said in fewer of the bucket's comments is no theme."""
TOP = 5
MERGED_LIMIT = 60
"""Characters at most of a theme shown as the span of two or more phrases (:func:`_groups`)."""


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    bucket: str
    language: str
    """en, ro or zh: the answer's locale."""


@dataclass(frozen=True, slots=True)
class Theme:
    key: Key
    text: str
    """As shown: the spelling most of its comments use (in Romanian, of those with
    diacritics, in comma-below ș ț)."""
    count: int
    """The bucket's comments that say it."""
    share: float
    """``count`` over the bucket's comments, 0..1."""
    previous_share: float | None
    """Its share of the bucket's comments of the previous period; None without any."""
    odds: Odds
    example: str

    @property
    def change(self) -> float | None:
        """The share now less the share before, 0..1 (None without a previous period)."""
        return None if self.previous_share is None else self.share - self.previous_share


@dataclass(frozen=True, slots=True)
class Themes:
    """One language's themes of one bucket."""

    language: str
    comments: int
    """The bucket's comments in this language."""
    others: int
    """The other buckets' comments in this language, which the ranking compares with."""
    previous: int | None
    """The bucket's comments in the previous period (None: no previous period)."""
    themes: tuple[Theme, ...]

    @property
    def enough(self) -> bool:
        """Whether it had comments enough for themes (:data:`MIN_COMMENTS`)."""
        return bool(self.themes) or self.comments >= MIN_COMMENTS


@dataclass(frozen=True, slots=True)
class _Parsed:
    text: str
    phrases: dict[Key, tuple[int, int]]
    content: int
    """Words in it that are neither stop nor generic words."""


def _parse(text: str, language: str) -> _Parsed:
    """A comment with its phrases and where each first stands."""
    parts = sentences(text, language)
    content = sum(t.kind is Kind.CONTENT for s in parts for t in s.tokens)
    return _Parsed(text, comment_phrases(parts), content)


def _shown(key: Key, docs: Sequence[_Parsed], language: str) -> str:
    """The spelling most comments use; in Romanian one with diacritics when any has them."""
    forms: Counter[str] = Counter()
    for doc in docs:
        start, end = doc.phrases[key]
        forms[" ".join(surface(doc.text[start:end], language).split())] += 1
    diacritics = language == "ro" and any(has_diacritics(f) for f in forms)
    return min(forms, key=lambda f: (diacritics and not has_diacritics(f), -forms[f], f))


def _example(key: Key, docs: Sequence[_Parsed], used: set[str]) -> str:
    """The shortest comment saying it, one not shown under another theme and saying more
    than the phrase itself when there is one."""
    best = min(docs, key=lambda d: (d.text in used, d.content <= len(key), len(d.text)))
    used.add(best.text)
    return excerpt(best.text, *best.phrases[key])


def _count(texts: Iterable[str], language: str, keys: set[Key]) -> Counter[Key]:
    """How many of ``texts`` say each of ``keys`` (parsed one at a time, nothing kept)."""
    out: Counter[Key] = Counter()
    for text in texts:
        out.update(k for k in comment_phrases(sentences(text, language)) if k in keys)
    return out


def language_themes(language: str, bucket: Sequence[str], others: Sequence[str],
                    previous: Sequence[str] | None, top: int = TOP,
                    min_comments: int = MIN_COMMENTS) -> Themes:
    """One language's themes of the bucket's comments ``bucket`` against the other buckets'
    ``others``, with the previous period's comments of the bucket."""
    n, n_other = len(bucket), len(others)
    if n < min_comments:
        return Themes(language, n, n_other, None if previous is None else len(previous), ())
    docs = [_parse(text, language) for text in bucket]
    said: Counter[Key] = Counter()
    for doc in docs:
        said.update(doc.phrases.keys())
    counts = {k: c for k, c in said.items() if c >= MIN_THEME}
    other = _count(others, language, set(counts))
    groups = _groups(rank(absorb(counts), counts, n, other, n_other), docs, top)
    before = _count(previous or (), language, {keys[0] for keys, _ in groups})
    used: set[str] = set()
    themes = []
    for keys, odds in groups:
        key = keys[0]
        saying = [d for d in docs if key in d.phrases]
        themes.append(Theme(
            key, _merged(keys, saying, language), counts[key], counts[key] / n,
            before[key] / len(previous) if previous else None, odds,
            _example(key, saying, used)))
    return Themes(language, n, n_other, None if previous is None else len(previous),
                  tuple(themes))


def _groups(ranked: Sequence[tuple[Key, Odds]], docs: Sequence[_Parsed],
            top: int) -> list[tuple[list[Key], Odds]]:
    """The first ``top`` themes of ``ranked``, where phrases said by exactly the same comments
    ("invoice was wrong", "twice in a row") are one theme, ranked as the best of them: pieces
    of the same sentences, not two things customers talk about."""
    groups: list[tuple[list[Key], Odds]] = []
    said: dict[frozenset[int], int] = {}
    for key, odds in ranked:
        mine = frozenset(i for i, doc in enumerate(docs) if key in doc.phrases)
        if mine in said:
            groups[said[mine]][0].append(key)
        elif len(groups) < top:
            said[mine] = len(groups)
            groups.append(([key], odds))
    return groups


def _merged(keys: Sequence[Key], docs: Sequence[_Parsed], language: str) -> str:
    """A theme's words: one phrase's (:func:`_shown`), or for phrases said by the same
    comments the stretch of each comment from the first to the last of them, in the spelling
    most comments use, when it is short (:data:`MERGED_LIMIT`) and within one sentence."""
    if len(keys) > 1:
        forms: Counter[str] = Counter()
        for doc in docs:
            spans = [doc.phrases[key] for key in keys]
            text = doc.text[min(a for a, _ in spans):max(b for _, b in spans)]
            if len(text) > MERGED_LIMIT or any(mark in text for mark in ".!?;。！？；"):
                break
            forms[" ".join(surface(text, language).split())] += 1
        else:
            diacritics = language == "ro" and any(has_diacritics(f) for f in forms)
            return min(forms, key=lambda f: (diacritics and not has_diacritics(f), -forms[f], f))
    return _shown(keys[0], docs, language)


def find_themes(current: Iterable[Comment], bucket: str,
                previous: Iterable[Comment] | None = None, *, top: int = TOP,
                min_comments: int = MIN_COMMENTS) -> tuple[Themes, ...]:
    """The themes of ``bucket``'s comments in each language that has any, the language with
    the most first; ``previous`` the previous period's comments (None: there is none).  A
    language whose bucket has fewer than ``min_comments`` comments has none."""
    grouped: dict[str, tuple[list[str], list[str]]] = {}
    for comment in current:
        mine, rest = grouped.setdefault(comment.language, ([], []))
        (mine if comment.bucket == bucket else rest).append(comment.text)
    before: dict[str, list[str]] = {}
    for comment in previous or ():
        if comment.bucket == bucket:
            before.setdefault(comment.language, []).append(comment.text)
    out = [language_themes(lang, mine, rest,
                           None if previous is None else before.get(lang, []), top,
                           min_comments)
           for lang, (mine, rest) in grouped.items() if mine]
    return tuple(sorted(out, key=lambda th: -th.comments))
