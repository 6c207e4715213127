"""``survey-bot trend --format text``: the trend as a table (rich), one row per week or month,
with the change over the period under it.  The chat gets the chart and its caption instead."""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.i18n import Translator
from bot.metrics import METRICS
from bot.prompts import metric_label
from bot.reports.table import WARN, score_cell
from bot.reports.trend import TrendReport
from bot.reports.trend_text import change_line, few_line, point_label, title
from scoring import Kind
from scoring.trend import Grain


def trend_table(report: TrendReport, t: Translator) -> Table:
    metric = report.metric
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column(t.gettext("Week") if report.grain is Grain.WEEK else t.gettext("Month"))
    table.add_column("n", justify="right")
    heading = metric_label(metric, t)
    if METRICS[metric].kind is Kind.SHARE:
        heading = t.gettext("{metric} ({level} interval)").format(metric=heading,
                                                                level=t.percent(0.95))
    table.add_column(heading, justify="right", no_wrap=True)
    for point, h in zip(report.points, report.headlines, strict=True):
        n = t.number(h.n) + (f" {WARN}" if 0 < h.n and not point.enough else "")
        table.add_row(point_label(point, report.grain, t), n, score_cell(metric, h, t))
    return table


def print_trend(report: TrendReport, t: Translator, file: TextIO,
                width: int | None = None) -> None:
    console = Console(file=file, width=width, highlight=False, emoji=False)
    console.print(Text(title(report, t)))
    console.print(trend_table(report, t))
    lines = [change_line(report, t)]
    if (few := few_line(report, t)) is not None:
        lines.append(f"{WARN} {few}")
    lines.append(t.gettext("Days in the time zone {zone}.").format(zone=report.period.zone.key))
    for line in lines:
        console.print(Text(line))
