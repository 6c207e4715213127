"""Customers answer in Slack DMs through the real slack-bolt app, in their own language."""

from __future__ import annotations

import pytest

from bot.i18n import negotiate, translator
from tests.helpers import assert_language
from tests.slack.harness import SlackHarness

THANKS = "Thank you for your answers! They help us improve."


@pytest.mark.parametrize(("user", "locale", "lang", "typed"), [
    ("UZH1", "zh-CN", "zh", "七"),
    ("URO1", "ro-RO", "ro", "șapte"),
    ("UEN1", "en-GB", "en", "seven"),
])
async def test_survey_in_dm_with_buttons_and_typing(slack: SlackHarness, user: str, locale: str,
                                                    lang: str, typed: str) -> None:
    t = translator(lang)
    slack.api.add_user(user, "Customer", locale)
    got = await slack.dm(user, "start")
    assert any(t.gettext("How likely are you to recommend us to a friend or colleague?") in x
               for x in got)
    message, elements = slack.api.last_buttons(f"D{user}")
    assert [e["text"]["text"] for e in elements] == [str(n) for n in range(11)]
    await slack.press(user, "9")
    updated = slack.api.messages[(f"D{user}", message["ts"])]
    assert all(b["type"] != "actions" for b in updated["blocks"]), "buttons gone after a press"
    await slack.dm(user, "Răspuns rapid, mulțumesc!")
    got = await slack.press(user, "4")
    assert any(t.gettext(THANKS) in x for x in got)
    # Typed answers work too.
    await slack.dm(user, "start")
    await slack.dm(user, typed)
    await slack.dm(user, "ok")
    got = await slack.dm(user, "5")
    assert any(t.gettext(THANKS) in x for x in got)
    assert_language(slack.api.dm_texts(user), lang)
    assert [(a.metric, a.score, a.comment, a.locale) for a in slack.answers()] == [
        ("nps", 9, "Răspuns rapid, mulțumesc!", lang), ("csat", 4, None, lang),
        ("nps", 7, "ok", lang), ("csat", 5, None, lang)]


@pytest.mark.parametrize(("tag", "expected"), [
    ("zh-CN", "zh"), ("zh-TW", "zh"), ("ro-RO", "ro"), ("en-US", "en"), ("en-GB", "en"),
    ("ja-JP", "en"), ("", "en"), (None, "en"),
])
def test_slack_locales_resolve(tag: str | None, expected: str) -> None:
    assert negotiate(tag) == expected


async def test_workspace_default_and_chosen_language(slack: SlackHarness) -> None:
    slack.api.add_user("UNOLOC", "Nolocale", None)
    await slack.dm("UNOLOC", "language ro")
    got = await slack.dm("UNOLOC", "start")
    assert_language(got, "ro")
    person = slack.respondent("UNOLOC")
    assert person is not None and person.locale == "ro" and person.locale_chosen


async def test_button_pressed_twice_counts_once(slack: SlackHarness) -> None:
    slack.api.add_user("UTWICE", "Twice", "en-US")
    await slack.dm("UTWICE", "start")
    message, _ = slack.api.last_buttons("DUTWICE")
    await slack.press("UTWICE", "8", message=message)
    await slack.press("UTWICE", "10", message=message)  # the same, stale message again
    assert slack.ephemerals("UTWICE")[-1] == "This question has already been answered."
    assert [a.score for a in slack.answers()] == [8]


async def test_stop_help_delete_and_home(slack: SlackHarness) -> None:
    slack.api.add_user("UHOME", "Home", "zh-CN")
    status, _ = await slack.deliver(slack.send.home_event("UHOME"))
    assert status == 200
    home = slack.api.sent("views.publish")[-1].params
    assert home["user_id"] == "UHOME" and home["view"]["type"] == "home"
    labels = [e["text"]["text"] for b in home["view"]["blocks"] if b["type"] == "actions"
              for e in b["elements"]]
    assert translator("zh").gettext("Start the survey") in labels
    # The Home tab's start button opens a DM with the survey.
    home_message = {"ts": "1.0", "blocks": home["view"]["blocks"]}
    await slack.press("UHOME", translator("zh").gettext("Start the survey"), channel="",
                      message=home_message)
    assert slack.api.sent("conversations.open")
    assert_language(slack.api.dm_texts("UHOME"), "zh")
    assert_language(await slack.dm("UHOME", "help"), "zh")
    assert_language(await slack.dm("UHOME", "停止"), "zh")
    person = slack.respondent("UHOME")
    assert person is not None and person.opted_out
    await slack.dm("UHOME", "delete my data")
    await slack.press("UHOME", translator("zh").gettext("Yes, delete"))
    assert slack.respondent("UHOME") is None
