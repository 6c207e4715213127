"""Personal links through the real python-telegram-bot and the Bot API stand-in, on SQLite and
PostgreSQL: ``survey-bot customers links`` asks getMe for the username and writes one link per
imported customer; the first account to open a link is bound to its customer and takes its
survey; the same account may open it again; a second account gets the survey unbound and
never touches the first customer."""

from __future__ import annotations

import asyncio
import csv
import logging
import re
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from adapters.cli import main
from bot import deeplinks
from bot.audience.customers import CustomerRecord, attributes_of, upsert_customer
from bot.audience.values import typed
from bot.campaign_tables import Customer, LinkToken
from bot.models import Answer, utcnow
from tests.telegram.harness import Harness
from tests.telegram.shapes import BOT_USERNAME
from tests.telegram.standin import TOKEN

LINK = re.compile(rf"^https://t\.me/{BOT_USERNAME}\?start=(p-[A-Za-z0-9_-]+)$")


def seed(tg: Harness) -> None:
    with Session(tg.engine.db.engine) as s:
        for n, name in ((1, "Ana Pop"), (2, "Li Wei")):
            upsert_customer(session=s, record=CustomerRecord(
                f"c-{n}", name=name, email=f"c{n}@example.com", language="ro",
                attributes={"plan": typed("pro"), "revenue": typed(100 * n)}), now=utcnow())
        s.commit()


async def links(tg: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                *args: str) -> dict[str, str]:
    """``survey-bot customers links`` (getMe through the stand-in): external_id -> payload."""
    monkeypatch.setenv("DATABASE_URL", tg.settings.database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", tg.settings.telegram_api_base_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "links.csv"
    code = await asyncio.wait_for(asyncio.to_thread(
        main, ["customers", "links", *args, "-o", str(target)]), timeout=60)
    assert code == 0
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and list(rows[0]) == ["external_id", "name", "email", "telegram_link"]
    found = {}
    for row in rows:
        match = LINK.match(row["telegram_link"])
        assert match, row
        assert len(match.group(1)) <= deeplinks.MAX_LENGTH
        found[row["external_id"]] = match.group(1)
    assert {r["external_id"]: (r["name"], r["email"]) for r in rows} == {
        "c-1": ("Ana Pop", "c1@example.com"), "c-2": ("Li Wei", "c2@example.com")}
    return found


def customer(tg: Harness, external_id: str) -> Customer:
    with Session(tg.engine.db.read_engine) as s:
        return s.exec(select(Customer).where(Customer.external_id == external_id)).one()


def token_row(tg: Harness, payload: str) -> LinkToken:
    with Session(tg.engine.db.read_engine) as s:
        return s.exec(select(LinkToken).where(
            LinkToken.digest == deeplinks.digest(payload[2:]))).one()


async def test_a_personal_link_binds_the_first_account_only(
        tg: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    seed(tg)
    made = await links(tg, monkeypatch, tmp_path, "--survey", "csat", "--campaign", "winter")
    assert tg.api.sent("getMe")
    with Session(tg.engine.db.read_engine) as s:  # only digests are stored
        stored = {t.digest for t in s.exec(select(LinkToken))}
    assert stored == {deeplinks.digest(p[2:]) for p in made.values()}
    assert not any(p[2:] in stored for p in made.values())
    ana = customer(tg, "c-1")

    owner = tg.person(501, "Ana", "en")
    got = await owner.say(f"/start {made['c-1']}")
    assert any("satisfied" in text for text in got)
    person = tg.respondent(501)
    assert person is not None and person.customer_id == ana.id
    link = token_row(tg, made["c-1"])
    assert link.bound_to == "501" and link.bound_at is not None
    await owner.press("4")
    await owner.say(f"/start {made['c-1']}")  # the same account again: the survey again
    await owner.press("5")
    assert token_row(tg, made["c-1"]).bound_at == link.bound_at

    other = tg.person(502, "Mallory", "en")
    with caplog.at_level(logging.WARNING):
        got = await other.say(f"/start {made['c-1']}")
    assert any("satisfied" in text for text in got)
    assert "opened by another telegram account" in caplog.text
    assert made["c-1"][2:] not in caplog.text
    await other.press("1")
    stranger = tg.respondent(502)
    assert stranger is not None and stranger.customer_id != ana.id
    assert token_row(tg, made["c-1"]).bound_to == "501"
    after = customer(tg, "c-1")
    assert (after.name, after.email, after.updated_at) == (ana.name, ana.email, ana.updated_at)
    with Session(tg.engine.db.read_engine) as s:
        assert {k: v.text_value for k, v in attributes_of(
            session=s, customer_id=ana.id or 0).items()} == {"plan": "pro", "revenue": "100"}
    # Nothing of Ana's reached the second account.
    assert not any("Ana" in text or "c1@example.com" in text
                   for text in tg.api.texts_to(502))
    answers = [(a.respondent_id, a.survey, a.campaign, a.score) for a in tg.answers()]
    assert answers == [(person.id, "csat", "winter", 4), (person.id, "csat", "winter", 5),
                       (stranger.id, "csat", "winter", 1)]


async def test_links_made_again_are_new_and_the_old_ones_still_work(
        tg: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    seed(tg)
    first = await links(tg, monkeypatch, tmp_path)
    second = await links(tg, monkeypatch, tmp_path, "--survey", "nps")
    assert set(first.values()).isdisjoint(second.values())
    li = tg.person(601, "Li", "zh-hans")
    got = await li.say(f"/start {first['c-2']}")
    assert any("推荐" in text for text in got)  # the default survey opens with NPS
    person = tg.respondent(601)
    assert person is not None and person.customer_id == customer(tg, "c-2").id
    assert token_row(tg, second["c-2"]).bound_to is None  # each link binds on its own
    with caplog.at_level(logging.WARNING):
        await tg.person(602, "Eve", "en").say("/start p-NoSuchTokenAtAll0123456789abcdef")
    assert "unknown personal link" in caplog.text and "NoSuchToken" not in caplog.text
    with caplog.at_level(logging.WARNING):
        await tg.person(603, "Eve", "en").say("/start p-" + "x" * 70)
    assert "malformed start payload" in caplog.text and "x" * 20 not in caplog.text
    with Session(tg.engine.db.read_engine) as s:
        surveys = [a for a in s.exec(select(Answer).order_by(col(Answer.id)))]
    assert surveys == []  # nobody answered yet; the starts above asked their first question
    assert len(tg.api.texts_to(602)) == 1 and len(tg.api.texts_to(603)) == 1
