"""Durations and moments as an operator types them: ``3d``, ``12h``, ``30m``, ``1d12h``,
``2w``; ``2026-12-02T09:00`` (local time in a zone when no offset is given).

Rejected with :class:`TimeInputError`, whose ``code`` says why (``bad_duration``,
``duration_zero``, ``duration_too_long``, ``bad_moment``) and whose ``value`` is what was typed,
so a caller can say it in the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
         "m": timedelta(minutes=1), "s": timedelta(seconds=1)}
"""One letter a unit, largest first; a duration names each at most once, in this order."""
MAX_DURATION = timedelta(days=3650)
_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")


class TimeInputError(ValueError):
    """A duration or a moment that cannot be read."""

    def __init__(self, code: str, value: str) -> None:
        self.code = code
        self.value = value
        super().__init__(f"{code}: {value!r}")


def _normal(text: str) -> str:
    """Full-width digits and letters as ASCII, lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def parse_duration(text: str) -> timedelta:
    """``3d``, ``12h``, ``30m``, ``45s``, ``2w``, ``1d12h``, ``1.5h``: more than zero and at
    most ten years."""
    value = _normal(text)
    parts = _PART.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise TimeInputError("bad_duration", text)
    units = [u for _, u in parts]
    order = list(UNITS)
    if len(set(units)) != len(units) or units != sorted(units, key=order.index):
        raise TimeInputError("bad_duration", text)
    total = sum((UNITS[u] * float(n) for n, u in parts), timedelta())
    if total <= timedelta():
        raise TimeInputError("duration_zero", text)
    if total > MAX_DURATION:
        raise TimeInputError("duration_too_long", text)
    return total


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 date and time (``2026-12-02T09:00``, ``2026-12-02 09:00``, a date alone is
    its midnight) as an aware UTC datetime; without an offset it is local time in ``zone`` (a
    time skipped by a DST change moves forward by the gap, a repeated one is its first)."""
    value = unicodedata.normalize("NFKC", text).strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise TimeInputError("bad_moment", text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone, fold=0)
        # A wall time in a DST gap does not exist: through UTC and back it moves by the gap.
        moment = moment.astimezone(UTC).astimezone(zone)
    return moment.astimezone(UTC)

