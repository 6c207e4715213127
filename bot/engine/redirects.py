"""The web's ``GET /r/<token>``: where a promoter's referral or review link leads, and its
click counted (:mod:`bot.advocacy.links`; the HTTP side is :mod:`adapters.redirect`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.advocacy import links
from bot.engine.transient import retrying

if TYPE_CHECKING:
    from bot.db import Database


class Redirects:
    """Part of :class:`~bot.engine.Engine`."""

    db: Database
    clock: Callable[[], datetime]

    def follow_link(self, token: str, *, count: bool) -> str | None:
        """The address ``/r/<token>`` redirects to, its click counted when ``count`` (a
        browser); None for a token that names no link with a page.  A lookup that counts
        nothing never takes the write lock.  A lost connection is retried, then
        :class:`~bot.engine.transient.DatabaseDown`."""
        if not links.well_formed(token):
            return None

        def once() -> str | None:
            engine = self.db.engine if count else self.db.read_engine
            with Session(engine, expire_on_commit=False, autoflush=False) as session:
                found = links.follow(session=session, token=token, now=self.clock(),
                                     count=count)
                if found is not None and found.counted:
                    session.commit()
                return found.link.target if found is not None else None
        return retrying(once)
