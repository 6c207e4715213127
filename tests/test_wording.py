"""What the engine puts in the catalogs' placeholders: language names in the reader's language
and in mid-sentence case, platform names instead of channel ids, Romanian plural agreement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.app import build_engine
from bot.messages import AlertPost, EditPressed
from tests.helpers import Person, of_type, texts


@pytest.mark.parametrize("manager_locale,channel,wanted", [
    pytest.param("en", "telegram", "Customer: Ion Popescu on Telegram, speaks Romanian", id="en"),
    pytest.param("ro", "slack", "Client: Ion Popescu (Slack), limba: română", id="ro"),
    pytest.param("zh", "telegram", "客户：Ion Popescu（Telegram），语言：罗马尼亚语", id="zh"),
    pytest.param("ro", "console", "Client: Ion Popescu (consolă), limba: română",
                 id="ro-console"),
])
def test_alert_names_language_and_platform_for_the_manager(
        make_settings: Callable[..., Any], manager_locale: str, channel: str,
        wanted: str) -> None:
    engine = build_engine(make_settings(manager_locale=manager_locale, console_manager=True))
    try:
        customer = Person(engine, f"cust-{channel}", channel=channel, name="Ion Popescu",
                          locale_hint="ro-RO")
        customer.command("start")
        posts = of_type(customer.press_score(2), AlertPost)
        assert len(posts) == 1
        assert wanted in posts[0].text.splitlines()
    finally:
        engine.db.dispose()


@pytest.mark.parametrize("code,wanted", [
    pytest.param("en", "Language set to English.", id="en"),
    pytest.param("ro", "Limba selectată: română.", id="ro"),
    pytest.param("zh", "语言已设置为简体中文。", id="zh"),
])
def test_language_reply_names_the_language_in_itself_mid_sentence(
        make_settings: Callable[..., Any], code: str, wanted: str) -> None:
    engine = build_engine(make_settings())
    try:
        person = Person(engine, f"lang-{code}", locale_hint="en-US")
        assert wanted in texts(person.command("language", code))
        person.command("language")
        pressed = of_type(person.press(f"lang:{code}"), EditPressed)
        assert [p.text for p in pressed] == [wanted]
    finally:
        engine.db.dispose()


@pytest.mark.parametrize("limit,wanted", [
    pytest.param(1, "am păstrat doar primul caracter.", id="1"),
    pytest.param(15, "am păstrat doar primele 15 caractere.", id="15"),
    pytest.param(20, "am păstrat doar primele 20 de caractere.", id="20"),
    pytest.param(2000, "am păstrat doar primele 2.000 de caractere.", id="2000"),
])
def test_trimmed_comment_notice_agrees_with_its_count_in_romanian(
        make_settings: Callable[..., Any], limit: int, wanted: str) -> None:
    engine = build_engine(make_settings(comment_max_length=limit))
    try:
        person = Person(engine, f"long-{limit}", locale_hint="ro")
        person.command("start")
        person.press_score(3)
        assert wanted in texts(person.say("ș" * (limit + 5)))
    finally:
        engine.db.dispose()
