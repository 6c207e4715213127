"""Alerts nobody claimed within ALERT_ESCALATE_AFTER, posted again to the managers' chat once.

The repost is a new message (so the chat shows it at the bottom), with the alert's buttons; it
becomes the alert's message (``platform_ref``: later claims and replies edit it), and the first
post loses its buttons and says it was posted again.  ``alerts.escalated_at`` is set in the
transaction that writes the repost to the outbox, and only alerts without it are taken, each
locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer): with several workers
and restarts each alert is posted again once.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.delivery.outbox import Planned, enqueue
from bot.engine import outcomes
from bot.engine.alerts import Alerts
from bot.engine.turn import EngineConfig
from bot.messages import AlertPost, AlertUpdate
from bot.models import Alert, AlertStatus, OutboxMessage
from bot.prompts import escalated_text, reposted_text

BATCH = 50
"""Alerts posted again in one transaction at most (the rest at the next tick)."""


class Escalation:
    def __init__(self, config: EngineConfig, alerts: Alerts) -> None:
        self.config = config
        self.alerts = alerts

    def _due(self, now: datetime) -> SelectOfScalar[Alert] | None:
        """The open alerts older than ALERT_ESCALATE_AFTER not posted again yet, on a channel
        with a managers' chat, oldest first; None when there can be none."""
        after = self.config.escalate_after
        if not after or not self.config.team_chats:
            return None
        return (select(Alert).where(
            col(Alert.status) == AlertStatus.OPEN, col(Alert.escalated_at).is_(None),
            col(Alert.claimed_at).is_(None),  # reopened by its customer: a manager had it
            col(Alert.created_at) <= now - after,
            col(Alert.channel).in_(self.config.team_chats))
            .order_by(col(Alert.id)).limit(BATCH))

    def any_due(self, session: Session, now: datetime) -> bool:
        """Whether an alert is due (read without a lock: most steps find none, and take no
        write lock then)."""
        query = self._due(now)
        return query is not None and session.exec(query.limit(1)).first() is not None

    def due(self, session: Session, now: datetime) -> list[Alert]:
        """The due alerts, each row locked (skipped when another worker holds it)."""
        query = self._due(now)
        return [] if query is None else list(session.exec(query.with_for_update(
            skip_locked=True)))

    def escalate(self, session: Session, now: datetime) -> list[OutboxMessage]:
        """Post the due alerts again (in the managers' language); the outbox rows written."""
        tm = self.config.manager_translator
        rows: list[OutboxMessage] = []
        for alert in self.due(session, now):
            assert alert.id is not None
            view, choices = self.alerts.view_of(session, alert)
            planned = []
            if alert.platform_ref:
                planned.append(Planned(AlertUpdate(
                    alert.channel, alert.id, alert.platform_ref,
                    reposted_text(view, tm.duration(self.config.escalate_after), tm), ())))
            planned.append(Planned(
                AlertPost(alert.channel, alert.id,
                          escalated_text(view, tm.duration(now - alert.created_at), tm),
                          choices),
                outcomes.alert_ref(alert.id)))
            alert.escalated_at = now
            session.add(alert)
            rows += enqueue(session, planned, channel=alert.channel, chat_id="", user_id="",
                            origin=None, now=now)
        return rows
