"""Streaming export of every answer (CSV or JSON lines), flat in memory for any table size."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlmodel import Session, col, select

from bot.models import Answer, Respondent

FIELDS = (
    "id", "created_at", "channel", "respondent", "display_name", "survey", "campaign",
    "question_key", "metric", "score", "scale_min", "scale_max", "bucket", "comment", "locale",
    "commented_at",
)
BATCH = 2000


def iter_rows(session: Session, *, metric: str | None = None, start: datetime | None = None,
              end: datetime | None = None, limit: int | None = None,
              ) -> Iterator[dict[str, Any]]:
    """Answers in id order, fetched in server-side batches; only ``metric``'s and those
    stored in ``[start, end)`` when given (a manager's ``/nps export 30d``)."""
    stmt = (
        select(Answer, Respondent.platform_user_id, Respondent.display_name)
        .join(Respondent, col(Respondent.id) == col(Answer.respondent_id))
        .order_by(col(Answer.id))
        .execution_options(yield_per=BATCH)
    )
    if metric is not None:
        stmt = stmt.where(col(Answer.metric) == metric)
    if start is not None:
        stmt = stmt.where(col(Answer.created_at) >= start)
    if end is not None:
        stmt = stmt.where(col(Answer.created_at) < end)
    if limit is not None:
        stmt = stmt.limit(limit)
    for answer, user_id, name in session.exec(stmt):
        yield {
            "id": answer.id,
            "created_at": answer.created_at.isoformat(),
            "channel": answer.channel,
            "respondent": user_id,
            "display_name": name,
            "survey": answer.survey,
            "campaign": answer.campaign,
            "question_key": answer.question_key,
            "metric": answer.metric,
            "score": answer.score,
            "scale_min": answer.scale_min,
            "scale_max": answer.scale_max,
            "bucket": answer.bucket,
            "comment": answer.comment,
            "locale": answer.locale,
            "commented_at": answer.commented_at.isoformat() if answer.commented_at else None,
        }
        session.expunge(answer)


def export(session: Session, out: TextIO, fmt: str) -> int:
    """Write every answer to ``out``; the number written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        for row in iter_rows(session):
            writer.writerow(row)
            count += 1
    elif fmt == "jsonl":
        for row in iter_rows(session):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return count
