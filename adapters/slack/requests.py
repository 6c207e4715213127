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
    except Exception as exc:  # noqa: BLE001 - bolt reads the ids of any object it is given;
        # one it cannot read (an enterprise that is a number, say) is not a body Slack sends.
        raise Refusal(400, f"a body bolt cannot read ({type(exc).__name__})") from None
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


# What the fields that bolt's middleware and our listeners read must be when present (null is
# taken as absent unless the field is listed in _NOT_NULL).
_S, _D, _L = (str,), (dict,), (list,)
_TOP: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("type", "event_id", "command", "user_id", "channel_id", "team_id",
                     "api_app_id", "trigger_id", "response_url", "text", "callback_id",
                     "enterprise_id", "token"), _S),
    **dict.fromkeys(("event", "user", "view", "channel", "container", "message", "team",
                     "state", "function_data"), _D),
    "actions": _L, "authorizations": _L, "enterprise": (str, dict),
    "is_enterprise_install": (bool, str),
}
_INNER: dict[str, dict[str, tuple[type, ...]]] = {
    "event": {**dict.fromkeys(("type", "text", "channel_type", "subtype", "tab", "bot_id",
                               "ts", "event_ts", "team", "user_team", "enterprise"), _S),
              "user": (str, dict), "channel": (str, dict)},
    "user": dict.fromkeys(("id", "team_id", "enterprise_id"), _S),
    "view": {**dict.fromkeys(("id", "type", "callback_id", "private_metadata", "team_id",
                              "app_id", "hash"), _S), "state": _D},
    "channel": dict.fromkeys(("id", "name"), _S),
    "container": dict.fromkeys(("type", "channel_id", "message_ts", "view_id"), _S),
    "message": dict.fromkeys(("ts", "text", "thread_ts"), _S),
    "team": dict.fromkeys(("id", "enterprise_id", "domain"), _S),
    "enterprise": dict.fromkeys(("id",), _S),
}
_ITEMS: dict[str, dict[str, tuple[type, ...]]] = {
    "actions": dict.fromkeys(("action_id", "block_id", "value", "action_ts", "type"), _S),
    "authorizations": {**dict.fromkeys(("team_id", "user_id", "enterprise_id"), _S),
                       "is_enterprise_install": (bool, str)},
}
_NOT_NULL = {"event", "view", "user", "actions", "authorizations", "message", "container",
             "channel", "team", "state", "function_data"}


def _wrong(obj: Mapping[str, Any], kinds: Mapping[str, tuple[type, ...]], where: str) -> str:
    for name, allowed in kinds.items():
        value = obj.get(name)
        present = value is not None or (name in obj and name in _NOT_NULL)
        if present and (not isinstance(value, allowed)
                        or (isinstance(value, bool) and bool not in allowed)):
            return f"{where}{name} of the wrong type"
    return ""


def shape_problem(body: Mapping[str, Any]) -> str:
    """Empty when the fields that bolt and our listeners read have the types they read, and a
    kind of request we handle has what it needs; else what is wrong.  Kinds we do not handle
    pass: bolt answers them itself."""
    problem = _wrong(body, _TOP, "")  # after this, every field has one of its types
    for name, kinds in _INNER.items():
        if not problem and isinstance(body.get(name), dict):
            problem = _wrong(body[name], kinds, f"{name}.")
    if problem:
        return problem
    for name, kinds in _ITEMS.items():  # lists, or absent
        for item in body.get(name) or ():
            problem = (_wrong(item, kinds, f"{name}[].") if isinstance(item, dict)
                       else f"{name}[] of the wrong type")
            if problem:
                return problem
    kind, event, user = body.get("type"), body.get("event"), body.get("user")
    if "command" in body and not body.get("user_id"):
        return "a command without its user"
    if kind == "event_callback" and not (isinstance(event, dict) and event.get("type")):
        return "an event callback without its event"
    if kind in ("block_actions", "view_submission") and not (
            isinstance(user, dict) and user.get("id")):
        return f"{kind} without its user"
    if kind == "block_actions" and not body.get("actions"):
        return "block actions without an action"
    if kind == "view_submission" and not body.get("view"):
        return "a view submission without its view"
    return ""


def envelope_problem(kind: Any, envelope_id: Any, payload: Any) -> str:
    """Empty for a Socket Mode envelope our listeners can take, else what is wrong."""
    if not isinstance(kind, str) or not isinstance(envelope_id, str) or not envelope_id:
        return "an envelope without its type or id"
    return body_problem(payload)
