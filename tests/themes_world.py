"""The hand-written comments of tests/scoring/themes_comments.toml as stored NPS answers: each
language's comments from one respondent in that language, a detractor's as a 3, a passive's
as a 7, a promoter's as a 9, on days 1–20 before ``now``; and a few English detractors' comments
of the previous 30 days (days 31–40), for the change.

With ``/nps themes 30d`` on NOW, the English detractors (16 comments) say "late" in 6 (37.5 %),
"customer support" and "refund" in 4 each (25 %) and "app crashes" in 3 (18.75 %).  The
previous period's 3 detractor comments say "late" once (33.3 %) and none of the others: the
changes are +4, +25, +25 and +19 percentage points.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from bot.engine import Engine
from tests.helpers import seed_answers

FIXTURE = Path(__file__).parent / "scoring" / "themes_comments.toml"
SCORES = {"detractor": 3, "passive": 7, "promoter": 9}
PREVIOUS_EN = ("Late delivery.", "The courier lost my parcel.", "Prices are too high.")


@cache
def fixture() -> dict[str, Any]:
    with FIXTURE.open("rb") as fh:
        return tomllib.load(fh)


def rows(language: str, days: int = 20) -> list[tuple[str, int, int, str | None]]:
    """(metric, score, days ago, comment) of a language's comments, on days 1..``days``."""
    out: list[tuple[str, int, int, str | None]] = []
    for bucket, texts in fixture()[language]["comments"].items():
        for i, text in enumerate(texts):
            out.append(("nps", SCORES[bucket], 1 + i % days, text))
    return out


def seed_themes(engine: Engine, now: datetime, channel: str = "console",
                languages: tuple[str, ...] = ("en", "ro", "zh"), days: int = 20) -> None:
    for language in languages:
        seed_answers(engine, rows(language, days), channel=channel, locale=language,
                     user_id=f"themes-{language}", now=now)
    if "en" in languages:
        seed_answers(engine, [("nps", 2, 31 + i, text) for i, text in enumerate(PREVIOUS_EN)],
                     channel=channel, locale="en", user_id="themes-en-before", now=now)
