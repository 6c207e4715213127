"""The metrics the bot asks and reports, one definition each: the maths from :mod:`scoring`
(scale, buckets, worst and good buckets, how figures are computed and compared) and what the bot
adds (labels, wording, keyboard layout, the buckets that raise an alert by default).

Every module reads a metric's facts from :data:`METRICS`; none compares a metric's name.  The
strings are catalog msgids (marked with ``N_``), translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.i18n import N_
from scoring import Kind, Measure, measures


@dataclass(frozen=True)
class Metric:
    """One metric: its :class:`~scoring.Measure` and how the bot shows and asks it."""

    measure: Measure
    label: str
    """Its name, as in "NPS summary"."""
    scale_hint: str
    """What the ends of the scale mean, under the question."""
    bucket_labels: Mapping[str, str]
    """Each bucket's name in a summary, in bucket order."""
    columns: int
    """Score buttons per row."""
    alert_on: tuple[str, ...]
    """The buckets that raise a manager alert when a survey file does not say."""
    command_help: str
    """Its summary command in a command menu."""
    score_line: str
    """The headline: ``{score} {margin} {n}`` for a net metric; ``{share} {mean} {n} {level}
    {low} {high}`` for a share."""
    score_line_few: str
    """The headline under 30 answers (a net metric's shows no margin)."""
    method_note: str | None = None
    """The method, named under the headline (CES 2.0)."""
    score_axis: str = ""
    """What a trend chart's score axis shows (:mod:`bot.charts.wording`); empty: the label."""
    talk_line: str = ""
    """The summary's and the digest's line naming the worst bucket's themes: ``{themes}``."""

    def __post_init__(self) -> None:
        if tuple(self.bucket_labels) != self.measure.buckets:
            raise ValueError(f"{self.key}: bucket labels must name {self.measure.buckets}")
        if not set(self.alert_on) <= set(self.measure.buckets):
            raise ValueError(f"{self.key}: alert_on must name buckets of {self.key}")

    @property
    def key(self) -> str:
        return self.measure.key

    @property
    def scale(self) -> tuple[int, int]:
        return self.measure.scale

    @property
    def buckets(self) -> tuple[str, ...]:
        return self.measure.buckets

    @property
    def worst(self) -> str:
        """The bucket whose comments managers read first."""
        return self.measure.worst

    @property
    def good(self) -> frozenset[str]:
        return self.measure.good

    @property
    def kind(self) -> Kind:
        return self.measure.kind

    def bucket(self, score: int) -> str:
        return self.measure.bucket(score)

    @property
    def unit(self) -> str:
        """What a change is measured in: points (a net score) or percentage points (a share);
        a msgid, and the ``unit`` of the summary's data."""
        return N_("points") if self.kind is Kind.NET else N_("percentage points")


class Registry(dict[str, Metric]):
    """Metrics by name, in the order the bot lists them; an unknown name is a KeyError that
    names the known ones."""

    def __missing__(self, key: str) -> Metric:
        raise KeyError(f"unknown metric {key!r} (known: {', '.join(self)})")


NPS = Metric(
    measure=measures.NPS,
    label=N_("NPS"),
    scale_hint=N_("0 = not at all likely, 10 = extremely likely."),
    bucket_labels={"detractor": N_("Detractors (0–6)"), "passive": N_("Passives (7–8)"),
                   "promoter": N_("Promoters (9–10)")},
    columns=6,
    alert_on=("detractor",),
    command_help=N_("NPS summary, e.g. /nps summary 30d"),
    score_line=N_("NPS {score} ± {margin} (n = {n})"),
    score_line_few=N_("NPS {score} (n = {n})"),
    score_axis=N_("NPS, from −100 to +100"),
    talk_line=N_("Detractors talk most about {themes}."),
)
_CSAT_LINE = N_("CSAT {share} satisfied (4–5), mean {mean} (n = {n}); {level} interval "
                "{low}–{high}")
CSAT = Metric(
    measure=measures.CSAT,
    label=N_("CSAT"),
    scale_hint=N_("1 = very unsatisfied, 5 = very satisfied."),
    bucket_labels={"unsatisfied": N_("Unsatisfied (1–2)"), "neutral": N_("Neutral"),
                   "satisfied": N_("Satisfied (4–5)")},
    columns=5,
    alert_on=(),
    command_help=N_("CSAT summary"),
    score_line=_CSAT_LINE,
    score_line_few=_CSAT_LINE,
    score_axis=N_("Satisfied (4–5), percent of answers"),
    talk_line=N_("Unsatisfied customers talk most about {themes}."),
)
_CES_LINE = N_("CES {share} agree it was easy (5–7), mean {mean} of 7 (n = {n}); {level} "
               "interval {low}–{high}")
CES = Metric(
    measure=measures.CES,
    label=N_("CES"),
    scale_hint=N_("1 = strongly disagree, 7 = strongly agree."),
    bucket_labels={"disagree": N_("Disagree (1–3)"), "neutral": N_("Neutral"),
                   "agree": N_("Agree (5–7)")},
    columns=4,
    alert_on=(),
    command_help=N_("CES summary"),
    score_line=_CES_LINE,
    score_line_few=_CES_LINE,
    score_axis=N_("Agree it was easy (5–7), percent of answers"),
    method_note=N_("Method: CES 2.0, agreement on a 1–7 scale."),
    talk_line=N_("Customers who found it hard talk most about {themes}."),
)

METRICS: Registry = Registry((m.key, m) for m in (NPS, CSAT, CES))
"""Every metric by name: the survey file's ``metric``, the managers' commands (``/nps``), the
CLI's ``--metric`` and the stored answers' ``metric`` column."""
