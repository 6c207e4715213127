"""The weekly digest: every metric's summary of the week before the digest's moment (its score
with the margin, the answers told apart with the response rate, the change against the week
before), the alerts still waiting, and the latest comments of unhappy customers (the NPS
detractors' first); read once (:func:`build_digest`), written in each reader's language
(:func:`render_digest`) with the summary's own lines (:mod:`bot.reports.render`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.metrics import METRICS
from bot.models import Alert, AlertStatus
from bot.periods import Period, range_label
from bot.prompts import metric_label
from bot.reports.figures import headline
from bot.reports.labels import span_text
from bot.reports.queries import Report, build_report
from bot.reports.render import comment_lines, reach_lines, score_line, too_few_line, trend_line
from bot.reports.themes_text import talk_line
from bot.surveys import SurveyCatalog

WEEK = timedelta(days=7)


CHART_WEEKS = 12
"""Weeks the digest's trend chart shows."""


def digest_period(day: date, zone: ZoneInfo) -> Period:
    """The seven local days before ``day`` (the digest's own day), compared with the seven
    before those."""
    first, last = day - WEEK, day - timedelta(days=1)
    return Period(first, last, range_label(first, last), zone,
                  compare=(first - WEEK, last - WEEK))


@dataclass(frozen=True)
class DigestFigures:
    """What every copy of one digest says, whatever its language."""

    period: Period
    reports: tuple[Report, ...]
    """One per metric, in :data:`~bot.metrics.METRICS` order."""
    open_alerts: int
    claimed_alerts: int


def build_digest(session: Session, period: Period,
                 surveys: SurveyCatalog | None = None) -> DigestFigures:
    """The figures of the digest over ``period``; the alerts as they stand now."""
    reports = tuple(build_report(session, metric, period, surveys=surveys) for metric in METRICS)
    counts = dict(session.exec(select(col(Alert.status), func.count()).where(
        col(Alert.status).in_((AlertStatus.OPEN, AlertStatus.CLAIMED))).group_by(
        col(Alert.status))).all())
    return DigestFigures(period, reports, int(counts.get(AlertStatus.OPEN, 0)),
                         int(counts.get(AlertStatus.CLAIMED, 0)))


def metric_lines(report: Report, t: Translator) -> list[str]:
    """A metric's score with its margin (or that it had no answers), the answers told apart
    and the response rate, and the change against the week before."""
    h = headline(report.metric, report.current)
    if h.n == 0:
        lines = [t.gettext("{metric}: no answers in this period.").format(
            metric=metric_label(report.metric, t))]
    else:
        lines = [score_line(report.metric, h, t)]
        if h.too_few:
            lines.append(too_few_line(h.n, t))
    lines += reach_lines(report, None, report.current, t)
    if (change := trend_line(report, t)) is not None:
        lines.append(change)
    if (talk := talk_line(report.metric, report.talk, t)) is not None:
        lines.append(talk)
    return lines


def alert_lines(figures: DigestFigures, cmd: str, t: Translator) -> list[str]:
    if not figures.open_alerts and not figures.claimed_alerts:
        return [t.gettext("No alert is open or claimed.")]
    lines = []
    if figures.open_alerts:
        lines.append(t.ngettext(
            "{count} alert is open: nobody has claimed it.",
            "{count} alerts are open: nobody has claimed them.", figures.open_alerts,
        ).format(count=t.number(figures.open_alerts)))
    if figures.claimed_alerts:
        lines.append(t.ngettext(
            "{count} alert is claimed and not resolved yet.",
            "{count} alerts are claimed and not resolved yet.", figures.claimed_alerts,
        ).format(count=t.number(figures.claimed_alerts)))
    lines.append(t.gettext("{cmd} alerts lists them.").format(cmd=cmd))
    return lines


def comments_of(figures: DigestFigures) -> Report | None:
    """The report whose unhappy comments the digest quotes: the first metric's that has any
    (NPS detractors' before CSAT's and CES's)."""
    return next((r for r in figures.reports if r.comments), None)


def render_digest(figures: DigestFigures, t: Translator, cmd: str) -> str:
    """The digest in ``t``'s language; ``cmd`` is how the reader types the NPS command."""
    lines = [t.gettext("📬 Weekly digest · {span}").format(span=span_text(figures.period, t))]
    for report in figures.reports:
        lines.append("")
        lines += metric_lines(report, t)
    lines.append("")
    lines += alert_lines(figures, cmd, t)
    quoted = comments_of(figures)
    if quoted is not None:
        lines.append("")
        lines += comment_lines(quoted, t)
    return "\n".join(lines)


def trend_chart(session: Session, period: Period, t: Translator) -> bytes | None:
    """The digest's chart: the PNG of the NPS trend of the :data:`CHART_WEEKS` weeks up to
    the end of ``period``, as ``/nps trend`` draws it, its words in ``t``'s language; None
    when those weeks hold no answer.  It is sent as a picture after the digest's text, to
    the managers' chat and to each manager's own chat."""
    from bot.reports.chart_replies import trend_reply
    from bot.reports.trend import build_trend
    from scoring.trend import Grain, bucket_start

    first = bucket_start(period.last - timedelta(weeks=CHART_WEEKS - 1), Grain.WEEK)
    report = build_trend(session, "nps", Period(first, period.last, f"{CHART_WEEKS}w",
                                                period.zone), Grain.WEEK)
    if not any(point.n for point in report.points):
        return None
    return trend_reply(report, t).content
