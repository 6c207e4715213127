"""The engine's timed work, stepped by the worker's schedule service
(:mod:`adapters.schedules`): alerts posted again (:mod:`~bot.engine.escalation`) and the
weekly digest (:mod:`~bot.engine.digests`).  Each step is one transaction that writes its
outbox rows with the mark that it was done, so several workers may step at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import store
from bot.digest_tables import Digest
from bot.engine.digests import (
    SEEN_KEY,
    ChartMaker,
    DigestCopies,
    claim_period,
    first_seen,
    period_key,
    seen_since,
    subscribers,
    write_copies,
)
from bot.engine.escalation import Escalation
from bot.engine.transient import transaction
from bot.engine.turn import EngineConfig
from bot.reports.digest import build_digest, digest_period

if TYPE_CHECKING:
    from bot.db import Database

log = logging.getLogger(__name__)


class Schedules:
    """Part of :class:`~bot.engine.Engine`."""

    db: Database
    config: EngineConfig
    clock: Callable[[], datetime]
    escalation: Escalation
    digest_chart: ChartMaker
    _digest_seen: str | None = None
    """The last period this process found decided (logged once)."""
    _digest_since: tuple[str, datetime] | None = None
    """The schedule in force (with its zone) and when a process first ran it."""

    def escalate_alerts(self) -> list[int]:
        """Post again, once, the alerts nobody claimed within ALERT_ESCALATE_AFTER; the
        outbox ids written."""
        if not self.config.escalate_after:
            return []
        now = self.clock()
        with Session(self.db.read_engine) as session:
            if not self.escalation.any_due(session, now):
                return []
        rows = transaction(self.db.engine, lambda s: self.escalation.escalate(s, now))
        if rows:
            log.info("alerts open longer than %s posted again: %d messages written",
                     self.config.escalate_after, len(rows))
        return [row.id for row in rows if row.id is not None]

    def send_digest(self) -> list[int]:
        """The current period's digest, written to the outbox unless it was already; the
        outbox ids written (none when it was decided before, here or in another process)."""
        schedule, zone = self.config.digest, self.config.report_zone
        if schedule is None:
            return []
        now = self.clock()
        began = schedule.latest(now, zone)
        if began < self._since(now).replace(second=0, microsecond=0):
            return []  # the schedule's first period is the next one
        key = period_key(began)
        with Session(self.db.read_engine) as session:
            if session.get(Digest, key) is not None:
                self._decided(key)
                return []
            period = digest_period(began.astimezone(zone).date(), zone)
            copies = DigestCopies(build_digest(session, period, self.config.surveys),
                                  partial(self.digest_chart, session, period))
            people = subscribers(session, self.config)
            for person in people:  # every text and chart made while the read is open
                copies.png(self.config.reader(person))
            copies.png(self.config.manager_translator)

        def decide(session: Session) -> list[int] | None:
            if not claim_period(session, key, began, now):
                return None
            rows = write_copies(session, self.config, copies, people, now)
            digest = session.get(Digest, key)
            assert digest is not None
            digest.messages = len(rows)
            session.add(digest)
            return [row.id for row in rows if row.id is not None]

        ids = transaction(self.db.engine, decide)
        if ids is None:
            self._decided(key)
            return []
        self._digest_seen = key
        log.info("digest of the period from %s: %d messages written", key, len(ids))
        return ids

    def _since(self, now: datetime) -> datetime:
        """When a process first ran with DIGEST_SCHEDULE (in REPORT_TIMEZONE)."""
        schedule, zone = self.config.digest, self.config.report_zone.key
        assert schedule is not None
        name = f"{schedule} {zone}"
        if self._digest_since is not None and self._digest_since[0] == name:
            return self._digest_since[1]
        with Session(self.db.read_engine) as session:
            since = seen_since(store.kv_get(session=session, key=SEEN_KEY), schedule, zone)
        if since is None:
            since = transaction(self.db.engine,
                                lambda session: first_seen(session, schedule, zone, now))
        self._digest_since = (name, since)
        return since

    def schedule_tick(self) -> list[int]:
        """One step of the timed work: the outbox ids written."""
        return self.escalate_alerts() + self.send_digest()

    def _decided(self, key: str) -> None:
        if self._digest_seen != key:
            self._digest_seen = key
            log.info("digest of the period from %s: decided already", key)
