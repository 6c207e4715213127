"""What the adapters ask the engine besides events, each one short transaction: forget old
event ids, remember where an alert was posted, mark a person unreachable, the language a
person reads, and the process state the adapters keep (Telegram's update offset)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import store
from bot.db import Database
from bot.engine.outcomes import Outcomes
from bot.engine.transient import retrying
from bot.engine.turn import EngineConfig

EVENT_MEMORY = timedelta(days=7)
"""How long an event id is remembered: platforms redeliver for minutes (Slack) to a day
(Telegram keeps updates 24 h), so a week is plenty."""


class SmallCalls:
    """Part of :class:`~bot.engine.Engine`."""

    db: Database
    config: EngineConfig
    outcomes: Outcomes
    clock: Callable[[], datetime]

    def is_manager(self, channel: str, user_id: str) -> bool:
        raise NotImplementedError

    def prune_events(self) -> int:
        """Forget event ids older than a week; the number forgotten."""
        with Session(self.db.engine) as session:
            count = store.prune_events(session=session, older_than=self.clock() - EVENT_MEMORY)
            session.commit()
            return count

    def set_alert_ref(self, alert_id: int, ref: str) -> None:
        """Remember where an alert was posted (one UPDATE: it runs for every detractor)."""
        with Session(self.db.engine) as session:
            store.set_alert_ref(session=session, alert_id=alert_id, ref=ref)
            session.commit()

    def mark_unreachable(self, channel: str, user_id: str) -> None:
        """The person blocked the bot or left: their survey stops (Telegram's my_chat_member)."""
        def once() -> None:
            with Session(self.db.engine) as session:
                self.outcomes.unreachable(session, channel, user_id)
                session.commit()
        retrying(once)

    def chosen_locale(self, channel: str, user_id: str) -> str | None:
        with Session(self.db.read_engine) as session:
            person = store.find_respondent(session=session, channel=channel, user_id=user_id)
            return person.locale if person is not None and person.locale_chosen else None

    def reader_locale(self, channel: str, user_id: str) -> str:
        """The language ``user_id`` reads (see :meth:`EngineConfig.reader`), for what an
        adapter words itself (a Slack modal, a wave's progress)."""
        with Session(self.db.read_engine) as session:
            person = store.find_respondent(session=session, channel=channel, user_id=user_id)
        if person is not None:
            return self.config.reader(person).lang
        if self.is_manager(channel, user_id):
            return self.config.manager_locale
        return self.config.default_for(channel)

    def state_get(self, key: str) -> str | None:
        with Session(self.db.read_engine) as session:
            return store.kv_get(session=session, key=key)

    def state_set(self, key: str, value: str) -> None:
        with Session(self.db.engine) as session:
            store.kv_set(session=session, key=key, value=value)
            session.commit()
