"""The fonts a chart draws its words with, and which words each one can draw.

matplotlib ships DejaVu Sans (Latin, Romanian's ș and ț, Greek, Cyrillic, symbols) and no CJK
font.  A Chinese one is found at run time through fontconfig (Debian: ``fonts-noto-cjk``),
registered with matplotlib's font manager and used as the fallback for a label DejaVu Sans
cannot draw.  Every label is checked against the character map (fontTools) of the font
matplotlib actually resolves for it: a label no font covers whole is not drawn, and the caller
puts its words into the caption instead.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from dataclasses import dataclass
from functools import lru_cache

from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font

log = logging.getLogger(__name__)

LATIN = "DejaVu Sans"
"""matplotlib's own font: always there."""
CJK_PATTERN = "sans-serif:lang=zh-cn"
"""What fontconfig is asked for: its preferred sans-serif face for Simplified Chinese."""
CJK_PROBE = "中文图表趋势回答满意度"
"""Characters a font must have to count as a Chinese font (fontconfig may answer with a Latin
font when no CJK font is installed)."""
FC_TIMEOUT = 10.0
SKIPPED = frozenset("\n")
"""Characters a label may hold that no font draws (a line break)."""

_lock = threading.Lock()


@dataclass(frozen=True)
class FontFile:
    """A face in a font file (a ``.ttc`` holds several; ``index`` is fontconfig's and
    FreeType's face index)."""

    path: str
    index: int = 0


@lru_cache(maxsize=32)
def charmap(face: FontFile) -> frozenset[int]:
    """The code points ``face`` has glyphs for."""
    with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
        cmap = font.getBestCmap() or {}
    return frozenset(cmap)


def covers(face: FontFile, text: str) -> bool:
    have = charmap(face)
    return all(ord(ch) in have for ch in text if ch not in SKIPPED)


def resolved(prop: FontProperties) -> FontFile | None:
    """The face matplotlib draws ``prop`` with; None when its family is not registered."""
    try:
        found = font_manager.findfont(prop, fallback_to_default=False)
    except ValueError:
        return None
    return FontFile(str(found), int(getattr(found, "face_index", 0)))


@dataclass(frozen=True)
class Fonts:
    """The families a chart may use, in order of preference: the Latin one first, then the
    fallbacks (a CJK family).  :meth:`properties` picks, per label, the first whose resolved
    face covers every character of it."""

    families: tuple[str, ...] = (LATIN,)

    @property
    def latin(self) -> str:
        return self.families[0]

    def properties(self, text: str, *, size: float,
                   weight: str = "normal") -> FontProperties | None:
        """How to draw ``text``: the first family whose face has all its characters; None
        when none has (the label is not drawn)."""
        for family in self.families:
            prop = FontProperties(family=family, size=size, weight=weight)
            face = resolved(prop)
            if face is not None and covers(face, text):
                return prop
        return None


def latin_only() -> Fonts:
    """No CJK font: what a machine without one draws (tests force it with this)."""
    return Fonts((LATIN,))


def find_cjk_font() -> FontFile | None:
    """fontconfig's sans-serif face for Simplified Chinese, if it has one with Chinese
    glyphs."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        log.info("charts: no fontconfig (fc-match); Chinese words go into the caption")
        return None
    try:
        out = subprocess.run(
            [fc_match, "--format", "%{file}\t%{index}\n", CJK_PATTERN],
            capture_output=True, text=True, timeout=FC_TIMEOUT, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("charts: fc-match failed (%s); Chinese words go into the caption", exc)
        return None
    path, _, index = out.strip().partition("\t")
    if not path:
        return None
    face = FontFile(path, int(index) if index.isdigit() else 0)
    try:
        if covers(face, CJK_PROBE):
            return face
    except Exception as exc:  # noqa: BLE001 - a broken font file is "no font"
        log.warning("charts: cannot read %s (%r)", path, exc)
        return None
    log.info("charts: no CJK font installed (fontconfig offers %s); install fonts-noto-cjk "
             "so Chinese words are drawn", path)
    return None


def register(face: FontFile) -> str | None:
    """Make ``face`` known to matplotlib (every face of its file); the family name to ask for
    it by, or None when matplotlib resolves that name to another face."""
    family = str(FT2Font(face.path, face_index=face.index).family_name)
    with _lock:
        if resolved(FontProperties(family=family)) is None:
            font_manager.fontManager.addfont(face.path)
    found = resolved(FontProperties(family=family))
    if found is None or not covers(found, CJK_PROBE):
        log.warning("charts: matplotlib does not draw %r from %s", family, face.path)
        return None
    return family


_system: Fonts | None = None


def system_fonts() -> Fonts:
    """The Latin font and, when fontconfig has one, a Chinese fallback; looked up once."""
    global _system
    with _lock:
        found = _system
    if found is not None:
        return found
    cjk = find_cjk_font()
    family = register(cjk) if cjk is not None else None
    fonts = Fonts((LATIN, family) if family else (LATIN,))
    with _lock:
        _system = fonts
    return fonts
