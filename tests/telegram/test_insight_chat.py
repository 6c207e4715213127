"""Managers' insight commands on Telegram, through the real python-telegram-bot against the Bot
API stand-in: segments by a customer attribute, money by bucket, retention, and the export
arriving as a CSV document (the figures are worked out in tests/test_insight.py)."""

from __future__ import annotations

import csv
import io

from tests.insight import world
from tests.telegram.harness import MANAGER_ID, Harness
from tests.test_insight import NOW


async def test_segments_value_and_retention_in_the_chat(tg: Harness) -> None:
    tg.engine.clock = lambda: NOW
    world(tg.engine, NOW)
    manager = tg.person(MANAGER_ID, "Maria", "en")
    by_plan = "\n".join(await manager.say("/nps summary 30d by plan"))
    assert "▸ free\nNPS −67 (n = 3)" in by_plan and "▸ without plan\nNPS +100 (n = 2)" in by_plan
    assert "as it is now" in by_plan
    by_revenue = "\n".join(await manager.say("/nps summary 30d by revenue"))
    assert "▸ under 250\nNPS +100 (n = 2)" in by_revenue
    refused = "\n".join(await manager.say("/nps summary 30d by colour"))
    assert refused.startswith("I cannot split a summary by “colour”.")
    assert "Customer attributes: churned, plan, revenue, signed_up." in refused
    value = "\n".join(await manager.say("/nps value 30d"))
    assert "Promoters (9–10) / Detractors (0–6): the mean revenue is 1.97×" in value
    retention = "\n".join(await manager.say("/nps retention 90d"))
    assert "All customers: CRR 50.0%" in retention
    bad = "\n".join(await manager.say("/nps value fortnight"))
    assert bad.startswith("I did not understand the period “fortnight”.")


async def test_the_export_arrives_as_a_document_in_the_managers_language(tg: Harness) -> None:
    tg.engine.clock = lambda: NOW
    world(tg.engine, NOW)
    manager = tg.person(MANAGER_ID, "Maria", "zh-hans")
    await manager.say("/language zh")
    await manager.say("/nps export 30d")
    docs = tg.api.sent("sendDocument", MANAGER_ID)
    assert len(docs) == 1
    document = docs[0].params["document"]
    assert document["filename"] == "nps-answers-30d.csv"
    caption = docs[0].params["caption"]
    assert caption.startswith("NPS 回答 · ") and caption.endswith("共 9 条。")
    rows = list(csv.DictReader(io.StringIO(document["content"].decode("utf-8-sig"))))
    assert len(rows) == 9 and {r["metric"] for r in rows} == {"nps"}
    customer = tg.person(555, "Curious", "en")
    assert await customer.say("/nps export 30d") == [
        "Sorry, this command is only for managers."]
    assert len(tg.api.sent("sendDocument")) == 1
