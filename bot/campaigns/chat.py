"""A manager's ``/nps send …`` in chat, in words: reading the arguments, naming the draft, and
the preview, launch and error texts in the manager's language (plural forms from the catalog).

Nothing here knows a platform's syntax: a channel's own way of naming people (Slack's
``<@U…>``) is turned into user ids by its adapter before the engine sees the command.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from bot.campaign_tables import SkipReason
from bot.campaigns.spec import CampaignError, Preview
from bot.i18n import Translator

SEND = "send"
EVERYBODY = "all"


def send_args(text: str) -> str | None:
    """What follows ``send`` in ``send plan=pro country=RO`` ("" for a bare ``send``); None when
    the command is not a send."""
    head, _, rest = (text or "").strip().partition(" ")
    return rest.strip() if head.casefold() == SEND else None


def campaign_name(metric: str, today: date, seed: str | None = None) -> str:
    """``nps-2026-12-01-3fa9c1``: the metric, the day, and six hex digits, random, or derived
    from ``seed`` (the event that asked for it, so a redelivery names the same draft)."""
    short = (hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()[:6] if seed
             else secrets.token_hex(3))
    return f"{metric}-{today.isoformat()}-{short}"


def skip_line(reason: str, count: int, t: Translator) -> str:
    """One skip reason with its count, as a preview lists it."""
    words = {
        SkipReason.COOLDOWN: t.ngettext(
            "{count} was asked recently (cooldown)", "{count} were asked recently (cooldown)",
            count),
        SkipReason.OPTED_OUT: t.ngettext("{count} opted out", "{count} opted out", count),
        SkipReason.UNREACHABLE: t.ngettext("{count} cannot be reached",
                                           "{count} cannot be reached", count),
        SkipReason.NO_ACCOUNT: t.ngettext("{count} has no account on this channel",
                                          "{count} have no account on this channel", count),
        SkipReason.IN_PROGRESS: t.ngettext("{count} has a survey in progress",
                                           "{count} have a survey in progress", count),
        SkipReason.ERASED: t.ngettext("{count} deleted their data",
                                      "{count} deleted their data", count),
        SkipReason.EXPIRED: t.ngettext("{count} expired", "{count} expired", count),
    }
    line = words.get(reason)  # type: ignore[call-overload]
    return (line or "{count}: " + reason).format(count=t.number(count))


def skipped_lines(preview: Preview, t: Translator) -> list[str]:
    total = sum(preview.skipped.values())
    if not total:
        return []
    head = t.ngettext("{count} person will be skipped:", "{count} people will be skipped:",
                      total).format(count=t.number(total))
    return [head] + ["• " + skip_line(reason, count, t)
                     for reason, count in sorted(preview.skipped.items(),
                                                 key=lambda item: (-item[1], item[0]))]


def preview_text(preview: Preview, t: Translator, *, footer: bool = True) -> str:
    """How many will receive it, how many are skipped and why; nothing is sent before Send
    (the ``footer``)."""
    lines = [t.ngettext("The survey will go to {count} person.",
                        "The survey will go to {count} people.", preview.recipients).format(
        count=t.number(preview.recipients))]
    if preview.lookups:
        lines.append(t.ngettext(
            "{count} of them is known only by e-mail and is looked up on Slack first.",
            "{count} of them are known only by e-mail and are looked up on Slack first.",
            preview.lookups).format(count=t.number(preview.lookups)))
    lines += skipped_lines(preview, t)
    if footer:
        lines.append(t.gettext("Nothing is sent until you press Send."))
    return "\n".join(lines)


def nobody_text(preview: Preview, cmd: str, t: Translator, *, named: bool) -> str:
    """Nobody matches (or everybody matching is skipped): why, and an example."""
    if named:
        head = t.gettext("Nobody to send to: none of the people named can receive it.")
    else:
        head = t.gettext("Nobody to send to: no customer matches.")
    lines = [head, *skipped_lines(preview, t)]
    lines.append(t.gettext("For example: {cmd} send all, or {cmd} send plan=pro country=RO")
                 .format(cmd=cmd))
    return "\n".join(lines)


def usage_text(cmd: str, t: Translator) -> str:
    return t.gettext(
        "To send the survey, say to whom: {cmd} send all, or {cmd} send plan=pro country=RO "
        "for the customers whose attributes match."
    ).format(cmd=cmd)


def launched_text(count: int, per_second: float | None, t: Translator) -> str:
    """Send was pressed: how many, at what pace."""
    if per_second is None:
        return t.ngettext("Sending the survey to {count} person.",
                          "Sending the survey to {count} people.", count).format(
            count=t.number(count))
    digits = 0 if per_second >= 10 or float(per_second).is_integer() else 1
    return t.ngettext("Sending the survey to {count} person, about {rate} a second.",
                      "Sending the survey to {count} people, about {rate} a second.",
                      count).format(count=t.number(count), rate=t.number(per_second, digits))


def error_text(error: CampaignError, cmd: str, t: Translator) -> str:
    """Why the draft could not be made, naming the token of a bad filter."""
    if error.code == "bad_filter":
        return t.gettext(
            "I did not understand “{token}”. Filters look like plan=pro country=RO, with =, "
            "!=, >, >=, < or <=; for example: {cmd} send plan=pro"
        ).format(token=error.params.get("token", ""), cmd=cmd)
    return t.gettext("The survey could not be prepared ({problem}). Please try again.").format(
        problem=error.code)


def sent_over_text(sent: int, count: int, t: Translator) -> str:
    """The campaign's sends are over: how many received it."""
    return t.gettext(
        "Survey sent to {sent} of {count}; the others opted out or cannot be reached."
    ).format(sent=t.number(sent), count=t.number(count))
