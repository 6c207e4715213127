"""``survey-bot summary --format text``: the summary as a table (rich), one row for all answers
and one per segment, with the trend and the latest comments under it.  The chat keeps the plain
text of :mod:`bot.reports.render`."""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.i18n import Translator
from bot.metrics import METRICS
from bot.prompts import metric_label
from bot.reports.figures import (
    MARGIN_DIGITS,
    MEAN_DIGITS,
    SAMPLE_FLOOR,
    Headline,
    bucket_counts,
    headline,
)
from bot.reports.labels import bucket_names, segment_name
from bot.reports.queries import Counts, Report
from bot.reports.rates import Reach
from bot.reports.render import comment_lines, rate_lines, title, too_few_line, trend_line
from bot.reports.segments import as_now_line
from scoring import Kind

WARN = "⚠"


def _split_names(t: Translator) -> dict[str, str]:
    return {"channel": t.gettext("Channel"), "language": t.gettext("Language"),
            "campaign": t.gettext("Campaign"), "survey": t.gettext("Survey")}


def _score(metric: str, counts: Counts, t: Translator) -> str:
    return score_cell(metric, headline(metric, counts), t)


def score_cell(metric: str, h: Headline, t: Translator) -> str:
    """A figure as a table cell: ``+18 ± 9.8``, ``+40`` (too few for a margin),
    ``82% (75%–88%)``."""
    if h.score is None:
        return "—"
    if METRICS[metric].kind is Kind.NET:
        score = t.signed(h.score)
        return score if h.too_few else f"{score} ± {t.number(h.margin or 0, MARGIN_DIGITS)}"
    return t.gettext("{share} ({low}–{high})").format(
        share=t.percent(h.score / 100), low=t.percent((h.low or 0) / 100),
        high=t.percent((h.high or 0) / 100))


def _row(label: str, metric: str, counts: Counts, t: Translator) -> list[str]:
    h = headline(metric, counts)
    n = t.number(h.n) + (f" {WARN}" if 0 < h.n < SAMPLE_FLOOR else "")
    cells = [label, n, _score(metric, counts, t)]
    if METRICS[metric].kind is Kind.SHARE:
        cells.append("—" if h.mean is None else t.number(h.mean, MEAN_DIGITS))
    cells += [f"{t.number(c)} ({t.percent(c / h.n)})" if h.n else "—"
              for c in bucket_counts(metric, counts).values()]
    return cells


def _asked(n: int, invited: int, reach: Reach | None, t: Translator) -> list[str]:
    """Answers after an invitation / on their own, and the response rate (answered / sent)."""
    if reach is None:
        rate = ""
    elif reach.rate is None:
        rate = "—"
    else:
        rate = f"{t.percent(reach.rate)} ({t.number(reach.answered)}/{t.number(reach.sent)})"
    return [f"{t.number(invited)} / {t.number(n - invited)}", rate]


def summary_table(report: Report, t: Translator) -> Table:
    metric = report.metric
    share = METRICS[metric].kind is Kind.SHARE
    table = Table(title=title(report, t), box=box.SIMPLE_HEAD, title_justify="left")
    split = report.segment_by
    table.add_column(_split_names(t).get(split, split) if split else "")
    table.add_column("n", justify="right")
    heading = metric_label(metric, t)
    if share:
        heading = t.gettext("{metric} ({level} interval)").format(metric=heading,
                                                                level=t.percent(0.95))
    table.add_column(heading, justify="right", no_wrap=True)
    if share:
        table.add_column(t.gettext("Mean"), justify="right")
    for name in bucket_names(metric, t).values():
        table.add_column(name, justify="right")
    asked = report.tells_invited
    if asked:
        for name in (t.gettext("Invited / own"), t.gettext("Response rate")):
            table.add_column(name, justify="right")
    extra = _asked(sum(report.current.values()), report.invited, report.reach, t)
    table.add_row(*_row(t.gettext("All answers"), metric, report.current, t),
                  *(extra if asked else []), end_section=bool(report.segments))
    for key, counts in report.segments:
        extra = _asked(sum(counts.values()), report.segment_invited.get(key, 0),
                       report.segment_reach.get(key), t)
        table.add_row(*_row(segment_name(report, key, t), metric, counts, t),
                      *(extra if asked else []))
    return table


def notes(report: Report, t: Translator) -> list[str]:
    """What the table cannot say: the method, the sample warning, the trend, the comments."""
    lines: list[str] = []
    if note := METRICS[report.metric].method_note:
        lines.append(t.gettext(note))
    n = sum(report.current.values())
    small = [c for _, c in report.segments if 0 < sum(c.values()) < SAMPLE_FLOOR]
    if 0 < n < SAMPLE_FLOOR:
        lines.append(too_few_line(n, t))
    elif small:
        lines.append(t.ngettext(
            "{mark} fewer than {min} answer: too few to trust.",
            "{mark} fewer than {min} answers: too few to trust.", SAMPLE_FLOOR,
        ).format(mark=WARN, min=SAMPLE_FLOOR))
    if report.reach is not None:
        lines += rate_lines(report.reach, t)
    if (line := trend_line(report, t)) is not None:
        lines.append(line)
    lines.append(t.gettext("Days in the time zone {zone}.").format(zone=report.period.zone.key))
    if report.attribute is not None:
        lines.append(as_now_line(report.attribute, t))
    if comments := comment_lines(report, t):
        lines.append("")
        lines += comments
    return lines


def print_table(report: Report, t: Translator, file: TextIO, width: int | None = None) -> None:
    console = Console(file=file, width=width, highlight=False, emoji=False)
    console.print(summary_table(report, t))
    for line in notes(report, t):
        console.print(Text(line))
