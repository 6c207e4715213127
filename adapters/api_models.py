"""The HTTP API's request bodies (pydantic) and its errors: what ``POST /api/v1/surveys``
accepts, turned into the engine's :class:`~bot.campaigns.spec.SurveyRequest`; every problem an
:class:`ApiError` that names the field (``docs/api.md`` lists the codes)."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot import deeplinks
from bot.audience.customers import CustomerRecord
from bot.audience.values import BadValue, Typed, header, typed
from bot.campaigns.spec import SurveyRequest
from bot.localdays import zone

MAX_DELAY = timedelta(days=90)
MAX_ATTRIBUTES = 100
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DELAY = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ApiError(Exception):
    """An answer other than 2xx: ``{"error": {"code", "message", "field"}}``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


def parse_delay(value: Any) -> timedelta:
    """``"2h"``, ``"30m"``, ``"1d"``, ``"45s"`` or seconds as a number; ValueError else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("a number of seconds or a text such as 2h, 30m or 1d")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DELAY.match(value.strip().lower())
        if match is None:
            raise ValueError("a number of seconds or a text such as 2h, 30m or 1d")
        seconds = float(match[1]) * _UNITS[match[2]]
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("must be zero or more")
    if seconds > MAX_DELAY.total_seconds():
        raise ValueError(f"at most {MAX_DELAY.days} days")
    return timedelta(seconds=seconds)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[Text, Field(max_length=128)] | None = None
    telegram_id: Any = None
    slack_id: Annotated[Text, Field(pattern=r"^[UW][A-Z0-9]{2,30}$")] | None = None
    email: Annotated[Text, Field(max_length=254)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[Text, Field(max_length=16)] | None = None
    timezone: Annotated[Text, Field(max_length=64)] | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, max_length=MAX_ATTRIBUTES)
    """name (or ``name:kind``) -> a string, a number, a boolean or null."""

    @field_validator("telegram_id")
    @classmethod
    def _telegram(cls, value: Any) -> str | None:
        if value is None:
            return None
        text = str(value).strip() if isinstance(value, int | str) else ""
        if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) < 2**53:
            raise ValueError("a Telegram user id: a positive whole number")
        return text

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return zone(value).key if value is not None else None

    @model_validator(mode="after")
    def _named(self) -> CustomerIn:
        if not (self.external_id or self.telegram_id or self.slack_id or self.email):
            raise ValueError("name the customer: external_id, telegram_id, slack_id or email")
        return self

    def record(self) -> CustomerRecord:
        return CustomerRecord(
            external_id=self.external_id or "",
            telegram_id=None if self.telegram_id is None else str(self.telegram_id),
            slack_id=self.slack_id, email=self.email, name=self.name, language=self.language,
            timezone=self.timezone, attributes=self.typed_attributes())

    def typed_attributes(self) -> dict[str, Typed]:
        """Each attribute typed (``revenue:number`` fixes the type); an ApiError names the one
        that does not fit."""
        found: dict[str, Typed] = {}
        for raw, value in self.attributes.items():
            where = f"customer.attributes.{raw}"
            if not isinstance(value, str | int | float | bool | None):
                raise ApiError(422, "bad_attribute", "a string, a number, true, false or null",
                               where)
            try:
                name, kind = header(raw)
                found[name] = typed("" if value is None else value, kind)
            except BadValue as exc:
                raise ApiError(422, "bad_attribute", str(exc), where) from None
        return found


class SurveyIn(BaseModel):
    """The body of ``POST /api/v1/surveys``."""

    model_config = ConfigDict(extra="forbid")

    customer: CustomerIn
    survey: Annotated[Text, Field(max_length=64)]
    campaign: Annotated[Text, Field(max_length=62)] = "api"
    delay: Any = 0
    """``"2h"``, ``"30m"``, ``"1d"``, ``"45s"`` or seconds as a number."""
    idempotency_key: Annotated[Text, Field(max_length=128, pattern=r"^[\x21-\x7e]+$")] | None = (
        None)
    cooldown_days: Any = None
    channel: Literal["all", "telegram", "slack"] = "all"

    @field_validator("campaign")
    @classmethod
    def _campaign(cls, value: str) -> str:
        problem = deeplinks.name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("delay")
    @classmethod
    def _delay(cls, value: Any) -> Any:
        parse_delay(value)
        return value

    @field_validator("cooldown_days")
    @classmethod
    def _cooldown(cls, value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value <= 3650):
            raise ValueError("a number of days from 0 to 3650")
        return float(value)

    def request(self) -> SurveyRequest:
        return SurveyRequest(
            customer=self.customer.record(), survey=self.survey, campaign=self.campaign,
            delay=parse_delay(self.delay), idempotency_key=self.idempotency_key,
            cooldown_days=self.cooldown_days,
            channel=self.channel)


_CODES = {"customer": "bad_customer", "delay": "bad_delay", "survey": "bad_survey",
          "campaign": "bad_campaign", "idempotency_key": "bad_idempotency_key",
          "cooldown_days": "bad_cooldown", "channel": "bad_channel"}


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _unstorable(value: Any, where: str = "") -> str | None:
    """Where a text holds NUL or an unpaired surrogate (JSON allows both, the databases
    do not), else None."""
    if isinstance(value, str):
        return where if _UNSTORABLE.search(value) else None
    items = (value.items() if isinstance(value, dict) else enumerate(value)
             if isinstance(value, list) else ())
    for key, inner in items:
        path = f"{where}.{key}" if where else str(key)
        if isinstance(key, str) and _UNSTORABLE.search(key):
            return path
        found = _unstorable(inner, path)
        if found is not None:
            return found
    return None


def survey_request(body: dict[str, Any]) -> SurveyRequest:
    """The engine's request from a JSON object; ApiError 422 naming the first bad field."""
    where = _unstorable(body)
    if where is not None:
        raise ApiError(422, "bad_text", "text may not hold NUL (\\u0000) or an unpaired "
                       "surrogate", where)
    try:
        return SurveyIn.model_validate(body).request()
    except ValidationError as exc:
        raise invalid(exc) from None


def invalid(exc: ValidationError) -> ApiError:
    """pydantic's first error as ours: an unknown field, a missing one, a bad value."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    top = str(error["loc"][0]) if error["loc"] else ""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return ApiError(422, "unknown_field", f"unknown field {where!r}", where)
    if error["type"] == "missing":
        code = "missing_customer" if where == "customer" else "missing_field"
        return ApiError(422, code, f"{where} is required", where)
    if where == "customer" and error["type"] == "value_error":
        return ApiError(422, "missing_customer", message, where)
    if where.startswith("customer.attributes"):
        return ApiError(422, "bad_attribute", message, where)
    return ApiError(422, _CODES.get(top, "invalid"), message, where or None)
