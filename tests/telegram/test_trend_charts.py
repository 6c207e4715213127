"""``/nps trend`` and ``/nps chart`` on Telegram, through the real python-telegram-bot against
the Bot API stand-in: a photo (``sendPhoto``) that decodes as a PNG of a sane size, with its
caption in the manager's language; bad input gets the localized usage as a message."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from bot.periods import FORMS
from tests.helpers import CJK, seed_weeks
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID, Harness
from tests.telegram.standin import BOT_USERNAME


def seed(tg: Harness) -> None:
    """Eight whole weeks of NPS answers, 40 a week (tests/helpers.py ``seed_weeks``)."""
    seed_weeks(tg.engine, channel="telegram", user_id="seed")


def photo_of(call: Any) -> tuple[int, int]:
    photo = call.params["photo"]
    assert photo["filename"].endswith(".png") and photo["size"] == len(photo["content"])
    image = Image.open(io.BytesIO(photo["content"]))
    image.verify()
    assert image.format == "PNG"
    width, height = image.size
    assert 600 <= width <= 2560 and 300 <= height <= 2560  # Telegram: w + h ≤ 10,000
    return width, height


@pytest.mark.parametrize(("lang", "title", "change"), [
    ("en", "NPS by week · 8w (", "Over the period: "),
    ("ro", "NPS pe săptămâni · 8w (", "Pe întreaga perioadă: "),
    ("zh", "NPS 周度趋势 · 8w（", "整个时间段：")])
async def test_a_manager_gets_the_trend_as_a_photo(tg: Harness, lang: str, title: str,
                                                   change: str) -> None:
    seed(tg)
    manager = tg.person(MANAGER_ID, "Maria", "en")
    if lang != "en":
        await manager.say(f"/language {lang}")
    await manager.say("/nps trend 8w")
    photos = tg.api.sent("sendPhoto", MANAGER_ID)
    assert len(photos) == 1
    photo_of(photos[0])
    caption = str(photos[0].params["caption"])
    assert caption.startswith(title) and change in caption and len(caption) <= 1024
    assert "n = 40" in caption
    if lang == "zh":
        assert CJK.search(caption)
    if lang == "ro":
        assert "the second half" not in caption

    await manager.say("/nps chart 30d")
    photos = tg.api.sent("sendPhoto", MANAGER_ID)
    assert len(photos) == 2
    photo_of(photos[1])
    chart_title = {"en": "NPS: answers by score · 30d", "ro": "NPS: răspunsuri pe scoruri · 30d",
                   "zh": "NPS：各分值的回答数 · 30d"}[lang]
    assert str(photos[1].params["caption"]).startswith(chart_title)


async def test_in_the_managers_group_and_by_month(tg: Harness) -> None:
    seed(tg)
    group = tg.person(MANAGER_ID, "Maria", "en")
    group.chat_id = ALERT_CHAT
    await group.say(f"/csat@{BOT_USERNAME} trend by month")
    photos = tg.api.sent("sendPhoto", ALERT_CHAT)
    assert len(photos) == 1
    photo_of(photos[0])
    assert str(photos[0].params["caption"]).startswith("CSAT by month · 12m (")


@pytest.mark.parametrize(("lang", "wanted"), [
    ("en", "I cannot draw a trend by “day”.\nUsage: /nps trend ["),
    ("ro", "Nu pot afișa tendința după „day”.\nUtilizare: /nps trend ["),
    ("zh", "无法按“day”绘制趋势。\n用法：/nps trend [")])
async def test_bad_input_gets_the_localized_usage(tg: Harness, lang: str, wanted: str) -> None:
    manager = tg.person(MANAGER_ID, "Maria", "en")
    if lang != "en":
        await manager.say(f"/language {lang}")
    got = await manager.say("/nps trend 30d by day")
    assert got[-1] == wanted + "|".join(FORMS) + "] [by week|month]"
    got = await manager.say("/nps chart 30d by channel")
    assert got[-1].endswith("chart [" + "|".join(FORMS) + "]")
    assert not tg.api.sent("sendPhoto")
    customer = tg.person(205, "Curious", lang)
    got = await customer.say("/nps trend")
    assert len(got) == 1 and "n =" not in got[0] and not tg.api.sent("sendPhoto")
