"""Referral and review links: a random token per link (the :mod:`bot.deeplinks` codec's, 32
URL-safe characters), of which only the SHA-256 is stored (``advocacy_links``), as personal
links are (:mod:`bot.audience.links`).  Logs never hold a token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import deeplinks
from bot.advocacy_tables import AdvocacyLink, LinkKind, PromoterAsk

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,62}$")
"""What a token may look like (ours are 32 characters); anything else is not looked up."""


def well_formed(token: str) -> bool:
    return bool(_TOKEN.match(token))


def new_link(*, session: Session, ask_id: int, kind: LinkKind, target: str | None,
             now: datetime) -> str:
    """A new link of ``kind`` for the ask, leading to ``target``; its token (shown once, in
    the promoter's message, never stored)."""
    token = deeplinks.new_token()
    session.add(AdvocacyLink(digest=deeplinks.digest(token), ask_id=ask_id, kind=kind,
                             target=target, created_at=now))
    return token


@dataclass(frozen=True, slots=True)
class Found:
    """A link, the ask it was made for, and whether this request was counted."""

    link: AdvocacyLink
    ask: PromoterAsk
    counted: bool


def find(*, session: Session, token: str, kind: LinkKind | None = None) -> Found | None:
    """The link of ``token`` (of ``kind`` when given) with its ask; None when there is none
    (or the token cannot be one)."""
    if not well_formed(token):
        return None
    query = select(AdvocacyLink, PromoterAsk).join(
        PromoterAsk, col(PromoterAsk.id) == col(AdvocacyLink.ask_id)).where(
        AdvocacyLink.digest == deeplinks.digest(token))
    if kind is not None:
        query = query.where(AdvocacyLink.kind == kind)
    row = session.exec(query).first()
    return None if row is None else Found(row[0], row[1], False)


def count_click(*, session: Session, link: AdvocacyLink, now: datetime) -> None:
    """One more click on ``link``: one UPDATE, so concurrent clicks are all counted."""
    session.exec(update(AdvocacyLink).where(  # type: ignore[call-overload]
        col(AdvocacyLink.digest) == link.digest).values(
        clicks=col(AdvocacyLink.clicks) + 1, last_click_at=now))
    if link.first_click_at is None:
        session.exec(update(AdvocacyLink).where(  # type: ignore[call-overload]
            col(AdvocacyLink.digest) == link.digest,
            col(AdvocacyLink.first_click_at).is_(None)).values(first_click_at=now))


def follow(*, session: Session, token: str, now: datetime, count: bool) -> Found | None:
    """``GET /r/<token>``: the link when it leads somewhere, its click counted when ``count``
    (a browser, not a preview crawler); None for an unknown token or a link with no page.  The
    caller commits."""
    found = find(session=session, token=token)
    if found is None or not found.link.target:
        return None
    if count:
        count_click(session=session, link=found.link, now=now)
    return Found(found.link, found.ask, count)
