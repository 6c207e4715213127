"""Keyword-only data functions over a SQLModel session; the engine's only way to the tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    literal_column,
    text,
    update,
    values,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, UTCDateTime, col, select

from bot.localdays import local_day, offset_spans
from bot.models import (
    Alert,
    AlertNote,
    Answer,
    AnswerCount,
    KeyValue,
    ProcessedEvent,
    Respondent,
    SurveyRun,
    utcnow,
)


# The statements of the hot path (every inbound event runs them) are built once per dialect
# with bind parameters: SQLAlchemy then reuses their compiled form, where building
# ``insert().values(...)`` anew costs more than the database round trip.
def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert_for(dialect: str):  # type: ignore[no-untyped-def]
    return pg_insert if dialect == "postgresql" else sqlite_insert


def insert_for(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's ``insert`` (with ``on_conflict_do_nothing``) for this session."""
    return _insert_for(_dialect(session))


@cache
def _claim_statement(dialect: str) -> Any:
    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    return (
        _insert_for(dialect)(table)
        .on_conflict_do_nothing(index_elements=["channel", "event_id"])
        .returning(table.c.event_id)
    )


@cache
def _new_respondent_statement(dialect: str) -> Any:
    table = Respondent.__table__  # type: ignore[attr-defined]
    return _insert_for(dialect)(table).on_conflict_do_nothing(
        index_elements=["channel", "platform_user_id"]
    )


_FIND_RESPONDENT = select(Respondent).where(
    Respondent.channel == bindparam("channel"), Respondent.platform_user_id == bindparam("user")
)
_LOCK_RESPONDENT = _FIND_RESPONDENT.with_for_update()


def claim_event(*, session: Session, channel: str, event_id: str,
                at: datetime | None = None) -> bool:
    """Record an inbound event id; False when it was seen before (a redelivery)."""
    # RETURNING, not rowcount: psycopg reports -1 for a conflicting INSERT … DO NOTHING.
    row = session.connection().execute(
        _claim_statement(_dialect(session)),
        {"channel": channel, "event_id": event_id, "created_at": at or utcnow()},
    ).first()
    return row is not None


def prune_events(*, session: Session, older_than: datetime) -> int:
    """Forget processed event ids older than ``older_than`` (platforms redeliver for minutes)."""
    result = session.exec(  # type: ignore[call-overload]
        delete(ProcessedEvent).where(col(ProcessedEvent.created_at) < older_than)
    )
    return int(result.rowcount or 0)


def find_respondent(*, session: Session, channel: str, user_id: str) -> Respondent | None:
    return session.exec(_FIND_RESPONDENT, params={"channel": channel, "user": user_id}).first()


def lock_respondent(
    *, session: Session, channel: str, user_id: str, default_locale: str,
    now: datetime | None = None,
) -> Respondent:
    """The respondent row, created if new (first and last seen ``now``), locked for this
    transaction on PostgreSQL."""
    params = {"channel": channel, "user": user_id}
    found = session.exec(_LOCK_RESPONDENT, params=params).first()
    if found is not None:
        return found
    # New: insert, tolerating another process that inserts the same person at the same moment.
    now = now or utcnow()
    session.connection().execute(_new_respondent_statement(_dialect(session)), {
        "channel": channel, "platform_user_id": user_id, "chat_id": "", "display_name": "",
        "locale": default_locale, "locale_chosen": False, "opted_out": False,
        "unreachable": False, "first_seen": now, "last_seen": now,
    })
    return session.exec(_LOCK_RESPONDENT, params=params).one()


_ACTIVE_RUN = (
    select(SurveyRun)
    .where(SurveyRun.respondent_id == bindparam("respondent"), SurveyRun.status == "active")
    .order_by(col(SurveyRun.id).desc())
    .limit(1)
)


def active_run(*, session: Session, respondent_id: int) -> SurveyRun | None:
    return session.exec(_ACTIVE_RUN, params={"respondent": respondent_id}).first()


def close_active_runs(*, session: Session, respondent_id: int, status: str) -> None:
    session.exec(  # type: ignore[call-overload]
        update(SurveyRun)
        .where(col(SurveyRun.respondent_id) == respondent_id, col(SurveyRun.status) == "active")
        .values(status=status, updated_at=utcnow())
    )


def start_run(
    *, session: Session, respondent_id: int, survey: str, campaign: str | None,
    now: datetime | None = None, invitation_id: int | None = None,
) -> SurveyRun:
    """A new survey run of the respondent, replacing their active one."""
    now = now or utcnow()
    return start_runs(session=session, runs=[SurveyRun(
        respondent_id=respondent_id, survey=survey, campaign=campaign,
        invitation_id=invitation_id, started_at=now, updated_at=now)])[0]


def start_runs(*, session: Session, runs: Sequence[SurveyRun]) -> list[SurveyRun]:
    """Start these runs (one per respondent), replacing the respondents' active runs: one
    UPDATE and one flush for a batch."""
    session.exec(  # type: ignore[call-overload]
        update(SurveyRun)
        .where(col(SurveyRun.respondent_id).in_({run.respondent_id for run in runs}),
               col(SurveyRun.status) == "active")
        .values(status="replaced", updated_at=utcnow())
    )
    session.add_all(runs)
    session.flush()
    return list(runs)


def add_answer(*, session: Session, answer: Answer, zone: ZoneInfo) -> Answer:
    """Store an answer and count it in ``answer_counts`` on its local day in ``zone`` (the
    zone the rollup was built with: REPORT_TIMEZONE), in the caller's transaction.  A manager's
    test answer is not counted."""
    session.add(answer)
    session.flush()
    if not answer.is_test:
        _count(session, answer, +1, zone)
    return answer


_COUNT_KEY = ("metric", "day", "score", "channel", "locale", "survey", "campaign", "invited")
# The kv key naming the zone whose local days ``answer_counts`` counts; absent: UTC, as every
# rollup was built before REPORT_TIMEZONE existed.
ROLLUP_ZONE_KEY = "answer_counts.timezone"


@cache
def _count_statement(dialect: str) -> Any:
    table = AnswerCount.__table__  # type: ignore[attr-defined]
    return (
        _insert_for(dialect)(table)
        .values({name: bindparam(name) for name in (*_COUNT_KEY, "count")})
        .on_conflict_do_update(index_elements=list(_COUNT_KEY),
                               set_={"count": table.c.count + bindparam("delta")})
    )


def _count(session: Session, answer: Answer, delta: int, zone: ZoneInfo) -> None:
    session.connection().execute(_count_statement(_dialect(session)), {
        "metric": answer.metric, "day": local_day(answer.created_at, zone),
        "score": answer.score, "channel": answer.channel, "locale": answer.locale,
        "survey": answer.survey, "campaign": answer.campaign or "",
        "invited": answer.invitation_id is not None, "count": delta,
        "delta": delta,
    })


def rollup_zone(*, session: Session) -> str:
    """The zone whose local days ``answer_counts`` counts (read afresh, not from the session's
    identity map, so a check after taking a lock sees what the lock holder committed)."""
    value = session.exec(select(KeyValue.value).where(KeyValue.key == ROLLUP_ZONE_KEY)).first()
    return value or "UTC"


def local_day_of_answers(session: Session, zone: ZoneInfo, lo: datetime, hi: datetime
                         ) -> tuple[Any, Any]:
    """The local date in ``zone`` of ``answers.created_at`` as a SQL expression, and the FROM
    clause it needs: the answers joined to the spans of constant UTC offset that cover
    ``[lo, hi)`` (computed here with zoneinfo, so SQLite needs no time-zone database and
    PostgreSQL's agrees with the engine's); an answer outside ``[lo, hi)`` joins no span."""
    spans = values(column("span_from", UTCDateTime()), column("span_to", UTCDateTime()),
                   column("shift", Integer()), name="spans").data(
        offset_spans(zone, lo, hi)).cte("spans")
    answers = Answer.__table__.c  # type: ignore[attr-defined]
    if _dialect(session) == "sqlite":
        day: Any = func.date(answers.created_at,
                             func.printf(literal_column("'%+d seconds'"), spans.c.shift))
    else:
        day = cast(func.timezone("UTC", answers.created_at)
                   + spans.c.shift * literal_column("interval '1 second'"), Date)
    joined = Answer.__table__.join(  # type: ignore[attr-defined]
        spans, (answers.created_at >= spans.c.span_from) & (answers.created_at < spans.c.span_to))
    return day, joined


def rebuild_counts(*, session: Session, zone: ZoneInfo) -> None:
    """Recount ``answer_counts`` from ``answers`` by local day in ``zone`` and record the zone
    (after a bulk load that bypassed the engine, or when REPORT_TIMEZONE changed).

    One INSERT … SELECT on both databases: the answers are joined to the spans of constant UTC
    offset that cover them (computed here with zoneinfo, so SQLite needs no time-zone database
    and PostgreSQL's agrees with the engine's), and each day is the date of UTC time + offset."""
    lo, hi = session.exec(select(func.min(Answer.created_at), func.max(Answer.created_at))).one()
    session.exec(delete(AnswerCount))  # type: ignore[call-overload]
    if lo is not None and hi is not None:
        day, joined = local_day_of_answers(session, zone, lo, hi + timedelta(seconds=1))
        answers = Answer.__table__.c  # type: ignore[attr-defined]
        campaign = func.coalesce(answers.campaign, "")
        keys: tuple[Any, ...] = (answers.metric, day, answers.score, answers.channel,
                                 answers.locale, answers.survey, campaign,
                                 answers.invitation_id.is_not(None))
        query = (sa_select(*keys, func.count())
                 .select_from(joined)
                 .where(answers.is_test.is_(False))  # managers' own tries are not counted
                 .group_by(*keys))
        session.exec(insert(AnswerCount).from_select(  # type: ignore[call-overload]
            [*_COUNT_KEY, "count"], query))
    kv_set(session=session, key=ROLLUP_ZONE_KEY, value=zone.key)


def sync_rollup_zone(*, session: Session, zone: ZoneInfo) -> bool:
    """Rebuild ``answer_counts`` when it counts another zone's days; True when it did.  The
    caller commits.  Engines may be writing meanwhile: on PostgreSQL the table is locked
    against writers for the rebuild (an engine's answer waits, then counts itself in the new
    table); on SQLite the write transaction already keeps other writers out."""
    if rollup_zone(session=session) == zone.key:
        return False
    if _dialect(session) == "postgresql":
        session.exec(text("LOCK TABLE answer_counts IN EXCLUSIVE MODE"))  # type: ignore[call-overload]
        if rollup_zone(session=session) == zone.key:  # another process rebuilt it first
            return False
    rebuild_counts(session=session, zone=zone)
    return True


def create_alert(*, session: Session, answer: Answer, at: datetime | None = None) -> Alert:
    """The alert of ``answer``, raised ``at`` (the engine's clock; now by default)."""
    assert answer.id is not None
    alert = Alert(answer_id=answer.id, channel=answer.channel, created_at=at or utcnow())
    session.add(alert)
    session.flush()
    return alert


def set_alert_ref(*, session: Session, alert_id: int, ref: str) -> None:
    session.exec(  # type: ignore[call-overload]
        update(Alert).where(col(Alert.id) == alert_id).values(platform_ref=ref))


def alert_for_answer(*, session: Session, answer_id: int, lock: bool = False) -> Alert | None:
    """The answer's alert; ``lock``: row-locked and read afresh (a claim may be committing)."""
    query = select(Alert).where(Alert.answer_id == answer_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def lock_alert(*, session: Session, alert_id: int) -> Alert | None:
    return session.exec(select(Alert).where(Alert.id == alert_id).with_for_update()).first()


def add_note(*, session: Session, alert_id: int, author: str, kind: str, text: str = "",
             delivered: bool | None = True, at: datetime | None = None) -> AlertNote:
    """A note on the alert, written ``at`` (the engine's clock; now by default)."""
    note = AlertNote(alert_id=alert_id, author=author, kind=kind, text=text, delivered=delivered,
                     created_at=at or utcnow())
    session.add(note)
    session.flush()
    return note


def notes(*, session: Session, alert_id: int) -> list[AlertNote]:
    return list(
        session.exec(
            select(AlertNote).where(AlertNote.alert_id == alert_id).order_by(col(AlertNote.id))
        )
    )


@dataclass(frozen=True)
class PostedAlert:
    """Where an alert about a deleted person was posted, so it can be redacted there."""

    alert_id: int
    channel: str
    ref: str


@dataclass(frozen=True)
class Deletion:
    answers: int
    posted_alerts: tuple[PostedAlert, ...]


def delete_respondent(*, session: Session, respondent_id: int, zone: ZoneInfo) -> Deletion:
    """Delete a respondent with everything stored about them: runs, answers (uncounted from
    their local days in ``zone``), alerts and their notes; managers' pending replies to those
    alerts are dropped.  Returns the number of answers and the alerts that had been posted."""
    answers = list(session.exec(select(Answer).where(Answer.respondent_id == respondent_id)))
    for answer in answers:
        if not answer.is_test:
            _count(session, answer, -1, zone)
    answer_ids = select(Answer.id).where(Answer.respondent_id == respondent_id)
    alerts = list(session.exec(select(Alert).where(col(Alert.answer_id).in_(answer_ids))))
    alert_ids = [a.id for a in alerts]
    if alert_ids:
        session.exec(update(Respondent).where(  # type: ignore[call-overload]
            col(Respondent.pending_alert_id).in_(alert_ids)).values(pending_alert_id=None))
        session.exec(delete(AlertNote).where(col(AlertNote.alert_id).in_(alert_ids)))  # type: ignore[call-overload]
        session.exec(delete(Alert).where(col(Alert.id).in_(alert_ids)))  # type: ignore[call-overload]
    session.exec(delete(Answer).where(col(Answer.respondent_id) == respondent_id))  # type: ignore[call-overload]
    session.exec(delete(SurveyRun).where(col(SurveyRun.respondent_id) == respondent_id))  # type: ignore[call-overload]
    session.exec(delete(Respondent).where(col(Respondent.id) == respondent_id))  # type: ignore[call-overload]
    posted = tuple(PostedAlert(a.id, a.channel, a.platform_ref) for a in alerts
                   if a.id is not None and a.platform_ref)
    return Deletion(len(answers), posted)


def kv_get(*, session: Session, key: str) -> str | None:
    row = session.get(KeyValue, key)
    return row.value if row else None


def kv_set(*, session: Session, key: str, value: str) -> None:
    row = session.get(KeyValue, key)
    if row is None:
        session.add(KeyValue(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
        session.add(row)
