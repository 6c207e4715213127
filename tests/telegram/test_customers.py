"""Customers answer through the real python-telegram-bot, in their own language."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import translator
from tests.helpers import CJK, assert_language
from tests.telegram.harness import Harness

NPS_Q = "How likely are you to recommend us to a friend or colleague?"
CSAT_Q = "How satisfied are you with the service you received?"


@pytest.mark.parametrize(("code", "lang", "nps_typed", "csat_typed"), [
    ("zh-hans", "zh", "八分", "４"),
    ("ro", "ro", "opt", "4"),
    ("en-GB", "en", "8/10", "four"),
])
async def test_survey_with_buttons_and_typed_answers(
    tg: Harness, code: str, lang: str, nps_typed: str, csat_typed: str
) -> None:
    t = translator(lang)
    # With buttons.
    buyer = tg.person(101, "Ana", code)
    got = await buyer.say("/start")
    assert any(t.gettext(NPS_Q) in text for text in got)
    message, _ = buyer.keyboard_message("10")
    rows = message["reply_markup"]["inline_keyboard"]
    assert [len(r) for r in rows] == [6, 5], "0-10 in two rows fits a phone"
    await buyer.press("9")
    assert tg.api.messages[(101, message["message_id"])].get("reply_markup") is None
    await buyer.say("Fast delivery 👍")
    got = await buyer.press("5")
    assert any(t.gettext("Thank you for your answers! They help us improve.") in x for x in got)
    assert_language(tg.api.texts_to(101), lang)

    # Typed.
    typist = tg.person(102, "Bo", code)
    await typist.say("/start")
    await typist.say(nps_typed)
    await typist.say("   ")  # an empty comment is asked again, nothing stored
    await typist.say("Could be cheaper")
    got = await typist.say(csat_typed)
    assert any(t.gettext("Thank you for your answers! They help us improve.") in x for x in got)
    assert_language(tg.api.texts_to(102), lang)

    answers = [(a.respondent_id, a.metric, a.score, a.comment, a.locale, a.channel)
               for a in tg.answers()]
    by_person: dict[int | None, list[tuple[str, int, str | None, str, str]]] = {}
    for rid, metric, score, comment, locale, channel in answers:
        by_person.setdefault(rid, []).append((metric, score, comment, locale, channel))
    assert sorted(by_person.values()) == sorted([
        [("nps", 9, "Fast delivery 👍", lang, "telegram"), ("csat", 5, None, lang, "telegram")],
        [("nps", 8, "Could be cheaper", lang, "telegram"), ("csat", 4, None, lang, "telegram")],
    ])


async def test_bad_input_is_reprompted_in_language(tg: Harness) -> None:
    ro = tg.person(103, "Ion", "ro-RO")
    await ro.say("/start")
    got = await ro.say("unsprezece")
    assert got and "0" in got[0] and "10" in got[0]
    assert_language(got, "ro")
    got = await ro.say("11")
    assert_language(got, "ro")
    assert tg.answers() == []
    got = await ro.say("zece")
    assert [a.score for a in tg.answers()] == [10]


async def test_press_acknowledged_and_old_keyboard_is_dead(tg: Harness) -> None:
    en = tg.person(104, "Eve", "en")
    await en.say("/start")
    message, _ = en.keyboard_message("7")
    await en.press("7")
    answered = tg.api.sent("answerCallbackQuery")
    assert len(answered) == 1
    edit = tg.api.sent("editMessageText", 104)[-1]
    assert edit.params["message_id"] == message["message_id"]
    assert "reply_markup" not in edit.params and "7" in edit.params["text"]
    sends = len(tg.api.sent("sendMessage"))
    # The same keyboard again (a stale copy of the message still shows it).
    await en.press("10", message=message)
    assert en.toasts()[-1] == "This question has already been answered."
    assert len(tg.api.sent("sendMessage")) == sends
    assert [a.score for a in tg.answers()] == [7]
    # Someone else pressing Eve's keyboard (a forwarded copy).
    other = tg.person(105, "Mallory", "en")
    await other.say("/start")
    await other.press("0", message=message)
    assert other.toasts()[-1] == "These buttons are not yours."
    assert [a.score for a in tg.answers()] == [7]


async def test_deep_link_payload_names_campaign(tg: Harness,
                                                caplog: pytest.LogCaptureFixture) -> None:
    a = tg.person(106, "Dan", "en")
    await a.say("/start csat__receipt_2026")
    await a.press("2")
    b = tg.person(107, "Zoe", "en")
    with caplog.at_level(logging.WARNING):
        await b.say("/start ../../etc/passwd")
    assert "malformed start payload" in caplog.text
    await b.press("10")
    first, second = tg.answers()
    assert (first.survey, first.metric, first.campaign) == ("csat", "csat", "receipt_2026")
    assert (second.survey, second.metric, second.campaign) == ("default", "nps", None)


async def test_language_choice_wins_over_platform(tg: Harness) -> None:
    p = tg.person(108, "Li", "en-US")
    await p.say("/language")
    got = await p.press("简体中文")
    assert any(CJK.search(x) for x in got)
    got = await p.say("/start")
    assert_language(got, "zh")
    person = tg.respondent(108)
    assert person is not None and person.locale == "zh" and person.locale_chosen


async def test_stop_help_and_delete(tg: Harness) -> None:
    p = tg.person(109, "Radu", "ro")
    await p.say("/start")
    await p.press("10")
    got = await p.say("/help")
    assert_language(got, "ro")
    got = await p.say("/stop")
    assert_language(got, "ro")
    person = tg.respondent(109)
    assert person is not None and person.opted_out
    await p.say("/delete_my_data")
    got = await p.press(translator("ro").gettext("Yes, delete"))
    assert_language(got, "ro")
    assert tg.answers() == [] and tg.respondent(109) is None


async def test_command_menus_per_language(tg: Harness) -> None:
    menus = {c.params.get("language_code"): c.params for c in tg.api.sent("setMyCommands")
             if c.params["scope"]["type"] == "default"}
    assert set(menus) >= {None, "en", "ro", "zh"}
    for lang in ("en", "ro", "zh"):
        described = {c["command"]: c["description"] for c in menus[lang]["commands"]}
        assert set(described) == {"start", "language", "stop", "help", "export_my_data",
                                  "delete_my_data"}
        assert described["start"] == translator(lang).gettext("Take the survey")
    chat_menus = [c.params for c in tg.api.sent("setMyCommands")
                  if c.params["scope"]["type"] == "chat"]
    assert {m["scope"]["chat_id"] for m in chat_menus} == {900, -1001}
    assert all("nps" in {c["command"] for c in m["commands"]} for m in chat_menus)
