"""Segments by a customer attribute (``by plan``, ``by country``, ``by revenue``): each answer
placed by its customer's attribute **as it is now** (``customer_attributes``, through
``respondents.customer_id``), not as it was when they answered.

* Text attributes: one segment per value, the most answers first; past :data:`MAX_SEGMENTS`
  the smallest are folded into one "other values" segment.
* Number attributes: bands (:mod:`scoring.bands`): the quartiles of the values of the customers
  who answered in the period, each rounded to a nice number (1, 2, 2.5 or 5 × 10^k), lowest
  band first.
* Date attributes (``signed_up``): one segment per calendar year, earliest first.
* Customers without the attribute (and answers of no customer): their own segment, last.

An attribute is a number (or a date) when every customer's value of it is one; otherwise its
values are read as text.  These segments read the ``answers`` rows of the period (the daily
rollup does not know customers), one GROUP BY.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, cast, func, select
from sqlalchemy.types import String
from sqlmodel import Session

from bot.campaign_tables import AttributeKind, CustomerAttribute
from bot.i18n import Translator
from bot.models import Answer, Respondent
from bot.periods import Period
from scoring.bands import digits, edges

MAX_SEGMENTS = 12
"""Text values shown one by one; the rest are one segment (:data:`OTHER`)."""
NONE = ""
"""The segment of customers without the attribute."""
OTHER = "(other)"


@dataclass(frozen=True)
class AttributeSplit:
    """A split by the attribute ``name`` of ``kind``; ``edges`` the cut points of a number's
    bands over ``customers`` customers (those who answered in the period with a value)."""

    name: str
    kind: AttributeKind
    edges: tuple[Decimal, ...] = ()
    customers: int = 0

    def band_keys(self) -> tuple[str, ...]:
        """A number's segment keys, lowest band first: ``..500``, ``500..1000``, ``1000..``."""
        ends = [""] + [_plain(e) for e in self.edges] + [""]
        return tuple(f"{ends[i]}..{ends[i + 1]}" for i in range(len(self.edges) + 1))

    def ordered(self, segments: Mapping[str, Any]) -> list[str]:
        """The keys of ``segments`` in reading order (see the module's docstring)."""
        present = [k for k in segments if k not in (NONE, OTHER)]
        if self.kind is AttributeKind.NUMBER:
            rank = {k: i for i, k in enumerate(self.band_keys())}
            present.sort(key=lambda k: rank.get(k, len(rank)))
        elif self.kind is AttributeKind.DATE:
            present.sort()
        else:
            present.sort(key=lambda k: (-_size(segments[k]), k))
        return present + [k for k in (OTHER, NONE) if k in segments]


def _size(value: Any) -> int:
    return sum(value.values()) if isinstance(value, Mapping) else int(value)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


class UnknownSplit(ValueError):
    """A ``by`` word that is neither a built-in split nor an attribute customers have;
    ``attributes`` names those they have."""

    def __init__(self, word: str, attributes: tuple[str, ...]) -> None:
        super().__init__(f"unknown split {word!r}")
        self.word = word
        self.attributes = attributes


def attribute_kinds(session: Session) -> dict[str, AttributeKind]:
    """Every attribute name customers have, with how it is read (see the module)."""
    ca = CustomerAttribute.__table__.c  # type: ignore[attr-defined]
    kinds: dict[str, set[str]] = {}
    for name, kind in session.exec(select(ca.name, ca.kind).distinct()):  # type: ignore[call-overload]
        kinds.setdefault(str(name), set()).add(str(kind))
    out: dict[str, AttributeKind] = {}
    for name, found in sorted(kinds.items()):
        out[name] = AttributeKind(found.pop()) if len(found) == 1 else AttributeKind.TEXT
    return out


def find_attribute(session: Session, word: str) -> tuple[str, AttributeKind] | None:
    """The attribute ``word`` names (case-insensitively; an exact match first)."""
    kinds = attribute_kinds(session)
    if word in kinds:
        return word, kinds[word]
    for name, kind in kinds.items():
        if name.casefold() == word.casefold():
            return name, kind
    return None


def period_answers(metric: str, period: Period) -> Any:
    """The columns of ``answers`` and ``respondents``, the two joined, and the condition of the
    period's answers of ``metric`` (managers' tests left out)."""
    answers, people = Answer.__table__, Respondent.__table__  # type: ignore[attr-defined]
    a, r = answers.c, people.c
    clauses = [a.metric == metric, a.created_at < period.end, a.is_test.is_(False)]
    if period.start is not None:
        clauses.append(a.created_at >= period.start)
    return a, r, answers.join(people, r.id == a.respondent_id), and_(*clauses)


def attribute_split(session: Session, metric: str, period: Period, name: str,
                    kind: AttributeKind) -> AttributeSplit:
    """The split, with a number's bands cut over the period's customers."""
    if kind is not AttributeKind.NUMBER:
        return AttributeSplit(name, kind)
    _, r, source, where = period_answers(metric, period)
    ca = CustomerAttribute.__table__.c  # type: ignore[attr-defined]
    who = select(r.customer_id).select_from(source).where(where, r.customer_id.is_not(None))
    query: Any = select(ca.number_value).where(
        ca.name == name, ca.number_value.is_not(None), ca.customer_id.in_(who))
    values = [float(v) for (v,) in session.exec(query)]
    return AttributeSplit(name, kind, edges(values), len(values))


def _key(split: AttributeSplit, ca: Any) -> Any:
    if split.kind is AttributeKind.NUMBER:
        keys = split.band_keys()
        whens = [(ca.number_value < float(e), keys[i]) for i, e in enumerate(split.edges)]
        return case((ca.number_value.is_(None), NONE), *whens, else_=keys[-1])
    if split.kind is AttributeKind.DATE:
        year = cast(func.extract("year", ca.date_value), String)
        return case((ca.date_value.is_(None), NONE), else_=year)
    return func.coalesce(ca.text_value, NONE)


def attribute_cells(session: Session, metric: str, period: Period,
                    split: AttributeSplit) -> dict[tuple[str, bool, int], int]:
    """Answers per (segment key, invited, score), as :func:`bot.reports.queries._cells`."""
    a, r, source, where = period_answers(metric, period)
    attributes = CustomerAttribute.__table__  # type: ignore[attr-defined]
    ca = attributes.c
    source = source.outerjoin(attributes, and_(ca.customer_id == r.customer_id,
                                               ca.name == split.name))
    key = _key(split, ca)
    invited = a.invitation_id.is_not(None)
    query: Any = (select(key, invited, a.score, func.count()).select_from(source).where(where)
                  .group_by(key, invited, a.score))
    out: dict[tuple[str, bool, int], int] = {}
    for value, asked, score, n in session.exec(query):
        cell = (_year(value) if split.kind is AttributeKind.DATE else str(value or NONE),
                bool(asked), int(score))
        out[cell] = out.get(cell, 0) + int(n)
    return _folded(out) if split.kind is AttributeKind.TEXT else out


def _year(value: Any) -> str:
    """A year as PostgreSQL's numeric EXTRACT or SQLite's text gives it: ``2025``."""
    if value is None or value == NONE:
        return NONE
    return str(int(float(value)))


def _folded(cells: dict[tuple[str, bool, int], int]) -> dict[tuple[str, bool, int], int]:
    """Past :data:`MAX_SEGMENTS` values, the smallest become :data:`OTHER`."""
    sizes: dict[str, int] = {}
    for (key, _, _), n in cells.items():
        if key != NONE:
            sizes[key] = sizes.get(key, 0) + n
    if len(sizes) <= MAX_SEGMENTS:
        return cells
    kept = set(sorted(sizes, key=lambda k: (-sizes[k], k))[:MAX_SEGMENTS - 1])
    out: dict[tuple[str, bool, int], int] = {}
    for (key, asked, score), n in cells.items():
        cell = (key if key in kept or key == NONE else OTHER, asked, score)
        out[cell] = out.get(cell, 0) + n
    return out


def attribute_label(split: AttributeSplit, key: str, t: Translator) -> str:
    """A segment as the reader names it: ``pro``, ``under 500``, ``500–1,000``, ``without
    plan``, ``other values``."""
    if key == NONE:
        return t.gettext("without {name}").format(name=split.name)
    if key == OTHER:
        return t.gettext("other values")
    if split.kind is not AttributeKind.NUMBER:
        return key
    low, _, high = key.partition("..")
    if not low and not high:
        return t.gettext("any value")
    shown = {k: t.number(float(Decimal(v)), digits(Decimal(v)))
             for k, v in (("low", low), ("high", high)) if v}
    if not low:
        return t.gettext("under {high}").format(**shown)
    if not high:
        return t.gettext("{low} and over").format(**shown)
    return t.gettext("{low} to under {high}").format(**shown)


def as_now_line(split: AttributeSplit, t: Translator) -> str:
    """What the reader must know about these segments."""
    line = t.gettext("Segments use each customer’s {name} as it is now, not as it was when "
                     "they answered.").format(name=split.name)
    if split.kind is AttributeKind.NUMBER and split.edges:
        line += " " + t.ngettext(
            "Bands: the quartiles of {count} customer’s {name}, rounded to round numbers.",
            "Bands: the quartiles of {count} customers’ {name}, rounded to round numbers.",
            split.customers).format(count=t.number(split.customers), name=split.name)
    return line
