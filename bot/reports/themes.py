"""``/nps themes [period] [detractor|passive|promoter]`` (and ``/csat``, ``/ces`` with their
buckets): what the comments of one bucket talk about, per language, read from the answers of
the period (managers' tests left out); the maths is :mod:`scoring.themes`.  Also the worst
bucket's themes that the summary and the digest name in a line (:func:`worst_themes`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from bot.i18n import SUPPORTED, negotiate, translator
from bot.metrics import METRICS
from bot.models import Answer
from bot.periods import Period, PeriodError, parse_period
from scoring.themes import Comment, Themes, find_themes
from scoring.themes.words import comma_below, fold


@dataclass(frozen=True)
class ThemeReport:
    """One bucket's themes in each language over ``period``, compared with ``previous``."""

    metric: str
    bucket: str
    period: Period
    previous: Period | None
    languages: tuple[Themes, ...]


LINE_SAMPLE = 5000
"""The summary's and the digest's line reads at most the period's latest so many comments
(``/nps themes`` reads them all): 100,000 comments cost seconds, 5,000 a few tenths."""


def period_comments(session: Session, metric: str, period: Period,
                    bucket: str | None = None, latest: int | None = None) -> Iterator[Comment]:
    """The comments of ``metric``'s answers in the period (of one bucket when given; only the
    ``latest`` so many when given), each in its answer's language."""
    a = Answer.__table__.c  # type: ignore[attr-defined]
    clauses = [a.metric == metric, a.created_at < period.end, a.is_test.is_(False),
               a.comment.is_not(None)]
    if period.start is not None:
        clauses.append(a.created_at >= period.start)
    if bucket is not None:
        clauses.append(a.bucket == bucket)
    query: Any = select(a.comment, a.bucket, a.locale).where(*clauses)
    if latest is None:
        query = query.order_by(a.id)
    else:
        query = query.order_by(a.created_at.desc(), a.id.desc()).limit(latest)
    for text, in_bucket, locale in session.execute(query):
        if text and text.strip():
            yield Comment(str(text), str(in_bucket), negotiate(locale))


def build_themes(session: Session, metric: str, period: Period, bucket: str) -> ThemeReport:
    previous = period.previous()
    before = None if previous is None else period_comments(session, metric, previous, bucket)
    return ThemeReport(metric, bucket, period, previous,
                       find_themes(period_comments(session, metric, period), bucket, before))


def worst_themes(session: Session, metric: str, period: Period) -> tuple[Themes, ...]:
    """The themes of the worst bucket's comments (detractors, unsatisfied, disagree) in each
    language with enough of them, for the summary's and the digest's line (of the latest
    :data:`LINE_SAMPLE` comments)."""
    found = find_themes(period_comments(session, metric, period, latest=LINE_SAMPLE),
                        METRICS[metric].worst)
    return tuple(th for th in found if th.themes)


def fold_word(text: str) -> str:
    """A word as a bucket's name is matched: any case, with or without diacritics."""
    return fold(comma_below(" ".join(text.split())).casefold())


@cache
def bucket_words(metric: str) -> dict[str, str]:
    """Every word a manager may name a bucket of ``metric`` by → the bucket: its name and
    plural (``detractor``, ``detractors``), and its label in each catalog without the scores
    (``detractori``, ``贬损者``, ``în dezacord`` and its last word ``dezacord``), without
    diacritics too."""
    words: dict[str, str] = {}
    for bucket, label in METRICS[metric].bucket_labels.items():
        forms = {bucket, bucket + "s"}
        for lang in SUPPORTED:
            name = translator(lang).gettext(label).split("(")[0].split("（")[0].strip()
            forms |= {name, name.split()[-1]} if name else set()
        for form in forms:
            words[fold_word(form)] = bucket
    return words


@dataclass(frozen=True)
class ThemesArgs:
    period: str
    bucket: str | None
    unknown: str | None = None
    """A last word that is neither a bucket nor part of a period."""


def parse_themes_args(text: str, metric: str, now: datetime, zone: ZoneInfo) -> ThemesArgs:
    """``[period] [bucket]``: the bucket is the last word (or two: ``în dezacord``) when it
    names one; a last word that does not, after a period that reads, is ``unknown``."""
    words = text.split()
    known = bucket_words(metric)
    for size in (2, 1):
        if len(words) >= size and (bucket := known.get(fold_word(" ".join(words[-size:])))):
            return ThemesArgs(" ".join(words[:-size]), bucket)
    if len(words) >= 2:
        try:
            parse_period(" ".join(words[:-1]), now, zone)
        except PeriodError:
            pass
        else:
            return ThemesArgs(" ".join(words[:-1]), None, words[-1])
    return ThemesArgs(text.strip(), None)
