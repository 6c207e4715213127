"""What a customer record says, checked and normalised once for every way in: an import row
(CSV or JSONL) and an API request's ``customer`` object both become a
:class:`~bot.audience.customers.CustomerRecord` through :func:`parse_record`.

Known keys are :data:`FIELDS`; every other key is an attribute, typed by
:mod:`bot.audience.values` (``revenue:number`` fixes the type; without one, by its look).  An
absent, null or empty value leaves what is stored as it is.  Problems are :class:`BadRecord`,
whose message is English (the CLI's and the API's texts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.audience.customers import CustomerRecord
from bot.audience.values import BadValue, Typed, header, typed
from bot.campaign_tables import AttributeKind
from bot.i18n import negotiate

FIELDS = ("external_id", "telegram_id", "slack_id", "email", "name", "language", "timezone",
          "referred_by")
ATTRIBUTES = "attributes"
"""A nested object of attributes (the API's shape; an import line may use it too)."""
MAX_EXTERNAL_ID = 128
MAX_NAME = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_TELEGRAM_ID = re.compile(r"^[1-9][0-9]{0,19}$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,63}$")


class BadRecord(ValueError):
    """Why a record cannot be taken (one short English phrase)."""


def parse_record(data: Mapping[str, Any]) -> CustomerRecord:
    """The record ``data`` describes, normalised: email lower-case, language one of ours, the
    time zone an IANA name, attributes typed; :class:`BadRecord` when something does not fit."""
    given = {key: value for key, value in data.items() if _given(value)}
    external_id = _text(given.get("external_id"), "external_id")
    if not external_id:
        raise BadRecord("missing external_id")
    if len(external_id) > MAX_EXTERNAL_ID:
        raise BadRecord(f"external_id longer than {MAX_EXTERNAL_ID} characters")
    problems: list[str] = []

    def checked(parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except BadRecord as exc:
            problems.append(str(exc))
            return None

    name = given.get("name")
    record = CustomerRecord(
        external_id=external_id,
        telegram_id=checked(lambda: _account(given.get("telegram_id"), "telegram_id",
                                             _TELEGRAM_ID)),
        slack_id=checked(lambda: _account(given.get("slack_id"), "slack_id", _SLACK_ID)),
        email=checked(lambda: _email(given.get("email"))),
        name=checked(lambda: _text(name, "name")[:MAX_NAME]) if name is not None else None,
        language=checked(lambda: _language(given.get("language"))),
        timezone=checked(lambda: _timezone(given.get("timezone"))),
        attributes=checked(lambda: _all_attributes(given)) or {},
        referred_by=checked(lambda: _referred_by(given.get("referred_by"))),
    )
    if problems:
        raise BadRecord("; ".join(problems))
    return record


def _all_attributes(given: Mapping[str, Any]) -> dict[str, Typed]:
    attributes: dict[str, Typed] = {}
    nested = given.get(ATTRIBUTES)
    if nested is not None:
        if not isinstance(nested, Mapping):
            raise BadRecord("attributes must be an object")
        attributes.update(_attributes({k: v for k, v in nested.items() if _given(v)}))
    attributes.update(_attributes({k: v for k, v in given.items()
                                   if k not in FIELDS and k != ATTRIBUTES}))
    return attributes


def _referred_by(value: Any) -> str | None:
    """A promoter's external id; whether one has it is known only once the file is in."""
    if value is None:
        return None
    text = _text(value, "referred_by")
    if len(text) > MAX_EXTERNAL_ID:
        raise BadRecord(f"referred_by longer than {MAX_EXTERNAL_ID} characters")
    return text or None


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadRecord(f"{key} must be a string")
    return str(value).strip()


def _account(value: Any, key: str, pattern: re.Pattern[str]) -> str | None:
    if value is None:
        return None
    text = _text(value, key)
    if not pattern.match(text):
        raise BadRecord(f"bad {key} {_show(text)}")
    return text


def _email(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value, "email").lower()
    if len(text) > 254 or not _EMAIL.match(text):
        raise BadRecord(f"bad email {_show(text)}")
    return text


@cache
def _negotiated(tag: str) -> str:
    return negotiate(tag, "")


def _language(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value, "language")
    code = _negotiated(text) if len(text) <= 35 else ""
    if not code:
        raise BadRecord(f"bad language {_show(text)}: use en, ro, zh or a tag such as ro-RO")
    return code


@cache
def _zone_known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _timezone(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value, "timezone")
    if len(text) > 64 or not _zone_known(text):
        raise BadRecord(f"bad timezone {_show(text)}: use an IANA name such as Europe/Bucharest")
    return text


@cache
def _header(key: str) -> tuple[str, AttributeKind | None]:
    return header(key)


def _attributes(values: Mapping[str, Any]) -> dict[str, Typed]:
    found: dict[str, Typed] = {}
    problems: list[str] = []
    for key, value in values.items():
        try:
            name, kind = _header(str(key))
        except BadValue as exc:
            problems.append(str(exc))
            continue
        if name in FIELDS or name == ATTRIBUTES:
            problems.append(f"attribute {name!r}: the name is a customer field")
        elif not isinstance(value, str | int | float | bool | date):
            problems.append(f"attribute {name!r}: a list or an object is not a value")
        else:
            try:
                found[name] = typed(value, kind)
            except BadValue as exc:
                problems.append(f"attribute {name!r}: {exc}")
    if problems:
        raise BadRecord("; ".join(problems))
    return found


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")
