"""Themes in comments, per language: pure text processing, no storage and no platform.

Chinese is segmented by jieba-rs (:mod:`rjieba`), Romanian and English are stemmed by Snowball
(:mod:`snowballstemmer`), Romanian folded first so that a word with and without diacritics is
one; stop words and generic words come from the curated lists in ``data/``.  Phrases of one to
three words (:mod:`.phrases`), the longer absorbing the shorter, ranked by the log odds ratio
with an informative prior (:mod:`.ranking`), each with its count, share, change and an example
(:mod:`.analysis`).
"""

from scoring.themes.analysis import (
           MIN_COMMENTS,
           MIN_THEME,
           TOP,
           Comment,
           Theme,
           Themes,
           find_themes,
)
from scoring.themes.ranking import Odds, log_odds
from scoring.themes.words import LANGUAGES

__all__ = ["LANGUAGES", "MIN_COMMENTS", "MIN_THEME", "TOP", "Comment", "Odds", "Theme", "Themes",
           "find_themes", "log_odds"]
