"""The values that travel between the campaign engine and its callers (the CLI, the chat
commands, the API): what a campaign is asked to be, its preview, its figures, its errors.
Everything here pickles (adapters may call the engine in worker processes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.audience.customers import CustomerRecord

CHANNELS = ("telegram", "slack", "console")
"""The channels a campaign may go out on, in the order ``all`` prefers them."""
ALL = "all"


@dataclass(frozen=True)
class CampaignSpec:
    """What a campaign is asked to be (the CLI's options, a chat's ``/nps send …``)."""

    name: str
    survey: str
    """A survey name of the catalog (nps, csat, ces, …)."""
    channel: str = ALL
    """telegram, slack, console, or all (each customer on the first of telegram, slack,
    console they can be reached on)."""
    audience: str = ""
    """The attribute filter (bot/campaigns/filters.py); "" or "all": everybody."""
    targets: tuple[str, ...] = ()
    """Platform user ids on ``channel``: only these people are asked."""
    start_at: datetime | None = None
    """None: now."""
    remind_after: timedelta | None = None
    reminders: int | None = None
    """None: CAMPAIGN_REMINDERS (only with ``remind_after``)."""
    expire_after: timedelta | None = None
    cooldown_days: float | None = None
    """None: the settings (SURVEY_COOLDOWN_METRICS for the survey's metric, else
    SURVEY_COOLDOWN_DAYS); a number counts any survey; 0: no cooldown."""
    source: str = "cli"
    created_by: str = ""
    origin: dict[str, Any] | None = None
    """Where a chat campaign's progress notices go (the adapter's JSON-able note)."""
    draft: bool = False
    """A chat preview: planned, nothing sent before :meth:`launch_campaign`."""


@dataclass(frozen=True)
class Preview:
    """What a campaign will do, as planned."""

    campaign_id: int
    name: str
    recipients: int
    """Invitations planned (they will be sent), the Slack e-mail look-ups included."""
    skipped: dict[str, int]
    """SkipReason value -> count."""
    lookups: int = 0
    """Of the recipients: Slack customers known only by e-mail, looked up at send (those not
    found are skipped then, as no_account)."""


@dataclass(frozen=True)
class CampaignStats:
    """A campaign's figures (``campaign show`` / ``list``)."""

    name: str
    survey: str
    channel: str
    status: str
    source: str
    start_at: datetime
    created_at: datetime
    recipients: int
    """Every invitation that was not skipped."""
    planned: int
    queued: int
    sent: int
    failed: int
    failed_reasons: dict[str, int]
    skipped: dict[str, int]
    answered: int
    reminders_sent: int
    response_rate: float | None
    """answered / sent; None when nothing was sent."""
    by_channel: dict[str, dict[str, int]]
    """channel -> {"sent": …, "answered": …, "failed": …}."""
    cancelled: int = 0


class CampaignError(Exception):
    """A campaign request that cannot be done.  ``code``: bad_name, name_taken,
    unknown_survey, bad_filter, bad_channel, unknown_campaign, bad_state, bad_customer;
    ``params`` say what (for a localized message); ``str()`` is English, for the CLI."""

    def __init__(self, code: str, message: str = "", *,
                 params: dict[str, str] | None = None) -> None:
        self.code = code
        self.params = dict(params or {})
        super().__init__(message or code.replace("_", " "))

    def __reduce__(self) -> tuple[Any, ...]:  # pickles with its code and params
        return (_rebuild, (self.code, str(self), self.params))


def _rebuild(code: str, message: str, params: dict[str, str]) -> CampaignError:
    return CampaignError(code, message, params=params)


@dataclass(frozen=True)
class SurveyRequest:
    """One transactional survey asked for through the API (a CSAT after a solved ticket)."""

    customer: CustomerRecord
    survey: str
    campaign: str = "api"
    delay: timedelta = field(default_factory=timedelta)
    idempotency_key: str | None = None
    cooldown_days: float | None = None
    channel: str = ALL


@dataclass(frozen=True)
class RequestResult:
    """``id``: the invitation; ``duplicate``: the key was seen before (the first result)."""

    id: int
    status: Literal["queued", "skipped"]
    reason: str | None
    duplicate: bool = False


@dataclass(frozen=True)
class CampaignRules:
    """The settings the campaign engine follows."""

    cooldown_days: float = 30.0
    cooldown_metrics: dict[str, float] = field(default_factory=dict)
    send_window: str = "09:00-20:00"
    reminders: int = 1
    in_progress: timedelta = timedelta(days=3)
    """A survey run updated within this is in progress (never interrupted); an older active
    run is abandoned and may be replaced."""
