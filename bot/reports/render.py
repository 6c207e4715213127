"""The summary as plain text in the reader's language, for the chat (and ``--format text``'s
lines under its table)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.metrics import METRICS
from bot.prompts import metric_label
from bot.reports.figures import (
    DELTA_DIGITS,
    MARGIN_DIGITS,
    MEAN_DIGITS,
    SAMPLE_FLOOR,
    Headline,
    Trend,
    bucket_counts,
    headline,
    trend,
)
from bot.reports.labels import bucket_names, segment_name, span_text
from bot.reports.queries import Counts, Report
from bot.reports.rates import Reach
from bot.reports.segments import as_now_line
from bot.reports.themes_text import talk_line
from scoring import Kind

CONFIDENCE = 0.95


def title(report: Report, t: Translator) -> str:
    return t.gettext("{metric} summary · {label} ({span})").format(
        metric=metric_label(report.metric, t), label=report.period.label,
        span=span_text(report.period, t))


def score_line(metric: str, h: Headline, t: Translator) -> str:
    """``NPS +30 ± 15.3 (n = 100)``, ``CSAT 75% satisfied (4–5), …; 95% interval 64%–83%``."""
    spec = METRICS[metric]
    n = t.number(h.n)
    line = t.gettext(spec.score_line_few if h.too_few else spec.score_line)
    if spec.kind is Kind.NET:
        return line.format(score=t.signed(h.score or 0),
                           margin=t.number(h.margin or 0, MARGIN_DIGITS), n=n)
    return line.format(share=t.percent((h.score or 0) / 100),
                       mean=t.number(h.mean or 0, MEAN_DIGITS), n=n, level=t.percent(CONFIDENCE),
                       low=t.percent((h.low or 0) / 100), high=t.percent((h.high or 0) / 100))


def bucket_line(metric: str, counts: Counts, t: Translator) -> str:
    n = sum(counts.values())
    names = bucket_names(metric, t)
    return " · ".join(
        t.gettext("{bucket}: {count} ({share})").format(
            bucket=names[b], count=t.number(c), share=t.percent(c / n))
        for b, c in bucket_counts(metric, counts).items())


def too_few_line(n: int, t: Translator) -> str:
    return t.ngettext(
        "Only {n} answer: too few to trust (at least {min} are needed).",
        "Only {n} answers: too few to trust (at least {min} are needed).", n,
    ).format(n=t.number(n), min=SAMPLE_FLOOR)


def headline_lines(metric: str, counts: Counts, t: Translator) -> list[str]:
    h = headline(metric, counts)
    if h.n == 0:
        return [t.gettext("No answers in this period yet.")]
    lines = [score_line(metric, h, t)]
    if note := METRICS[metric].method_note:
        lines.append(t.gettext(note))
    lines.append(bucket_line(metric, counts, t))
    if h.too_few:
        lines.append(too_few_line(h.n, t))
    return lines


def answers_split_line(n: int, invited: int, t: Translator) -> str:
    """``n = 120: 80 after an invitation, 40 on their own``."""
    own = n - invited
    return t.gettext("n = {n}: {invited}, {own}").format(
        n=t.number(n),
        invited=t.ngettext("{count} after an invitation", "{count} after an invitation",
                           invited).format(count=t.number(invited)),
        own=t.ngettext("{count} on their own", "{count} on their own",
                       own).format(count=t.number(own)))


def rate_lines(reach: Reach, t: Translator) -> list[str]:
    """The response rate (answered / sent), and what was not sent."""
    if reach.rate is None:
        lines = [t.gettext("Response rate: no invitation sent in this period yet.")]
    else:
        lines = [t.ngettext(
            "Response rate: {rate} ({answered} of {sent} invitation sent was answered).",
            "Response rate: {rate} ({answered} of {sent} invitations sent were answered).",
            reach.sent).format(rate=t.percent(reach.rate), answered=t.number(reach.answered),
                               sent=t.number(reach.sent))]
    if reach.failed:
        lines.append(t.ngettext(
            "{count} invitation could not be sent.",
            "{count} invitations could not be sent.", reach.failed,
        ).format(count=t.number(reach.failed)))
    if reach.waiting:
        lines.append(t.ngettext(
            "{count} invitation is waiting to be sent.",
            "{count} invitations are waiting to be sent.", reach.waiting,
        ).format(count=t.number(reach.waiting)))
    return lines


def reach_lines(report: Report, key: str | None, counts: Counts, t: Translator) -> list[str]:
    """Under a headline (all answers when ``key`` is None, else a segment's): the answers told
    apart and the response rate, when invitations play a part in the period."""
    if not report.tells_invited:
        return []
    n = sum(counts.values())
    if key is None:
        invited, reach = report.invited, report.reach
    else:
        invited, reach = report.segment_invited.get(key, 0), report.segment_reach.get(key)
    lines = [answers_split_line(n, invited, t)] if n else []
    return lines + (rate_lines(reach, t) if reach is not None else [])


def unit(metric: str, t: Translator) -> str:
    """NPS moves in points, CSAT and CES (shares) in percentage points."""
    return t.gettext(METRICS[metric].unit)


def trend_line(report: Report, t: Translator) -> str | None:
    """The change against the previous span, naming its dates; None for all time or when this
    period has no answers (its headline says so)."""
    before = report.previous_period
    if before is None or report.previous is None or not report.current:
        return None
    span = span_text(before, t)
    change: Trend | None = trend(report.metric, report.previous, report.current)
    if change is None:
        return t.gettext("Trend: no answers in {span} to compare with.").format(span=span)
    values = {"delta": t.signed(change.delta, DELTA_DIGITS), "unit": unit(report.metric, t),
              "span": span, "margin": t.number(change.margin, DELTA_DIGITS), "min": SAMPLE_FLOOR}
    if change.verdict == "too_few":
        key = t.gettext("Trend: {delta} {unit} against {span}: too few answers to tell whether "
                        "it is a real change (at least {min} in each period).")
    elif change.verdict == "significant":
        key = t.gettext("Trend: {delta} {unit} against {span}, larger than the margin of error "
                        "(± {margin}): a statistically significant change.")
    else:
        key = t.gettext("Trend: {delta} {unit} against {span}, within the margin of error "
                        "(± {margin}).")
    return key.format(**values)


def comment_lines(report: Report, t: Translator) -> list[str]:
    if not report.comments:
        return []
    lines = [t.gettext("Latest comments from unhappy customers:")]
    for c in report.comments:
        lines.append(t.gettext("• {score}/{high} “{text}” — {name}, {date}").format(
            score=c.score, high=c.scale_max, text=c.text[:300], name=c.name or "?",
            date=t.date(c.created_at.astimezone(report.period.zone))))
    return lines


def render_report(report: Report, t: Translator) -> str:
    """The summary a manager reads in chat."""
    lines = [title(report, t)]
    lines += headline_lines(report.metric, report.current, t)
    lines += reach_lines(report, None, report.current, t)
    if (line := trend_line(report, t)) is not None:
        lines.append(line)
    for key, counts in report.segments:
        lines.append("")
        lines.append(f"▸ {segment_name(report, key, t)}")
        lines += headline_lines(report.metric, counts, t)
        lines += reach_lines(report, key, counts, t)
    if report.attribute is not None:
        lines += ["", as_now_line(report.attribute, t)]
    if (talk := talk_line(report.metric, report.talk, t)) is not None:
        lines += ["", talk]
    if comments := comment_lines(report, t):
        lines.append("")
        lines += comments
    return "\n".join(lines)
