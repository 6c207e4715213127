"""Outgoing webhooks: the events the company's own system is told about, written to the outbox
(channel ``webhook``) in the transaction of the change that causes them, and their signature.

The engine calls one function per event (:func:`answer_created`, :func:`comment_created`,
:func:`alert_created`, :func:`alert_resolved`, :func:`alert_reopened`, :func:`opted_out`); each
does nothing unless WEBHOOK_URL is set (``EngineConfig.webhooks``).  ``adapters/webhooks.py``
POSTs them, signed by :func:`signature_header`; ``docs/webhooks.md`` says how a receiver checks
it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.campaign_tables import Customer
from bot.delivery import codec
from bot.messages import WebhookEvent
from bot.models import Alert, Answer, Lane, OutboxMessage, Respondent

if TYPE_CHECKING:
    from bot.engine.turn import EngineConfig

CHANNEL = "webhook"
"""The outbox channel of webhook events (one destination: they go in order)."""
DESTINATION = "webhook"
SIGNATURE_HEADER = "X-Survey-Signature"
EVENT_HEADER = "X-Survey-Event"
DELIVERY_HEADER = "X-Survey-Delivery"


class EventType(StrEnum):
    ANSWER_CREATED = "answer.created"
    COMMENT_CREATED = "comment.created"
    ALERT_CREATED = "alert.created"
    ALERT_RESOLVED = "alert.resolved"
    ALERT_REOPENED = "alert.reopened"
    CUSTOMER_OPTED_OUT = "customer.opted_out"


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    text = moment.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z") if moment.utcoffset() is not None else text + "Z"


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def emit(session: Session, config: EngineConfig, kind: EventType,
         data: dict[str, Any]) -> OutboxMessage | None:
    """Write one event to the outbox in ``session``'s transaction (nothing without
    WEBHOOK_URL); the row, which the webhook dispatcher sends."""
    if not config.webhooks:
        return None
    now = config.clock()
    event_id, created = new_event_id(), _iso(now) or ""
    body = json.dumps({"id": event_id, "type": str(kind), "created_at": created, "data": data},
                      ensure_ascii=False, separators=(",", ":"))
    item = WebhookEvent(event_id, str(kind), created, body)
    row = OutboxMessage(channel=CHANNEL, destination=DESTINATION, lane=int(Lane.ALERT),
                        kind=codec.kind_of(item), payload=codec.dumps(item),
                        origin=codec.dump_origin(None), next_attempt_at=now, created_at=now)
    session.add(row)
    return row


# ---------------------------------------------------------------------- payloads


def customer_of(session: Session, person: Respondent | None) -> dict[str, Any]:
    """Who: their channel and platform id, and the company's ``external_id`` when known."""
    if person is None:
        return {"external_id": None, "channel": None, "user_id": None}
    customer = session.get(Customer, person.customer_id) if person.customer_id else None
    return {"external_id": customer.external_id if customer else None,
            "channel": person.channel, "user_id": person.platform_user_id}


def answer_of(session: Session, answer: Answer) -> dict[str, Any]:
    person = session.get(Respondent, answer.respondent_id)
    return {
        "answer_id": answer.id, "survey": answer.survey, "question": answer.question_key,
        "metric": answer.metric, "score": answer.score,
        "scale": [answer.scale_min, answer.scale_max], "bucket": answer.bucket,
        "comment": answer.comment, "channel": answer.channel, "campaign": answer.campaign,
        "invitation_id": answer.invitation_id, "locale": answer.locale,
        "answered_at": _iso(answer.created_at), "commented_at": _iso(answer.commented_at),
        "test": answer.is_test, "customer": customer_of(session, person),
    }


def alert_of(alert: Alert) -> dict[str, Any]:
    return {"id": alert.id, "status": alert.status, "assignee": alert.assignee,
            "resolved_by": alert.resolved_by, "resolved_at": _iso(alert.resolved_at)}


# ---------------------------------------------------------------------- the engine's hooks


def answer_created(config: EngineConfig, session: Session, answer: Answer) -> None:
    emit(session, config, EventType.ANSWER_CREATED, answer_of(session, answer))


def comment_created(config: EngineConfig, session: Session, answer: Answer) -> None:
    emit(session, config, EventType.COMMENT_CREATED, answer_of(session, answer))


def alert_created(config: EngineConfig, session: Session, alert: Alert, answer: Answer) -> None:
    emit(session, config, EventType.ALERT_CREATED,
         {"alert": alert_of(alert), "answer": answer_of(session, answer)})


def alert_resolved(config: EngineConfig, session: Session, alert: Alert) -> None:
    answer = session.get(Answer, alert.answer_id)
    emit(session, config, EventType.ALERT_RESOLVED, {
        "alert": alert_of(alert), "answer": answer_of(session, answer) if answer else None})


def alert_reopened(config: EngineConfig, session: Session, alert: Alert) -> None:
    """The customer said the problem is not solved (the recovery question): open again."""
    answer = session.get(Answer, alert.answer_id)
    emit(session, config, EventType.ALERT_REOPENED, {
        "alert": alert_of(alert), "answer": answer_of(session, answer) if answer else None})


def opted_out(config: EngineConfig, session: Session, person: Respondent) -> None:
    """Called before ``person.opted_out`` is set: nothing when it was set already."""
    if person.opted_out:
        return
    emit(session, config, EventType.CUSTOMER_OPTED_OUT,
         {"customer": customer_of(session, person), "opted_out_at": _iso(config.clock())})


# ---------------------------------------------------------------------- the signature


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>.<body>"`` with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """``X-Survey-Signature``: ``t=<unix seconds>,v1=<hex>``."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
