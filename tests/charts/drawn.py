"""What a drawn chart shows, read back from its figure and its PNG, independently of the
renderer's own font checks: each text's font as matplotlib resolves it, that font's character
map read with fontTools, the pixels of the PNG."""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from fontTools.ttLib import TTFont
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont
from matplotlib.text import Text
from PIL import Image

from bot.charts import Fonts, system_fonts

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
"""Chinese characters and the full-width punctuation Chinese is written with."""


def cjk_fonts() -> Fonts:
    """The system's fonts with a CJK fallback; skips without one, except where
    REQUIRE_CJK_FONT is set (``.ci/run`` installs fonts-noto-cjk and sets it)."""
    fonts = system_fonts()
    if len(fonts.families) < 2:
        reason = "no CJK font found through fontconfig (Debian: apt-get install fonts-noto-cjk)"
        if os.environ.get("REQUIRE_CJK_FONT"):
            pytest.fail(reason)
        pytest.skip(reason)
    return fonts


@cache
def _cmap(path: str, index: int) -> frozenset[int]:
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def font_of(text: Text) -> tuple[str, int]:
    """The face matplotlib draws ``text`` with (file, face index)."""
    found = findfont(text.get_fontproperties(), fallback_to_default=False)
    return str(found), int(getattr(found, "face_index", 0))


def uncovered(text: Text) -> set[str]:
    """The characters of ``text`` its font has no glyph for."""
    have = _cmap(*font_of(text))
    return {ch for ch in text.get_text() if ch != "\n" and ord(ch) not in have}


def drawn_texts(figure: Figure) -> list[Text]:
    """Every text the figure draws (after drawing it, so tick labels exist), none of which
    made matplotlib warn about a missing glyph."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from (current )?font")
        figure.canvas.draw()
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def outside_figure(figure: Figure) -> list[str]:
    """Texts that stick out of the image (cut off)."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = figure.bbox.width, figure.bbox.height
    out = []
    for text in drawn_texts(figure):
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            out.append(text.get_text())
    return out


@contextmanager
def image(png: bytes) -> Iterator[Image.Image]:
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        yield img


def colours(png: bytes) -> set[tuple[int, int, int]]:
    with image(png) as img:
        rgb = img.convert("RGB")
        return {c for _n, c in rgb.getcolors(maxcolors=1 << 20) or []}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
