"""Who is attributed to a promoter, on SQLite and PostgreSQL: a new person starting with
``r-<token>`` is; a person already known, a returning person who deleted their data, a manager
and the promoter themself are not (logged); an imported row's ``referred_by`` names a promoter
by ``external_id`` (before or after it in the file; an unknown one or the customer themself is a
warning, the row imported); and asks and referrals follow an account that an import or a
personal link moves to another customer."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from adapters.cli import main
from bot.advocacy_tables import PromoterAsk, Referral
from bot.app import build_engine
from bot.audience.customers import CustomerRecord, upsert_customer
from bot.audience.importer import import_customers
from bot.audience.source import open_source
from bot.campaign_tables import Customer
from bot.engine import Engine
from bot.messages import Reply
from bot.models import Respondent
from bot.style import ChannelStyle
from tests.advocacy.surveys import PUBLIC_URL, survey_file
from tests.helpers import Person, texts

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
START = re.compile(r"start=(r-[A-Za-z0-9_-]{32})")
FRIEND = "Hello! A friend recommended us to you."


@pytest.fixture
def engine(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[Engine]:
    eng = build_engine(make_settings(survey_file=str(survey_file(tmp_path)),
                                     public_url=PUBLIC_URL, console_manager=True))
    for channel in ("telegram", "console"):
        eng.use_style(channel, ChannelStyle(start_link="https://t.me/b?start={payload}"))
    yield eng
    eng.db.dispose()


def promote(engine: Engine, user: str, channel: str = "telegram") -> str:
    """``user`` takes the survey as a promoter and the ask: their referral payload."""
    person = Person(engine, user, channel=channel)
    person.command("start")
    person.press_score(10)
    person.say("Great")
    person.press_score(5)
    yes = next(c.value for o in person.last if isinstance(o, Reply) for c in o.choices
               if c.label == "Yes, gladly")
    match = START.search(texts(person.press(yes)))
    assert match
    return match.group(1)


def referrals(engine: Engine) -> list[Referral]:
    with Session(engine.db.read_engine) as s:
        return list(s.exec(select(Referral).order_by(col(Referral.id))))


def customer_of_user(engine: Engine, user: str, channel: str = "telegram") -> int | None:
    with Session(engine.db.read_engine) as s:
        person = s.exec(select(Respondent).where(Respondent.channel == channel,
                                                 Respondent.platform_user_id == user)).one()
        return person.customer_id


def test_a_new_person_is_attributed_and_a_known_one_is_not(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    payload = promote(engine, "100")
    promoter = customer_of_user(engine, "100")
    assert FRIEND in texts(Person(engine, "201", channel="telegram").command("start", payload))
    [referral] = referrals(engine)
    assert (referral.referrer_id, referral.referred_id, referral.source) == (
        promoter, customer_of_user(engine, "201"), "link")
    # On the console too (the link's payload typed: /start r-<token>).
    assert FRIEND in texts(Person(engine, "console-friend").command("start", payload))
    assert (referrals(engine)[-1].referred_id, referrals(engine)[-1].channel) == (
        customer_of_user(engine, "console-friend", "console"), "console")

    known = Person(engine, "202", channel="telegram")
    known.command("help")  # met before: not new
    with caplog.at_level(logging.INFO):
        out = known.command("start", payload)
    assert FRIEND not in texts(out) and "Hello!" in texts(out)
    assert "opened by a known telegram account: not a new referral" in caplog.text
    assert payload[2:] not in caplog.text  # logs never hold a token

    with caplog.at_level(logging.INFO):
        Person(engine, "100", channel="telegram").command("start", payload)
    assert "opened their own referral link: not counted" in caplog.text

    # Erased, then back through the link: a new row, yet not a new person.
    gone = Person(engine, "203", channel="telegram")
    gone.command("start")
    gone.command("delete_my_data")
    gone.press("del:yes")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        gone.command("start", payload)
        # A manager trying the link is no referral either.
        Person(engine, "console-manager").command("start", payload)
    assert caplog.text.count("not a new referral") == 2
    assert len(referrals(engine)) == 2


def test_unknown_and_malformed_referral_payloads(engine: Engine,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        out = Person(engine, "301", channel="telegram").command(
            "start", "r-NoSuchReferralTokenAtAll_0123456")
    assert "recommend us" in texts(out)
    assert "unknown referral link opened on telegram" in caplog.text
    assert "NoSuchReferral" not in caplog.text
    with caplog.at_level(logging.INFO):
        out = Person(engine, "302", channel="telegram").command("start", "r-" + "é" * 10)
    assert "recommend us" in texts(out)
    assert "malformed start payload 'r-…'" in caplog.text and "é" not in caplog.text
    assert referrals(engine) == []


def test_asks_and_referrals_follow_an_account_into_an_imported_customer(
        engine: Engine, tmp_path: Path) -> None:
    payload = promote(engine, "400")
    Person(engine, "401", channel="telegram").command("start", payload)
    came_alone = customer_of_user(engine, "401")
    # The friend turns out to be customer c-friend (a personal link or an API upsert: bind).
    with Session(engine.db.engine) as s:
        upsert_customer(session=s, record=CustomerRecord("c-friend", telegram_id="401"),
                        now=NOW)
        s.commit()
    # The promoter is imported by file (the bulk path).
    path = tmp_path / "c.csv"
    path.write_text("external_id,telegram_id,name\nc-promoter,400,Ana Pop\n", encoding="utf-8")
    import_customers(engine.db, open_source(path), now=NOW)
    with Session(engine.db.read_engine) as s:
        ids = {c.external_id: c.id for c in s.exec(select(Customer))}
        [ask] = s.exec(select(PromoterAsk)).all()
        assert s.get(Customer, came_alone) is None  # dropped, its referral carried over
    [referral] = referrals(engine)
    assert (referral.referrer_id, referral.referred_id) == (ids["c-promoter"], ids["c-friend"])
    assert ask.customer_id == ids["c-promoter"]


CSV = """external_id,name,referred_by
c-1,Ana Pop,
c-2,Bob,c-1
c-3,Carol,c-99
c-4,Dan,c-5
c-5,Eve,
c-6,Fay,c-6
c-7,Gus,c-1
"""


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def imported_referrals(database_url: str) -> set[tuple[str, str, str]]:
    from bot.db import open_database

    db = open_database(database_url)
    try:
        with Session(db.read_engine) as s:
            ids = {c.id: c.external_id for c in s.exec(select(Customer))}
            return {(str(ids[r.referred_id]), str(ids[r.referrer_id]), r.source)
                    for r in s.exec(select(Referral))}
    finally:
        db.dispose()


def test_imported_referred_by(env: Path, database_url: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    warnings = ["2 imported without their referral:",
                "  line 4: referred_by 'c-99' is no customer's external_id: imported without "
                "the referral",
                "  line 7: referred_by 'c-6' is the customer themself: the referral is left out"]
    assert main(["customers", "import", str(env), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["dry run, nothing written: 7 would be imported, 0 updated, 0 rejected",
                   *warnings]
    assert imported_referrals(database_url) == set()

    assert main(["customers", "import", str(env)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["7 imported, 0 updated, 0 rejected", *warnings]
    expected = {("c-2", "c-1", "import"), ("c-4", "c-5", "import"), ("c-7", "c-1", "import")}
    assert imported_referrals(database_url) == expected

    # Again, and with c-2 said to come from someone else: the first attribution stays.
    env.write_text(CSV.replace("c-2,Bob,c-1", "c-2,Bob,c-5"), encoding="utf-8")
    assert main(["customers", "import", str(env)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "0 imported, 7 updated, 0 rejected"
    assert "  line 3: 'c-2' was attributed to another promoter before; the first attribution " \
           "stays" in out
    assert imported_referrals(database_url) == expected


def test_a_referred_by_through_upsert_customer(database_url: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    from bot.db import open_database

    db = open_database(database_url)
    try:
        with Session(db.engine) as s:
            upsert_customer(session=s, record=CustomerRecord("p-1", name="Ana"), now=NOW)
            upsert_customer(session=s, record=CustomerRecord("f-1", referred_by="p-1"), now=NOW)
            with caplog.at_level(logging.WARNING):
                upsert_customer(session=s, record=CustomerRecord("f-2", referred_by="nobody"),
                                now=NOW)
            s.commit()
        assert "'f-2': referred_by 'nobody' is no customer's external_id" in caplog.text
        assert imported_referrals(database_url) == {("f-1", "p-1", "import")}
    finally:
        db.dispose()
