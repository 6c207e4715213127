"""Finding a CJK font through fontconfig, and picking per label a font that has every
character of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from matplotlib.font_manager import findfont

from bot.charts import fonts as chart_fonts
from bot.charts.fonts import LATIN, FontFile, find_cjk_font, latin_only, system_fonts
from tests.charts.drawn import cjk_fonts


def test_the_cjk_font_found_has_chinese_and_matplotlib_draws_it() -> None:
    fonts = cjk_fonts()
    face = find_cjk_font()
    assert face is not None
    with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
        cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "满意度趋势回答过少")
    family = fonts.families[1]
    resolved = findfont(family, fallback_to_default=False)
    assert (str(resolved), getattr(resolved, "face_index", 0)) == (face.path, face.index)
    assert system_fonts() is system_fonts()  # looked up once


def test_each_label_gets_the_first_font_that_has_all_of_it() -> None:
    fonts = cjk_fonts()
    cjk = fonts.families[1]
    for text, family in [("Mulțumiți (4–5) −50", LATIN), ("NPS 周度趋势", cjk),
                         ("回答过少", cjk)]:
        prop = fonts.properties(text, size=10)
        assert prop is not None and prop.get_family() == [family], text
    assert latin_only().properties("回答过少", size=10) is None
    assert latin_only().properties("Prea puține răspunsuri", size=10) is not None
    # A character neither font has (a private-use code point) leaves the label undrawn.
    assert fonts.properties("NPS \ue000", size=10) is None


def _fake_fc_match(folder: Path, answer: str) -> None:
    script = folder / "fc-match"
    script.write_text(f"#!/bin/sh\nprintf '%s' '{answer}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_no_fontconfig_means_no_cjk_font(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_cjk_font() is None


def test_a_latin_font_offered_for_chinese_is_no_cjk_font(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """fontconfig answers with its best match even when no font has Chinese."""
    latin = findfont(LATIN, fallback_to_default=False)
    _fake_fc_match(tmp_path, f"{latin}\t0")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    assert find_cjk_font() is None
    _fake_fc_match(tmp_path, f"{tmp_path / 'gone.ttf'}\t0")
    assert find_cjk_font() is None  # a file that cannot be read is no font either


def test_charmap_reads_the_face_of_a_collection() -> None:
    fonts = cjk_fonts()
    face = find_cjk_font()
    assert face is not None and fonts.families[1]
    assert ord("中") in chart_fonts.charmap(face)
    latin = findfont(LATIN, fallback_to_default=False)
    assert ord("中") not in chart_fonts.charmap(FontFile(str(latin)))
    assert ord("ș") in chart_fonts.charmap(FontFile(str(latin)))
