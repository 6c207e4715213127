"""The console writes a chart the engine sends as a PNG file and prints its caption and path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from adapters.console import ConsoleChannel
from bot.app import build_engine
from bot.engine import Engine
from tests.charts import route


@pytest.fixture
def engine(make_settings: Callable[..., Any]) -> Iterator[Engine]:
    eng = build_engine(make_settings())
    yield eng
    eng.db.dispose()


def test_a_chart_is_written_as_a_png_and_its_path_printed(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said = route.install(engine, monkeypatch)
    console = ConsoleChannel(engine, lang="zh", files=tmp_path, name="王芳")
    out = console.feed(f"/nps {route.TRIGGER}")
    caption = said["reply"].caption
    assert out[0] == f"🖼 {caption}"
    path = Path(out[-1].strip())
    assert path.parent == tmp_path and path.name == route.FILENAME
    assert path.read_bytes() == said["chart"].png
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (1200, 672)
    again = Path(console.feed(f"/nps {route.TRIGGER}")[-1].strip())
    assert again.name == "nps-trend-2.png" and again.read_bytes() == path.read_bytes()
