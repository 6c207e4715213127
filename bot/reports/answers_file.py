"""``/nps export [period]``: the period's answers of the metric as a CSV file sent into the
chat, with the columns and rows of ``survey-bot export --format csv`` (:mod:`bot.export`: the
respondent's platform id and display name included, managers' test answers too)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.export import FIELDS, iter_rows
from bot.i18n import Translator
from bot.messages import Outbound, Reply, ReplyFile
from bot.models import Answer
from bot.periods import Period
from bot.prompts import metric_label
from bot.reports.labels import span_text

MAX_ROWS = 50_000
"""At most this many answers go into a chat file (about 8 MB; Telegram takes 50 MB from a
bot); ``survey-bot export`` writes any number."""


def _count(session: Session, metric: str, period: Period) -> int:
    query = select(func.count()).select_from(Answer).where(
        col(Answer.metric) == metric, col(Answer.created_at) < period.end)
    if period.start is not None:
        query = query.where(col(Answer.created_at) >= period.start)
    return int(session.exec(query).one())


def csv_bytes(session: Session, metric: str, period: Period,
              limit: int = MAX_ROWS) -> tuple[bytes, int]:
    """The CSV (UTF-8 with a BOM, so spreadsheets read Chinese and Romanian right) and the
    number of answers in it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    count = 0
    for row in iter_rows(session, metric=metric, start=period.start, end=period.end,
                         limit=limit):
        writer.writerow(row)
        count += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8"), count


def filename(metric: str, period: Period) -> str:
    """``nps-answers-30d.csv``, ``nps-answers-2026-01-01..2026-03-31.csv``."""
    return f"{metric}-answers-{period.label}.csv".replace("..", "_")


def export_reply(session: Session, metric: str, period: Period, t: Translator) -> Outbound:
    """The file, or a line saying the period has no answers."""
    total = _count(session, metric, period)
    label = metric_label(metric, t)
    span = span_text(period, t)
    if total == 0:
        return Reply(t.gettext("No {metric} answers in {span} to export.").format(
            metric=label, span=span))
    content, count = csv_bytes(session, metric, period)
    caption = t.ngettext("{metric} answers · {span}: {count} answer.",
                         "{metric} answers · {span}: {count} answers.", count).format(
        metric=label, span=span, count=t.number(count))
    if count < total:
        caption += " " + t.gettext("The first {count} of {total}; survey-bot export writes "
                                   "them all.").format(count=t.number(count),
                                                       total=t.number(total))
    return ReplyFile(filename(metric, period), content, caption, "text/csv")
