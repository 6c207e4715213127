"""``/nps advocacy`` on a small world whose figures were worked out by hand, on SQLite and
PostgreSQL, through a manager's command: the promoters asked in the period and what came of
them, by channel and by language, the top referrers named only with their consent, what the
cohort leaves out, and the answers to bad arguments.

The world (period 30d to 1 December 2026): Ana (Telegram, en) accepted, her links clicked 5
times and her review page twice, three people came through her (two by her link, one imported
after she was asked; two of them answered a survey), she said she may be named; Bob (Telegram,
ro) accepted, one click, one person came through him, never said whether he may be named; Cid
(Slack, zh) declined; Dan (Slack, en) did not answer, and someone imported as his referral
before he was asked is not his; Eve, asked in October, brought someone in November; a manager's
test ask with nine clicks counts nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot import deeplinks
from bot.advocacy_tables import (
    AdvocacyLink,
    AskStatus,
    LinkKind,
    PromoterAsk,
    Referral,
    ReferralSource,
)
from bot.app import build_engine
from bot.campaign_tables import Customer
from bot.engine import Engine
from bot.models import Answer, Respondent, SurveyRun
from tests.advocacy.surveys import survey_file
from tests.helpers import Person, texts

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def day(month: int, d: int) -> datetime:
    return datetime(2026, month, d, 10, tzinfo=UTC)


class World:
    def __init__(self, session: Session) -> None:
        self.s = session

    def person(self, name: str, channel: str = "telegram", locale: str = "en",
               answered: bool = False) -> int:
        customer = Customer(name=name, created_at=day(9, 1), updated_at=day(9, 1))
        self.s.add(customer)
        self.s.flush()
        who = Respondent(channel=channel, platform_user_id=f"{channel}-{name}", locale=locale,
                         display_name=name, customer_id=customer.id)
        self.s.add(who)
        self.s.flush()
        if answered:
            run = SurveyRun(respondent_id=who.id or 0, survey="default", status="completed")
            self.s.add(run)
            self.s.flush()
            self.s.add(Answer(respondent_id=who.id or 0, survey_run_id=run.id or 0,
                              survey="default", question_key="nps", metric="nps", score=8,
                              scale_min=0, scale_max=10, bucket="passive", locale=locale,
                              channel=channel, created_at=day(11, 29)))
        assert customer.id is not None
        return customer.id

    def ask(self, customer: int, at: datetime, status: AskStatus, *, channel: str = "telegram",
            locale: str = "en", named: bool | None = None, test: bool = False,
            clicks: int = 0, reviews: int = 0) -> int:
        respondent = self.s.exec(select(Respondent).where(
            Respondent.customer_id == customer)).one()
        ask = PromoterAsk(customer_id=customer, respondent_id=respondent.id or 0,
                          survey="default",
                          channel=channel, locale=locale, status=status, consent_asked=True,
                          named=named, is_test=test, created_at=at)
        self.s.add(ask)
        self.s.flush()
        assert ask.id is not None
        for kind, count in ((LinkKind.REFERRAL, clicks), (LinkKind.REVIEW, reviews)):
            self.s.add(AdvocacyLink(digest=deeplinks.digest(deeplinks.new_token()),
                                    ask_id=ask.id, kind=kind, target="https://x.example",
                                    clicks=count, created_at=at))
        return ask.id

    def referral(self, referrer: int, referred: int, at: datetime,
                 ask: int | None = None) -> None:
        self.s.add(Referral(referrer_id=referrer, referred_id=referred, ask_id=ask,
                            source=ReferralSource.LINK if ask else ReferralSource.IMPORT,
                            channel="telegram" if ask else "", created_at=at))
        self.s.flush()


def build_world(engine: Engine) -> None:
    with Session(engine.db.engine) as s:
        w = World(s)
        ana, bob = w.person("Ana Pop"), w.person("Bob Ionescu", locale="ro")
        cid, dan = w.person("Cid", "slack", "zh"), w.person("Dan", "slack")
        eve, boss = w.person("Eve"), w.person("Boss")
        a = w.ask(ana, day(11, 20), AskStatus.ACCEPTED, named=True, clicks=5, reviews=2)
        b = w.ask(bob, day(11, 21), AskStatus.ACCEPTED, locale="ro", clicks=1)
        w.ask(cid, day(11, 22), AskStatus.DECLINED, channel="slack", locale="zh")
        w.ask(dan, day(11, 23), AskStatus.ASKED, channel="slack")
        e = w.ask(eve, day(10, 1), AskStatus.ACCEPTED, clicks=4)
        w.ask(boss, day(11, 24), AskStatus.ACCEPTED, test=True, clicks=9)
        w.referral(ana, w.person("F1", answered=True), day(11, 25), a)
        w.referral(ana, w.person("F2"), day(11, 26), a)
        w.referral(ana, w.person("F3", answered=True), day(11, 27))  # imported after her ask
        w.referral(bob, w.person("F4"), day(11, 29), b)
        w.referral(dan, w.person("G"), day(11, 10))  # imported before he was asked
        w.referral(eve, w.person("H"), day(11, 28), e)  # an October ask's link
        w.referral(boss, w.person("T"), day(11, 28))
        s.commit()


@pytest.fixture
def manager(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[Person]:
    engine = build_engine(make_settings(survey_file=str(survey_file(tmp_path)),
                                        console_manager=True))
    engine.clock = lambda: NOW
    build_world(engine)
    yield Person(engine, "console-manager")
    engine.db.dispose()


HEAD = [
    "Advocacy · 30d (Nov 2\u2009–\u2009Dec 1, 2026)",
    "Promoters asked: n = 4 ⚠ too few to trust",
    "Accepted: 2 of 4 (50%; 95% interval 15%–85%)",
    "Referral link clicks: 6",
    "Referred people: 4; of them answered a survey: 2 of 4 (50%; 95% interval 15%–85%)",
    "Referral rate (referred people per promoter asked): 1.00 (n = 4; 95% interval 0.27–2.56)",
    "Advocacy conversion (brought at least one person): 2 of 4 (50%; 95% interval 15%–85%)",
    "Review clicks: 2; promoters who opened the review page: 1 of 4 (25%; 95% interval "
    "5%–70%)",
]
TAIL = [
    "",
    "Top referrers:",
    "1. Ana Pop: 3 people",
    "2. a promoter (not named): 1 person",
    "Besides, 3 people were attributed in this period to customers not asked in it (an "
    "imported referred_by, or a link of an earlier ask).",
    "Intervals: Wilson’s for shares; exact Poisson (Garwood) for the referral rate.",
]


def test_the_figures_by_hand(manager: Person) -> None:
    assert texts(manager.command("nps", "advocacy")).split("\n") == HEAD + TAIL
    assert texts(manager.command("nps", "advocacy 30d")).split("\n") == HEAD + TAIL
    assert "Bob" not in texts(manager.last)


def test_by_channel(manager: Person) -> None:
    lines = texts(manager.command("nps", "advocacy 30d by channel")).split("\n")
    assert lines[:len(HEAD)] == HEAD
    assert lines[len(HEAD):len(HEAD) + 18] == [
        "", "Slack:",
        "  Promoters asked: n = 2 ⚠ too few to trust",
        "  Accepted: 0 of 2 (0%; 95% interval 0%–66%)",
        "  Referral link clicks: 0",
        "  Referred people: 0; of them answered a survey: 0 of 0",
        "  Referral rate (referred people per promoter asked): "
        "0.00 (n = 2; 95% interval 0.00–1.84)",
        "  Advocacy conversion (brought at least one person): 0 of 2 (0%; 95% interval "
        "0%–66%)",
        "  Review clicks: 0; promoters who opened the review page: 0 of 2 (0%; 95% interval "
        "0%–66%)",
        "", "Telegram:",
        "  Promoters asked: n = 2 ⚠ too few to trust",
        "  Accepted: 2 of 2 (100%; 95% interval 34%–100%)",
        "  Referral link clicks: 6",
        "  Referred people: 4; of them answered a survey: 2 of 4 (50%; 95% interval 15%–85%)",
        "  Referral rate (referred people per promoter asked): "
        "2.00 (n = 2; 95% interval 0.54–5.12)",
        "  Advocacy conversion (brought at least one person): 2 of 2 (100%; 95% interval "
        "34%–100%)",
        "  Review clicks: 2; promoters who opened the review page: 1 of 2 (50%; 95% interval "
        "9%–91%)",
    ]
    assert lines[len(HEAD) + 18:] == TAIL


def test_by_language_and_in_romanian(manager: Person) -> None:
    lines = texts(manager.command("nps", "advocacy by language")).split("\n")
    assert [line for line in lines if line.endswith(":") and not line.startswith(" ")] == [
        "English:", "Romanian:", "Simplified Chinese:", "Top referrers:"]
    manager.command("language", "ro")
    lines = texts(manager.command("nps", "advocacy 30d")).split("\n")
    assert lines[2] == ("Au acceptat: 2 din 4 (50 %; interval de încredere de 95 %: "
                        "15 %–85 %)").replace(" %", "\u00a0%")
    assert lines[5] == ("Rata de recomandare (persoane recomandate per promotor întrebat): "
                        "1,00 (n = 4; interval de încredere de 95\u00a0%: 0,27–2,56)")
    assert "2. un promotor (nenumit): 1 persoană" in lines


def test_bad_arguments(manager: Person) -> None:
    out = texts(manager.command("nps", "advocacy by plan"))
    assert out.startswith("I cannot split the advocacy figures by “plan”: use by channel or "
                          "by language.\n/nps advocacy [period]")
    assert texts(manager.command("nps", "advocacy soon")).startswith(
        "I did not understand the period “soon”.")
    assert texts(manager.command("nps", "advocacy 2020-01-01..2020-01-31")).split("\n")[1] == \
        "No promoter was asked in this period."
    customer = Person(manager.engine, "someone")
    assert texts(customer.command("nps", "advocacy")) == \
        "Sorry, this command is only for managers."
