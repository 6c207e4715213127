"""What the bot keeps about a person who asked to be forgotten, and what it hands a person who
asked for their data: keyword-only data functions over a session, like bot/store.py."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.models import Alert, AlertNote, Answer, Erasure, KeyValue, NoteKind, utcnow
from bot.store import insert_for, kv_get

_ERASURE_KEY = "privacy.erasure_key"


def _erasure_key(session: Session) -> bytes:
    """The install's random key for erasure hashes, made on first use (by one process: a
    concurrent maker's key wins and both read it)."""
    key = kv_get(session=session, key=_ERASURE_KEY)
    if key is None:
        table = KeyValue.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            insert_for(session)(table).values(key=_ERASURE_KEY, value=secrets.token_hex(32),
                                              updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["key"]))
        key = kv_get(session=session, key=_ERASURE_KEY)
        assert key is not None
    return bytes.fromhex(key)


def _digest(key: bytes, channel: str, user_id: str) -> str:
    """A keyed hash of the person: it recognises them again and does not say who they were."""
    return hmac.new(key, f"{channel}\0{user_id}".encode(), hashlib.sha256).hexdigest()


def _subject(session: Session, channel: str, user_id: str) -> str:
    return _digest(_erasure_key(session), channel, user_id)


def record_erasure(*, session: Session, channel: str, user_id: str, at: datetime) -> None:
    subject = _subject(session, channel, user_id)
    if session.get(Erasure, subject) is None:
        session.add(Erasure(subject=subject, erased_at=at))


def is_erased(*, session: Session, channel: str, user_id: str) -> bool:
    return session.get(Erasure, _subject(session, channel, user_id)) is not None


def erased_matcher(*, session: Session) -> Callable[[str, str], bool]:
    """``erased(channel, user_id)`` for many people at once (a campaign's audience): the
    tombstones are read once; a matcher that says False at once when there are none."""
    subjects = set(session.exec(select(Erasure.subject)))
    if not subjects:
        return lambda _channel, _user_id: False
    key = _erasure_key(session)

    def erased(channel: str, user_id: str) -> bool:
        return _digest(key, channel, user_id) in subjects
    return erased


def erased_among(*, session: Session,
                 people: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (channel, user id) pairs deleted their data: one query for a batch."""
    wanted = set(people)
    if not wanted:
        return set()
    key = _erasure_key(session)
    subjects = {_digest(key, channel, user_id): (channel, user_id) for channel, user_id in wanted}
    found = session.exec(select(Erasure.subject).where(col(Erasure.subject).in_(subjects)))
    return {subjects[subject] for subject in found}


def clear_erasure(*, session: Session, channel: str, user_id: str) -> None:
    """The person opted in again by starting a survey themselves."""
    session.exec(delete(Erasure).where(  # type: ignore[call-overload]
        col(Erasure.subject) == _subject(session, channel, user_id)))


def answers_of(*, session: Session, respondent_id: int) -> list[Answer]:
    return list(session.exec(select(Answer).where(Answer.respondent_id == respondent_id)
                             .order_by(col(Answer.id))))


def replies_received(*, session: Session, respondent_id: int) -> list[AlertNote]:
    """The managers' replies that reached this person, oldest first."""
    answer_ids = select(Answer.id).where(Answer.respondent_id == respondent_id)
    alert_ids = select(Alert.id).where(col(Alert.answer_id).in_(answer_ids))
    return list(session.exec(
        select(AlertNote).where(col(AlertNote.alert_id).in_(alert_ids),
                                AlertNote.kind == NoteKind.REPLY,
                                col(AlertNote.delivered).is_(True))
        .order_by(col(AlertNote.id))))


def recovery_answers(*, session: Session, respondent_id: int) -> list[AlertNote]:
    """This person's answers to "is the problem solved?" (bot/engine/recovery.py), oldest
    first."""
    answer_ids = select(Answer.id).where(Answer.respondent_id == respondent_id)
    alert_ids = select(Alert.id).where(col(Alert.answer_id).in_(answer_ids))
    return list(session.exec(
        select(AlertNote).where(col(AlertNote.alert_id).in_(alert_ids),
                                col(AlertNote.kind).in_((NoteKind.SOLVED, NoteKind.UNSOLVED)))
        .order_by(col(AlertNote.id))))
