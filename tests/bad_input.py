"""Checks shared by the bad-input tests: nothing in the database changed, and the refusal was
logged as one line without a traceback."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from bot.engine import Engine


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the schema."""
    with Session(engine.db.read_engine) as s:
        return {name: int(s.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in SQLModel.metadata.tables.items()}


def assert_one_line(caplog: pytest.LogCaptureFixture, logger: str,
                    level: int = logging.WARNING) -> logging.LogRecord:
    """Exactly one record at WARNING or above, from ``logger`` at ``level``, without a
    traceback; and no traceback anywhere in the log."""
    # An aiohttp session an earlier test left to the garbage collector is reported whenever
    # the collector runs, in whichever test that is; it is not this test's doing.
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING
            and not (r.name == "asyncio" and "Unclosed client session" in r.getMessage())]
    assert len(loud) == 1, [f"{r.name}: {r.getMessage()}" for r in loud]
    record = loud[0]
    assert (record.name, record.levelno) == (logger, level), record.getMessage()
    assert record.exc_info is None and record.stack_info is None
    assert "Traceback" not in caplog.text
    assert "\n" not in record.getMessage()
    return record


async def raw_post(url: str, headers: bytes, body: bytes = b"{}") -> int:
    """POST with header bytes exactly as given (a client may send any bytes); the status."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(b"POST " + parts.path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nConnection: close\r\n" + headers
                     + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
        async with asyncio.timeout(10):
            status_line = await reader.readline()
        return int(status_line.split()[1])
    finally:
        writer.close()
