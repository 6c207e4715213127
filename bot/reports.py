"""Manager summaries: counts in SQL (GROUP BY over indexed columns), figures from ``scoring``,
text in the reader's language, and dict rows for the CLI's JSON and CSV output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, literal
from sqlmodel import Session, col, select

from bot.i18n import Translator, language_name
from bot.models import Answer, AnswerCount, Respondent
from bot.periods import Period, PeriodError, parse_period
from bot.prompts import metric_label
from bot.surveys import BUCKETS
from scoring import (
    MIN_RELIABLE_N,
    CesResult,
    CsatResult,
    NpsResult,
    bucket_for,
    compare_ces,
    compare_csat,
    compare_nps,
)

SEGMENTS = {"channel": Answer.channel, "language": Answer.locale, "campaign": Answer.campaign,
            "survey": Answer.survey}
# The bucket whose comments managers want to read first, per metric.
WORST = {"nps": "detractor", "csat": "unsatisfied", "ces": "disagree"}
LATEST_COMMENTS = 5


@dataclass(frozen=True)
class Comment:
    score: int
    scale_max: int
    text: str
    name: str
    channel: str
    locale: str
    created_at: datetime


@dataclass(frozen=True)
class Report:
    metric: str
    period: Period
    current: dict[int, int]
    previous: dict[int, int] | None
    comments: tuple[Comment, ...]
    segment_by: str | None = None
    segments: tuple[tuple[str, dict[int, int]], ...] = ()


def _where(metric: str, period: Period) -> list[Any]:
    clauses: list[Any] = [col(Answer.metric) == metric, col(Answer.created_at) < period.end,
                          col(Answer.is_test).is_(False)]  # managers' own tries are not figures
    if period.start is not None:
        clauses.append(col(Answer.created_at) >= period.start)
    return clauses


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time(), tzinfo=UTC)


def split_days(period: Period) -> tuple[tuple[date | None, date] | None, list[Period]]:
    """The whole UTC days of a period (read from ``answer_counts``) and the partial days at its
    edges (read from ``answers``)."""
    last = _midnight(period.end)
    if period.start is None:
        return (None, last.date()), [Period(last, period.end, "")]
    first = _midnight(period.start)
    if first < period.start:
        first += timedelta(days=1)
    if first >= last:
        return None, [period]
    return (first.date(), last.date()), [Period(period.start, first, ""),
                                         Period(last, period.end, "")]


def _counts(session: Session, metric: str, period: Period, segment: str | None
            ) -> dict[tuple[str, int], int]:
    """Answers per (segment value, score): days from the rollup, edges from the raw rows; both
    are GROUP BY queries over their primary key or the (metric, created_at, score) index."""
    days, edges = split_days(period)
    out: dict[tuple[str, int], int] = {}

    def add(rows: Any) -> None:
        for key, score, n in rows:
            label = str(key) if key not in (None, "") else "—"
            out[(label, int(score))] = out.get((label, int(score)), 0) + int(n)

    if days is not None:
        table = AnswerCount.__table__.c  # type: ignore[attr-defined]
        seg = table[segment] if segment else literal("")
        clauses = [table.metric == metric, table.day < days[1]]
        if days[0] is not None:
            clauses.append(table.day >= days[0])
        add(session.exec(select(seg, table.score, func.sum(table.count))  # type: ignore[call-overload]
                         .where(*clauses).group_by(seg, table.score)))
    for edge in edges:
        if edge.start is not None and edge.start >= edge.end:
            continue
        raw_seg: Any = SEGMENTS[segment] if segment else literal("")
        add(session.exec(select(raw_seg, Answer.score, func.count())
                         .where(*_where(metric, edge)).group_by(raw_seg, col(Answer.score))))
    return out


def score_counts(session: Session, metric: str, period: Period) -> dict[int, int]:
    """Answers per score in the period."""
    return {score: n for (_, score), n in _counts(session, metric, period, None).items() if n}


def segment_counts(
    session: Session, metric: str, period: Period, segment: str
) -> tuple[tuple[str, dict[int, int]], ...]:
    out: dict[str, dict[int, int]] = {}
    for (key, score), n in _counts(session, metric, period, segment).items():
        if n:
            out.setdefault(key, {})[score] = n
    return tuple(sorted(out.items(), key=lambda kv: -sum(kv[1].values())))


def latest_comments(session: Session, metric: str, period: Period,
                    limit: int = LATEST_COMMENTS) -> tuple[Comment, ...]:
    rows = session.exec(
        select(Answer, Respondent.display_name)
        .join(Respondent, col(Respondent.id) == col(Answer.respondent_id))
        .where(*_where(metric, period), col(Answer.bucket) == WORST[metric],
               col(Answer.comment).is_not(None))
        .order_by(col(Answer.created_at).desc())
        .limit(limit)
    ).all()
    return tuple(
        Comment(a.score, a.scale_max, a.comment or "", name or "", a.channel, a.locale,
                a.created_at)
        for a, name in rows
    )


def build_report(session: Session, metric: str, period: Period,
                 segment: str | None = None) -> Report:
    previous = period.previous()
    return Report(
        metric=metric,
        period=period,
        current=score_counts(session, metric, period),
        previous=score_counts(session, metric, previous) if previous else None,
        comments=latest_comments(session, metric, period),
        segment_by=segment,
        segments=segment_counts(session, metric, period, segment) if segment else (),
    )


# --------------------------------------------------------------------------- figures


def bucket_counts(metric: str, counts: dict[int, int]) -> dict[str, int]:
    out = dict.fromkeys(BUCKETS[metric], 0)
    for score, n in counts.items():
        out[bucket_for(metric, score)] += n
    return out


def nps_of(counts: dict[int, int]) -> NpsResult:
    b = bucket_counts("nps", counts)
    return NpsResult.from_counts(b["detractor"], b["passive"], b["promoter"])


def figures(metric: str, counts: dict[int, int]) -> NpsResult | CsatResult | CesResult:
    if metric == "nps":
        return nps_of(counts)
    if metric == "csat":
        return CsatResult.from_counts(counts)
    return CesResult.from_counts(counts)


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain data, for ``--format json`` and ``csv``."""
    fig = figures(report.metric, report.current)
    n = sum(report.current.values())
    buckets = bucket_counts(report.metric, report.current)
    data: dict[str, Any] = {
        "metric": report.metric,
        "period": report.period.label,
        "start": report.period.start.isoformat() if report.period.start else None,
        "end": report.period.end.isoformat(),
        "n": n,
        "buckets": {k: {"count": v, "share": (v / n if n else None)} for k, v in buckets.items()},
        "scores": {str(k): v for k, v in sorted(report.current.items())},
        "too_few": n < MIN_RELIABLE_N,
    }
    if isinstance(fig, NpsResult):
        data.update(score=fig.score, score_rounded=fig.score_rounded, margin=fig.margin)
    elif isinstance(fig, CsatResult):
        data.update(score=fig.share * 100 if n else None, mean=fig.mean,
                    interval=[fig.low * 100, fig.high * 100] if n else None)
    else:
        data.update(score=fig.agree_share * 100 if n else None, mean=fig.mean,
                    method=fig.method)
    if report.previous is not None:
        change = _compare(report.metric, report.previous, report.current)
        data["previous_n"] = sum(report.previous.values())
        data["change"] = None if change is None else {
            "delta": change.delta, "margin": change.margin, "significant": change.significant}
    data["comments"] = [
        {"score": c.score, "text": c.text, "name": c.name, "channel": c.channel,
         "locale": c.locale, "at": c.created_at.isoformat()} for c in report.comments
    ]
    return data


def _compare(metric: str, before: dict[int, int], after: dict[int, int]) -> Any:
    if metric == "nps":
        return compare_nps(nps_of(before), nps_of(after))
    if metric == "csat":
        return compare_csat(CsatResult.from_counts(before), CsatResult.from_counts(after))
    return compare_ces(CesResult.from_counts(before), CesResult.from_counts(after))


# --------------------------------------------------------------------------- text


def _headline(metric: str, counts: dict[int, int], t: Translator) -> list[str]:
    n = sum(counts.values())
    if n == 0:
        return [t.gettext("No answers in this period yet.")]
    fig = figures(metric, counts)
    lines: list[str] = []
    if isinstance(fig, NpsResult):
        score = t.signed(fig.score_rounded or 0)
        if n >= MIN_RELIABLE_N:
            lines.append(t.gettext("NPS {score} ± {margin} (n = {n})").format(
                score=score, margin=t.number(fig.margin, 1), n=t.number(n)))
        else:
            lines.append(t.gettext("NPS {score} (n = {n})").format(score=score, n=t.number(n)))
    elif isinstance(fig, CsatResult):
        lines.append(t.gettext(
            "CSAT {share} satisfied (4–5), mean {mean} (n = {n}); 95% interval {low}–{high}"
        ).format(share=t.percent(fig.share), mean=t.number(fig.mean, 2), n=t.number(n),
                 low=t.percent(fig.low), high=t.percent(fig.high)))
    else:
        lines.append(t.gettext(
            "CES {share} agree it was easy (5–7), mean {mean} of 7 (n = {n})"
        ).format(share=t.percent(fig.agree_share), mean=t.number(fig.mean, 2), n=t.number(n)))
        lines.append(t.gettext("Method: CES 2.0, agreement on a 1–7 scale."))
    names = {
        "detractor": t.gettext("Detractors (0–6)"), "passive": t.gettext("Passives (7–8)"),
        "promoter": t.gettext("Promoters (9–10)"), "unsatisfied": t.gettext("Unsatisfied (1–2)"),
        "neutral": t.gettext("Neutral"), "satisfied": t.gettext("Satisfied (4–5)"),
        "disagree": t.gettext("Disagree (1–3)"), "agree": t.gettext("Agree (5–7)"),
    }
    parts = [
        t.gettext("{bucket}: {count} ({share})").format(
            bucket=names[b], count=t.number(c), share=t.percent(c / n))
        for b, c in bucket_counts(metric, counts).items()
    ]
    lines.append(" · ".join(parts))
    if n < MIN_RELIABLE_N:
        lines.append(t.ngettext(
            "Only {n} answer: too few to trust (at least {min} are needed).",
            "Only {n} answers: too few to trust (at least {min} are needed).", n,
        ).format(n=t.number(n), min=MIN_RELIABLE_N))
    return lines


def render_report(report: Report, t: Translator) -> str:
    """The summary a manager reads in chat."""
    period = report.period
    if period.start is None:
        span = t.gettext("all time")
    else:
        span = t.gettext("{start} – {end}").format(
            start=t.date(period.start), end=t.date(period.end - timedelta(microseconds=1)))
    lines = [t.gettext("{metric} summary · {label} ({span})").format(
        metric=metric_label(report.metric, t), label=period.label, span=span)]
    lines += _headline(report.metric, report.current, t)
    if report.previous is not None:
        change = _compare(report.metric, report.previous, report.current)
        if change is None:
            lines.append(t.gettext("Trend: no answers in the previous period to compare with."))
        else:
            unit = t.gettext("points")
            delta = t.signed(change.delta if report.metric == "nps" else change.delta * 100, 1)
            if change.significant:
                key = t.gettext("Trend: {delta} {unit} against the previous period, a real change.")
            else:
                key = t.gettext(
                    "Trend: {delta} {unit} against the previous period, within the noise.")
            lines.append(key.format(delta=delta, unit=unit))
    for name, counts in report.segments:
        label = language_name(name) if report.segment_by == "language" and name in (
            "en", "ro", "zh") else name
        lines.append("")
        lines.append(f"▸ {label}")
        lines += _headline(report.metric, counts, t)
    if report.comments:
        lines.append("")
        lines.append(t.gettext("Latest comments from unhappy customers:"))
        for c in report.comments:
            lines.append(t.gettext("• {score}/{high} “{text}” — {name}, {date}").format(
                score=c.score, high=c.scale_max, text=c.text[:300], name=c.name or "?",
                date=t.date(c.created_at)))
    return "\n".join(lines)


def usage(cmd: str, t: Translator) -> str:
    return t.gettext(
        "Usage: {cmd} summary [7d|30d|90d|all|2026-01-01..2026-03-31] "
        "[by channel|language|campaign|survey]"
    ).format(cmd=cmd)


def period_error(text: str, t: Translator) -> str:
    return t.gettext(
        "I did not understand the period “{text}”. Use 7d, 30d, 90d, all, or a range such "
        "as 2026-01-01..2026-03-31."
    ).format(text=text)


def parse_summary_args(args: str) -> tuple[str, str | None, str | None] | None:
    """``summary [period] [by segment]`` → (period text, segment, error token)."""
    words = args.split()
    if words and words[0].lower() == "summary":
        words = words[1:]
    segment = None
    if len(words) >= 2 and words[-2].lower() == "by":
        segment = words[-1].lower()
        words = words[:-2]
        if segment not in SEGMENTS:
            return None
    if len(words) > 2:
        return None
    return " ".join(words), segment, None


def manager_command(session: Session, metric: str, args: str, t: Translator, now: datetime,
                    cmd: str) -> str:
    """Answer ``/nps summary 30d by channel`` and friends."""
    parsed = parse_summary_args(args)
    if parsed is None:
        return usage(cmd, t)
    period_text, segment, _ = parsed
    try:
        period = parse_period(period_text or None, now)
    except PeriodError:
        return period_error(period_text, t)
    return render_report(build_report(session, metric, period, segment), t)
