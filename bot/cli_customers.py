"""``survey-bot customers import FILE`` and ``survey-bot customers links`` (docs/customers.md).

A file that cannot be imported at all (not UTF-8, no ``external_id`` column, empty), an unknown
survey or a refused campaign name end in one line and exit status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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
    links = commands.add_parser(
        "links", help="write one personal Telegram link per imported customer (CSV)",
        description="Each link is new (earlier links keep working) and starts the survey for "
        "its customer; the first Telegram account to open it is bound to the customer. The "
        "bot's username comes from TELEGRAM_BOT_USERNAME, else from Telegram's getMe.")
    links.add_argument("--survey", default=None, metavar="NAME",
                       help="the survey the links start (default: the default survey)")
    links.add_argument("--campaign", default=None, metavar="NAME",
                       help="the campaign the answers are counted for")
    links.add_argument("--output", "-o", default="-", metavar="FILE",
                       help="the CSV file to write, replaced if it exists (default: - for "
                       "stdout); columns external_id, name, email, telegram_link")


def run(settings: Settings, args: argparse.Namespace,
        bot_username: Callable[[Settings], str] | None = None) -> int:
    """Run ``customers <COMMAND>``; its exit status.  ``bot_username`` asks Telegram for the
    bot's username (``adapters``: getMe) when TELEGRAM_BOT_USERNAME does not say it."""
    try:
        if args.customers_cmd == "import":
            return _import(settings, args)
        if args.customers_cmd == "links":
            return _links(settings, args, bot_username)
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
    if result.warnings:
        print(f"{len(result.warnings)} imported without their referral:")
    for warning in result.warnings:
        print(f"  line {warning.line}: {warning.reason}")
    return 0


def _username(settings: Settings, lookup: Callable[[Settings], str] | None) -> str:
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if not settings.telegram_bot_token or lookup is None:
        raise CustomersUsage("customers links: the bot's username is unknown; set "
                             "TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN to ask Telegram)")
    try:
        return lookup(settings)
    except Exception as exc:  # noqa: BLE001 - any failure of the lookup is one line
        raise CustomersUsage(f"customers links: could not ask Telegram for the bot's username "
                             f"({exc}); set TELEGRAM_BOT_USERNAME") from None


def _links(settings: Settings, args: argparse.Namespace,
           lookup: Callable[[Settings], str] | None) -> int:
    import csv

    from bot import deeplinks
    from bot.app import prepare_database
    from bot.audience.links import link_url, make_links
    from bot.cli import UsageError, _output_file
    from bot.models import utcnow
    from bot.surveys import load_surveys

    catalog = load_surveys(settings.survey_file)
    survey = catalog.get(args.survey) if args.survey else catalog.default
    if survey is None:
        raise CustomersUsage(f"--survey {args.survey}: no such survey; choose one of "
                             + ", ".join(sorted(catalog.surveys)))
    if args.campaign is not None and (problem := deeplinks.name_problem(args.campaign)):
        raise CustomersUsage(f"--campaign {args.campaign}: {problem}")
    try:
        target = _output_file(args.output)
    except UsageError as exc:
        raise CustomersUsage(str(exc)) from None
    username = _username(settings, lookup)
    try:
        fh = target.open("w", encoding="utf-8", newline="") if target else sys.stdout
    except OSError as exc:
        raise CustomersUsage(f"--output {args.output}: {exc.strerror}") from None
    db = prepare_database(settings)
    count = 0
    try:
        from sqlmodel import Session

        out = csv.writer(fh)
        out.writerow(("external_id", "name", "email", "telegram_link"))
        with Session(db.engine) as session:
            for batch in make_links(session=session, survey=survey.name,
                                    campaign=args.campaign, now=utcnow()):
                out.writerows((link.external_id, link.name, link.email,
                               link_url(username, link.token)) for link in batch)
                count += len(batch)
    finally:
        db.dispose()
        if target is not None:
            fh.close()
    print(f"wrote {count} personal links to {args.output if target else 'stdout'}",
          file=sys.stderr)
    return 0
