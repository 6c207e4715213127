"""Names a reader sees: buckets, segments (never raw ids) and the dates of a period."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from babel.dates import format_interval

from bot.i18n import Translator
from bot.metrics import METRICS
from bot.periods import Period
from bot.prompts import channel_label
from bot.reports.segments import attribute_label

if TYPE_CHECKING:
    from bot.reports.queries import Report


def bucket_names(metric: str, t: Translator) -> dict[str, str]:
    """``metric``'s buckets as the reader names them, in bucket order."""
    return {bucket: t.gettext(label) for bucket, label in METRICS[metric].bucket_labels.items()}


def segment_label(split: str, key: str, t: Translator) -> str:
    """A segment as the reader names it mid-sentence: "Telegram", "română", "no campaign"."""
    if split in ("channel", "language") and not key:  # an invitation not sent yet
        return t.gettext("not known yet")
    if split == "channel":
        return channel_label(key, t)
    if split == "language":
        return t.language(key)
    if split == "campaign" and not key:
        return t.gettext("no campaign")
    return key or "—"


def segment_name(report: Report, key: str, t: Translator) -> str:
    """A segment of ``report`` as the reader names it, whatever its split."""
    if report.attribute is not None:
        return attribute_label(report.attribute, key, t)
    return segment_label(report.segment_by or "", key, t)


def days_text(first: date, last: date, t: Translator) -> str:
    """``Nov 2 – Dec 1, 2026`` / ``2 nov. – 1 dec. 2026`` / ``2026年11月2日至12月1日``."""
    if first == last:
        return t.date(first)
    return format_interval(first, last, skeleton="yMMMd", locale=t.babel_locale)


def span_text(period: Period, t: Translator) -> str:
    """The dates of a period as a manager reads them; "all time" without a start."""
    if period.first is None:
        return t.gettext("all time, up to {date}").format(date=t.date(period.last))
    return days_text(period.first, period.last, t)
