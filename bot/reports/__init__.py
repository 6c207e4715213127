"""Manager summaries: counts from the daily rollup (:mod:`.queries`), figures rounded once
(:mod:`.figures`), plain text for the chat (:mod:`.render`), JSON and CSV data (:mod:`.data`),
the chat command (:mod:`.commands`), and the CLI's table (:mod:`.table`: it imports rich, so
only the CLI imports it).  Trends and charts: :mod:`.daily`, :mod:`.trend`, :mod:`.trend_text`,
:mod:`.trend_table`, :mod:`.chart_commands` and :mod:`.chart_replies` (matplotlib: imported only
when a chart is drawn)."""

from bot.reports.commands import (
    ManagerContext,
    manager_command,
    manager_help_line,
    manager_reply,
    parse_summary_args,
    period_error,
    usage,
)
from bot.reports.data import CSV_HEADER, csv_rows, report_dict
from bot.reports.queries import SPLITS, Report, build_report, score_counts, segment_counts
from bot.reports.render import render_report
from bot.reports.segments import UnknownSplit

__all__ = [
    "CSV_HEADER", "SPLITS", "ManagerContext", "Report", "UnknownSplit", "build_report",
    "csv_rows", "manager_command", "manager_help_line", "manager_reply", "parse_summary_args",
    "period_error", "render_report", "report_dict", "score_counts", "segment_counts", "usage",
]
