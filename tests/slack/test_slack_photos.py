"""A chart reaches Slack through the real slack-bolt app and slack-sdk's files_upload_v2
against the stand-in: Slack has no ephemeral files, so an image asked for in a channel the bot
is in goes to that channel, and one asked for anywhere else (a channel without the bot, a
private channel it cannot see) to the person's DM with the bot; a file that is no image goes
to the DM as before."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image

from bot.i18n import translator
from tests.charts import route
from tests.slack.harness import SlackHarness

USER = "UCHART"


async def ask(slack: SlackHarness, channel: str, text: str = route.TRIGGER) -> None:
    slack.api.add_user(USER, "Radu Ionescu", "ro-RO")
    body = slack.send.command(USER, "/nps", text, channel=channel,
                              response_url=slack.api.response_url(channel))
    status, _ = await slack.deliver(body, "application/x-www-form-urlencoded")
    assert status == 200


def shared(slack: SlackHarness) -> dict[str, Any]:
    """The one file shared, with the bytes uploaded for it."""
    completed = slack.api.sent("files.completeUploadExternal")
    assert len(completed) == 1, [c.method for c in slack.api.calls]
    asked = slack.api.sent("files.getUploadURLExternal")
    uploads = [c for c in slack.api.calls if c.method == "upload"]
    assert len(asked) == 1 and len(uploads) == 1
    content = uploads[0].params["content"]
    assert int(asked[0].params["length"]) == len(content)
    files = completed[0].params["files"]
    files = json.loads(files) if isinstance(files, str) else files
    return {"channel": completed[0].params.get("channel_id"), "content": content,
            "filename": asked[0].params["filename"], "title": files[0].get("title"),
            "comment": completed[0].params.get("initial_comment")}


def check_png(content: bytes) -> None:
    with Image.open(io.BytesIO(content)) as img:
        assert img.format == "PNG" and img.size == (1200, 672)
    assert len(content) < 300_000


async def test_a_chart_asked_for_in_a_channel_the_bot_is_in_goes_to_that_channel(
        slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    said = route.install(slack.engine, monkeypatch)
    slack.api.joined.add("C0TEAM")
    await ask(slack, "C0TEAM")
    file = shared(slack)
    assert file["channel"] == "C0TEAM"
    assert file["filename"] == route.FILENAME
    assert file["content"] == said["chart"].png
    check_png(file["content"])
    assert file["comment"] == said["reply"].caption
    assert str(file["comment"]).startswith(
        translator("ro").gettext("{metric} by week").format(metric="NPS"))
    assert not slack.api.sent("conversations.open")


@pytest.mark.parametrize("channel", ["C0ELSEWHERE", "G0PRIVATE"],
                         ids=["channel-without-the-bot", "private-channel-unseen"])
async def test_a_chart_asked_for_where_the_bot_is_not_goes_to_the_dm(
        slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, channel: str) -> None:
    said = route.install(slack.engine, monkeypatch)
    await ask(slack, channel)
    file = shared(slack)
    assert file["channel"] == f"D{USER}"
    check_png(file["content"])
    assert file["comment"] == said["reply"].caption
    assert [c.params.get("channel") for c in slack.api.calls
            if c.method == "conversations.info"] == [channel]


async def test_a_chart_asked_for_in_the_dm_stays_there(
        slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    route.install(slack.engine, monkeypatch)
    await ask(slack, f"D{USER}")
    assert shared(slack)["channel"] == f"D{USER}"
    assert not [c for c in slack.api.calls if c.method == "conversations.info"]


async def test_a_long_caption_goes_whole(slack: SlackHarness,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack's file comment is a message (40,000 characters): no cut as on Telegram."""
    said = route.install(slack.engine, monkeypatch)
    slack.api.joined.add("C0TEAM")
    await ask(slack, "C0TEAM", f"{route.TRIGGER} long")
    assert len(said["reply"].caption) > 1024
    assert shared(slack)["comment"] == said["reply"].caption


async def test_a_file_that_is_no_image_goes_to_the_dm_even_from_a_channel_with_the_bot(
        slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    said = route.install(slack.engine, monkeypatch)
    slack.api.joined.add("C0TEAM")
    await ask(slack, "C0TEAM", f"{route.TRIGGER} csv")
    file = shared(slack)
    assert file["channel"] == f"D{USER}" and file["content"] == said["reply"].content
    assert not [c for c in slack.api.calls if c.method == "conversations.info"]
