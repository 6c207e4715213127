"""What the ``campaign`` commands print: the preview of a new campaign, the list, one
campaign's figures (rich tables, or JSON), in the reader's language."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Console
from rich.table import Table

from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from bot.campaigns.spec import CampaignSpec, CampaignStats, Preview

REASONS = {
    "cooldown": N_("asked recently (cooldown)"),
    "opted_out": N_("opted out"),
    "unreachable": N_("unreachable"),
    "no_account": N_("no account on this channel"),
    "in_progress": N_("a survey in progress"),
    "erased": N_("data erased"),
    "expired": N_("expired before it was sent"),
}
"""Each SkipReason value as a reader sees it."""
STATUSES = {
    "draft": N_("draft"), "active": N_("active"), "paused": N_("paused"),
    "cancelled": N_("cancelled"), "done": N_("done"),
}
"""Each CampaignStatus value as a reader sees it."""


def reason_label(reason: str, t: Translator) -> str:
    """A skip reason, or a failure's reason (a platform's words are shown as they are)."""
    return t.gettext(REASONS[reason]) if reason in REASONS else reason


def status_label(status: str, t: Translator) -> str:
    return t.gettext(STATUSES[status]) if status in STATUSES else status


def channel_label(channel: str, t: Translator) -> str:
    names = {"telegram": "Telegram", "slack": "Slack", "console": t.gettext("console"),
             "all": t.gettext("all channels")}
    return names.get(channel, channel)


def _console(out: TextIO) -> Console:
    return Console(file=out, highlight=False, soft_wrap=True, emoji=False)


def _when(moment: datetime, t: Translator, zone: ZoneInfo) -> str:
    return f"{t.datetime(moment.astimezone(zone))} ({zone.key})"


def _rate(rate: float | None, t: Translator) -> str:
    return "—" if rate is None else t.percent(rate)


def _reasons(counts: dict[str, int], t: Translator) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 2))
    table.add_column()
    table.add_column(justify="right")
    for reason, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(reason_label(reason, t), t.number(count))
    return table


def print_preview(preview: Preview, spec: CampaignSpec, t: Translator, zone: ZoneInfo,
                  out: TextIO) -> None:
    """What ``campaign create`` planned: who will receive it, who is skipped and why."""
    console = _console(out)
    start = (_when(spec.start_at, t, zone) if spec.start_at is not None
             else t.gettext("now"))
    console.print(t.gettext("Campaign {name} created: {survey} on {channel}, starting {start}.")
                  .format(name=preview.name, survey=spec.survey,
                          channel=channel_label(spec.channel, t), start=start))
    console.print(t.ngettext("{count} person will receive it.",
                             "{count} people will receive it.", preview.recipients)
                  .format(count=t.number(preview.recipients)))
    if preview.lookups:
        console.print(t.ngettext(
            "Of them, {count} is known on Slack by e-mail only: looked up when sent.",
            "Of them, {count} are known on Slack by e-mail only: looked up when sent.",
            preview.lookups).format(count=t.number(preview.lookups)))
    skipped = sum(preview.skipped.values())
    if skipped:
        console.print(t.ngettext("{count} skipped:", "{count} skipped:", skipped)
                      .format(count=t.number(skipped)))
        console.print(_reasons(preview.skipped, t))
    else:
        console.print(t.gettext("Nobody skipped."))
    console.print(t.gettext("The worker process sends it; `survey-bot campaign show {name}` "
                            "follows it.").format(name=preview.name))


def print_list(campaigns: list[CampaignStats], t: Translator, zone: ZoneInfo,
               out: TextIO) -> None:
    console = _console(out)
    if not campaigns:
        console.print(t.gettext("No campaigns yet: `survey-bot campaign create` makes one."))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for title in (t.gettext("Campaign"), t.gettext("Survey"), t.gettext("Channel"),
                  t.gettext("Status"), t.gettext("Start")):
        table.add_column(title)
    for title in (t.gettext("Recipients"), t.gettext("Sent"), t.gettext("Answered"),
                  t.gettext("Response rate")):
        table.add_column(title, justify="right")
    for c in campaigns:
        table.add_row(c.name, c.survey, channel_label(c.channel, t), status_label(c.status, t),
                      t.datetime(c.start_at.astimezone(zone)), t.number(c.recipients),
                      t.number(c.sent), t.number(c.answered), _rate(c.response_rate, t))
    console.print(table)
    console.print(t.gettext("Times in {zone}.").format(zone=zone.key))


def print_stats(c: CampaignStats, t: Translator, zone: ZoneInfo, out: TextIO) -> None:
    """``campaign show NAME``: the figures, then the reasons, then the channels."""
    console = _console(out)
    console.print(t.gettext("Campaign {name}: {survey} on {channel}, {status}").format(
        name=c.name, survey=c.survey, channel=channel_label(c.channel, t),
        status=status_label(c.status, t)))
    console.print(t.gettext("Starts {start}; created {created}").format(
        start=_when(c.start_at, t, zone), created=_when(c.created_at, t, zone)))
    figures = Table(box=None, show_header=False, padding=(0, 1, 0, 0))
    figures.add_column()
    figures.add_column(justify="right")
    rows = [(t.gettext("Recipients"), c.recipients), (t.gettext("Waiting"), c.planned),
            (t.gettext("Queued"), c.queued), (t.gettext("Sent"), c.sent),
            (t.gettext("Failed"), c.failed), (t.gettext("Cancelled"), c.cancelled),
            (t.gettext("Answered"), c.answered), (t.gettext("Reminders sent"),
                                                  c.reminders_sent)]
    for label, value in rows:
        figures.add_row(label, t.number(value))
    figures.add_row(t.gettext("Response rate"), _rate(c.response_rate, t))
    figures.add_row(t.gettext("Skipped"), t.number(sum(c.skipped.values())))
    console.print(figures)
    if c.failed_reasons:
        console.print(t.gettext("Failed, by reason:"))
        console.print(_reasons(c.failed_reasons, t))
    if c.skipped:
        console.print(t.gettext("Skipped, by reason:"))
        console.print(_reasons(c.skipped, t))
    if c.by_channel:
        table = Table(box=box.SIMPLE_HEAD)
        table.add_column(t.gettext("Channel"))
        for title in (t.gettext("Sent"), t.gettext("Failed"), t.gettext("Answered"),
                      t.gettext("Response rate")):
            table.add_column(title, justify="right")
        for channel, n in sorted(c.by_channel.items()):
            sent, answered = n.get("sent", 0), n.get("answered", 0)
            table.add_row(channel_label(channel, t), t.number(sent), t.number(n.get("failed", 0)),
                          t.number(answered), _rate(answered / sent if sent else None, t))
        console.print(table)


def print_changed(c: CampaignStats, t: Translator, out: TextIO) -> None:
    """After pause, resume or cancel: the campaign's state now."""
    _console(out).print(t.gettext("Campaign {name} is {status}: {sent} sent, {waiting} not yet.")
                        .format(name=c.name, status=status_label(c.status, t),
                                sent=t.number(c.sent), waiting=t.number(c.planned + c.queued)))


def stats_dict(c: CampaignStats) -> dict[str, Any]:
    """``campaign show --format json``: every figure; times in ISO 8601 UTC."""
    data = dataclasses.asdict(c)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    return data
