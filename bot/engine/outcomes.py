"""What the engine does when the platform has answered a message it sent: remember where an
alert was posted, tell a manager whether their reply reached the customer (once, and store it
so), mark a person who blocked the bot as unreachable.

An outbox row's ``follow_up`` holds words made here, separated by spaces:
``alert:<alert_id>``, ``reply:<note_id>:<lang>``, ``person:<user_id>``, ``invitation:<id>``
(a campaign's first question: the invitation is sent or failed).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from bot import store
from bot.campaigns import outcome as campaign_outcome
from bot.delivery import codec
from bot.delivery.outbox import Outcome, Planned, Recorded, enqueue
from bot.engine.alerts import Alerts
from bot.engine.turn import EngineConfig
from bot.i18n import translator
from bot.messages import Reply, SendTo
from bot.models import Alert, AlertNote, OutboxMessage, RunStatus

log = logging.getLogger(__name__)


def alert_ref(alert_id: int) -> str:
    return f"alert:{alert_id}"


def reply_note(note_id: int, lang: str) -> str:
    return f"reply:{note_id}:{lang}"


def person(user_id: str) -> str:
    return f"person:{user_id}"


def invitation(invitation_id: int) -> str:
    return f"invitation:{invitation_id}"


def words(follow_up: str) -> list[tuple[str, list[str]]]:
    return [(word.split(":", 1)[0], word.split(":")[1:]) for word in follow_up.split() if word]


class Outcomes:
    def __init__(self, config: EngineConfig, alerts: Alerts) -> None:
        self.config = config
        self.alerts = alerts

    def apply(self, session: Session, recorded: Recorded, now: datetime) -> list[OutboxMessage]:
        """The follow-ups of the rows just closed; the new rows they write."""
        new: list[OutboxMessage] = []
        invited: list[int] = []
        for row, outcome in recorded.sent:
            new += self._follow(session, row, outcome, now, sent=True, invited=invited)
        campaign_outcome.sent(session, invited, now)
        for row, outcome in recorded.failed:
            log.warning("outbox: %s %s to %s not delivered: %s", row.channel, row.kind,
                        row.destination, outcome.error or "failed")
            new += self._follow(session, row, outcome, now, sent=False, invited=[])
        return new

    def _follow(self, session: Session, row: OutboxMessage, outcome: Outcome, now: datetime,
                *, sent: bool, invited: list[int]) -> list[OutboxMessage]:
        """The follow-ups of one row; the invitations it sent are added to ``invited`` (all
        recorded at once by :meth:`apply`)."""
        new: list[OutboxMessage] = []
        for word, args in words(row.follow_up):
            if word == "alert" and sent and outcome.ref and args[0].isdigit():
                store.set_alert_ref(session=session, alert_id=int(args[0]), ref=outcome.ref)
            elif word == "person" and not sent and outcome.unreachable:
                self.unreachable(session, row.channel, ":".join(args))
            elif word == "invitation" and args and args[0].isdigit():
                if sent:
                    invited.append(int(args[0]))
                else:
                    campaign_outcome.failed(session, int(args[0]), campaign_outcome.UNREACHABLE
                                            if outcome.unreachable else outcome.error, now)
            elif word == "reply" and len(args) == 2 and args[0].isdigit():
                new += self._reply_outcome(session, row, int(args[0]), args[1], now, sent=sent)
        return new

    def unreachable(self, session: Session, channel: str, user_id: str) -> None:
        found = store.find_respondent(session=session, channel=channel, user_id=user_id)
        if found is None or found.unreachable:
            return
        log.info("%s: %s cannot be reached; their survey stops", channel, user_id)
        found.unreachable = True
        session.add(found)
        assert found.id is not None
        store.close_active_runs(session=session, respondent_id=found.id,
                                status=RunStatus.STOPPED)

    def _reply_outcome(self, session: Session, row: OutboxMessage, note_id: int, lang: str,
                       now: datetime, *, sent: bool) -> list[OutboxMessage]:
        """Once: the note is stored as delivered or not, the manager is told, the alert shows
        it."""
        note = session.get(AlertNote, note_id)
        if note is None or note.delivered is not None:
            return []
        note.delivered = sent
        session.add(note)
        item = codec.loads(row.kind, row.payload)
        name = item.name or item.user_id if isinstance(item, SendTo) else "?"
        t = translator(lang)
        text = (t.gettext("Sent to {name}.") if sent else t.gettext(
            "Not sent: {name} has blocked the bot or cannot be reached.")).format(name=name)
        origin = codec.load_origin(row.origin)
        chat, user = str(origin.get("reply_chat", "")), str(origin.get("reply_user", ""))
        planned = [Planned(Reply(text))]
        alert = session.get(Alert, note.alert_id)
        if alert is not None:
            session.flush()
            planned.append(Planned(self.alerts.refreshed(session, alert)))
        return enqueue(session, planned, channel=str(origin.get("reply_channel", row.channel)),
                       chat_id=chat, user_id=user, origin=origin, now=now)
