"""The words of a chat campaign's preview, in every language, plural forms included; and the
button value that carries a manager's Send or Cancel."""

from __future__ import annotations

from datetime import date

from bot import buttons
from bot.campaigns import chat
from bot.campaigns.spec import CampaignError, Preview
from bot.i18n import translator


def test_the_preview_counts_in_romanian_plural_forms() -> None:
    ro = translator("ro")
    preview = Preview(1, "nps-x", 21, {"cooldown": 1, "opted_out": 2, "no_account": 20}, 1)
    assert chat.preview_text(preview, ro).splitlines() == [
        "Chestionarul va fi trimis către 21 de persoane.",
        "Dintre aceștia, 1 persoană este cunoscută doar după adresa de e-mail și va fi căutată "
        "mai întâi în Slack.",
        "23 de persoane vor fi omise:",
        "• 20 de persoane nu au cont pe acest canal",
        "• 2 persoane s-au dezabonat",
        "• 1 persoană a primit recent un chestionar (perioada de pauză)",
        "Nu se trimite nimic până când nu apăsați „Trimiteți”.",
    ]


def test_the_preview_in_english_and_chinese() -> None:
    preview = Preview(1, "nps-x", 1, {"in_progress": 1, "unreachable": 1234})
    assert chat.preview_text(preview, translator("en"), footer=False).splitlines() == [
        "The survey will go to 1 person.", "1,235 people will be skipped:",
        "• 1,234 cannot be reached", "• 1 has a survey in progress"]
    assert chat.preview_text(preview, translator("zh"), footer=False).splitlines() == [
        "问卷将发送给 1 人。", "将跳过 1,235 人：", "• 1,234 人无法联系", "• 1 人有正在填写的问卷"]
    assert chat.launched_text(2, 30.0, translator("zh")) == "正在向 2 人发送问卷，每秒约 30 条。"
    assert chat.launched_text(1, 0.5, translator("en")) == (
        "Sending the survey to 1 person, about 0.5 a second.")
    assert chat.launched_text(3, 0.5, translator("ro")) == (
        "Trimit chestionarul către 3 persoane, aproximativ 0,5 pe secundă.")
    assert chat.launched_text(20, None, translator("ro")) == (
        "Trimit chestionarul către 20 de persoane.")


def test_send_arguments_and_names() -> None:
    assert chat.send_args("send plan=pro  country=RO") == "plan=pro  country=RO"
    assert chat.send_args("SEND all") == "all"
    assert chat.send_args("send") == ""
    assert chat.send_args("summary 30d") is None and chat.send_args("sender") is None
    named = chat.campaign_name("csat", date(2026, 12, 1), "telegram:update:7")
    assert named == chat.campaign_name("csat", date(2026, 12, 1), "telegram:update:7")
    assert named.startswith("csat-2026-12-01-") and len(named) == len("csat-2026-12-01-") + 6
    assert chat.campaign_name("nps", date(2026, 12, 1)) != chat.campaign_name(
        "nps", date(2026, 12, 1))


def test_a_bad_filter_names_its_token() -> None:
    error = CampaignError("bad_filter", params={"token": "plan~pro"})
    assert chat.error_text(error, "/nps", translator("ro")).startswith(
        "Nu am înțeles „plan~pro”.")


def test_the_campaign_button_value() -> None:
    for action in buttons.CampaignAction:
        value = buttons.encode(buttons.Campaign(42, action))
        assert value == f"cp:42:{action.value}"
        assert buttons.decode(value) == buttons.Campaign(42, action)
    for forged in ("cp:0:send", "cp:-1:send", "cp:42:launch", "cp:42", "cp:x:send",
                   "cp:42:send:1"):
        assert buttons.decode(forged) is None
