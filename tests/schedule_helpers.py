"""What the tests of the alerts list, escalation and the digest share: a clock that moves from a
chosen moment, the next digest moment, and a small PNG standing for a chart."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import utcnow


def png() -> bytes:
    """A 2×2 grey PNG: what a chart maker hands the digest."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\x80\x80" for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Moving:
    """A clock that runs from ``at`` as real time does."""

    def __init__(self, at: datetime) -> None:
        self.at, self.started = at, utcnow()

    def __call__(self) -> datetime:
        return self.at + (utcnow() - self.started)

    def set(self, at: datetime) -> None:
        self.at, self.started = at, utcnow()


def next_monday_nine(zone: ZoneInfo) -> datetime:
    """The next Monday 09:00 in ``zone``, as UTC."""
    local = datetime.now(zone).replace(hour=9, minute=0, second=0, microsecond=0)
    local += timedelta(days=(7 - local.weekday()) % 7 or 7)
    return local.astimezone(UTC)
