"""``/nps retention [period]``: the customer retention rate from the imported ``signed_up``
and ``churned`` dates (:func:`scoring.retention.retention_counts`), overall and by the bucket
of each customer's last answer **before the period starts** (customers who had not answered by
then are a group of their own).  CRR = (CE − CN) / CS × 100; its 95 % interval is Wilson's for
the share CE − CN of CS.  A customer whose churn date comes before their sign-up is left out
and counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from bot.campaign_tables import CustomerAttribute
from bot.i18n import Translator
from bot.metrics import METRICS
from bot.periods import Period
from bot.prompts import metric_label
from bot.reports.figures import SAMPLE_FLOOR
from bot.reports.labels import bucket_names, span_text
from bot.reports.segments import period_answers
from scoring import wilson
from scoring.retention import RetentionCounts, retention_counts
from scoring.value import LEVEL, last_by_customer

SIGNED_UP, CHURNED = "signed_up", "churned"
NOT_ASKED = ""
"""The group of customers with no answer before the period."""


@dataclass(frozen=True)
class Retention:
    """The counts overall and per group (the metric's buckets best first, then
    :data:`NOT_ASKED`), and how many customers were left out for dates that contradict."""

    metric: str
    period: Period
    overall: RetentionCounts
    groups: dict[str, RetentionCounts]
    inconsistent: int


def _dates(session: Session, name: str) -> dict[int, date]:
    ca = CustomerAttribute.__table__.c  # type: ignore[attr-defined]
    query: Any = select(ca.customer_id, ca.date_value).where(
        ca.name == name, ca.date_value.is_not(None))
    return {int(c): d for c, d in session.execute(query)}


def buckets_before(session: Session, metric: str, period: Period) -> dict[int, str]:
    """Each customer's bucket from their last answer before the period starts."""
    assert period.start is not None
    before = Period(None, period.first or period.last, "before", period.zone)
    a, r, source, _ = period_answers(metric, before)
    query: Any = (select(r.customer_id, a.created_at, a.id, a.bucket).select_from(source)
                  .where(a.metric == metric, a.is_test.is_(False), a.created_at < period.start,
                         r.customer_id.is_not(None)))
    return last_by_customer((int(c), (at, i), str(b)) for c, at, i, b in session.execute(query))


def compute_retention(session: Session, metric: str, period: Period) -> Retention | None:
    """None when no customer has a ``signed_up`` date."""
    assert period.first is not None
    signed, churned = _dates(session, SIGNED_UP), _dates(session, CHURNED)
    if not signed:
        return None
    people = {c: (d, churned.get(c)) for c, d in signed.items()}
    bad = {c for c, (s, e) in people.items() if e is not None and e < s}
    kept = {c: p for c, p in people.items() if c not in bad}
    asked = buckets_before(session, metric, period)
    order = (*reversed(METRICS[metric].buckets), NOT_ASKED)
    groups = {g: retention_counts((p for c, p in kept.items() if asked.get(c, NOT_ASKED) == g),
                                  period.first, period.last) for g in order}
    return Retention(metric, period, retention_counts(kept.values(), period.first,
                                                      period.last), groups, len(bad))


def crr_line(name: str, counts: RetentionCounts, t: Translator) -> str:
    values = {"group": name, "start": t.number(counts.start), "end": t.number(counts.end),
              "new": t.number(counts.new), "kept": t.number(counts.retained)}
    if not counts.start:
        return t.gettext("{group}: no customers at the start (end {end}, new {new}).").format(
            **values)
    low, high = wilson(counts.retained, counts.start)
    line = t.gettext("{group}: CRR {rate} ({level} interval {low}–{high}): {kept} of {start} "
                     "customers at the start are still customers; at the end {end}, new "
                     "{new}.").format(rate=t.percent((counts.rate or 0) / 100, 1),
                                      level=t.percent(LEVEL),
                                      low=t.percent(low, 1), high=t.percent(high, 1),
                                      **values)
    if counts.start < SAMPLE_FLOOR:
        line += " " + t.gettext("⚠ too few to trust")
    return line


def render_retention(data: Retention, t: Translator) -> str:
    names = bucket_names(data.metric, t)
    lines = [t.gettext("Customer retention · {label} ({span})").format(
        label=data.period.label, span=span_text(data.period, t)),
        t.gettext("CRR = (customers at the end − new customers) / customers at the start × "
                  "100, from the imported signed_up and churned dates."),
        crr_line(t.gettext("All customers"), data.overall, t), "",
        t.gettext("By the {metric} bucket of each customer’s last answer before the period "
                  "starts:").format(metric=metric_label(data.metric, t))]
    for group, counts in data.groups.items():
        name = names[group] if group else t.gettext("No answer before the period")
        lines.append(crr_line(name, counts, t))
    if data.inconsistent:
        lines.append(t.ngettext(
            "{count} customer was left out: churned before signing up.",
            "{count} customers were left out: churned before signing up.",
            data.inconsistent).format(count=t.number(data.inconsistent)))
    lines.append(t.gettext("Interval: Wilson’s, for the share of the customers at the start "
                           "who are still customers."))
    return "\n".join(lines)


def retention_text(session: Session, metric: str, period: Period, t: Translator) -> str:
    """The chat's answer to ``/nps retention``."""
    if period.first is None:
        return t.gettext("Retention needs a period with a start, for example 90d or "
                         "2026-01-01..2026-03-31 (not all).")
    data = compute_retention(session, metric, period)
    if data is None:
        return t.gettext("No customer has a signed_up date: import signed_up (and churned) "
                         "as dates with survey-bot customers import to see retention.")
    return render_retention(data, t)
