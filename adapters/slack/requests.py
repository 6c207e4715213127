"""What may reach bolt: a request Slack signed (checked before anything reads the body), whose
body is what Slack sends (UTF-8; a JSON object, or a form whose ``payload`` is a JSON object;
nested no deeper than Slack nests), with the fields our listeners read of the types they read.

Bolt parses a body before it verifies it, and a parse error there is an HTTP 500 with a
traceback; here every refusal is a :class:`Refusal` with a 4xx status and a few words for the
one log line.  Socket Mode envelopes (no signature: the WebSocket itself is authenticated) go
through the same body checks.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.payloads import MAX_DEPTH, BadPayload, depth, json_object, text_of

WINDOW = 5 * 60  # seconds a signed request stays valid, as Slack and slack_sdk have it
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would take "١٢" or " 1_2"
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_PAYLOAD = re.compile(r"(?:^|&)payload=([^&]*)")
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Refusal(Exception):
    """Answer ``status`` and log ``reason``."""

    status: int
    reason: str


def verify(verifier: SignatureVerifier, raw: bytes, headers: Mapping[str, str], *,
           now: float | None = None) -> None:
    """:class:`Refusal` (401) unless ``raw`` carries a valid Slack signature of the last five
    minutes."""
    timestamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        raise Refusal(401, "no signature")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refusal(401, "a timestamp that is not a number")
    if abs((time.time() if now is None else now) - int(timestamp)) > WINDOW:
        raise Refusal(401, "a stale timestamp")
    if not _SIGNATURE.fullmatch(signature):
        raise Refusal(401, "a malformed signature")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        # SignatureVerifier signs text; Slack signs the bytes.  No Slack body fails to decode,
        # but one that does must still be told apart: forged (401) or signed and bad (400).
        base = b"v0:" + timestamp.encode() + b":" + raw
        expected = "v0=" + hmac.new(verifier.signing_secret.encode(), base,
                                    hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, signature)
    else:
        valid = verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    if not valid:
        raise Refusal(401, "a wrong signature")


def bolt_request(raw: bytes, content_type: str, query: str,
                 headers: Mapping[str, str]) -> AsyncBoltRequest:
    """The request for bolt, once it is known that bolt reads the body as Slack's;
    :class:`Refusal` (400) otherwise.

    Bolt parses the body itself (``slack_bolt.request.internals.parse_body``), and decoding a
    form is the dearest step of an acknowledgement (a quarter of a millisecond for a button
    press), so a form is not parsed twice: what would make bolt's parse fail or give something
    other than an object is refused first, and the parsed body is checked after."""
    try:
        text = text_of(raw)
        _before_bolt(text, content_type)
    except BadPayload as exc:
        raise Refusal(400, str(exc)) from None
    try:
        request = AsyncBoltRequest(body=text, query=query, headers=dict(headers))
    except (ValueError, RecursionError):  # the form's payload is not JSON, or too deep for it
        raise Refusal(400, "a payload that is not JSON") from None
    problem = body_problem(request.body)
    if problem:
        raise Refusal(400, problem)
    return request


def _before_bolt(text: str, content_type: str) -> None:
    if content_type not in (JSON, FORM):
        raise BadPayload(f"content type {content_type[:40]!r}")
    if content_type == JSON or text.startswith("{"):
        json_object(text)  # bolt reads it as JSON too
    elif "payload" in text:  # bolt then reads the payload field as JSON
        for found in _PAYLOAD.finditer(text):
            if not unquote_plus(found.group(1)[:12]).lstrip().startswith("{"):
                raise BadPayload("a payload that is not a JSON object")


def body_problem(body: Any) -> str:
    """Empty when a parsed body (or Socket Mode payload) is what our listeners can take."""
    if not isinstance(body, dict):
        return "a payload that is not an object"
    if depth(body) > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels"
    return shape_problem(body)


def _str(value: Any) -> bool:
    return isinstance(value, str)


def _dict(value: Any) -> bool:
    return isinstance(value, dict)


def shape_problem(body: Mapping[str, Any]) -> str:
    """Empty when the fields our listeners read have the types they read, else what is
    wrong.  Kinds of request we do not handle pass: bolt answers them itself."""
    kind = body.get("type")
    if "type" in body and not _str(kind):
        return "a type that is not a string"
    if "command" in body:  # a slash command (a form)
        return "" if _str(body.get("user_id")) and _str(body["command"]) else (
            "a command without its user")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not _str(event.get("type")):
            return "an event callback without its event"
        if not _str(body.get("event_id", "")):
            return "an event id that is not a string"
        return _fields(event, ("user", "channel", "text", "channel_type", "subtype", "tab"))
    if kind in ("block_actions", "view_submission"):
        user = body.get("user")
        if not isinstance(user, dict) or not _str(user.get("id")):
            return f"{kind} without its user"
        if kind == "view_submission":
            return "" if _dict(body.get("view")) else "a view submission without its view"
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "block actions without an action"
        for key in ("channel", "container", "message"):
            if key in body and not _dict(body[key]):
                return f"a {key} that is not an object"
        return _fields(actions[0], ("value", "action_id", "action_ts"))
    return ""


def _fields(obj: Mapping[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        if obj.get(name) is not None and not _str(obj[name]):
            return f"a {name} that is not a string"
    return ""


def envelope_problem(kind: Any, envelope_id: Any, payload: Any) -> str:
    """Empty for a Socket Mode envelope our listeners can take, else what is wrong."""
    if not _str(kind) or not _str(envelope_id) or not envelope_id:
        return "an envelope without its type or id"
    return body_problem(payload)
