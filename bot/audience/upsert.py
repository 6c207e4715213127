"""``INSERT … ON CONFLICT DO UPDATE`` of many rows at once, at the speed of the driver: on SQLite
one ``executemany`` of plain tuples, on PostgreSQL one statement over ``unnest`` of one array
per column.  Values go through each column's own bind processing (SQLModel's UTCDateTime, the
dialect's dates), so the rows stored are those the ORM would store.

For bulk imports only (:mod:`bot.audience.bulk`); the engine's one-row writes use the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlmodel import Session


def upsert(session: Session, table: Table, columns: Sequence[str],
           rows: Sequence[Sequence[Any]], *, conflict: Sequence[str],
           update: Mapping[str, str]) -> None:
    """Insert ``rows`` (values in ``columns`` order) into ``table``; a row whose ``conflict``
    key exists sets ``update`` instead: column -> SQL expression, where ``excluded.<col>`` is
    the new value and ``<table>.<col>`` the stored one."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    sql = _statement(dialect.name, table.name, tuple(columns), tuple(conflict),
                     tuple(update.items()), _types(dialect, table, tuple(columns)))
    values = [list(column) for column in zip(*rows, strict=True)]
    for i, name in enumerate(columns):
        process = _processor(dialect, table, name)
        if process is not None:
            values[i] = [None if value is None else process(value) for value in values[i]]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if dialect.name == "postgresql":
            cursor.execute(sql, values)
        else:
            cursor.executemany(sql, zip(*values, strict=True))
    finally:
        cursor.close()


def _processor(dialect: Dialect, table: Table, name: str) -> Callable[[Any], Any] | None:
    column_type = table.c[name].type
    processor: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(
        dialect)
    return processor


def _types(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    if dialect.name != "postgresql":
        return ()
    return tuple(table.c[name].type.compile(dialect=dialect) for name in columns)


@cache
def _statement(dialect: str, table: str, columns: tuple[str, ...], conflict: tuple[str, ...],
               update: tuple[tuple[str, str], ...], types: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    if dialect == "postgresql":
        source = "SELECT * FROM unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")"
    else:
        source = "VALUES (" + ", ".join("?" for _ in columns) + ")"
    sets = ", ".join(f"{column} = {expression}" for column, expression in update)
    return (f"INSERT INTO {table} ({names}) {source} "
            f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets}")
