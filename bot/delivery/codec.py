"""Outbound values to the JSON an outbox row stores, and back: one definition per kind."""

from __future__ import annotations

import base64
import dataclasses
import json
from enum import StrEnum
from typing import Any

from bot.messages import (
    AlertPost,
    AlertUpdate,
    Choice,
    EditPressed,
    Notice,
    Outbound,
    Reply,
    ReplyFile,
    SendTo,
    TeamFile,
    TeamPost,
    WebhookEvent,
)


class Kind(StrEnum):
    """``outbox.kind``."""

    REPLY = "reply"
    EDIT_PRESSED = "edit_pressed"
    NOTICE = "notice"
    SEND_TO = "send_to"
    ALERT_POST = "alert_post"
    ALERT_UPDATE = "alert_update"
    FILE = "file"
    WEBHOOK = "webhook"
    TEAM_POST = "team_post"
    TEAM_FILE = "team_file"


KINDS: dict[type, Kind] = {
    Reply: Kind.REPLY, EditPressed: Kind.EDIT_PRESSED, Notice: Kind.NOTICE,
    SendTo: Kind.SEND_TO, AlertPost: Kind.ALERT_POST, AlertUpdate: Kind.ALERT_UPDATE,
    ReplyFile: Kind.FILE, WebhookEvent: Kind.WEBHOOK, TeamPost: Kind.TEAM_POST,
    TeamFile: Kind.TEAM_FILE,
}
TYPES: dict[Kind, type] = {kind: cls for cls, kind in KINDS.items()}


def kind_of(item: Outbound) -> Kind:
    return KINDS[type(item)]


def dumps(item: Outbound) -> str:
    """The row's ``payload``: the value's fields, buttons as pairs, file content in base64."""
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        if f.name == "choices":  # [label, value], and a link's message: [label, "", ref];
            value = [_choice(c) for c in value]  # a web page: [label, "", "", url]
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        fields[f.name] = value
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _choice(c: Choice) -> list[str]:
    if c.url:
        return [c.label, c.value, c.opens, c.url]
    return [c.label, c.value, c.opens] if c.opens else [c.label, c.value]


def loads(kind: str, payload: str) -> Outbound:
    cls = TYPES[Kind(kind)]
    fields = json.loads(payload)
    if "choices" in fields:
        fields["choices"] = tuple(Choice(*pair) for pair in fields["choices"])
    if cls in (ReplyFile, TeamFile):
        fields["content"] = base64.b64decode(fields["content"])
    item: Outbound = cls(**fields)
    return item


def dump_origin(origin: dict[str, Any] | None) -> str:
    return json.dumps(origin or {}, ensure_ascii=False, separators=(",", ":"))


def load_origin(text: str) -> dict[str, Any]:
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}
