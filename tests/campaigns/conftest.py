"""Fixtures of the campaign tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.engine import Engine
from tests.campaigns.helpers import Clock, make_engine


@pytest.fixture
def engine_clock(make_settings: Callable[..., Any]) -> Iterator[tuple[Engine, Clock]]:
    """An engine on the test database with an injected clock (noon UTC, 2 Dec 2026) and
    quiet hours off unless a test sets SEND_WINDOW."""
    yield from make_engine(make_settings)
