"""Tables of advocacy (SQLModel): the promoter asks, their referral and review links (only a
token's SHA-256 is stored) and the referrals attributed to a promoter (``docs/advocacy.md``).

A promoter is a customer (one person on every channel), so the cooldown and the figures count
customers; the ask also keeps the account it was made to (its channel and language).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class AskStatus(StrEnum):
    """``promoter_asks.status``."""

    ASKED = "asked"  # the offer is shown, not answered
    ACCEPTED = "accepted"  # they took it: their links were given
    DECLINED = "declined"  # "No, thanks"


class LinkKind(StrEnum):
    """``advocacy_links.kind``: what a link's ``/r/<token>`` opens."""

    REFERRAL = "referral"  # the company's page for friends (and, on Telegram, /start r-<token>)
    REVIEW = "review"  # the review page


class ReferralSource(StrEnum):
    """``referrals.source``: how a referred person was attributed."""

    LINK = "link"  # they started the bot through the promoter's r-<token>
    IMPORT = "import"  # an imported row's referred_by named the promoter's external_id


class PromoterAsk(SQLModel, table=True):
    """One offer to one promoter after a survey."""

    __tablename__ = "promoter_asks"
    __table_args__ = (Index("ix_promoter_asks_customer_created", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE")
    respondent_id: int = Field(foreign_key="respondents.id", ondelete="CASCADE", index=True)
    answer_id: int | None = Field(default=None, foreign_key="answers.id", ondelete="SET NULL")
    """The promoter's answer that led to it."""
    survey: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    locale: str = Field(max_length=8)
    status: str = Field(default=AskStatus.ASKED, max_length=16)
    consent_asked: bool = False
    """The survey asks whether they may be named (``consent_to_name``)."""
    named: bool | None = None
    """Their answer to that: True they may be named, False not, None no answer (yet)."""
    is_test: bool = False
    """Made to a manager trying the survey: left out of every figure."""
    created_at: datetime = Field(default_factory=utcnow, index=True)
    answered_at: datetime | None = None


class AdvocacyLink(SQLModel, table=True):
    """A referral or review link of an ask: the SHA-256 of its random token, where it leads,
    and its clicks (browsers only: link-preview crawlers and HEAD requests are not counted)."""

    __tablename__ = "advocacy_links"

    digest: str = Field(primary_key=True, max_length=64)
    ask_id: int = Field(foreign_key="promoter_asks.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=16)
    target: str | None = Field(default=None, max_length=2100)
    """Where ``/r/<token>`` redirects; None: a referral with no page (only a Telegram start
    link), which the web answers with 404."""
    clicks: int = 0
    first_click_at: datetime | None = None
    last_click_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Referral(SQLModel, table=True):
    """A person attributed to the promoter who brought them, once (the first attribution
    stays)."""

    __tablename__ = "referrals"

    id: int | None = Field(default=None, primary_key=True)
    referrer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", index=True)
    referred_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", unique=True)
    ask_id: int | None = Field(default=None, foreign_key="promoter_asks.id",
                               ondelete="SET NULL", index=True)
    """The ask whose link they came through; None for an imported referred_by."""
    source: str = Field(max_length=8)
    channel: str = Field(default="", max_length=16)
    """Where they started the bot; empty for an import."""
    created_at: datetime = Field(default_factory=utcnow)
