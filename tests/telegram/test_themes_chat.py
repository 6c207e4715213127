"""``/nps themes`` on Telegram, through the real python-telegram-bot against the Bot API
stand-in, for managers reading in English, Romanian and Chinese: the themes of each language's
comments (tests/themes_world.py, worked out in tests/test_themes_reports.py), the words around
them in the manager's language, bucket words in it, and a bad period refused in it."""

from __future__ import annotations

from tests.telegram.harness import MANAGER_ID, Harness
from tests.test_themes_reports import NOW
from tests.themes_world import seed_themes


async def test_themes_in_english(tg: Harness) -> None:
    tg.engine.clock = lambda: NOW
    seed_themes(tg.engine, NOW, channel="telegram")
    manager = tg.person(MANAGER_ID, "Maria", "en")
    text = "\n".join(await manager.say("/nps themes 30d"))
    assert text.startswith("NPS themes · Detractors (0–6) · 30d")
    assert "English: 16 comments\n1. late — 6 comments (38%), +4 percentage points\n" in text
    assert "   “Late delivery, and nobody told me why.”" in text
    assert "1. aplicația se blochează — 3 comments (20%)" in text
    promoters = "\n".join(await manager.say("/nps themes 30d promoters"))
    assert "Simplified Chinese: only 9 comments, too few for themes" in promoters
    summary = "\n".join(await manager.say("/nps summary 30d"))
    assert "Detractors talk most about “late”, “customer support”, and “refund” (English)" in (
        summary)
    customer = tg.person(555, "Curious", "en")
    assert await customer.say("/nps themes 30d") == ["Sorry, this command is only for managers."]


async def test_themes_in_romanian(tg: Harness) -> None:
    tg.engine.clock = lambda: NOW
    seed_themes(tg.engine, NOW, channel="telegram")
    manager = tg.person(MANAGER_ID, "Maria", "ro")
    await manager.say("/language ro")
    text = "\n".join(await manager.say("/nps themes 30d detractori"))
    assert text.startswith("Teme NPS · Detractori (0–6) · 30d")
    assert "Română: 15 comentarii\n" in text
    assert "1. aplicația se blochează — 3 comentarii (20\u00a0%)\n" in text
    assert "   „Aplicaţia se blochează mereu, nu pot vedea comenzile.”" in text  # as typed
    assert ("Engleză: 16 comentarii\n"
            "1. late — 6 comentarii (38\u00a0%), +4 puncte procentuale") in text
    assert "Metodă: expresii de unul până la trei cuvinte" in text
    refused = "\n".join(await manager.say("/nps themes săptămâna"))
    assert refused.startswith("Nu am înțeles perioada „săptămâna”.")
    assert refused.endswith("Utilizare: /nps themes [period] [detractor|passive|promoter]")


async def test_themes_in_chinese(tg: Harness) -> None:
    tg.engine.clock = lambda: NOW
    seed_themes(tg.engine, NOW, channel="telegram")
    manager = tg.person(MANAGER_ID, "Maria", "zh-hans")
    await manager.say("/language zh")
    text = "\n".join(await manager.say("/nps themes 30d 贬损者"))
    assert text.startswith("NPS 主题 · 贬损者（0–6） · 30d（")
    assert ("简体中文：14 条评论\n上一时间段没有可供比较的评论。\n"
            "1. 太慢 — 4 条评论（29%）\n") in text
    assert "   “物流太慢，客服也不回复。”" in text
    assert "2. 退款 — 3 条评论（21%）\n" in text
    assert "方法：一至三个词的短语" in text
    unknown = "\n".join(await manager.say("/nps themes 30d 顾客"))
    assert unknown.startswith(
        "无法识别类别“顾客”。可用的类别：贬损者（0–6）、中立者（7–8）和推荐者（9–10）。")
