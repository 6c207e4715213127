"""``/nps alerts``: the alerts still waiting for a manager (open or claimed, every channel's),
oldest first, each with its age, owner and score, a Claim button while nobody owns it and a
button to the alert's message in the managers' chat (on the reader's own channel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from bot import buttons
from bot.i18n import Translator
from bot.messages import Choice, Reply
from bot.models import Alert, AlertStatus, Answer, Respondent
from bot.prompts import NAME_MAX, channel_label, metric_label
from bot.text import shorten

SHOWN = 10
"""Alerts listed at most (two buttons each: within Slack's 25 in one block, and readable)."""
WAITING = (AlertStatus.OPEN, AlertStatus.CLAIMED)


@dataclass(frozen=True)
class Waiting:
    """One alert as the list shows it."""

    alert: Alert
    metric: str
    score: int
    high: int
    name: str


def waiting_alerts(session: Session, limit: int = SHOWN) -> tuple[list[Waiting], int]:
    """The oldest ``limit`` open or claimed alerts, and how many there are in all."""
    query: Any = (
        sql_select(Alert, col(Answer.metric), col(Answer.score), col(Answer.scale_max),
                   col(Respondent.display_name), col(Respondent.platform_user_id))
        .join(Answer, col(Answer.id) == col(Alert.answer_id))
        .join(Respondent, col(Respondent.id) == col(Answer.respondent_id))
        .where(col(Alert.status).in_(WAITING))
        .order_by(col(Alert.created_at), col(Alert.id)).limit(limit))
    shown = [Waiting(alert, metric, score, high, shorten(name or user, NAME_MAX))
             for alert, metric, score, high, name, user in session.execute(query).all()]
    total = session.exec(select(func.count()).select_from(Alert).where(
        col(Alert.status).in_(WAITING))).one()
    return shown, int(total)


def line(item: Waiting, now: datetime, t: Translator) -> str:
    alert = item.alert
    values = {"id": alert.id, "metric": metric_label(item.metric, t), "score": item.score,
              "high": item.high, "name": item.name, "channel": channel_label(alert.channel, t),
              "ago": t.ago(now - alert.created_at), "owner": alert.assignee or "?"}
    if alert.status == AlertStatus.CLAIMED:
        return t.gettext("#{id} · {metric} {score}/{high} · {name} ({channel}) · {ago} · "
                         "claimed by {owner}").format_map(values)
    return t.gettext("#{id} · {metric} {score}/{high} · {name} ({channel}) · {ago} · "
                     "open").format_map(values)


def choices(items: list[Waiting], channel: str, t: Translator) -> tuple[Choice, ...]:
    """Claim (the alert's own Claim action) while it is open, and Go to its message when it
    was posted on the reader's channel."""
    out: list[Choice] = []
    for item in items:
        alert = item.alert
        assert alert.id is not None
        if alert.status == AlertStatus.OPEN:
            out.append(Choice(t.gettext("Claim #{id}").format(id=alert.id), buttons.encode(
                buttons.Alert(alert.id, buttons.AlertAction.CLAIM))))
        if alert.platform_ref and alert.channel == channel:
            out.append(Choice(t.gettext("Go to #{id}").format(id=alert.id), "",
                              opens=alert.platform_ref))
    return tuple(out)


def alert_list(session: Session, channel: str, now: datetime, t: Translator) -> Reply:
    """The list a manager on ``channel`` reads."""
    items, total = waiting_alerts(session)
    if not items:
        return Reply(t.gettext("No alert is open or claimed."))
    lines = [t.ngettext("{count} alert is waiting (open or claimed), oldest first:",
                        "{count} alerts are waiting (open or claimed), oldest first:",
                        total).format(count=t.number(total))]
    lines += [line(item, now, t) for item in items]
    if total > len(items):
        more = total - len(items)
        lines.append(t.ngettext("… and {count} more alert.", "… and {count} more alerts.",
                                more).format(count=t.number(more)))
    return Reply("\n".join(lines), choices(items, channel, t), columns=2)
