"""Tables of the weekly digest (SQLModel): one row per digest period, written in the
transaction that writes the digest's messages to the outbox (so it is decided once, whatever
the number of workers and restarts), and the managers who asked for it in their own chat."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.models import utcnow


class Digest(SQLModel, table=True):
    """A digest decided: its period, named by when the period began."""

    __tablename__ = "digests"

    period: str = Field(primary_key=True, max_length=32)
    """The period's first moment in UTC, ``2026-03-02T07:00Z`` (see :mod:`bot.weekly`)."""
    scheduled_for: datetime
    messages: int = 0
    """Outbox rows written for it."""
    created_at: datetime = Field(default_factory=utcnow)


class DigestSubscriber(SQLModel, table=True):
    """A manager who turned the digest on for themselves (``/nps digest on``): it comes to
    their own chat with the bot, in the language they read."""

    __tablename__ = "digest_subscribers"

    respondent_id: int = Field(primary_key=True, foreign_key="respondents.id",
                               ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
