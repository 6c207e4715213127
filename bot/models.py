"""Database tables (SQLModel).  Timestamps are timezone-aware UTC (SQLModel's UTCDateTime)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import IntEnum, StrEnum

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, as the aware UTC datetime the tables store."""
    return datetime.now(UTC)


class RunStatus(StrEnum):
    """``survey_runs.status``."""

    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"  # the person opted out, or cannot be reached
    REPLACED = "replaced"  # another survey started before this one ended
    EXPIRED = "expired"  # its campaign's time to answer ran out


class AlertStatus(StrEnum):
    """``alerts.status``."""

    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class NoteKind(StrEnum):
    """``alert_notes.kind``."""

    REPLY = "reply"
    CLAIM = "claim"
    RESOLVE = "resolve"
    ASKED = "asked"
    """The customer was asked whether the problem is solved (RECOVERY_QUESTION): written with
    the resolution; ``delivered`` as for a reply (None: in the outbox, False: did not reach
    them).  Its id travels with the Yes / No buttons (bot/engine/recovery.py)."""
    SOLVED = "solved"
    """The customer said the problem is solved (``text``: the word they typed, if they typed)."""
    UNSOLVED = "unsolved"
    """The customer said it is not solved: the alert was opened again."""


class InboxStatus(StrEnum):
    """``inbox.status``: see docs/delivery.md for the states."""

    RECEIVED = "received"  # stored, acknowledged to the platform, not processed yet
    DONE = "done"  # processed: its effects and its outbox rows committed with this status
    FAILED = "failed"  # processing raised; kept for the operator, never retried


class OutboxStatus(StrEnum):
    """``outbox.status``: see docs/delivery.md for the states."""

    PENDING = "pending"  # waiting for its turn, its pacing slot or a retry
    SENDING = "sending"  # claimed by a process until ``lease_until``
    SENT = "sent"  # the platform accepted it (``ref``: its message id)
    FAILED = "failed"  # the platform refused it for good (``error``: its reason)
    SUPERSEDED = "superseded"  # a newer edit of the same message replaced it before it went


OUTBOX_WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)
"""The statuses of a row not finished yet (the partial index ix_outbox_waiting holds these)."""
_WAITING_SQL = text("status IN ('pending', 'sending')")


class Lane(IntEnum):
    """Outbox priority: a lower lane is claimed first."""

    REPLY = 0  # answers to what a person just did, and a manager's reply to a customer
    ALERT = 1  # posts and edits in the managers' chat
    CAMPAIGN = 2  # surveys sent to people who did not write first


class Respondent(SQLModel, table=True):
    """A person on one channel; managers are respondents too (their pending reply lives here)."""

    __tablename__ = "respondents"
    __table_args__ = (UniqueConstraint("channel", "platform_user_id", name="uq_respondent"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    platform_user_id: str = Field(max_length=64)
    chat_id: str = Field(default="", max_length=64)
    display_name: str = Field(default="", max_length=200)
    locale: str = Field(default="en", max_length=8)
    locale_chosen: bool = False
    opted_out: bool = False
    unreachable: bool = False
    pending_alert_id: int | None = None
    customer_id: int | None = Field(default=None, foreign_key="customers.id",
                                    ondelete="SET NULL", index=True)
    """The customer this identity belongs to (bot/campaign_tables.py)."""
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)


class SurveyRun(SQLModel, table=True):
    """One pass of a respondent through a survey; ``step`` is the persisted conversation state."""

    __tablename__ = "survey_runs"
    __table_args__ = (Index("ix_runs_respondent_status", "respondent_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    respondent_id: int = Field(foreign_key="respondents.id", ondelete="CASCADE")
    survey: str = Field(max_length=64)
    campaign: str | None = Field(default=None, max_length=64)
    step: int = 0
    status: str = Field(default=RunStatus.ACTIVE, max_length=16)
    last_answer_id: int | None = None
    invitation_id: int | None = Field(default=None, index=True)
    """The invitation that started it; None when the person started it themselves."""
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None


class Answer(SQLModel, table=True):
    """One score, with the follow-up comment when the respondent gave one."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("channel", "event_id", name="uq_answer_event"),
        UniqueConstraint("survey_run_id", "question_key", name="uq_answer_question"),
        Index("ix_answers_metric_created_score", "metric", "created_at", "score"),
        Index("ix_answers_metric_bucket_created", "metric", "bucket", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    respondent_id: int = Field(foreign_key="respondents.id", ondelete="CASCADE", index=True)
    survey_run_id: int = Field(foreign_key="survey_runs.id", ondelete="CASCADE")
    survey: str = Field(max_length=64)
    campaign: str | None = Field(default=None, max_length=64)
    question_key: str = Field(max_length=64)
    metric: str = Field(max_length=8)
    score: int
    scale_min: int
    scale_max: int
    bucket: str = Field(max_length=16)
    comment: str | None = None
    locale: str = Field(max_length=8)
    channel: str = Field(max_length=16)
    event_id: str | None = Field(default=None, max_length=128)
    invitation_id: int | None = None
    """The invitation whose survey it answers; None: the person came by themselves.  Set when
    the answer is stored and never changed: ``answer_counts.invited`` counts it."""
    created_at: datetime = Field(default_factory=utcnow)
    commented_at: datetime | None = None
    is_test: bool = False
    """A manager's own answer (trying the survey): stored and exported, left out of figures."""


class Alert(SQLModel, table=True):
    """A detractor answer that managers should act on."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answers.id", ondelete="CASCADE", unique=True)
    channel: str = Field(max_length=16)
    status: str = Field(default=AlertStatus.OPEN, max_length=16, index=True)
    assignee: str | None = Field(default=None, max_length=200)
    resolved_by: str | None = Field(default=None, max_length=200)
    platform_ref: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None
    escalated_at: datetime | None = None
    """When it was posted again because nobody had claimed it (ALERT_ESCALATE_AFTER): set in
    the transaction that wrote that post to the outbox, so it is posted again once."""


class AlertNote(SQLModel, table=True):
    """The exchange on an alert: a manager's reply sent to the customer, or a status change."""

    __tablename__ = "alert_notes"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", ondelete="CASCADE", index=True)
    author: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # NoteKind
    text: str = ""
    delivered: bool | None = None
    """A reply's outcome: None while it waits in the outbox, then sent (True) or not (False)."""
    created_at: datetime = Field(default_factory=utcnow)


class ProcessedEvent(SQLModel, table=True):
    """Platform event ids already handled, so a redelivered update changes nothing."""

    __tablename__ = "processed_events"

    channel: str = Field(primary_key=True, max_length=16)
    event_id: str = Field(primary_key=True, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class KeyValue(SQLModel, table=True):
    """Small persistent values adapters need (e.g. a migrated alert chat id)."""

    __tablename__ = "kv"

    key: str = Field(primary_key=True, max_length=128)
    value: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class AnswerCount(SQLModel, table=True):
    """Answers per local day (in the zone the kv key ``answer_counts.timezone`` names: UTC when
    absent; REPORT_TIMEZONE once rebuilt), score and segment: kept in step with ``answers`` in
    the same transaction, so summaries over long periods read days, not rows."""

    __tablename__ = "answer_counts"

    metric: str = Field(primary_key=True, max_length=8)
    day: date = Field(primary_key=True)
    score: int = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=16)
    locale: str = Field(primary_key=True, max_length=8)
    survey: str = Field(primary_key=True, max_length=64)
    campaign: str = Field(primary_key=True, max_length=64, default="")
    invited: bool = Field(primary_key=True, default=False)
    """Answers to an invitation (``answers.invitation_id`` set), counted apart from those of
    people who came by themselves."""
    count: int = 0


class Erasure(SQLModel, table=True):
    """A person who had their data deleted: a keyed hash of their channel and id, no more, so
    surveys sent by managers (and, later, campaigns and imports) skip them until they start a
    survey themselves again."""

    __tablename__ = "erasures"

    subject: str = Field(primary_key=True, max_length=64)
    erased_at: datetime = Field(default_factory=utcnow)


class InboxEvent(SQLModel, table=True):
    """An event acknowledged to a platform: stored before the acknowledgement, processed once."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "key", name="uq_inbox_key"),
        Index("ix_inbox_status_order", "status", "channel", "order_key", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    key: str = Field(max_length=200)
    """What identifies the person's act: update_id, event_id, trigger_id, view id and hash."""
    order_key: str = Field(max_length=128)
    """Events with the same order key (a chat, a person) are processed in id order."""
    payload: str
    status: str = Field(default=InboxStatus.RECEIVED, max_length=16)
    attempts: int = 0
    lease_until: datetime = Field(default_factory=utcnow)
    """Until then the process that stored or claimed it owns it; after, any process may."""
    received_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None
    error: str = Field(default="", max_length=500)


class OutboxMessage(SQLModel, table=True):
    """A message the engine decided to send, written with the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "channel", "lane", "next_attempt_at"),
        Index("ix_outbox_destination", "channel", "destination", "status", "id"),
        Index("ix_outbox_supersede", "supersede_key", "status"),
        Index("ix_outbox_waiting", "channel", "destination", "lane", "id",
              postgresql_where=_WAITING_SQL, sqlite_where=_WAITING_SQL),
        Index("ix_outbox_reserved", "pace_keys", "slot_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    destination: str = Field(max_length=128)
    """Where it goes (a chat, a person, the managers' chat): sent in id order per destination,
    and paced per destination."""
    lane: int = Field(default=Lane.REPLY)
    kind: str = Field(max_length=16)
    payload: str
    origin: str = ""
    """The adapter's note of the event that caused it (JSON): where answers go back to."""
    follow_up: str = Field(default="", max_length=200)
    """What the engine does with the outcome (see bot/engine/outcomes.py)."""
    supersede_key: str | None = Field(default=None, max_length=64)
    """A newer pending row with the same key replaces this one while it is still pending."""
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    faults: int = 0
    """Attempts that failed without the platform saying when to try again (5xx, network):
    MAX_ATTEMPTS of these and the message is given up; rate limits are counted apart."""
    next_attempt_at: datetime = Field(default_factory=utcnow)
    slot_at: datetime | None = None
    """Its pacing slot, once reserved (so a row waiting for its slot is not paced twice)."""
    pace_keys: str | None = Field(default=None, max_length=400)
    """While it waits for a reserved slot: the pacing buckets of that slot (sorted, one space
    apart), so a higher lane's row of the same buckets can take the slot over."""
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    ref: str = Field(default="", max_length=128)
    error: str = Field(default="", max_length=500)


class PacingBucket(SQLModel, table=True):
    """A destination's send budget shared by every process (GCRA: the theoretical arrival time
    of the next message)."""

    __tablename__ = "pacing"

    key: str = Field(primary_key=True, max_length=160)
    tat: datetime = Field(default_factory=utcnow)


# The audience and campaign tables, registered with these (respondents point at customers).
from bot import advocacy_tables as advocacy_tables  # noqa: E402
from bot import campaign_tables as campaign_tables  # noqa: E402
from bot import digest_tables as digest_tables  # noqa: E402
