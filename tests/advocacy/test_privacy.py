"""A person's advocacy data, on SQLite and PostgreSQL: ``/export_my_data`` holds their asks
(when, where, what they answered, whether they may be named), how many came through their
links and whether they came recommended; ``/delete_my_data`` takes the asks, their links and
the referrals with it, whichever side the person was on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.advocacy_tables import AdvocacyLink, PromoterAsk, Referral
from bot.app import build_engine
from bot.engine import Engine
from bot.messages import ReplyFile
from bot.style import ChannelStyle
from tests.advocacy.surveys import PUBLIC_URL, survey_file
from tests.advocacy.test_referrals import promote
from tests.helpers import Person, of_type


@pytest.fixture
def engine(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[Engine]:
    eng = build_engine(make_settings(survey_file=str(survey_file(tmp_path)),
                                     public_url=PUBLIC_URL))
    eng.use_style("telegram", ChannelStyle(start_link="https://t.me/b?start={payload}"))
    yield eng
    eng.db.dispose()


def exported(person: Person) -> dict[str, Any]:
    [file] = of_type(person.command("export_my_data"), ReplyFile)
    data: dict[str, Any] = json.loads(file.content)
    return data


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine.db.read_engine) as s:
        return (len(s.exec(select(PromoterAsk)).all()), len(s.exec(select(AdvocacyLink)).all()),
                len(s.exec(select(Referral)).all()))


def test_export_and_deletion(engine: Engine) -> None:
    payload = promote(engine, "500")
    friend = Person(engine, "501", channel="telegram")
    friend.command("start", payload)
    ana = Person(engine, "500", channel="telegram")
    mine = exported(ana)["recommendations"]
    [ask] = mine["asked to recommend us"]
    assert (ask["channel"], ask["answer"], ask["may be named"]) == ("Telegram", "accepted", None)
    assert mine["people who came through your links"] == 1
    assert mine["came recommended by another customer"] is False
    theirs = exported(friend)["recommendations"]
    assert theirs == {"asked to recommend us": [], "people who came through your links": 0,
                      "came recommended by another customer": True}
    assert counts(engine) == (1, 2, 1)

    friend.command("delete_my_data")
    friend.press("del:yes")
    assert counts(engine) == (1, 2, 0)
    Person(engine, "502", channel="telegram").command("start", payload)
    assert counts(engine) == (1, 2, 1)
    ana.command("delete_my_data")
    ana.press("del:yes")
    assert counts(engine) == (0, 0, 0)
