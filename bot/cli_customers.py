"""``survey-bot customers import FILE`` and ``survey-bot customers links`` (docs/customers.md).

A file that cannot be imported at all (not UTF-8, no ``external_id`` column, empty), an unknown
survey or a refused campaign name end in one line and exit status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.settings import Settings


class CustomersUsage(Exception):
    """Bad input found before anything was written (exit status 2)."""


def add_parser(sub: Any) -> None:
    """The ``customers`` command and its subcommands."""
    from bot.audience.source import FORMATS

    customers = sub.add_parser("customers", help="the audience: import customers, write their "
                               "personal Telegram links")
    commands = customers.add_subparsers(dest="customers_cmd", required=True, metavar="COMMAND",
                                        help="what to do with customers")
    imp = commands.add_parser(
        "import", help="upsert customers by external_id from a CSV or JSON-lines file",
        description="One customer a line; external_id is required; telegram_id, slack_id, "
        "email, name, language, timezone are optional; every other column is an attribute "
        "(a header such as revenue:number or signed_up:date fixes its type). See "
        "docs/customers.md.")
    imp.add_argument("file", metavar="FILE", help="the file (UTF-8, with or without a BOM)")
    imp.add_argument("--format", choices=list(FORMATS), default=None,
                     help="csv or jsonl (default: from the file name's extension)")
    imp.add_argument("--dry-run", action="store_true",
                     help="check the file and say what would be imported; write nothing")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``customers <COMMAND>``; its exit status."""
    try:
        if args.customers_cmd == "import":
            return _import(settings, args)
    except CustomersUsage as exc:
        print(f"survey-bot: {exc}", file=sys.stderr)
        return 2
    raise CustomersUsage(f"unknown command customers {args.customers_cmd}")  # pragma: no cover


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress

    from bot.app import prepare_database
    from bot.audience.importer import import_customers
    from bot.audience.source import FileProblem, open_source
    from bot.models import utcnow

    try:
        source = open_source(Path(args.file), args.format)
    except FileProblem as exc:
        raise CustomersUsage(str(exc)) from None
    db = prepare_database(settings)
    try:
        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("customers", total=source.lines)
            result = import_customers(db, source, now=utcnow(), dry_run=args.dry_run,
                                      progress=lambda n: bar.update(task, completed=n))
    finally:
        db.dispose()
    if result.dry_run:
        print(f"dry run, nothing written: {result.imported} would be imported, "
              f"{result.updated} updated, {len(result.rejected)} rejected")
    else:
        print(f"{result.imported} imported, {result.updated} updated, "
              f"{len(result.rejected)} rejected")
    for rejected in result.rejected:
        print(f"  line {rejected.line}: {rejected.reason}")
    return 0
