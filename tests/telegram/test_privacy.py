"""A Telegram customer's own data: the export arrives as a document, and deleting the data
edits the alerts already posted in the managers' group."""

from __future__ import annotations

import json

from bot.i18n import translator
from tests.telegram.harness import ALERT_CHAT, Harness


async def test_export_my_data_arrives_as_a_document(tg: Harness) -> None:
    customer = tg.person(301, "Ioana Marin", "ro")
    await customer.say("/start")
    await customer.press("9")
    await customer.say("Echipa e foarte amabilă")
    await customer.say("/export_my_data")
    docs = tg.api.sent("sendDocument", 301)
    assert len(docs) == 1
    document = docs[0].params["document"]
    assert document["filename"] == "my-data.json"
    assert docs[0].params["caption"] == translator("ro").gettext(
        "Here is a copy of everything we store about you.")
    data = json.loads(document["content"])
    assert data["profil"]["nume"] == "Ioana Marin" and data["profil"]["canal"] == "Telegram"
    assert data["răspunsuri"][0]["comentariu"] == "Echipa e foarte amabilă"


async def test_delete_my_data_redacts_the_posted_alert(tg: Harness) -> None:
    customer = tg.person(302, "Wang Fang", "zh-CN")
    await customer.say("/start")
    await customer.press("1")
    await customer.say("送货太慢了")
    alert = tg.api.last_message(ALERT_CHAT, lambda m: "Wang Fang" in m.get("text", ""))
    assert "送货太慢了" in alert["text"] and alert.get("reply_markup")
    await customer.say("/delete_my_data")
    await customer.press(translator("zh").gettext("Yes, delete"))
    edited = tg.api.messages[(ALERT_CHAT, alert["message_id"])]
    assert "Wang Fang" not in edited["text"] and "送货" not in edited["text"]
    assert "deleted at their request" in edited["text"]
    assert "reply_markup" not in edited  # no buttons left to act on
    assert tg.answers() == [] and tg.respondent(302) is None
