"""A Telegram customer's own data: the export arrives as a document, and deleting the data
edits the alerts already posted in the managers' group."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.audience.customers import CustomerRecord, upsert_customer
from bot.audience.values import typed
from bot.campaign_tables import Customer
from bot.i18n import translator
from bot.models import Respondent, utcnow
from tests.helpers import Person
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


async def test_one_customer_on_telegram_and_slack_is_exported_and_deleted_whole(
        tg: Harness) -> None:
    with Session(tg.engine.db.engine) as s:
        upsert_customer(session=s, record=CustomerRecord(
            "c-9", telegram_id="303", slack_id="U303", name="Ana Pop",
            attributes={"plan": typed("pro")}), now=utcnow())
        s.commit()
    on_slack = Person(tg.engine, "U303", channel="slack", name="ana", deliver=False)
    on_slack.command("start")
    on_slack.press_score(8)
    customer = tg.person(303, "Ana", "ro")
    await customer.say("/start")
    await customer.press("10")
    await customer.say("/export_my_data")
    data = json.loads(tg.api.sent("sendDocument", 303)[0].params["document"]["content"])
    assert data["client"]["atribute"] == {"plan": "pro"}
    assert sorted(a["scor"] for a in data["răspunsuri"]) == [8, 10]
    await customer.say("/delete_my_data")
    await customer.press(translator("ro").gettext("Yes, delete"))
    assert tg.answers() == [] and tg.respondent(303) is None
    with Session(tg.engine.db.read_engine) as s:
        assert s.exec(select(Respondent)).all() == []
        assert s.exec(select(Customer)).all() == []
