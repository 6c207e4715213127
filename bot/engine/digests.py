"""The weekly digest (docs/digest.md): a manager's ``/nps digest on|off``, and the digest of a
period written to the outbox once.

A period begins at each occurrence of DIGEST_SCHEDULE (:mod:`bot.weekly`) and lasts until the
next.  The first period of a schedule is the first that begins in or after the minute a process
first ran with it (kept in ``kv``), so a new or changed schedule sends nothing for a week that
began before anyone knew of it.  Whichever process first finds the current period begun and
without its ``digests`` row inserts that row (``INSERT … ON CONFLICT DO NOTHING``) in the
transaction that writes every copy of the digest to the outbox: one to the managers' chat of
each channel that has one (in MANAGER_LOCALE), one to each manager who turned it on (in the
language they read).  So the digest is decided once per period whatever the number of workers
and restarts, and a digest missed while every process was down goes out when one comes up
within the same period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time

from babel.dates import format_time, get_day_names
from sqlmodel import Session, col, select

from bot import store
from bot.delivery.outbox import Planned, enqueue
from bot.digest_tables import Digest, DigestSubscriber
from bot.engine.turn import EngineConfig, Turn
from bot.i18n import Translator
from bot.messages import Reply, ReplyFile, TeamFile, TeamPost
from bot.models import KeyValue, OutboxMessage, Respondent
from bot.periods import Period
from bot.reports.digest import DigestFigures, render_digest
from bot.weekly import WeeklyTime

ChartMaker = Callable[[Session, Period, Translator], bytes | None]
"""The digest's trend chart (PNG) in a reader's language; None: no chart
(:func:`bot.reports.digest.trend_chart`)."""


SEEN_KEY = "digest.schedule"
"""The kv row naming the schedule (and zone) in force and when a process first ran it."""


def seen_value(schedule: WeeklyTime, zone: str, at: datetime) -> str:
    return f"{schedule} {zone} {at.isoformat()}"


def seen_since(value: str | None, schedule: WeeklyTime, zone: str) -> datetime | None:
    """When the kv row says this schedule was first run; None when it names another."""
    name, _, stamp = (value or "").rpartition(" ")
    if name != f"{schedule} {zone}":
        return None
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def first_seen(session: Session, schedule: WeeklyTime, zone: str, now: datetime) -> datetime:
    """When a process first ran with ``schedule``: written by the first one (``now``), read by
    every other; a changed schedule starts again from ``now``."""
    table = KeyValue.__table__  # type: ignore[attr-defined]
    session.connection().execute(store.insert_for(session)(table).values(
        key=SEEN_KEY, value=seen_value(schedule, zone, now), updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"]))
    row = session.get(KeyValue, SEEN_KEY, populate_existing=True)
    assert row is not None
    since = seen_since(row.value, schedule, zone)
    if since is None:
        row.value, row.updated_at, since = seen_value(schedule, zone, now), now, now
        session.add(row)
    return since


def period_key(began: datetime) -> str:
    """A period's name: its first moment in UTC, ``2026-03-02T07:00Z``."""
    return began.strftime("%Y-%m-%dT%H:%MZ")


def schedule_text(schedule: WeeklyTime, zone: str, t: Translator) -> str:
    """``every Monday at 9:00 AM (Europe/Bucharest)`` in the reader's language."""
    day = get_day_names("wide", locale=t.babel_locale)[schedule.weekday]
    at = format_time(time(schedule.hour, schedule.minute), format="short",
                     locale=t.babel_locale)
    return t.gettext("every {weekday} at {time} ({zone})").format(weekday=day, time=at,
                                                                 zone=zone)


class DigestCommand:
    """``/nps digest on|off`` (any metric's command): the manager's own copy of the digest."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def on_command(self, turn: Turn, args: str) -> None:
        t, session = turn.t, turn.session
        word = args.strip().casefold()
        row = session.get(DigestSubscriber, turn.person_id)
        if word == "on":
            if row is None:
                session.add(DigestSubscriber(respondent_id=turn.person_id,
                                             created_at=self.config.clock()))
            turn.say(Reply(self._when(t)))
        elif word == "off":
            if row is not None:
                session.delete(row)
            turn.say(Reply(t.gettext("Done: the weekly digest will no longer come to your own "
                                     "chat with the bot.")))
        else:
            state = (t.gettext("The weekly digest comes to your own chat with the bot.")
                     if row is not None else t.gettext(
                         "The weekly digest does not come to your own chat with the bot."))
            turn.say(Reply(state + "\n" + t.gettext("Usage: {cmd} digest on|off").format(
                cmd=turn.cmd("nps"))))

    def _when(self, t: Translator) -> str:
        if self.config.digest is None:
            return t.gettext("Done: the weekly digest will come to your own chat with the bot "
                             "once it is scheduled (DIGEST_SCHEDULE is not set yet).")
        return t.gettext("Done: the weekly digest will come to your own chat with the bot, "
                         "{when}.").format(when=schedule_text(
                             self.config.digest, self.config.report_zone.key, t))


@dataclass
class DigestCopies:
    """One digest in every language and spelling it is read in, with its chart per language,
    each made once."""

    figures: DigestFigures
    chart: Callable[[Translator], bytes | None]
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    charts: dict[str, bytes | None] = field(default_factory=dict)

    def text(self, t: Translator, cmd: str) -> str:
        key = (t.lang, cmd)
        if key not in self.texts:
            self.texts[key] = render_digest(self.figures, t, cmd)
        return self.texts[key]

    def png(self, t: Translator) -> bytes | None:
        if t.lang not in self.charts:
            self.charts[t.lang] = self.chart(t)
        return self.charts[t.lang]


def subscribers(session: Session, config: EngineConfig) -> list[Respondent]:
    """The managers who turned the digest on, on a channel this deployment runs (a manager no
    longer named in the settings gets nothing)."""
    query = (select(Respondent).join(DigestSubscriber, col(DigestSubscriber.respondent_id)
                                     == col(Respondent.id))
             .where(col(Respondent.channel).in_(config.own_chats))
             .order_by(col(Respondent.id)))
    return [p for p in session.exec(query) if config.is_manager(p.channel, p.platform_user_id)]


def claim_period(session: Session, key: str, began: datetime, now: datetime) -> bool:
    """Insert the period's row; False when another process (or an earlier run) did."""
    table = Digest.__table__  # type: ignore[attr-defined]
    statement = (store.insert_for(session)(table).values(
        period=key, scheduled_for=began, messages=0, created_at=now)
        .on_conflict_do_nothing(index_elements=["period"]).returning(table.c.period))
    return session.connection().execute(statement).first() is not None


def write_copies(session: Session, config: EngineConfig, copies: DigestCopies,
                 people: list[Respondent], now: datetime) -> list[OutboxMessage]:
    """Every copy of the digest, as outbox rows: the managers' chats first, then each
    manager's own chat; a chart goes right after its text."""
    day = copies.figures.period.last.isoformat()
    filename = f"digest-{day}.png"
    rows: list[OutboxMessage] = []
    for channel in config.team_chats:
        t = config.manager_translator
        planned = [Planned(TeamPost(channel, copies.text(t, config.style(channel).spell("nps"))))]
        if (png := copies.png(t)) is not None:
            planned.append(Planned(TeamFile(channel, filename, png)))
        rows += enqueue(session, planned, channel=channel, chat_id="", user_id="", origin=None,
                        now=now)
    for person in people:
        t = config.reader(person)
        planned = [Planned(Reply(copies.text(t, config.style(person.channel).spell("nps"))))]
        if (png := copies.png(t)) is not None:
            planned.append(Planned(ReplyFile(filename, png, mime="image/png")))
        rows += enqueue(session, planned, channel=person.channel, chat_id="",
                        user_id=person.platform_user_id,
                        origin={"user": person.platform_user_id, "private": True}, now=now)
    return rows
