"""The advocacy part of ``/export_my_data``: the times the person was asked to recommend us and
what they answered, how many people came through their links, and whether they came
recommended; worded in the reader's language (empty when there is nothing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.advocacy_tables import AskStatus, PromoterAsk, Referral
from bot.i18n import Translator
from bot.prompts import channel_label


def advocacy_export(*, session: Session, customer_id: int, t: Translator) -> dict[str, Any]:
    asks = list(session.exec(select(PromoterAsk).where(
        PromoterAsk.customer_id == customer_id).order_by(col(PromoterAsk.created_at))))
    brought = session.exec(select(func.count()).select_from(Referral).where(
        Referral.referrer_id == customer_id)).one()
    came = session.exec(select(Referral.id).where(
        Referral.referred_id == customer_id)).first() is not None
    if not asks and not brought and not came:
        return {}
    answers = {AskStatus.ASKED: t.gettext("no answer"), AskStatus.ACCEPTED: t.gettext("accepted"),
               AskStatus.DECLINED: t.gettext("declined")}
    return {t.gettext("recommendations"): {
        t.gettext("asked to recommend us"): [{
            t.gettext("asked at"): ask.created_at.isoformat(timespec="seconds"),
            t.gettext("channel"): channel_label(ask.channel, t),
            t.gettext("answer"): answers.get(AskStatus(ask.status), ask.status),
            t.gettext("may be named"): ask.named,
        } for ask in asks],
        t.gettext("people who came through your links"): int(brought),
        t.gettext("came recommended by another customer"): came,
    }}
