"""Tables of the audience and of outbound surveys: customers with typed attributes, personal
deep links, campaigns, and each invitation of one customer to one survey (SQLModel).

A **customer** is one person across channels: imported (``external_id``, the company's own id)
or met when they wrote to the bot (no ``external_id``).  Their channel identities are
``respondents`` rows pointing at them (``respondents.customer_id``).

An **invitation** is one customer asked once by one campaign (or one API request): planned,
then queued (its first question written to the outbox in the same transaction that starts the
survey run), then sent or failed as the platform answers; or skipped with a reason.  The
survey run it started points back at it (``survey_runs.invitation_id``), and so does each
answer (``answers.invitation_id``): answered / sent is the response rate.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class AttributeKind(StrEnum):
    """``customer_attributes.kind``: which value column holds the attribute."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"


class Customer(SQLModel, table=True):
    """One person, whatever channels they use."""

    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=128, unique=True)
    """The company's own id (imports and the API upsert by it); None for a person who came to
    the bot by themselves."""
    email: str | None = Field(default=None, max_length=254, index=True)
    name: str = Field(default="", max_length=200)
    language: str | None = Field(default=None, max_length=8)
    """en, ro or zh as imported; the person's own choice on a channel still wins."""
    timezone: str | None = Field(default=None, max_length=64)
    """IANA zone for quiet hours; None: REPORT_TIMEZONE."""
    slack_lookup_at: datetime | None = None
    """When ``users.lookupByEmail`` was last asked about ``email`` (found or not), so it is
    asked once, not at every send."""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CustomerAttribute(SQLModel, table=True):
    """One typed attribute of a customer (plan, country, revenue, signed_up …)."""

    __tablename__ = "customer_attributes"
    __table_args__ = (
        Index("ix_attribute_text", "name", "text_value"),
        Index("ix_attribute_number", "name", "number_value"),
        Index("ix_attribute_date", "name", "date_value"),
    )

    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", primary_key=True)
    name: str = Field(max_length=64, primary_key=True)
    kind: str = Field(default=AttributeKind.TEXT, max_length=8)
    text_value: str = Field(default="", max_length=500)
    """The value as imported (for every kind: what exports and summaries show)."""
    number_value: float | None = None
    date_value: date | None = None


class LinkToken(SQLModel, table=True):
    """A personal Telegram deep link: only the SHA-256 of its random token is stored."""

    __tablename__ = "link_tokens"

    digest: str = Field(primary_key=True, max_length=64)
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", index=True)
    survey: str = Field(max_length=64)
    campaign: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    bound_to: str | None = Field(default=None, max_length=64)
    """The Telegram user id that opened it first (the one bound to the customer)."""
    bound_at: datetime | None = None


class CampaignStatus(StrEnum):
    """``campaigns.status``."""

    DRAFT = "draft"  # previewed in a chat, waiting for the manager's Send
    ACTIVE = "active"  # sending (from ``start_at``), reminding, until it expires
    PAUSED = "paused"  # nothing new goes out until resumed
    CANCELLED = "cancelled"  # what was not sent never will be
    DONE = "done"  # everyone was invited and the reminders and expiry are over


class CampaignSource(StrEnum):
    CLI = "cli"
    CHAT = "chat"
    API = "api"


class CooldownScope(StrEnum):
    """What a cooldown counts: any survey of the customer, or only those of the same metric."""

    ALL = "all"
    METRIC = "metric"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    survey: str = Field(max_length=64)
    channel: str = Field(default="all", max_length=16)
    """telegram, slack, console or all (each customer once, on the channel they can be
    reached on)."""
    audience: str = Field(default="", max_length=1000)
    """The attribute filter as typed (``plan=pro country=RO``; empty: everybody)."""
    targets: str = Field(default="", max_length=20000)
    """Named people on ``channel`` (a Slack ``@ana`` or ``#channel``'s members), space
    separated; with them, only they are asked."""
    status: str = Field(default=CampaignStatus.ACTIVE, max_length=16, index=True)
    source: str = Field(default=CampaignSource.CLI, max_length=8)
    created_by: str = Field(default="", max_length=200)
    start_at: datetime = Field(default_factory=utcnow)
    remind_after: float | None = None
    """Seconds after the send before a reminder; None: no reminder."""
    reminders: int = 1
    expire_after: float | None = None
    """Seconds after the send when the survey closes; None: it stays open."""
    cooldown_days: float | None = None
    """None: the setting (SURVEY_COOLDOWN_DAYS, or the metric's own)."""
    cooldown_scope: str = Field(default=CooldownScope.ALL, max_length=8)
    planned_at: datetime | None = None
    """When its invitations were written (at start; a draft's at preview)."""
    origin: str = ""
    """For a chat campaign: where the manager's word about it goes (the adapter's JSON)."""
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    reported_at: datetime | None = None
    """For a chat campaign: when its manager was told how many received it (its sends over)."""


class InvitationStatus(StrEnum):
    """``invitations.status``."""

    PLANNED = "planned"  # waits for ``due_at`` (the start, an API delay, quiet hours)
    QUEUED = "queued"  # its first question is in the outbox, the survey run started
    SENT = "sent"  # the platform accepted it ("sent" is all a bot can know)
    FAILED = "failed"  # the platform refused it for good (``error``)
    SKIPPED = "skipped"  # not asked (``reason``)
    CANCELLED = "cancelled"  # its campaign was cancelled before it went


class SkipReason(StrEnum):
    """Why an invitation was not sent (``invitations.reason``); one word each, translated
    where shown."""

    COOLDOWN = "cooldown"
    OPTED_OUT = "opted_out"
    UNREACHABLE = "unreachable"
    NO_ACCOUNT = "no_account"  # nobody known on the campaign's channel
    IN_PROGRESS = "in_progress"
    ERASED = "erased"
    EXPIRED = "expired"  # its time passed (an API request delayed past the campaign's end)


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "key", name="uq_invitation_key"),
        Index("ix_invitations_due", "status", "due_at"),
        Index("ix_invitations_campaign", "campaign_id", "status"),
        Index("ix_invitations_remind", "status", "next_reminder_at"),
        # Summaries' response rates: the invitations sent in a period, read from the index
        # alone (what a segment needs is in it too).
        Index("ix_invitations_sent", "sent_at", "campaign_id", "answered_at", "channel",
              "respondent_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE")
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", index=True)
    key: str = Field(max_length=160)
    """Unique in its campaign: ``customer:<id>`` (a campaign asks a customer once) or
    ``api:<idempotency key>``."""
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)
    channel: str | None = Field(default=None, max_length=16)
    respondent_id: int | None = Field(default=None, foreign_key="respondents.id",
                                      ondelete="SET NULL")
    run_id: int | None = None
    outbox_id: int | None = None
    status: str = Field(default=InvitationStatus.PLANNED, max_length=16)
    reason: str = Field(default="", max_length=32)
    error: str = Field(default="", max_length=300)
    due_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    reminders_sent: int = 0
    next_reminder_at: datetime | None = None
    expires_at: datetime | None = None
    cooldown_days: float | None = None
    """An API request's own cooldown; None: the campaign's."""
    survey: str | None = Field(default=None, max_length=64)
    """An API request's own survey; None: the campaign's."""
    created_at: datetime = Field(default_factory=utcnow)
