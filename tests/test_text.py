"""Platform text cleaned and measured (bot/text.py), and the engine storing the same cleaned text
on SQLite and PostgreSQL (which refuses NUL and cannot encode a lone surrogate)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.app import build_engine
from bot.engine import Engine
from bot.messages import AlertPost, AlertUpdate, Inbound
from bot.models import Answer, Respondent
from bot.text import clean, clean_inbound, clean_name, shorten, units
from tests.helpers import Person, of_type, texts
from tests.strategies import platform_text

SORRY = "Sorry, something went wrong"


def test_clean_drops_controls_and_keeps_what_people_write() -> None:
    assert clean("a\x00b\x07c\x1bd\x7fe\x85f\x9fg") == "abcdefg"
    assert clean("one\r\ntwo\rthree\nfour\tfive") == "one\ntwo\nthree\nfour\tfive"
    kept = "שלום\u200f עולם · 送货太慢了 · 👨\u200d👩\u200d👧 · e\u0301 · \u200b · ăîșț"
    assert clean(kept) == kept


def test_clean_joins_surrogate_pairs_and_replaces_lone_ones() -> None:
    assert clean("\ud83d\ude00") == "😀"  # a pair left split by a decoder
    assert clean("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert clean("\ude00\ud83d") == "\ufffd\ufffd"  # the wrong order is no pair


def test_names_keep_something_to_show() -> None:
    assert clean_name("  Ana \x00 Pop\n", "42") == "Ana Pop"
    assert clean_name("\x00\u200b\u200f \u0301", "42") == "42"
    assert clean_name("", "42") == ""  # no name given: the engine keeps the one it has
    event = clean_inbound(Inbound("telegram", "4\x002", "c\x00", text="hi\x00",
                                  display_name="\x00", choice="a:1:0:5\x00"))
    assert (event.user_id, event.chat_id, event.text, event.display_name, event.choice) == (
        "42", "c", "hi", "42", "a:1:0:5")


def test_units_and_shorten_count_utf16_and_mark_the_cut() -> None:
    assert units("a😀送") == 4
    assert shorten("😀" * 10, 20) == "😀" * 10
    cut = shorten("😀" * 10, 9)
    assert cut == "😀" * 4 + "…" and units(cut) == 9
    assert shorten("👨\u200d👩\u200d👧", 4) == "👨…"  # no joiner left dangling before the mark


@given(platform_text(max_size=200))
def test_clean_leaves_only_storable_text(text: str) -> None:
    out = clean(text)
    out.encode("utf-8")  # strict: no lone surrogate is left
    assert "\x00" not in out and "\r" not in out
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in out)
    assert clean(out) == out
    # Nothing legitimate is lost: every character but controls and lone surrogates stays, in
    # order (surrogate pairs joined as the UTF-16 codec joins them).
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    assert [ch for ch in joined if unicodedata.category(ch) != "Cc"] == [
        ch for ch in out if unicodedata.category(ch) != "Cc"]


@given(platform_text(max_size=300), st.integers(min_value=2, max_value=200))
def test_shorten_fits_and_never_splits_a_character(text: str, limit: int) -> None:
    out = shorten(clean(text), limit)
    assert units(out) <= limit
    out.encode("utf-8")
    assert out == clean(text) or out.endswith("…")


# ---------------------------------------------------------------------------------- engine


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings(console_manager=True))
    yield eng
    eng.db.dispose()


def _respondent(engine: Engine, user_id: str) -> Respondent:
    with Session(engine.db.read_engine) as s:
        row = s.exec(select(Respondent).where(Respondent.platform_user_id == user_id)).one()
    return row


def test_nul_in_a_comment_is_stored_without_it(engine: Engine) -> None:
    p = Person(engine, "nul-comment")
    p.command("start")
    p.press_score(2)
    out = p.say("late\x00 again\x1b[31m")
    assert SORRY not in texts(out)
    with Session(engine.db.read_engine) as s:
        assert s.exec(select(Answer.comment)).one() == "late again[31m"
    alert = of_type(out, AlertUpdate)[0]
    assert "late again[31m" in alert.text


def test_nul_in_a_name_does_not_lock_the_person_out(engine: Engine) -> None:
    p = Person(engine, "nul-name", name="Ana\x00 Pop")
    for _ in range(2):  # the name is written on every event: the second must work too
        out = p.command("start")
        assert SORRY not in texts(out) and "recommend us" in texts(out)
    assert _respondent(engine, "nul-name").display_name == "Ana Pop"


def test_a_name_of_nothing_visible_shows_the_id(engine: Engine) -> None:
    p = Person(engine, "4242", name="\x00\u200b\u200f")
    p.command("start")
    out = p.press_score(0)
    assert "Customer: 4242 on console" in of_type(out, AlertPost)[0].text


def test_lone_surrogates_are_replaced(engine: Engine) -> None:
    p = Person(engine, "surrogate", name="Dan\ud800")
    p.command("start")
    p.press_score(1)
    out = p.say("bad \udfff service \ud83d\ude00")
    assert SORRY not in texts(out)
    with Session(engine.db.read_engine) as s:
        assert s.exec(select(Answer.comment)).one() == "bad \ufffd service 😀"
    assert _respondent(engine, "surrogate").display_name == "Dan\ufffd"


def test_manager_reply_and_wave_names_are_cleaned(engine: Engine) -> None:
    customer = Person(engine, "cust", name="Eve")
    customer.command("start")
    alert = of_type(customer.press_score(0), AlertPost)[0]
    out = engine.reply_to_alert(channel="console", manager_id="console-manager",
                                alert_id=alert.alert_id, text="We are \x00sorry\ud800",
                                manager_name="Mara\x00")
    assert SORRY not in texts(out)
    sent = [o for o in out if o.__class__.__name__ == "SendTo"]
    assert sent and sent[0].text.endswith("We are sorry\ufffd") and sent[0].name == "Eve"
    out = engine.start_survey_for(channel="console", user_id="wave", display_name="W\x00ave")
    assert out and _respondent(engine, "wave").display_name == "Wave"
