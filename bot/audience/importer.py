"""``survey-bot customers import``: a file of customers upserted by ``external_id``, in
transactions of :data:`BATCH` rows (:mod:`bot.audience.bulk`), or only checked (``dry_run``).

A ``referred_by`` is attributed once every line is in (the promoter it names may come later
in the file), in a transaction of its own; one that names no customer leaves the row imported
without the referral, with a warning.

Each line is read (:mod:`bot.audience.source`), normalised (:func:`~bot.audience.records.
parse_record`, as the API does) and checked against the file so far: the same ``external_id``
twice keeps the first line and rejects the later ones, and so does an account (telegram_id,
slack_id) named by two customers.  A batch is committed as a whole, so an import stopped
half-way keeps the batches before and can simply be run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.advocacy.referrals import ImportedReferral, attribute_imported
from bot.audience import bulk
from bot.audience.bulk import Line
from bot.audience.customers import IDENTITIES
from bot.audience.records import BadRecord, parse_record
from bot.audience.source import Row, Source
from bot.db import Database

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    """New customers (would be, in a dry run)."""
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False
    warnings: list[Rejected] = field(default_factory=list)
    """Lines imported without a part: a ``referred_by`` that names no customer."""


class _FileChecks:
    """What the file said before this line: external ids and accounts, by line."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.accounts: dict[tuple[str, str], str] = {}

    def problem(self, line: int, record_id: str, accounts: list[tuple[str, str]]) -> str | None:
        first = self.ids.get(record_id)
        if first is not None:
            return (f"external_id {record_id!r} again (first on line {first}, which is the one "
                    "imported)")
        for account in accounts:
            owner = self.accounts.get(account)
            if owner is not None:
                return (f"{IDENTITIES[account[0]]} {account[1]} is given to {owner!r} on line "
                        f"{self.ids[owner]} already")
        self.ids[record_id] = line
        for account in accounts:
            self.accounts[account] = record_id
        return None


def _lines(source: Source, early: list[Rejected]) -> Iterator[Line]:
    checks = _FileChecks()
    for row in source.rows():
        line = _line(row, checks)
        if isinstance(line, Rejected):
            early.append(line)
        else:
            yield line


def _line(row: Row, checks: _FileChecks) -> Line | Rejected:
    if row.data is None:
        return Rejected(row.line, row.problem)
    try:
        record = parse_record(row.data)
    except BadRecord as exc:
        return Rejected(row.line, str(exc))
    accounts = [(channel, str(getattr(record, name))) for channel, name in IDENTITIES.items()
                if getattr(record, name)]
    problem = checks.problem(row.line, record.external_id, accounts)
    return Rejected(row.line, problem) if problem else Line(row.line, record)


def import_customers(db: Database, source: Source, *, now: datetime, dry_run: bool = False,
                     batch: int = BATCH,
                     progress: Callable[[int], None] | None = None) -> ImportResult:
    """Upsert every good line of ``source`` (nothing is written with ``dry_run``); the counts
    and the rejected lines in file order.  ``progress`` hears the lines done so far."""
    result = ImportResult(dry_run=dry_run)
    early: list[Rejected] = []  # rejected by the file alone
    pending: list[Line] = []
    checked_lines = 0
    referred: list[ImportedReferral] = []  # attributed once every customer is in
    taken: set[str] = set()  # in a dry run, the customers the file would make

    def flush() -> None:
        nonlocal checked_lines
        with Session(db.read_engine if dry_run else db.engine) as session:
            checked = bulk.check(session, pending)
            if not dry_run:
                bulk.write(session, checked, now=now)
                session.commit()
        for line in checked.lines:
            if line.record.referred_by:
                referred.append(ImportedReferral(line.number, line.record.external_id,
                                                 line.record.referred_by))
            if dry_run:
                taken.add(line.record.external_id)
        result.imported += checked.created
        result.updated += checked.updated
        result.rejected.extend(Rejected(n, reason) for n, reason in checked.rejected)
        checked_lines += len(pending)
        pending.clear()

    for line in _lines(source, early):
        pending.append(line)
        if len(pending) >= batch:
            flush()
            if progress is not None:
                progress(checked_lines + len(early))
    if pending:
        flush()
    if referred:
        with Session(db.read_engine if dry_run else db.engine) as session:
            result.warnings = [Rejected(n, why) for n, why in attribute_imported(
                session=session, rows=referred, now=now, dry_run=dry_run,
                also_known=frozenset(taken))]
            if not dry_run:
                session.commit()
    if progress is not None:
        progress(checked_lines + len(early))
    result.rejected = sorted([*early, *result.rejected], key=lambda r: r.line)
    return result
