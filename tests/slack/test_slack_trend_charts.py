"""``/nps trend`` and ``/nps chart`` in Slack, through the real slack-bolt app against the Web
API stand-in: the chart is uploaded (``files.getUploadURLExternal``, the upload,
``files.completeUploadExternal``) to the manager's DM with its caption in the manager's
language; the PNG decodes with a sane size; bad input gets the localized usage."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from bot.periods import FORMS
from tests.helpers import CJK, seed_weeks, settle
from tests.slack.harness import MANAGER, SlackHarness


def seed(slack: SlackHarness) -> None:
    seed_weeks(slack.engine, channel="slack", user_id="USEED")


def png_in(upload: Any) -> bytes:
    """The PNG in an upload's body (the file itself, or a form part holding it)."""
    body: bytes = upload.params["content"]
    start = body.index(b"\x89PNG\r\n\x1a\n")
    end = body.index(b"IEND\xaeB`\x82", start) + 8
    return body[start:end]


def check_png(content: bytes) -> None:
    image = Image.open(io.BytesIO(content))
    image.verify()
    assert image.format == "PNG"
    width, height = image.size
    assert 600 <= width <= 2560 and 300 <= height <= 2560


@pytest.mark.parametrize(("lang", "title", "change"), [
    ("en", "NPS by week · 8w (", "Over the period: "),
    ("ro", "NPS pe săptămâni · 8w (", "Pe întreaga perioadă: "),
    ("zh", "NPS 周度趋势 · 8w（", "整个时间段：")])
async def test_a_manager_gets_the_trend_in_their_dm(slack: SlackHarness, lang: str, title: str,
                                                    change: str) -> None:
    seed(slack)
    if lang != "en":
        await slack.dm(MANAGER, f"language {lang}")
    await slack.command(MANAGER, "/nps", "trend 8w")
    completed = slack.api.sent("files.completeUploadExternal")
    assert len(completed) == 1
    assert completed[0].params.get("channel_id") == f"D{MANAGER}"
    caption = str(completed[0].params.get("initial_comment"))
    assert caption.startswith(title) and change in caption and "n = 40" in caption
    if lang == "zh":
        assert CJK.search(caption)
    uploads = [c for c in slack.api.calls if c.method == "upload"]
    assert len(uploads) == 1
    check_png(png_in(uploads[0]))

    await slack.command(MANAGER, "/nps", "chart 30d")
    completed = slack.api.sent("files.completeUploadExternal")
    assert len(completed) == 2
    chart_title = {"en": "NPS: answers by score · 30d", "ro": "NPS: răspunsuri pe scoruri · 30d",
                   "zh": "NPS：各分值的回答数 · 30d"}[lang]
    assert str(completed[1].params.get("initial_comment")).startswith(chart_title)
    check_png(png_in([c for c in slack.api.calls if c.method == "upload"][1]))


@pytest.mark.parametrize(("lang", "wanted"), [
    ("en", "I cannot draw a trend by “day”.\nUsage: /nps trend ["),
    ("ro", "Nu pot afișa tendința după „day”.\nUtilizare: /nps trend ["),
    ("zh", "无法按“day”绘制趋势。\n用法：/nps trend [")])
async def test_bad_input_gets_the_localized_usage(slack: SlackHarness, lang: str,
                                                  wanted: str) -> None:
    if lang != "en":
        await slack.dm(MANAGER, f"language {lang}")
    answers = await slack.command(MANAGER, "/nps", "trend 30d by day")
    assert answers[-1]["text"] == wanted + "|".join(FORMS) + "] [by week|month]"
    assert answers[-1]["response_type"] == "ephemeral"
    answers = await slack.command(MANAGER, "/nps", "chart soon")
    assert "soon" in answers[-1]["text"]
    assert not slack.api.sent("files.completeUploadExternal")
    slack.api.add_user("UCUST", "Ana", "en-US")
    answers = await slack.command("UCUST", "/nps", "trend")
    assert answers[-1]["text"] == "Sorry, this command is only for managers."
    assert not slack.api.sent("files.completeUploadExternal")


async def test_in_a_channel_the_bot_is_in_the_chart_goes_there(slack: SlackHarness) -> None:
    seed(slack)
    slack.api.joined.add("C0TEAM")
    url = slack.api.response_url("C0TEAM")
    status, _ = await slack.deliver(slack.send.command(
        MANAGER, "/csat", "trend by month", channel="C0TEAM", response_url=url),
        "application/x-www-form-urlencoded")
    assert status == 200
    await settle(slack.engine, channel="slack")
    completed = slack.api.sent("files.completeUploadExternal")
    assert len(completed) == 1 and completed[0].params.get("channel_id") == "C0TEAM"
    assert str(completed[0].params.get("initial_comment")).startswith("CSAT by month · 12m (")
