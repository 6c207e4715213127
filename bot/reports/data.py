"""The summary as plain data: ``--format json`` (segments included) and ``--format csv`` (one
row per segment and bucket), with every number rounded as the text shows it."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator, translator
from bot.metrics import METRICS
from bot.reports.figures import bucket_counts, headline, shown, trend
from bot.reports.labels import segment_name
from bot.reports.queries import Counts, Report
from bot.reports.rates import Reach
from scoring import Kind

SHARE_DIGITS = 2  # a bucket's share in 0..1, as the text's whole percentage shows it

CSV_HEADER = ("metric", "period", "n", "score", "bucket", "count", "share", "by", "segment",
              "first_day", "last_day", "timezone", "n_invited", "n_own", "sent", "answered",
              "response_rate", "failed", "waiting")
RESPONSE_KEYS = ("sent", "answered", "rate", "failed", "waiting")


def _whole(value: float | None) -> float | int | None:
    """A whole percentage or NPS as an integer (``75``, not ``75.0``)."""
    return int(value) if value is not None and value.is_integer() else value


def _figures(metric: str, counts: Counts) -> dict[str, Any]:
    h = headline(metric, counts)
    n = h.n
    data: dict[str, Any] = {
        "n": n,
        "score": _whole(h.score),
        "buckets": {k: {"count": v, "share": shown(v / n, SHARE_DIGITS) if n else None}
                    for k, v in bucket_counts(metric, counts).items()},
        "scores": {str(k): v for k, v in sorted(counts.items())},
        "too_few": h.too_few,
    }
    spec = METRICS[metric]
    if spec.kind is Kind.NET:
        data.update(score_rounded=data["score"], margin=h.margin)
    else:
        data.update(mean=h.mean,
                    interval=None if h.low is None else [_whole(h.low), _whole(h.high)])
    if spec.measure.method:
        data["method"] = spec.measure.method
    return data


def _response(reach: Reach | None) -> dict[str, Any] | None:
    """The invitations of a period or segment; None when it has none."""
    if reach is None:
        return None
    rate = reach.rate
    return {"sent": reach.sent, "answered": reach.answered,
            "rate": None if rate is None else shown(rate, SHARE_DIGITS),
            "failed": reach.failed, "waiting": reach.waiting}


def _asked(n: int, invited: int, reach: Reach | None) -> dict[str, Any]:
    return {"n_invited": invited, "n_own": n - invited, "response": _response(reach)}


def report_dict(report: Report, t: Translator | None = None) -> dict[str, Any]:
    """The report as plain data; ``t`` words the segment labels (English by default)."""
    t = t or translator("en")
    period = report.period
    data: dict[str, Any] = {
        "metric": report.metric,
        "period": period.label,
        "timezone": period.zone.key,
        "first_day": period.first.isoformat() if period.first else None,
        "last_day": period.last.isoformat(),
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat(),
        **_figures(report.metric, report.current),
        **_asked(sum(report.current.values()), report.invited, report.reach),
    }
    before = report.previous_period
    if before is not None and report.previous is not None:
        change = trend(report.metric, report.previous, report.current)
        data["previous"] = {
            "first_day": before.first.isoformat() if before.first else None,
            "last_day": before.last.isoformat(),
            **_figures(report.metric, report.previous),
        }
        data["change"] = None if change is None else {
            "delta": change.delta, "margin": change.margin,
            "unit": METRICS[report.metric].unit,
            "verdict": change.verdict, "significant": change.significant}
    if report.segment_by:
        data["by"] = report.segment_by
        if (split := report.attribute) is not None:
            data["attribute"] = {"name": split.name, "kind": str(split.kind), "as_of": "now",
                                 "edges": [float(e) for e in split.edges],
                                 "customers": split.customers}
        data["segments"] = [
            {"key": key, "label": segment_name(report, key, t),
             **_figures(report.metric, counts),
             **_asked(sum(counts.values()), report.segment_invited.get(key, 0),
                      report.segment_reach.get(key))}
            for key, counts in report.segments]
    data["comments"] = [
        {"score": c.score, "text": c.text, "name": c.name, "channel": c.channel,
         "locale": c.locale, "at": c.created_at.isoformat()} for c in report.comments
    ]
    return data


def csv_rows(report: Report) -> list[list[Any]]:
    """:data:`CSV_HEADER`, then a row per bucket, per segment when the report is split; the
    response columns are empty where the period (or segment) has no invitation."""
    data = report_dict(report)
    common = [data["first_day"] or "", data["last_day"], data["timezone"]]
    groups: list[tuple[str, dict[str, Any]]] = (
        [(s["key"], s) for s in data["segments"]] if report.segment_by else [("", data)])
    rows: list[list[Any]] = [list(CSV_HEADER)]
    for key, figures in groups:
        response = figures["response"] or {}
        asked = [figures["n_invited"], figures["n_own"],
                 *("" if response.get(k) is None else response[k] for k in RESPONSE_KEYS)]
        for bucket, row in figures["buckets"].items():
            rows.append([data["metric"], data["period"], figures["n"],
                         "" if figures["score"] is None else figures["score"], bucket,
                         row["count"], "" if row["share"] is None else row["share"],
                         report.segment_by or "", key, *common, *asked])
    return rows
