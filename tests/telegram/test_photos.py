"""A chart reaches a Telegram chat as a photo (sendPhoto), through the real python-telegram-bot
against the stand-in: the bytes are the PNG, the caption is in the reader's language, a caption
over 1,024 UTF-16 code units is cut where a line ends and the rest follows as a message, and a
failed rest is sent again without the photo."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from telegram import InputFile
from telegram.error import BadRequest

from bot.charts import latin_only
from bot.i18n import translator
from bot.text import units
from tests.charts import route
from tests.telegram.harness import Harness


def photo_of(tg: Harness, chat: int) -> tuple[bytes, str]:
    photos = tg.api.sent("sendPhoto", chat)
    assert len(photos) == 1, [c.method for c in tg.api.calls]
    upload = photos[0].params["photo"]
    assert upload["filename"] == route.FILENAME
    return upload["content"], str(photos[0].params.get("caption", ""))


def check_png(content: bytes) -> None:
    with Image.open(io.BytesIO(content)) as img:
        assert img.format == "PNG" and img.size == (1200, 672)
    assert len(content) < 300_000


async def test_a_chart_arrives_as_a_photo_with_its_caption(
        tg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    said = route.install(tg.engine, monkeypatch)
    person = tg.person(411, "Ioana", "ro")
    await person.say(f"/nps {route.TRIGGER}")
    content, caption = photo_of(tg, 411)
    assert content == said["chart"].png
    check_png(content)
    assert caption == said["reply"].caption
    assert caption.startswith(translator("ro").gettext("{metric} by week").format(metric="NPS"))
    assert not tg.api.sent("sendDocument") and not tg.api.sent("sendMessage", 411)


async def test_a_long_caption_is_cut_at_a_line_and_the_rest_follows(
        tg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chinese words the chart could not draw (no CJK font) and a long text version: the
    photo's caption holds the lines that fit (the stand-in refuses over 1,024), the message
    after it the rest, and nothing is lost or cut inside a line."""
    said = route.install(tg.engine, monkeypatch, fonts=latin_only())
    person = tg.person(412, "王芳", "zh-hans")
    await person.say(f"/nps {route.TRIGGER} long")
    full = said["reply"].caption
    assert units(full) > 1024 and said["chart"].caption_words
    content, caption = photo_of(tg, 412)
    check_png(content)
    assert 900 < units(caption) <= 1024
    rest = [c.params["text"] for c in tg.api.sent("sendMessage", 412)]
    assert len(rest) == 1
    assert f"{caption}\n{rest[0]}" == full
    assert caption.split("\n") == full.split("\n")[:caption.count("\n") + 1]
    # The words the chart could not draw open the caption, next to the picture.
    assert caption.split("\n")[:len(said["chart"].caption_words)] == said["chart"].caption_words
    assert translator("zh").gettext("Too few answers") in caption
    order = [c.method for c in tg.api.calls if c.params.get("chat_id") == 412
             and c.method in ("sendPhoto", "sendMessage")]
    assert order == ["sendPhoto", "sendMessage"]


async def test_when_the_rest_fails_only_the_rest_is_sent_again(
        tg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    route.install(tg.engine, monkeypatch)
    tg.api.fail_next("sendMessage", 429, retry_after=1)
    person = tg.person(413, "Ana", "en")
    await person.say(f"/nps {route.TRIGGER} long")
    assert len(tg.api.sent("sendPhoto", 413)) == 1
    tries = [c.status for c in tg.api.calls if c.method == "sendMessage"
             and c.params.get("chat_id") == 413]
    assert tries == [429, 200]


async def test_a_file_that_is_no_image_is_still_a_document(tg: Harness) -> None:
    person = tg.person(414, "Ana", "en")
    await person.say("/start")
    await person.say("/export_my_data")
    assert len(tg.api.sent("sendDocument", 414)) == 1 and not tg.api.sent("sendPhoto")


async def test_the_stand_in_refuses_a_photo_that_is_no_image(tg: Harness) -> None:
    """So the photos the tests above saw accepted were images Telegram takes."""
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await tg.channel.app.bot.send_photo(415, InputFile(b"not a png", filename="x.png"))
    wide = io.BytesIO()
    Image.new("RGB", (4200, 100)).save(wide, format="PNG")
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await tg.channel.app.bot.send_photo(415, InputFile(wide.getvalue(), filename="w.png"))
