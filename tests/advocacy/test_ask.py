"""When the promoter ask is made and what it offers, through the engine on SQLite and
PostgreSQL: only promoters of a question with ``promoter_ask``, once the survey is over; what
each channel can be given (a start link, the web link, a review button); nobody asked twice
within the cooldown on any of their accounts; a manager's ask is a test; buttons that are not
yours; the console shows a review button as its address."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from adapters.console.channel import ConsoleChannel
from bot import buttons
from bot.advocacy_tables import AdvocacyLink, AskStatus, PromoterAsk
from bot.app import build_engine
from bot.audience.customers import CustomerRecord, upsert_customer
from bot.engine import Engine
from bot.messages import EditPressed, Notice, Reply
from bot.models import utcnow
from bot.style import ChannelStyle
from tests.advocacy.surveys import PUBLIC_URL, REVIEW_URL, survey_file
from tests.helpers import Person, of_type, texts

THANKS = "Thank you for your answers! They help us improve."
BOTH = ("Since you would recommend us: may we give you a personal link to share with friends, "
        "and a link to leave us a review?")


@pytest.fixture
def make_engine(make_settings: Callable[..., Any], tmp_path: Path
                ) -> Iterator[Callable[..., Engine]]:
    made: list[Engine] = []

    def make(**overrides: Any) -> Engine:
        values: dict[str, Any] = {"survey_file": str(survey_file(tmp_path)),
                                  "public_url": PUBLIC_URL, "console_manager": True}
        values.update(overrides)
        engine = build_engine(make_settings(**values))
        made.append(engine)
        return engine
    yield make
    for engine in made:
        engine.db.dispose()


def finish(person: Person, score: int, survey: str = "", comment: str = "ok") -> list[Any]:
    """Take a survey with ``score`` (and 5 for the CSAT question of the default survey)."""
    person.command("start", survey)
    out = person.press_score(score)
    if any(isinstance(o, Reply) and o.expects_text for o in out):
        out = person.say(comment)
    if any(isinstance(o, Reply) and any(c.value.startswith("a:") for c in o.choices)
           for o in out):
        out = person.press_score(5)
    return out


def asks(engine: Engine) -> list[PromoterAsk]:
    with Session(engine.db.read_engine) as s:
        return list(s.exec(select(PromoterAsk).order_by(col(PromoterAsk.id))))


def choice(out: list[Any], label: str) -> str:
    return next(c.value for o in out if isinstance(o, Reply) for c in o.choices
                if c.label == label)


@pytest.mark.parametrize("score", [0, 6, 7, 8])
def test_only_promoters_are_asked(make_engine: Callable[..., Engine], score: int) -> None:
    engine = make_engine()
    out = finish(Person(engine, f"p{score}"), score)
    assert texts(out).endswith(THANKS)
    assert asks(engine) == []


@pytest.mark.parametrize("score", [9, 10])
def test_a_promoter_is_asked_once_the_survey_is_over(make_engine: Callable[..., Engine],
                                                     score: int) -> None:
    engine = make_engine()
    ana = Person(engine, "ana")
    ana.command("start")
    assert "What do you value most" in texts(ana.press_score(score))
    assert "How satisfied" in texts(ana.say("Speed"))
    assert asks(engine) == []  # not in the middle of the survey
    [reply] = of_type(ana.press_score(2), Reply)
    assert reply.text == THANKS + "\n\n" + BOTH
    assert [(c.label, buttons.decode(c.value)) for c in reply.choices] == [
        ("Yes, gladly", buttons.Advocacy(asks(engine)[0].id or 0, buttons.AdvocacyAction.ACCEPT)),
        ("No, thanks", buttons.Advocacy(asks(engine)[0].id or 0, buttons.AdvocacyAction.DECLINE))]
    [ask] = asks(engine)
    assert (ask.survey, ask.channel, ask.locale, ask.status, ask.is_test) == (
        "default", "console", "en", AskStatus.ASKED, False)


def test_a_skipped_follow_up_still_earns_the_ask_and_a_survey_without_one_never(
        make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    ana = Person(engine, "ana")
    ana.command("start")
    out = ana.press_score(10)
    skip = next(c.value for o in out if isinstance(o, Reply) for c in o.choices)
    ana.press(skip)
    assert texts(ana.press_score(4)).endswith(BOTH)
    bob = Person(engine, "bob")
    assert texts(finish(bob, 10, "plain")).endswith(THANKS)
    assert len(asks(engine)) == 1


def test_what_each_channel_is_offered(make_engine: Callable[..., Engine]) -> None:
    # No PUBLIC_URL and no start link: nothing to give, no ask.
    bare = make_engine(public_url="")
    assert texts(finish(Person(bare, "a1"), 10)).endswith(THANKS)
    assert asks(bare) == []
    # A channel with start links and no PUBLIC_URL: the start link alone, no review.
    bare.use_style("console", ChannelStyle(buttons=False,
                                           start_link="https://t.me/b?start={payload}"))
    person = Person(bare, "a2")
    out = finish(person, 10)
    assert texts(out).endswith("Since you would recommend us: may we give you a personal "
                               "link to share with friends?")
    out = person.press(choice(out, "Yes, gladly"))
    [links] = [o for o in of_type(out, Reply) if "t.me" in o.text]
    assert links.choices == () and "/r/" not in links.text and "review" not in links.text
    # A review-only survey.
    full = make_engine()
    person = Person(full, "a3")
    out = finish(person, 9, "reviews")
    assert texts(out).endswith("Since you would recommend us: would you leave us a short "
                               "review?")
    out = person.press(choice(out, "Yes, gladly"))
    [links] = [o for o in of_type(out, Reply) if o.choices]
    assert links.text == "A review helps us a lot."
    [button] = links.choices
    assert (button.label, button.value) == ("Leave a review", "")
    assert button.url.startswith(PUBLIC_URL + "/r/")
    with Session(full.db.read_engine) as s:  # (both engines share the database)
        assert [(link.kind, link.target) for link in s.exec(select(AdvocacyLink).where(
            AdvocacyLink.ask_id == asks(full)[-1].id))] == [("review", REVIEW_URL)]


def test_the_cooldown_counts_every_account_of_the_customer(
        make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(survey_cooldown_days=10)
    with Session(engine.db.engine) as s:
        upsert_customer(session=s, record=CustomerRecord(
            "c-1", telegram_id="11", slack_id="U0SLACK1"), now=utcnow())
        s.commit()
    on_telegram = Person(engine, "11", channel="telegram")
    out = finish(on_telegram, 10)
    assert texts(out).endswith(BOTH)
    on_slack = Person(engine, "U0SLACK1", channel="slack")
    assert texts(finish(on_slack, 10)).endswith(THANKS)
    later = utcnow() + timedelta(days=11)
    engine.clock = lambda: later
    assert texts(finish(on_slack, 9)).endswith(BOTH)
    assert [(a.channel, a.customer_id == asks(engine)[0].customer_id) for a in asks(engine)] == [
        ("telegram", True), ("slack", True)]
    # No cooldown at all: asked after every survey.
    every = make_engine(survey_cooldown_days=0)
    carol = Person(every, "carol")
    assert texts(finish(carol, 10)).endswith(BOTH)
    assert texts(finish(carol, 10)).endswith(BOTH)


def test_buttons_that_are_not_yours_or_pressed_twice(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    ana = Person(engine, "ana")
    out = finish(ana, 10)
    yes, no = choice(out, "Yes, gladly"), choice(out, "No, thanks")
    mallory = Person(engine, "mallory")
    assert of_type(mallory.press(yes), Notice) == [Notice("These buttons are not yours.")]
    assert of_type(mallory.press("pa:999999:yes"), Notice) == [
        Notice("These buttons are no longer active.")]
    out = ana.press(yes)
    assert of_type(out, EditPressed) == [EditPressed(THANKS + "\n\nThank you for recommending "
                                                     "us!")]
    name = choice(out, "Yes, you may")
    assert of_type(ana.press(no), Notice) == [Notice("You have answered this already.")]
    assert of_type(ana.press(yes), Notice) == [Notice("You have answered this already.")]
    assert of_type(mallory.press(name), Notice) == [Notice("These buttons are not yours.")]
    assert asks(engine)[0].status == AskStatus.ACCEPTED
    with Session(engine.db.read_engine) as s:
        assert len(s.exec(select(AdvocacyLink)).all()) == 2  # the links were made once


def test_a_survey_without_consent_never_asks_it(make_engine: Callable[..., Engine],
                                                tmp_path: Path) -> None:
    path = tmp_path / "no-consent.toml"
    path.write_text(survey_file(tmp_path).read_text(encoding="utf-8").replace(
        "consent_to_name = true", "consent_to_name = false"), encoding="utf-8")
    engine = make_engine(survey_file=str(path))
    ana = Person(engine, "ana")
    out = ana.press(choice(finish(ana, 10), "Yes, gladly"))
    assert "mention your name" not in texts(out)
    ask = asks(engine)[0]
    assert (ask.consent_asked, ask.named) == (False, None)
    name = buttons.encode(buttons.Advocacy(ask.id or 0, buttons.AdvocacyAction.NAME))
    assert of_type(ana.press(name), Notice) == [Notice("These buttons are no longer active.")]


def test_a_managers_ask_is_a_test(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    boss = Person(engine, "console-manager")
    assert texts(finish(boss, 10)).endswith(BOTH)
    assert asks(engine)[0].is_test is True
    assert "No promoter was asked in this period." in texts(boss.command("nps", "advocacy"))


def test_the_console_shows_the_review_button_as_its_address(
        make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    console = ConsoleChannel(engine)
    lines: list[str] = []
    for text in ("/start", "10", "Speed", "5", "#1"):
        lines += console.feed(text)
    review = [line for line in lines if line.strip().startswith("Leave a review: ")]
    assert len(review) == 1 and f"{PUBLIC_URL}/r/" in review[0]
    shown = "\n".join(lines)
    assert f"Your personal link to share with friends:\n{PUBLIC_URL}/r/" in shown
    assert "#1) Yes, you may" in shown
