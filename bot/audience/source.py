"""Reading an import file: CSV with a header row, or JSON lines; UTF-8 with or without a BOM.

:func:`open_source` checks the file as a whole (readable, UTF-8, not empty, a CSV header with
``external_id`` and usable column names) and raises :class:`FileProblem` (one line) before
anything is written; :meth:`Source.rows` then gives each line's data, or what is wrong with it
(a malformed JSON line, a CSV row of the wrong width), with its line number.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.audience.records import ATTRIBUTES, FIELDS
from bot.audience.values import BadValue, header

FORMATS = ("csv", "jsonl")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


class FileProblem(Exception):
    """The file cannot be imported at all (nothing is written); the message is one line."""


@dataclass(frozen=True, slots=True)
class Row:
    """One customer line: its data, or why it could not even be read."""

    line: int
    data: dict[str, Any] | None = None
    problem: str = ""


@dataclass(frozen=True)
class Source:
    text: str
    format: str
    columns: tuple[str, ...] = ()
    """A CSV file's header, known field names lower-cased; empty for JSON lines."""

    @property
    def lines(self) -> int:
        """About how many customer lines there are (for a progress bar)."""
        count = self.text.count("\n") + (0 if self.text.endswith("\n") else 1)
        return max(count - (1 if self.columns else 0), 0)

    def rows(self) -> Iterator[Row]:
        return self._csv() if self.format == "csv" else self._jsonl()

    def _csv(self) -> Iterator[Row]:
        reader = csv.reader(io.StringIO(self.text, newline=""))
        next(reader)  # the header, read by open_source
        width = len(self.columns)
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row(line, problem=f"unreadable CSV: {exc}")
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != width:
                yield Row(line, problem=f"{len(cells)} fields where the header has {width}")
                continue
            yield Row(line, dict(zip(self.columns, cells, strict=True)))

    def _jsonl(self) -> Iterator[Row]:
        for number, line in enumerate(self.text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Row(number, problem=f"malformed JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(data, dict):
                yield Row(number, problem="not a JSON object")
                continue
            yield Row(number, data)


def file_format(path: Path, given: str | None) -> str:
    if given:
        return given
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise FileProblem(f"{path}: cannot tell the format from the name; name it .csv or "
                          ".jsonl, or give --format csv|jsonl")
    return found


def open_source(path: Path, fmt: str | None = None) -> Source:
    """The file, read and checked as a whole; :class:`FileProblem` when it cannot be
    imported."""
    fmt = file_format(path, fmt)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"{path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise FileProblem(f"{path}: not UTF-8 (line {line}, byte {exc.start}); save it as "
                          "UTF-8") from None
    if not text.strip():
        raise FileProblem(f"{path}: the file is empty")
    if fmt == "jsonl":
        return Source(text, fmt)
    columns = _header(path, text)
    _first, _newline, rest = text.partition("\n")
    if not rest.strip():
        raise FileProblem(f"{path}: the file has a header and no customers")
    return Source(text, fmt, columns)


def _header(path: Path, text: str) -> tuple[str, ...]:
    try:
        first = next(csv.reader(io.StringIO(text, newline="")))
    except (csv.Error, StopIteration) as exc:
        raise FileProblem(f"{path}: unreadable CSV header: {exc}") from None
    columns: list[str] = []
    names: set[str] = set()
    for number, cell in enumerate(first, start=1):
        column = cell.strip()
        if column.lower() in FIELDS:
            column = name = column.lower()
        elif not column:
            raise FileProblem(f"{path}: column {number} of the header has no name")
        else:
            try:
                name, _kind = header(column)
            except BadValue as exc:
                raise FileProblem(f"{path}: header: {exc}") from None
            if name == ATTRIBUTES:
                raise FileProblem(f"{path}: header: {ATTRIBUTES!r} is not a column name")
        if name in names:
            raise FileProblem(f"{path}: header: the column {name!r} appears twice")
        names.add(name)
        columns.append(column)
    if "external_id" not in names:
        raise FileProblem(f"{path}: no external_id column in the header "
                          f"({', '.join(columns) or 'empty'}); each customer needs one")
    return tuple(columns)
