"""Settings from environment variables and an optional ``.env`` file (pydantic-settings)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.localdays import zone

if TYPE_CHECKING:
    from bot.weekly import WeeklyTime

SUPPORTED_LOCALES = ("en", "ro", "zh")


def _id_set(value: object) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, str):
        items = value.replace(";", ",").replace(" ", ",").split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = [str(v) for v in value]
    else:
        raise ValueError("expected a comma-separated list of ids")
    return frozenset(i.strip() for i in items if i.strip())


class Settings(BaseSettings):
    """Every setting the bot reads; names are the environment variables, case-insensitive."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = Field(
        default="sqlite:///survey-bot.db",
        description="SQLAlchemy URL; sqlite:///file.db or postgresql+psycopg://user@host/db",
    )
    survey_file: Path | None = Field(
        default=None, description="TOML file with the survey definitions; the built-in default"
    )
    default_locale: str = "en"
    manager_locale: str = "en"
    report_timezone: str = Field(
        default="UTC", description="IANA time zone (Europe/Bucharest, Asia/Shanghai) whose local "
        "days, weeks and months the summaries count",
    )
    comment_max_length: int = Field(default=2000, ge=1, le=20000)
    resurvey_erased: bool = Field(
        default=False, description="survey people again who deleted their data, when a manager "
        "sends a survey; by default only their own /start brings them back")
    log_level: str = "INFO"
    web_concurrency: int = Field(
        default=1, ge=1, le=64,
        description="gunicorn worker processes serving $PORT (Slack endpoint, Telegram webhook)",
    )
    engine_threads: int = Field(
        default=4, ge=1, le=64,
        description="threads a process runs the synchronous engine in (one bounded executor)",
    )
    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)

    console_manager: bool = False

    event_lease_seconds: float = Field(
        default=10.0, gt=0, description="seconds a process owns an event it stored or claimed")
    outbox_lease_seconds: float = Field(
        default=30.0, gt=0, description="seconds a process owns an outbound message it claimed")
    delivery_retention_days: float = Field(
        default=7.0, gt=0, description="days processed events and closed outbound messages "
        "are kept (a replay or redelivery inside them is still recognised)")

    survey_cooldown_days: float = Field(
        default=30.0, ge=0, le=3650, description="days nobody is asked again by a campaign or "
        "the API, whatever the channel (a person who starts a survey is never refused), nor "
        "asked twice to recommend us after a promoter's survey")
    survey_cooldown_metrics: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=dict, description="a metric's own cooldown, counting only surveys of "
        "that metric: csat=0,ces=7")
    send_window: str = Field(
        default="09:00-20:00", description="local hours (the customer's time zone, else "
        "REPORT_TIMEZONE) when campaign sends and reminders go out; 00:00-24:00: any time")
    campaign_reminders: int = Field(
        default=1, ge=0, le=5, description="reminders a campaign with --remind-after sends")
    api_token: str = Field(
        default="", description="Bearer token of the HTTP API (/api/v1); the API is off "
        "without it")
    webhook_url: str = Field(default="", description="where answer, comment, alert and "
                             "opt-out events are posted (signed with WEBHOOK_SECRET)")
    webhook_secret: str = Field(default="", validate_default=True,
                                description="the HMAC-SHA256 key of webhook signatures")

    public_url: str = Field(
        default="", description="the web process's public address (https://bot.example.com): "
        "promoters' referral and review links go through <PUBLIC_URL>/r/<token>; empty: the "
        "scheme and host of TELEGRAM_WEBHOOK_URL, else no web links")

    value_attribute: str = Field(
        default="", max_length=64, description="the numeric customer attribute /nps value "
        "reads (revenue, mrr, …); empty: revenue, else mrr")

    alert_escalate_after: timedelta = Field(
        default=timedelta(hours=24), description="an alert nobody claimed for this long (24h, "
        "2d) is posted again to the managers' chat, once; 0: never")
    recovery_question: bool = Field(
        default=False, description="when a manager resolves an alert, ask the customer in "
        "their language whether the problem is solved (Yes / No); a No opens the alert again")
    digest_schedule: str = Field(
        default="", description="when the weekly digest goes to the managers' chat and to the "
        "managers who turned it on (mon 09:00, in REPORT_TIMEZONE); empty: no digest")

    telegram_bot_token: str = ""
    telegram_bot_username: str = Field(
        default="", description="the bot's @username for deep links; asked with getMe when "
        "empty")
    telegram_manager_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    telegram_alert_chat_id: str = ""
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_chat_rate: float = Field(
        default=1.0, gt=0, description="messages a second to one private chat")
    telegram_chat_burst: int = Field(default=3, ge=1, le=100)
    telegram_group_rate: float = Field(
        default=20.0, gt=0, description="messages a minute to one group (the managers' chat)")
    telegram_group_burst: int = Field(default=3, ge=1, le=100)
    telegram_bulk_rate: float = Field(
        default=30.0, gt=0, description="campaign messages a second to many people")
    telegram_paid_broadcast: bool = Field(
        default=False, description="send campaigns with allow_paid_broadcast (Telegram Stars, "
        "eligible bots): TELEGRAM_PAID_BROADCAST_RATE a second instead of TELEGRAM_BULK_RATE")
    telegram_paid_broadcast_rate: float = Field(default=1000.0, gt=0, le=1000)

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_manager_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    slack_alert_channel: str = ""
    slack_api_url: str = "https://slack.com/api/"
    slack_default_locale: str = ""
    slack_command_nps: str = "/nps"
    slack_command_csat: str = "/csat"
    slack_command_ces: str = "/ces"
    slack_channel_rate: float = Field(
        default=1.0, gt=0, description="messages a second to one Slack channel or DM")
    slack_channel_burst: int = Field(default=3, ge=1, le=100)
    slack_wave_per_second: float = Field(
        default=1.0, gt=0, le=50, description="survey DMs a second when a manager sends a wave"
    )
    slack_lookup_per_minute: float = Field(
        default=50.0, gt=0, le=1000, description="users.lookupByEmail calls a minute (to find "
        "imported customers by e-mail)")

    @field_validator("telegram_manager_ids", "slack_manager_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> frozenset[str]:
        return _id_set(value)

    @field_validator("survey_cooldown_metrics", mode="before")
    @classmethod
    def _metric_days(cls, value: object) -> dict[str, float]:
        if isinstance(value, dict):
            return {str(k).strip().lower(): float(v) for k, v in value.items()}
        days: dict[str, float] = {}
        for item in _id_set(value):
            metric, sep, number = item.partition("=")
            try:
                days[metric.strip().lower()] = float(number) if sep else float("nan")
            except ValueError:
                raise ValueError(f"{item!r}: expected metric=days, e.g. csat=0") from None
            if not 0 <= days[metric.strip().lower()] <= 3650:
                raise ValueError(f"{item!r}: days must be a number from 0 to 3650")
        return days

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value.strip() and not value.strip().startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        text = value.strip().rstrip("/")
        if not text:
            return ""
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
                or parts.fragment:
            raise ValueError("expected http:// or https:// and a host, e.g. "
                             "https://bot.example.com")
        return text

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("webhook_url") and not value:
            raise ValueError("required with WEBHOOK_URL (every event is signed with it)")
        return value

    @field_validator("send_window")
    @classmethod
    def _window(cls, value: str) -> str:
        from bot.sendwindow import parse_window

        parse_window(value)
        return value.strip()

    @field_validator("alert_escalate_after", mode="before")
    @classmethod
    def _escalate_after(cls, value: object) -> timedelta:
        from bot.durations import TimeInputError, parse_duration

        if isinstance(value, timedelta):
            return value
        text = str(value).strip()
        if text in ("0", "0.0"):
            return timedelta(0)
        try:
            return parse_duration(text)
        except TimeInputError:
            raise ValueError(f"{text!r}: expected a duration such as 24h, 2d or 90m, or 0 "
                             "(never)") from None

    @field_validator("digest_schedule")
    @classmethod
    def _digest_schedule(cls, value: str) -> str:
        from bot.weekly import parse_weekly

        return str(parse_weekly(value)) if value.strip() else ""

    @field_validator("default_locale", "manager_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("report_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return zone(value.strip()).key

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def web_base_url(self) -> str:
        """Where the web process is reached from outside: PUBLIC_URL, else the scheme and host
        of TELEGRAM_WEBHOOK_URL; "" when neither says it (no web links are given)."""
        if self.public_url:
            return self.public_url
        from urllib.parse import urlsplit

        parts = urlsplit(self.telegram_webhook_url.strip())
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
        return ""

    @property
    def digest_weekly(self) -> WeeklyTime | None:
        """DIGEST_SCHEDULE read; None when there is no digest."""
        from bot.weekly import parse_weekly

        return parse_weekly(self.digest_schedule) if self.digest_schedule else None

    def slack_commands(self) -> dict[str, str]:
        """Each metric's Slack slash command, by metric name: ``SLACK_COMMAND_<METRIC>``, or
        ``/<metric>`` for a metric without a setting."""
        from bot.metrics import METRICS  # only where asked: the CLI's start stays light

        return {key: str(getattr(self, f"slack_command_{key}", f"/{key}")) for key in METRICS}

    def managers(self) -> dict[str, frozenset[str]]:
        """Manager ids per channel."""
        console = frozenset({"console-manager"}) if self.console_manager else frozenset()
        return {
            "telegram": self.telegram_manager_ids,
            "slack": self.slack_manager_ids,
            "console": console,
        }


class SettingsError(Exception):
    """A setting has a bad value; the message names it."""


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's error into one that names each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            lines.append(f"{name}: {err['msg']}")
        raise SettingsError("bad setting: " + "; ".join(lines)) from exc
