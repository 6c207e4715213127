"""Deep-link payloads (Telegram's ``/start <payload>``, at most 64 characters of
``A-Za-z0-9_-``): the one codec for every kind.

* ``<survey>``, ``<survey>__<campaign>`` or ``<campaign>``: a shared link (the forms of the
  first links, which keep working);
* ``p-<token>``: a personal link made by ``survey-bot customers links`` (the token random, 32
  characters; only its SHA-256 is stored);
* ``r-<code>``: a referral (reserved for it).

So no campaign name may start with ``p-`` or ``r-`` (:func:`name_problem`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

MAX_LENGTH = 64
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,62}$")
PERSONAL = "p-"
REFERRAL = "r-"
RESERVED = (PERSONAL, REFERRAL)
SEPARATOR = "__"
TOKEN_BYTES = 24  # 32 URL-safe characters: 192 random bits


@dataclass(frozen=True, slots=True)
class Payload:
    """What a payload names; every field None for an empty payload."""

    name: str | None = None
    """A survey's or a campaign's name (the engine knows which)."""
    campaign: str | None = None
    token: str | None = None
    referral: str | None = None


def decode(payload: str) -> Payload | None:
    """The payload's meaning; None when it is malformed (too long, other characters)."""
    if not payload:
        return Payload()
    if not _PAYLOAD.match(payload):
        return None
    if payload.startswith(PERSONAL):
        token = payload[len(PERSONAL):]
        return Payload(token=token) if token else None
    if payload.startswith(REFERRAL):
        code = payload[len(REFERRAL):]
        return Payload(referral=code) if code else None
    name, _, campaign = payload.partition(SEPARATOR)
    return Payload(name=name or None, campaign=campaign or None)


def shared(survey: str, campaign: str | None = None) -> str:
    """The payload of a shared link to ``survey`` (counted for ``campaign``)."""
    payload = f"{survey}{SEPARATOR}{campaign}" if campaign else survey
    if not _PAYLOAD.match(payload):
        raise ValueError(f"{payload!r}: a link payload is at most {MAX_LENGTH} characters of "
                         "A-Z, a-z, 0-9, _ and -")
    return payload


def personal(token: str) -> str:
    return PERSONAL + token


def new_token() -> str:
    """A random personal-link token (URL-safe, 32 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256, hex (a stolen database holds no usable link)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a campaign (it travels in links), in English for the CLI;
    None when it can."""
    if not _NAME.match(name):
        return "use 1 to 62 characters of A-Z, a-z, 0-9, _ and -"
    if name.startswith(RESERVED):
        return "names starting with p- or r- are kept for personal and referral links"
    if SEPARATOR in name:
        return "__ separates a survey from a campaign in links; use - or _"
    return None
