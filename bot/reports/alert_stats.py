"""``/nps alerts stats [period]``: the alerts raised in the period (every metric's, every
channel's; a manager's own test answers left out), how many a manager took and how many are
resolved now, the median times to claim and to resolve, and the recovery rate
(:mod:`scoring.recovery`).  Read on the read-only connection before the event's transaction
(bot/engine/facade.py ``_summary``), like the summaries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from bot.i18n import Translator
from bot.models import Alert, AlertNote, AlertStatus, Answer, NoteKind
from bot.periods import Period, PeriodError, parse_period
from bot.reports.figures import SAMPLE_FLOOR
from bot.reports.labels import span_text
from scoring.recovery import AlertFacts, AlertStats, Median, Said, alert_stats
from scoring.value import LEVEL

STATS = "stats"
RECOVERY_KINDS = (NoteKind.ASKED, NoteKind.SOLVED, NoteKind.UNSOLVED)


def wants_stats(args: str) -> bool:
    """``stats …`` after ``alerts``."""
    words = args.split(maxsplit=1)
    return bool(words) and words[0].casefold() == STATS


def said_of(notes: list[tuple[str, bool | None]]) -> Said:
    """An alert's recovery notes (kind, delivered), oldest first → what its customer said to
    the latest question that reached them."""
    asked = [i for i, (kind, delivered) in enumerate(notes)
             if kind == NoteKind.ASKED and delivered is not False]
    if not asked:
        return Said.NOT_ASKED
    for kind, _ in notes[asked[-1] + 1:]:
        if kind == NoteKind.SOLVED:
            return Said.SOLVED
        if kind == NoteKind.UNSOLVED:
            return Said.UNSOLVED
    return Said.SILENT


def alert_facts(session: Session, period: Period) -> list[AlertFacts]:
    """The alerts raised in ``period``, each with its customer's answer."""
    cohort: Any = (select(col(Alert.id), col(Alert.created_at), col(Alert.claimed_at),
                          col(Alert.status), col(Alert.resolved_at))
                   .join(Answer, col(Answer.id) == col(Alert.answer_id))
                   .where(col(Answer.is_test).is_(False), col(Alert.created_at) < period.end))
    if period.start is not None:
        cohort = cohort.where(col(Alert.created_at) >= period.start)
    rows = session.execute(cohort).all()
    ids = select(cohort.subquery().c.id)
    notes: dict[int, list[tuple[str, bool | None]]] = defaultdict(list)
    query: Any = (select(col(AlertNote.alert_id), col(AlertNote.kind), col(AlertNote.delivered))
                  .where(col(AlertNote.alert_id).in_(ids),
                         col(AlertNote.kind).in_(RECOVERY_KINDS))
                  .order_by(col(AlertNote.alert_id), col(AlertNote.id)))
    for alert_id, kind, delivered in session.execute(query):
        notes[int(alert_id)].append((str(kind), delivered))
    return [AlertFacts(raised=created, claimed=claimed,
                       resolved=resolved if status == AlertStatus.RESOLVED else None,
                       said=said_of(notes.get(int(alert_id), [])))
            for alert_id, created, claimed, status, resolved in rows]


def _median_line(text: str, median: Median, t: Translator) -> str:
    shown = t.duration(median.value) if median.value is not None else "—"
    return text.format(duration=shown, n=t.number(median.n))


def recovery_lines(stats: AlertStats, t: Translator) -> list[str]:
    interval = stats.interval
    if stats.rate is None or interval is None:
        return [t.gettext("Recovery rate: no customer of these alerts was asked whether the "
                          "problem is solved (RECOVERY_QUESTION).")]
    low, high = interval
    line = t.gettext("Recovery rate: {rate} of the customers asked say the problem is solved "
                     "({level} confidence interval {low}–{high}; n = {n})").format(
        rate=t.percent(stats.rate), level=t.percent(LEVEL), low=t.percent(low),
        high=t.percent(high), n=t.number(stats.asked))
    if stats.asked < SAMPLE_FLOOR:
        line += " " + t.gettext("⚠ too few to trust")
    return [line, t.gettext("Solved: {solved} · not solved (opened again): {unsolved} · no "
                            "answer yet: {silent}").format(
        solved=t.number(stats.solved), unsolved=t.number(stats.unsolved),
        silent=t.number(stats.silent))]


def render_alert_stats(stats: AlertStats, period: Period, t: Translator) -> str:
    lines = [t.gettext("Alerts · {label} ({span})").format(label=period.label,
                                                           span=span_text(period, t))]
    if not stats.raised:
        lines.append(t.gettext("No alert was raised in this period."))
        return "\n".join(lines)
    lines += [
        t.gettext("Raised: {raised} · claimed: {claimed} · resolved: {resolved}").format(
            raised=t.number(stats.raised), claimed=t.number(stats.claimed),
            resolved=t.number(stats.resolved)),
        _median_line(t.gettext("Median time to claim: {duration} (n = {n})"), stats.to_claim,
                     t),
        _median_line(t.gettext("Median time to resolve: {duration} (n = {n})"),
                     stats.to_resolve, t),
        *recovery_lines(stats, t),
        t.gettext("Counted: the alerts raised in the period; claimed: taken by a manager "
                  "(claimed, replied to or resolved); resolved: resolved now. The rate counts "
                  "each alert by its customer's answer to the latest question.")]
    return "\n".join(lines)


def alert_stats_text(session: Session, args: str, t: Translator, now: datetime,
                     zone: ZoneInfo) -> str:
    """The chat's answer to ``/nps alerts stats [period]`` (``args``: ``stats [period]``)."""
    from bot.reports.commands import period_error

    words = args.split(maxsplit=1)
    text = words[1].strip() if len(words) > 1 else ""
    try:
        period = parse_period(text or None, now, zone)
    except PeriodError as exc:
        return period_error(exc, text, t)
    return render_alert_stats(alert_stats(alert_facts(session, period)), period, t)
