"""``survey-bot campaign create|list|show|pause|resume|cancel``: campaigns from the command line.

Every value is checked before anything is written: the durations and the start here, the
survey, the audience filter and the name by the engine (:class:`~bot.campaigns.spec.
CampaignError`), which writes nothing when it refuses.  A refusal is one line, ``survey-bot:
…``, in the reader's language (MANAGER_LOCALE or ``--lang``), and exit status 2.  What is sent
is sent by the running ``worker`` or ``run`` process (:mod:`adapters.campaigns`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.cli import UsageError
from bot.durations import TimeInputError, parse_duration, parse_moment

if TYPE_CHECKING:
    from bot.campaigns.spec import CampaignError, CampaignSpec
    from bot.engine import Engine
    from bot.i18n import Translator
    from bot.settings import Settings

CHANNEL_CHOICES = ("telegram", "slack", "console", "all")
ACTIONS = ("pause", "resume", "cancel")
PAST_GRACE = timedelta(minutes=5)
"""A start this far in the past still means "now" (the time it took to type the command)."""


def add_parser(sub: Any) -> None:
    """``campaign`` and its commands, on the ``survey-bot`` parser's subparsers."""
    campaign = sub.add_parser(
        "campaign", help="send a survey to the imported customers, and follow it",
        description="Campaigns are sent by the running worker (or run) process, at the "
        "platform's pace, within SEND_WINDOW in each customer's time zone.")
    commands = campaign.add_subparsers(dest="campaign_cmd", required=True, metavar="COMMAND",
                                       help="what to do with campaigns")
    create = commands.add_parser(
        "create", help="plan a campaign and print who will receive it",
        description="Durations: 30m, 12h, 3d, 2w, 1d12h. --start without an offset is local "
        "time in REPORT_TIMEZONE.")
    create.add_argument("name", metavar="NAME", help="the campaign's name (letters, digits, "
                        "- and _), unique")
    create.add_argument("--survey", required=True, metavar="SURVEY",
                        help="the survey to send (nps, csat, ces or one of SURVEY_FILE)")
    create.add_argument("--audience", default="", metavar="FILTER",
                        help="who: attribute filters such as 'plan=pro country=RO' "
                        "(default: everybody)")
    create.add_argument("--channel", choices=CHANNEL_CHOICES, default="all",
                        help="where (default: all, each customer on the channel they can be "
                        "reached on)")
    create.add_argument("--start", metavar="WHEN",
                        help="when to start, e.g. 2026-12-02T09:00 (default: now)")
    create.add_argument("--remind-after", metavar="DURATION",
                        help="remind those who did not answer after this (default: no "
                        "reminder)")
    create.add_argument("--reminders", type=int, metavar="N",
                        help="how many reminders (default: CAMPAIGN_REMINDERS)")
    create.add_argument("--expire-after", metavar="DURATION",
                        help="close the survey this long after it was sent (default: open)")
    create.add_argument("--cooldown", type=float, metavar="DAYS",
                        help="ask nobody asked within DAYS (default: SURVEY_COOLDOWN_DAYS or "
                        "the metric's own; 0: no cooldown)")
    _lang(create)
    _lang(commands.add_parser("list", help="every campaign with its figures"))
    show = commands.add_parser("show", help="one campaign's figures: sent, failed, skipped, "
                               "answered, response rate, per channel")
    show.add_argument("name", metavar="NAME", help="the campaign")
    show.add_argument("--format", choices=["text", "json"], default="text",
                      help="text: tables to read; json: every figure (default: text)")
    _lang(show)
    for action, text in zip(ACTIONS, ("stop sending until resumed", "send again",
                                      "send nothing more (what was sent stays)"), strict=True):
        _lang(commands.add_parser(action, help=text)).add_argument("name", metavar="NAME",
                                                                   help="the campaign")


def _lang(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--lang", choices=["en", "ro", "zh"], default=None,
                        help="language of the text and of the error messages "
                        "(default: MANAGER_LOCALE)")
    return parser


def run(settings: Settings, args: argparse.Namespace) -> int:
    """The campaign command ``args.campaign_cmd``; its exit status."""
    from bot.app import build_engine
    from bot.campaigns.spec import CampaignError
    from bot.i18n import translator

    t = translator(args.lang or settings.manager_locale)
    zone = ZoneInfo(settings.report_timezone)
    spec = _spec(args, t, zone) if args.campaign_cmd == "create" else None
    engine = build_engine(settings)
    try:
        return _command(engine, args, spec, t, zone)
    except CampaignError as exc:
        raise UsageError(campaign_error(exc, t, sorted(engine.surveys.surveys))) \
            from exc
    finally:
        engine.db.dispose()


def _command(engine: Engine, args: argparse.Namespace, spec: CampaignSpec | None,
             t: Translator, zone: ZoneInfo) -> int:
    from bot import campaign_view as view

    if spec is not None:
        preview = engine.create_campaign(spec)
        view.print_preview(preview, spec, t, zone, sys.stdout)
    elif args.campaign_cmd == "list":
        view.print_list(engine.campaign_list(), t, zone, sys.stdout)
    elif args.campaign_cmd == "show":
        stats = engine.campaign_stats(args.name)
        if args.format == "json":
            print(json.dumps(view.stats_dict(stats), ensure_ascii=False, indent=2))
        else:
            view.print_stats(stats, t, zone, sys.stdout)
    else:
        action = {"pause": engine.pause_campaign, "resume": engine.resume_campaign,
                  "cancel": engine.cancel_campaign}[args.campaign_cmd]
        view.print_changed(action(args.name), t, sys.stdout)
    return 0


def _spec(args: argparse.Namespace, t: Translator, zone: ZoneInfo) -> CampaignSpec:
    """The campaign asked for, its durations and start read; a bad one raises
    :class:`UsageError`."""
    from bot.campaigns.spec import CampaignSpec
    from bot.models import utcnow

    start: datetime | None = None
    if args.start:
        start = _read("--start", args.start, t, lambda v: parse_moment(v, zone))
        if start < utcnow() - PAST_GRACE:
            raise UsageError(t.gettext(
                "--start {value}: that moment has passed; give a later one, or leave --start "
                "out to start now").format(value=args.start))
    if args.reminders is not None and not 0 <= args.reminders <= 5:
        raise UsageError(t.gettext("--reminders {value}: give a number from 0 to 5")
                                 .format(value=args.reminders))
    if args.cooldown is not None and not 0 <= args.cooldown <= 3650:
        raise UsageError(t.gettext(
            "--cooldown {value}: give a number of days from 0 to 3650").format(
                value=f"{args.cooldown:g}"))
    return CampaignSpec(
        name=args.name, survey=args.survey, channel=args.channel, audience=args.audience,
        start_at=start,
        remind_after=_duration("--remind-after", args.remind_after, t),
        reminders=args.reminders,
        expire_after=_duration("--expire-after", args.expire_after, t),
        cooldown_days=args.cooldown, source="cli", created_by="cli")


def _duration(option: str, value: str | None, t: Translator) -> timedelta | None:
    return None if value is None else _read(option, value, t, parse_duration)


def _read(option: str, value: str, t: Translator, parse: Any) -> Any:
    try:
        return parse(value)
    except TimeInputError as exc:
        raise UsageError(f"{option} {value}: {time_error(exc, t)}") from None


def time_error(exc: TimeInputError, t: Translator) -> str:
    """Why a duration or moment was refused, in the reader's language."""
    if exc.code == "duration_zero":
        return t.gettext("a duration must be more than zero")
    if exc.code == "duration_too_long":
        return t.gettext("a duration must be at most ten years")
    if exc.code == "bad_moment":
        return t.gettext("expected a date and time such as 2026-12-02T09:00 (local time in "
                         "REPORT_TIMEZONE unless an offset such as +02:00 is given)")
    return t.gettext("expected a duration such as 30m, 12h, 3d, 2w or 1d12h")


def campaign_error(exc: CampaignError, t: Translator, surveys: list[str]) -> str:
    """The engine's refusal in the reader's language (the engine's English words where they
    name a problem only the engine knows: a bad filter or name)."""
    from bot.campaign_view import status_label

    name = exc.params.get("name", "")
    if exc.code == "name_taken":
        return t.gettext("a campaign named {name} exists already; choose another name").format(
            name=name)
    if exc.code == "unknown_campaign":
        return t.gettext("no campaign is named {name}; `survey-bot campaign list` shows "
                         "them").format(name=name)
    if exc.code == "unknown_survey":
        return t.gettext("--survey {survey}: no such survey; the surveys are {known}").format(
            survey=exc.params.get("survey", ""), known=", ".join(surveys))
    if exc.code == "bad_state":
        return t.gettext("campaign {name} is {status}: it cannot be changed that way").format(
            name=name, status=status_label(exc.params.get("status", ""), t))
    if exc.code == "bad_filter":
        return f"--audience: {exc}"
    return str(exc)
