"""Promoter asks: whether a customer may be asked (the cooldown), the promoter answer of a
finished survey run that earns an ask, and the ask itself."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.advocacy_tables import PromoterAsk
from bot.models import Answer
from bot.surveys import Question, Survey


def asked_since(*, session: Session, customer_id: int, since: datetime | None) -> bool:
    """The customer (any of their accounts) was asked at or after ``since``; never when
    ``since`` is None (no cooldown)."""
    if since is None:
        return False
    return session.exec(select(PromoterAsk.id).where(
        PromoterAsk.customer_id == customer_id,
        col(PromoterAsk.created_at) >= since).limit(1)).first() is not None


def promoter_answer(*, session: Session, run_id: int,
                    survey: Survey) -> tuple[Question, Answer] | None:
    """The first question of ``survey`` carrying a promoter ask that the run answered in a
    good bucket (a promoter, 9-10), with that answer; None when there is none."""
    asking = {q.key: q for q in survey.questions if q.promoter_ask is not None}
    if not asking:
        return None
    answers = session.exec(select(Answer).where(
        Answer.survey_run_id == run_id, col(Answer.question_key).in_(list(asking)))
        .order_by(col(Answer.id)))
    for answer in answers:
        question = asking[answer.question_key]
        if answer.bucket in question.spec.good:
            return question, answer
    return None


def lock_ask(*, session: Session, ask_id: int) -> PromoterAsk | None:
    """The ask, locked for this transaction on PostgreSQL (two presses of one button)."""
    return session.exec(select(PromoterAsk).where(PromoterAsk.id == ask_id)
                        .with_for_update()).first()
