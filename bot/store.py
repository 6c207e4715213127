"""Keyword-only data functions over a SQLModel session; the engine's only way to the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

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
    *, session: Session, respondent_id: int, survey: str, campaign: str | None
) -> SurveyRun:
    close_active_runs(session=session, respondent_id=respondent_id, status="replaced")
    run = SurveyRun(respondent_id=respondent_id, survey=survey, campaign=campaign)
    session.add(run)
    session.flush()
    return run


def add_answer(*, session: Session, answer: Answer) -> Answer:
    """Store an answer and count it in ``answer_counts`` (a manager's test answer is not
    counted), in the caller's transaction."""
    session.add(answer)
    session.flush()
    if not answer.is_test:
        _count(session, answer, +1)
    return answer


_COUNT_KEY = ("metric", "day", "score", "channel", "locale", "survey", "campaign")


@cache
def _count_statement(dialect: str) -> Any:
    table = AnswerCount.__table__  # type: ignore[attr-defined]
    return (
        _insert_for(dialect)(table)
        .values({name: bindparam(name) for name in (*_COUNT_KEY, "count")})
        .on_conflict_do_update(index_elements=list(_COUNT_KEY),
                               set_={"count": table.c.count + bindparam("delta")})
    )


def _count(session: Session, answer: Answer, delta: int) -> None:
    session.connection().execute(_count_statement(_dialect(session)), {
        "metric": answer.metric, "day": answer.created_at.astimezone(UTC).date(),
        "score": answer.score, "channel": answer.channel, "locale": answer.locale,
        "survey": answer.survey, "campaign": answer.campaign or "", "count": delta,
        "delta": delta,
    })


def rebuild_counts(*, session: Session) -> None:
    """Recount ``answer_counts`` from ``answers`` (after a bulk load that bypassed the engine)."""
    dialect = session.get_bind().dialect.name
    day = "date(created_at)" if dialect == "sqlite" else "(created_at AT TIME ZONE 'UTC')::date"
    session.exec(delete(AnswerCount))  # type: ignore[call-overload]
    session.exec(text(  # type: ignore[call-overload]
        "INSERT INTO answer_counts (metric, day, score, channel, locale, survey, campaign, count) "
        f"SELECT metric, {day}, score, channel, locale, survey, coalesce(campaign, ''), count(*) "
        f"FROM answers GROUP BY metric, {day}, score, channel, locale, survey, "
        "coalesce(campaign, '')"
    ))


def create_alert(*, session: Session, answer: Answer) -> Alert:
    assert answer.id is not None
    alert = Alert(answer_id=answer.id, channel=answer.channel)
    session.add(alert)
    session.flush()
    return alert


def set_alert_ref(*, session: Session, alert_id: int, ref: str) -> None:
    session.exec(  # type: ignore[call-overload]
        update(Alert).where(col(Alert.id) == alert_id).values(platform_ref=ref))


def alert_for_answer(*, session: Session, answer_id: int) -> Alert | None:
    return session.exec(select(Alert).where(Alert.answer_id == answer_id)).first()


def lock_alert(*, session: Session, alert_id: int) -> Alert | None:
    return session.exec(select(Alert).where(Alert.id == alert_id).with_for_update()).first()


def add_note(*, session: Session, alert_id: int, author: str, kind: str, text: str = "",
             delivered: bool = True) -> AlertNote:
    note = AlertNote(alert_id=alert_id, author=author, kind=kind, text=text, delivered=delivered)
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


def delete_respondent(*, session: Session, respondent_id: int) -> Deletion:
    """Delete a respondent with everything stored about them: runs, answers (uncounted from the
    rollup), alerts and their notes; managers' pending replies to those alerts are dropped.
    Returns the number of answers and the alerts that had been posted somewhere."""
    answers = list(session.exec(select(Answer).where(Answer.respondent_id == respondent_id)))
    for answer in answers:
        if not answer.is_test:
            _count(session, answer, -1)
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
