"""``/nps value [period]``: what the customers of each bucket are worth, from a numeric customer
attribute (VALUE_ATTRIBUTE, else ``revenue``, else ``mrr``) **as it is now**.

The customers are those who answered the metric in the period (managers' tests left out), each
placed in one bucket by their **last** answer in the period.  The maths is
:mod:`scoring.value`: per bucket the mean (Student's t-interval) and the median (the
order-statistic interval), and the good bucket's mean over the worst's (delta method on the
log).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from bot.campaign_tables import AttributeKind, CustomerAttribute
from bot.i18n import Translator
from bot.metrics import METRICS
from bot.periods import Period
from bot.prompts import metric_label
from bot.reports.figures import SAMPLE_FLOOR
from bot.reports.labels import bucket_names, span_text
from bot.reports.segments import attribute_kinds, period_answers
from scoring.value import LEVEL, Ratio, Spread, by_bucket, last_by_customer, ratio_of_means, spread

DEFAULT_ATTRIBUTES = ("revenue", "mrr")
MIN_CUSTOMERS = 2
"""Fewer customers with a value than this and there is nothing to compare."""


@dataclass(frozen=True)
class Value:
    """The figures of ``/nps value``: per bucket (in bucket order) the spread of the
    attribute, the good/worst ratio of means, and how many customers who answered have no
    value."""

    metric: str
    period: Period
    attribute: str
    buckets: dict[str, Spread]
    ratio: Ratio | None
    without: int


def value_attribute(session: Session, wanted: str) -> str | tuple[str, ...]:
    """The attribute to read (its stored name), or the numeric attributes there are when
    ``wanted`` (or, when empty, each of :data:`DEFAULT_ATTRIBUTES`) is none of them."""
    numbers = {name.casefold(): name for name, kind in attribute_kinds(session).items()
               if kind is AttributeKind.NUMBER}
    for name in (wanted,) if wanted else DEFAULT_ATTRIBUTES:
        if name.casefold() in numbers:
            return numbers[name.casefold()]
    return tuple(numbers.values())


def last_buckets(session: Session, metric: str, period: Period) -> dict[int, str]:
    """Each customer who answered in the period: the bucket of their last answer in it."""
    a, r, source, where = period_answers(metric, period)
    query: Any = (select(r.customer_id, a.created_at, a.id, a.bucket).select_from(source)
                  .where(where, r.customer_id.is_not(None)))

    def rows() -> Iterator[tuple[int, object, str]]:
        for customer, at, answer_id, bucket in session.execute(query):
            yield int(customer), (at, answer_id), str(bucket)
    return last_by_customer(rows())


def numbers_of(session: Session, name: str, customers: set[int]) -> dict[int, float]:
    """``name``'s number for each of ``customers`` who has one."""
    ca = CustomerAttribute.__table__.c  # type: ignore[attr-defined]
    query: Any = select(ca.customer_id, ca.number_value).where(
        ca.name == name, ca.number_value.is_not(None))
    return {int(c): float(v) for c, v in session.execute(query) if int(c) in customers}


def compute_value(session: Session, metric: str, period: Period, attribute: str) -> Value:
    spec = METRICS[metric]
    buckets = last_buckets(session, metric, period)
    values = numbers_of(session, attribute, set(buckets))
    grouped = by_bucket(buckets, values, spec.buckets)
    top = spec.buckets[-1]
    return Value(metric, period, attribute, {b: spread(v) for b, v in grouped.items()},
                 ratio_of_means(grouped[top], grouped[spec.worst]),
                 len(buckets) - len(values))


def _digits(value: float) -> int:
    """Money as a reader wants it: whole above 100 (and nothing: 0), else two decimals (one
    above 10)."""
    size = abs(value)
    return 0 if size >= 100 or size == 0 else 1 if size >= 10 else 2


def _money(value: float, t: Translator) -> str:
    """``1,770``, ``0.25``, ``−5,180`` (a minus sign, as the summary's scores have)."""
    shown = t.number(round(abs(value), _digits(value)), _digits(value))
    return "−" + shown if value < 0 and shown.strip("0.,") else shown


def bucket_line(name: str, s: Spread, attribute: str, t: Translator) -> str:
    if s.n == 0 or s.mean is None or s.median is None:
        return t.gettext("{bucket}: no customer with {name}.").format(bucket=name,
                                                                       name=attribute)
    mean = _money(s.mean, t)
    if s.mean_low is not None and s.mean_high is not None:
        mean = t.gettext("{value} ({level} interval {low}–{high})").format(
            value=mean, level=t.percent(LEVEL), low=_money(s.mean_low, t),
            high=_money(s.mean_high, t))
    median = _money(s.median, t)
    if s.median_low is not None and s.median_high is not None:
        median = t.gettext("{value} ({level} interval {low}–{high})").format(
            value=median, level=t.percent(LEVEL), low=_money(s.median_low, t),
            high=_money(s.median_high, t))
    line = t.gettext("{bucket}: n = {n}, mean {mean}, median {median}").format(
        bucket=name, n=t.number(s.n), mean=mean, median=median)
    if s.n < SAMPLE_FLOOR:
        line += " " + t.gettext("⚠ too few to trust")
    return line


def ratio_line(value: Value, names: dict[str, str], t: Translator) -> str:
    spec = METRICS[value.metric]
    top = spec.buckets[-1]  # promoters, satisfied, agree
    pair = {"top": names[top], "bottom": names[spec.worst], "name": value.attribute}
    ratio = value.ratio
    if ratio is None:
        return t.gettext("{top} / {bottom}: no ratio (a bucket has no customer with "
                         "{name}, or its mean is not above zero).").format(**pair)
    times = t.number(ratio.value, 2)
    if ratio.low is None or ratio.high is None:
        return t.gettext("{top} / {bottom}: the mean {name} is {ratio}× (too few customers "
                         "for an interval).").format(ratio=times, **pair)
    return t.gettext("{top} / {bottom}: the mean {name} is {ratio}× ({level} interval "
                     "{low}×–{high}×).").format(ratio=times, level=t.percent(LEVEL),
                                                low=t.number(ratio.low, 2),
                                                high=t.number(ratio.high, 2), **pair)


def render_value(value: Value, t: Translator) -> str:
    names = bucket_names(value.metric, t)
    lines = [t.gettext("{metric} value by bucket · {label} ({span})").format(
        metric=metric_label(value.metric, t), label=value.period.label,
        span=span_text(value.period, t)),
        t.gettext("The customers who answered, each in the bucket of their last answer in "
                  "the period, and their {name} as it is now (not as it was when they "
                  "answered).").format(name=value.attribute)]
    lines += [bucket_line(names[b], s, value.attribute, t) for b, s in
              reversed(value.buckets.items())]
    lines.append(ratio_line(value, names, t))
    if value.without:
        lines.append(t.ngettext(
            "{count} customer who answered has no {name}.",
            "{count} customers who answered have no {name}.", value.without).format(
            count=t.number(value.without), name=value.attribute))
    lines.append(t.gettext("Methods: mean with Student’s t-interval; median with the "
                           "order-statistic (binomial) interval; ratio of means with the "
                           "delta method on its logarithm."))
    return "\n".join(lines)


def value_text(session: Session, metric: str, period: Period, t: Translator,
               wanted: str = "") -> str:
    """The chat's answer to ``/nps value``."""
    attribute = value_attribute(session, wanted)
    if isinstance(attribute, tuple):
        asked = wanted or ", ".join(DEFAULT_ATTRIBUTES)
        known = (t.gettext("Numeric attributes there are: {names}.").format(
            names=", ".join(attribute)) if attribute else
            t.gettext("No customer has a numeric attribute yet: import one, e.g. a "
                      "revenue:number column (survey-bot customers import)."))
        return t.gettext("I need a numeric customer attribute for this ({names}).").format(
            names=asked) + " " + known
    value = compute_value(session, metric, period, attribute)
    counted = sum(s.n for s in value.buckets.values())
    if counted < MIN_CUSTOMERS:
        return t.ngettext(
            "Only {count} customer who answered in this period has {name}: too few to "
            "compare.",
            "Only {count} customers who answered in this period have {name}: too few to "
            "compare.", counted).format(count=t.number(counted), name=attribute)
    return render_value(value, t)
