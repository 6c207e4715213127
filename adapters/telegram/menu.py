"""The command menu each language sees (``setMyCommands`` with ``language_code`` scopes)."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.metrics import METRICS

CUSTOMER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Take the survey")),
    ("language", N_("Choose your language")),
    ("stop", N_("Receive no more surveys")),
    ("help", N_("What this bot can do")),
    ("export_my_data", N_("Get a copy of your data")),
    ("delete_my_data", N_("Delete your answers and data")),
)
MANAGER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("cancel", N_("Cancel a reply to a customer")),
)


def commands_for(t: Translator, *, manager: bool) -> list[tuple[str, str]]:
    """The menu: the customers' commands, then for managers each metric's summary (from
    :data:`~bot.metrics.METRICS`) and the managers' other commands."""
    summaries = tuple((m.key, m.command_help) for m in METRICS.values())
    entries = CUSTOMER_COMMANDS + (summaries + MANAGER_COMMANDS if manager else ())
    return [(name, t.gettext(text)) for name, text in entries]

